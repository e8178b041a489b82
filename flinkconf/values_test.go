package flinkconf_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

// Volume cases follow MesosTaskManagerParametersTest (Flink 1.13,
// flink-mesos/src/test/.../MesosTaskManagerParametersTest.java).
func TestParseVolumes(t *testing.T) {
	rw, ro := flinkconf.VolumeRW, flinkconf.VolumeRO
	tests := []struct {
		name    string
		in      string
		want    []flinkconf.Volume
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"container only", "/c", []flinkconf.Volume{{ContainerPath: "/c", Mode: rw}}, false},
		{"container and mode", "/c:ro", []flinkconf.Volume{{ContainerPath: "/c", Mode: ro}}, false},
		{"host and container", "/h:/c", []flinkconf.Volume{{HostPath: "/h", ContainerPath: "/c", Mode: rw}}, false},
		{"host container mode", "/h:/c:RO", []flinkconf.Volume{{HostPath: "/h", ContainerPath: "/c", Mode: ro}}, false},
		{"mode case-insensitive", "/h:/c:rW", []flinkconf.Volume{{HostPath: "/h", ContainerPath: "/c", Mode: rw}}, false},
		{"several", "/a,/h:/b:ro", []flinkconf.Volume{{ContainerPath: "/a", Mode: rw}, {HostPath: "/h", ContainerPath: "/b", Mode: ro}}, false},
		{"blank entries skipped", " , /a ,, ", []flinkconf.Volume{{ContainerPath: "/a", Mode: rw}}, false},
		{"trailing colon dropped like Java split", "/c:", []flinkconf.Volume{{ContainerPath: "/c", Mode: rw}}, false},
		{"spaces around parts", " /h : /c : ro ", []flinkconf.Volume{{HostPath: "/h", ContainerPath: "/c", Mode: ro}}, false},
		{"bad mode", "/h:/c:rx", nil, true},
		{"four parts", "/a:/b:/c:ro", nil, true},
		{"only colons", ":", nil, true},
		{"empty host", ":/c", nil, true},
		{"empty container with mode", ":ro", nil, true},
		{"empty host three parts", ":/c:ro", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseVolumes(tt.in)
			if tt.wantErr {
				if !errors.Is(err, flinkconf.ErrInvalid) {
					t.Fatalf("ParseVolumes(%q) = %v, %v; want an ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseVolumes(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDockerParameters(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []flinkconf.Parameter
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"one", "a=b", []flinkconf.Parameter{{"a", "b"}}, false},
		{"value with =", "label=x=y", []flinkconf.Parameter{{"label", "x=y"}}, false},
		{"empty value", "a=", []flinkconf.Parameter{{"a", ""}}, false},
		{"several with blanks", "a=1, ,b=2,", []flinkconf.Parameter{{"a", "1"}, {"b", "2"}}, false},
		{"no =", "privileged", nil, true},
		{"empty key", "=x", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseDockerParameters(tt.in)
			if tt.wantErr {
				if !errors.Is(err, flinkconf.ErrInvalid) {
					t.Fatalf("ParseDockerParameters(%q) = %v, %v; want an ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseDockerParameters(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

// Quoting cases follow StructuredOptionsSplitterTest (Flink 1.13).
func TestParseLabels(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []flinkconf.Label
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"two", "k1:v1,k2:v2", []flinkconf.Label{{"k1", "v1"}, {"k2", "v2"}}, false},
		{"spaces trimmed", " k1 : v1 , k2:v2 ", []flinkconf.Label{{"k1", "v1"}, {"k2", "v2"}}, false},
		// How Flink's ConfigurationUtils.convertToString escapes {a:b -> c}
		// and {k -> x,y}.
		{"quoted colon", "'''a:b'':c'", []flinkconf.Label{{"a:b", "c"}}, false},
		{"quoted comma", "'k:x,y'", []flinkconf.Label{{"k", "x,y"}}, false},
		{"double quotes", `"k:x,y",b:c`, []flinkconf.Label{{"k", "x,y"}, {"b", "c"}}, false},
		{"quote not followed by delimiter", "'a:b':c", nil, true},
		{"doubled quote", `k:'it''s'`, []flinkconf.Label{{"k", "it's"}}, false},
		{"yaml map", "{a: 1, b: 'x'}", []flinkconf.Label{{"a", "1"}, {"b", "x"}}, false},
		{"no colon", "k1", nil, true},
		{"three parts", "a:b:c", nil, true},
		{"empty entry", "a:b,,c:d", nil, true},
		{"duplicate", "a:1,a:2", nil, true},
		{"unclosed quote", "'a:b", nil, true},
		{"text after quote", "'a'x:b", nil, true},
		{"yaml not a map", "{a", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseLabels(tt.in)
			if tt.wantErr {
				if !errors.Is(err, flinkconf.ErrInvalid) {
					t.Fatalf("ParseLabels(%q) = %v, %v; want an ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseLabels(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseConstraints(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []flinkconf.Constraint
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"Flink docs example", "az:eu-west-1a,series:t2", []flinkconf.Constraint{{"az", "eu-west-1a"}, {"series", "t2"}}, false},
		{"spaces and blanks", " az : a ,, ", []flinkconf.Constraint{{"az", "a"}}, false},
		{"no value (Flink ignored it)", "az:", nil, true},
		{"no colon (Flink ignored it)", "az", nil, true},
		{"three parts (Flink ignored it)", "a:b:c", nil, true},
		{"empty attribute", ":b", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseConstraints(tt.in)
			if tt.wantErr {
				if !errors.Is(err, flinkconf.ErrInvalid) {
					t.Fatalf("ParseConstraints(%q) = %v, %v; want an ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseConstraints(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseURIs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"blank", "  ", nil, false},
		{"trimmed", " http://a/x.tgz , file:///b ", []string{"http://a/x.tgz", "file:///b"}, false},
		{"empty entry", "a,,b", nil, true},
		{"trailing comma", "a,", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseURIs(tt.in)
			if tt.wantErr {
				if !errors.Is(err, flinkconf.ErrInvalid) {
					t.Fatalf("ParseURIs(%q) = %v, %v; want an ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseURIs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseAgentResources(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []flinkconf.Resource
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"brief example", "cpus:4;mem:8192;disk:10240;ports:[31000-31999]", []flinkconf.Resource{
			{Name: "cpus", Scalar: 4}, {Name: "mem", Scalar: 8192}, {Name: "disk", Scalar: 10240},
			{Name: "ports", Ranges: []flinkconf.Range{{31000, 31999}}},
		}, false},
		{"role, fraction, set, ranges", "cpus(flink):1.5; gpus:{a, b}; ports:[1-2,5-9]", []flinkconf.Resource{
			{Name: "cpus", Role: "flink", Scalar: 1.5}, {Name: "gpus", Set: []string{"a", "b"}},
			{Name: "ports", Ranges: []flinkconf.Range{{1, 2}, {5, 9}}},
		}, false},
		{"no colon", "cpus", nil, true},
		{"negative", "cpus:-1", nil, true},
		{"not a number", "cpus:many", nil, true},
		{"reversed range", "ports:[9-1]", nil, true},
		{"unclosed range", "ports:[1-2", nil, true},
		{"empty set", "x:{}", nil, true},
		{"twice", "cpus:1;cpus:2", nil, true},
		{"empty role", "cpus():1", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseAgentResources(tt.in)
			if tt.wantErr {
				if !errors.Is(err, flinkconf.ErrInvalid) {
					t.Fatalf("ParseAgentResources(%q) = %v, %v; want an ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseAgentResources(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseMaster(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    flinkconf.Master
		wantErr error
	}{
		{"host:port", "10.0.0.1:5050", flinkconf.Master{Kind: flinkconf.MasterStatic, URLs: []string{"http://10.0.0.1:5050"}}, nil},
		{"mesos scheme", "mesos://m1:5050", flinkconf.Master{Kind: flinkconf.MasterStatic, URLs: []string{"http://m1:5050"}}, nil},
		{"libprocess pid", "master@m1:5050", flinkconf.Master{Kind: flinkconf.MasterStatic, URLs: []string{"http://m1:5050"}}, nil},
		{"http", "http://m1:5050/", flinkconf.Master{Kind: flinkconf.MasterStatic, URLs: []string{"http://m1:5050"}}, nil},
		{"https with path, no port", "https://leader.mesos/mesos", flinkconf.Master{Kind: flinkconf.MasterStatic, URLs: []string{"https://leader.mesos/mesos"}}, nil},
		{"ipv6", "[::1]:5050", flinkconf.Master{Kind: flinkconf.MasterStatic, URLs: []string{"http://[::1]:5050"}}, nil},
		{"list", "m1:5050, https://m2:5050", flinkconf.Master{Kind: flinkconf.MasterStatic, URLs: []string{"http://m1:5050", "https://m2:5050"}}, nil},
		{"zk", "zk://z1:2181,z2:2181/mesos", flinkconf.Master{Kind: flinkconf.MasterZooKeeper, ZKServers: []string{"z1:2181", "z2:2181"}, ZKPath: "/mesos"}, nil},
		{"zk default port", "zk://z1/mesos/", flinkconf.Master{Kind: flinkconf.MasterZooKeeper, ZKServers: []string{"z1:2181"}, ZKPath: "/mesos"}, nil},
		{"zk credentials", "zk://u:p@z1:2181/mesos", flinkconf.Master{Kind: flinkconf.MasterZooKeeper, ZKServers: []string{"z1:2181"}, ZKPath: "/mesos", ZKCredentials: flinkconf.NewSecret("u:p")}, nil},
		{"mesos zk", "mesos://zk://z1:2181/mesos", flinkconf.Master{Kind: flinkconf.MasterZooKeeper, ZKServers: []string{"z1:2181"}, ZKPath: "/mesos"}, nil},
		{"local", "local", flinkconf.Master{Kind: flinkconf.MasterLocal, LocalAgents: 1}, nil},
		{"local 3", "local[3]", flinkconf.Master{Kind: flinkconf.MasterLocal, LocalAgents: 3}, nil},
		{"empty", "", flinkconf.Master{}, flinkconf.ErrRequired},
		{"no port", "m1", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"bad port", "m1:99999", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"empty list entry", "m1:5050,,m2:5050", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"unknown scheme", "ftp://m1:21", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"zk root path (Mesos rejects /)", "zk://z1:2181/", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"zk without path", "zk://z1:2181", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"zk half credentials", "zk://u@z1:2181/m", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"zk path with an empty element", "zk://z1:2181//", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"zk path with a double slash", "zk://z1:2181/a//b", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"zk path with a dot element", "zk://z1:2181/mesos/..", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"local 0", "local[0]", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"local x", "local[x]", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"local 1000", "local[1000]", flinkconf.Master{Kind: flinkconf.MasterLocal, LocalAgents: 1000}, nil},
		{"local 1001: more agents than one machine has ports for", "local[1001]", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"url with credentials", "http://u:p@m1:5050", flinkconf.Master{}, flinkconf.ErrInvalid},
		{"file inside file", "file:///x", flinkconf.Master{}, flinkconf.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseMaster(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseMaster(%q) = %v, %v; want %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseMaster(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestMasterStringHidesCredentials(t *testing.T) {
	m, err := flinkconf.ParseMaster("zk://alice:s3cret@z1:2181,z2:2181/mesos")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.String(), "zk://******@z1:2181,z2:2181/mesos"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := m.LogValue().String(); got != m.String() {
		t.Errorf("LogValue() = %q, want %q", got, m.String())
	}
	if got := m.ZKCredentials.Reveal(); got != "alice:s3cret" {
		t.Errorf("Reveal() = %q", got)
	}
}
