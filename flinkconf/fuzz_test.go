package flinkconf_test

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

func isValidationError(err error) bool {
	var ve *flinkconf.ValidationError
	return errors.As(err, &ve) && len(ve.Problems) > 0 && ve.ExitCode() == 2
}

// FuzzReadFlinkConf: the legacy parser never panics, what it returns obeys
// Flink's line rules, and writing it back reads back the same.
func FuzzReadFlinkConf(f *testing.F) {
	for _, s := range []string{
		"a: b\n", "# c\nkey: value # comment\n", "k:v\n", "mesos.master:m:5050\n", "a: b: c\r\nd: e\rf: g",
		" : \n", "x: 1\nx: 2\n", "\xff: \xfe\n", "\t a \t: \t b \t\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := flinkconf.ReadFlinkConf(data, "flink-conf.yaml")
		if err != nil {
			if !isValidationError(err) || !errors.Is(err, flinkconf.ErrSyntax) {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		m := all(c)
		for k, v := range m {
			if k == "" || v == "" || strings.ContainsAny(k+v, "#\r\n") || strings.Contains(k, ": ") {
				t.Fatalf("entry %q: %q breaks Flink's line rules", k, v)
			}
		}
		var b bytes.Buffer
		if err := flinkconf.WriteFlinkConf(&b, m); err != nil {
			t.Fatalf("cannot write back %q: %v", m, err)
		}
		c2, err := flinkconf.ReadFlinkConf(b.Bytes(), "flink-conf.yaml")
		if err != nil {
			t.Fatalf("cannot read back %q: %v", b.String(), err)
		}
		if got := all(c2); !maps.Equal(got, m) {
			t.Fatalf("round trip changed %q into %q", m, got)
		}
	})
}

// FuzzLoadConfigYAML loads arbitrary bytes as DIR/config.yaml: no panic,
// errors are configuration errors, and a loaded map written back with
// WriteConfigYAML loads back unchanged.
func FuzzLoadConfigYAML(f *testing.F) {
	for _, s := range []string{
		"a: 1\n", "a:\n  b: [x, 'y', {c: d}]\n", "invalid", "- a\n", "a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n",
		"a: 1\na: 2\n", "a: {b: 1}\na.b: 2\n", "a: yes\nb: 0x1F\nc: 1e3\nd: ~\n", "a: 1\n---\nb: 2\n", "? [a]\n: b\n",
		"a: \"\\u00e9\\n\"\nb: |\n  x\n", "{a: [1, [2, [3]]]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := flinkconf.Load(dir, nil)
		if err != nil {
			if !isValidationError(err) {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		m := all(c)
		var b bytes.Buffer
		if err := flinkconf.WriteConfigYAML(&b, m); err != nil {
			// Only non-UTF-8 text cannot be written; YAML input is UTF-8.
			t.Fatalf("cannot write back %q: %v", m, err)
		}
		c2, err := flinkconf.ReadConfigYAML(b.Bytes(), "config.yaml")
		if err != nil {
			t.Fatalf("cannot read back %q: %v", b.String(), err)
		}
		if got := all(c2); !maps.Equal(got, m) {
			t.Fatalf("round trip changed %q into %q", m, got)
		}
	})
}

// FuzzOptions runs arbitrary flink-conf.yaml content through Options: no
// panic, and every failure is a *ValidationError.
func FuzzOptions(f *testing.F) {
	f.Add([]byte("mesos.master: m:5050\ntaskmanager.memory.process.size: 1728m\n"))
	f.Add([]byte("mesos.master: zk://u:p@z/m\ntaskmanager.memory.flink.size: 1g\nhigh-availability: zookeeper\n"))
	f.Add([]byte("mesos.master: local[2]\ntaskmanager.memory.task.heap.size: 1m\ntaskmanager.memory.managed.size: 1t\ntaskmanager.network.numberOfBuffers: 2147483647\n"))
	f.Add([]byte("mesos.resourcemanager.tasks.labels.a: b\njobmanager.memory.heap.size: 9223372036854775807\ntaskmanager.memory.jvm-overhead.fraction: 0.999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := flinkconf.ReadFlinkConf(data, "flink-conf.yaml")
		if err != nil {
			return
		}
		o, err := c.Options(testEnv(nil))
		if err != nil {
			if !isValidationError(err) {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		if o.TaskManager.MemMiB <= 0 || o.JobManager.MemMiB <= 0 || o.TaskManager.CPUs <= 0 || o.TaskManager.Slots < 1 {
			t.Fatalf("accepted options with no resources: %+v", o.TaskManager)
		}
	})
}

func FuzzParseMemorySize(f *testing.F) {
	for _, s := range []string{"1728m", "2 gb", "0", "1.5g", "-1", "9223372036854775807", "8589934592 g", " 12 KiBiBytes "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := flinkconf.ParseMemorySize(s)
		if err != nil {
			if !errors.Is(err, flinkconf.ErrInvalid) && !errors.Is(err, flinkconf.ErrOutOfRange) {
				t.Fatalf("error %v has no kind", err)
			}
			return
		}
		if n < 0 {
			t.Fatalf("%q parsed to negative %d", s, n)
		}
		if back, err := flinkconf.ParseMemorySize(strconv.FormatInt(n, 10) + " b"); err != nil || back != n {
			t.Fatalf("%d bytes does not parse back: %d, %v", n, back, err)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5000", "30 s", "1 min", "15m", "2 µs", "7 NANOS", "999999999999 d", "1h30m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := flinkconf.ParseDuration(s)
		if err != nil {
			if !errors.Is(err, flinkconf.ErrInvalid) && !errors.Is(err, flinkconf.ErrOutOfRange) {
				t.Fatalf("error %v has no kind", err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("%q parsed to negative %v", s, d)
		}
		if back, err := flinkconf.ParseDuration(flinkconf.FormatDuration(d)); err != nil || back != d {
			t.Fatalf("%v formatted as %q parses back to %v, %v", d, flinkconf.FormatDuration(d), back, err)
		}
	})
}

func FuzzParseVolumes(f *testing.F) {
	for _, s := range []string{"/c", "/h:/c", "/c:ro", "/h:/c:RW", "a:b:c:d", ":", " , /x ,", "/h:/c:rx", ":ro"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := flinkconf.ParseVolumes(s)
		if err != nil {
			if !errors.Is(err, flinkconf.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		var parts []string
		for _, v := range vs {
			if v.ContainerPath == "" || (v.Mode != flinkconf.VolumeRO && v.Mode != flinkconf.VolumeRW) {
				t.Fatalf("bad volume %+v from %q", v, s)
			}
			spec := v.ContainerPath + ":" + string(v.Mode)
			if v.HostPath != "" {
				spec = v.HostPath + ":" + spec
			}
			parts = append(parts, spec)
		}
		back, err := flinkconf.ParseVolumes(strings.Join(parts, ","))
		if err != nil || len(back) != len(vs) {
			t.Fatalf("re-rendered %q does not parse back: %v, %v", parts, back, err)
		}
		for i := range vs {
			if back[i] != vs[i] {
				t.Fatalf("round trip changed %+v into %+v", vs[i], back[i])
			}
		}
	})
}

func FuzzParseDockerParameters(f *testing.F) {
	for _, s := range []string{"a=b", "a=b=c,d=", "x", "=y", " , k=v ,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := flinkconf.ParseDockerParameters(s)
		if err != nil {
			if !errors.Is(err, flinkconf.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		var parts []string
		for _, p := range ps {
			if p.Key == "" || strings.ContainsAny(p.Key, "=,") || strings.Contains(p.Value, ",") {
				t.Fatalf("bad parameter %+v from %q", p, s)
			}
			parts = append(parts, p.Key+"="+p.Value)
		}
		back, err := flinkconf.ParseDockerParameters(strings.Join(parts, ","))
		if err != nil || len(back) != len(ps) {
			t.Fatalf("re-rendered %q does not parse back: %v, %v", parts, back, err)
		}
	})
}

func FuzzParseLabels(f *testing.F) {
	for _, s := range []string{"a:b,c:d", "'''a:b'':c'", `"k:x,y"`, "{a: 1}", "a", "a:b,,c:d", "'unclosed", "{a: [1]}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := flinkconf.ParseLabels(s)
		if err != nil {
			if !errors.Is(err, flinkconf.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, l := range ls {
			if seen[l.Key] {
				t.Fatalf("duplicate key %q from %q", l.Key, s)
			}
			seen[l.Key] = true
		}
	})
}

func FuzzParseConstraints(f *testing.F) {
	for _, s := range []string{"az:a,series:t2", "az", "a:b:c", ",,", " x : y "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := flinkconf.ParseConstraints(s)
		if err != nil {
			if !errors.Is(err, flinkconf.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		var parts []string
		for _, c := range cs {
			if c.Attribute == "" || c.Value == "" || strings.ContainsAny(c.Attribute+c.Value, ":,") {
				t.Fatalf("bad constraint %+v from %q", c, s)
			}
			parts = append(parts, c.Attribute+":"+c.Value)
		}
		back, err := flinkconf.ParseConstraints(strings.Join(parts, ","))
		if err != nil || len(back) != len(cs) {
			t.Fatalf("re-rendered %q does not parse back: %v, %v", parts, back, err)
		}
	})
}

func FuzzParseMaster(f *testing.F) {
	for _, s := range []string{"m:5050", "http://m:5050/x", "zk://u:p@a:1,b/m", "mesos://zk://a/m", "local[3]", "[::1]:5050", "zk://@/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := flinkconf.ParseMaster(s)
		if err != nil {
			return
		}
		switch m.Kind {
		case flinkconf.MasterStatic:
			if len(m.URLs) == 0 {
				t.Fatalf("%q: static master without URLs", s)
			}
		case flinkconf.MasterZooKeeper:
			if len(m.ZKServers) == 0 || !strings.HasPrefix(m.ZKPath, "/") || len(m.ZKPath) < 2 {
				t.Fatalf("%q: bad ZooKeeper master %+v", s, m)
			}
			if cred := m.ZKCredentials.Reveal(); cred != "" && strings.Contains(m.String(), cred) {
				t.Fatalf("%q: String() shows the credentials", s)
			}
		case flinkconf.MasterLocal:
			if m.LocalAgents < 1 {
				t.Fatalf("%q: %d local agents", s, m.LocalAgents)
			}
		default:
			t.Fatalf("%q: no kind", s)
		}
	})
}

func FuzzParseAgentResources(f *testing.F) {
	for _, s := range []string{"cpus:4;mem:8192;disk:10240;ports:[31000-31999]", "cpus(r):1;x:{a,b}", "a:[2-1]", "a", ";;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := flinkconf.ParseAgentResources(s)
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.Name == "" || r.Scalar < 0 {
				t.Fatalf("bad resource %+v from %q", r, s)
			}
			for _, rg := range r.Ranges {
				if rg.Begin > rg.End {
					t.Fatalf("reversed range %+v from %q", rg, s)
				}
			}
		}
	})
}
