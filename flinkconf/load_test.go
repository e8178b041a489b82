package flinkconf_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func all(c *flinkconf.Config) map[string]string {
	m := map[string]string{}
	for _, k := range c.Keys() {
		m[k], _ = c.Get(k)
	}
	return m
}

// The lines of Flink's own GlobalConfigurationTest.testConfigurationWithLegacyYAML,
// with the outcome Flink asserts for each.
func TestReadFlinkConfFlinkCases(t *testing.T) {
	lines := []string{
		"###########################",
		"# Some : comments : to skip",
		"###########################",
		"mykey1: myvalue1",
		"mykey2       : myvalue2",
		"mykey3:myvalue3",
		" some nonsense without colon and whitespace separator",
		" :  ",
		"   ",
		" ",
		"mykey4: myvalue4# some comments",
		"   mykey5    :    myvalue5    ",
		"mykey6: my: value6",
		"mykey7: ",
		": myvalue8",
		"mykey9: myvalue9",
		"mykey9: myvalue10",
	}
	c, err := flinkconf.ReadFlinkConf([]byte(strings.Join(lines, "\n")+"\n"), "flink-conf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"mykey1": "myvalue1", "mykey2": "myvalue2", "mykey4": "myvalue4",
		"mykey5": "myvalue5", "mykey6": "my: value6", "mykey9": "myvalue10",
	}
	if got := all(c); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, want := c.Source("mykey9"), "flink-conf.yaml:17"; got != want {
		t.Errorf("Source(mykey9) = %q, want %q", got, want)
	}
	if got, want := c.Source("absent"), "default"; got != want {
		t.Errorf("Source(absent) = %q, want %q", got, want)
	}
	// mykey3, the nonsense line, " :", mykey7, ": myvalue8" and the second mykey9.
	if got := len(c.Warnings()); got != 6 {
		t.Errorf("%d warnings, want 6: %v", got, c.Warnings())
	}
}

func TestReadFlinkConf(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{"CRLF", "a: 1\r\nb: 2\r\n", map[string]string{"a": "1", "b": "2"}, ""},
		{"lone CR ends a line as in Java readLine", "a: 1\rb: 2", map[string]string{"a": "1", "b": "2"}, ""},
		{"no final newline", "a: 1", map[string]string{"a": "1"}, ""},
		{"hash in value is a comment", "a: x#y", map[string]string{"a": "x"}, ""},
		{"quotes are kept", `a: "x"`, map[string]string{"a": `"x"`}, ""},
		{"tab around", "\ta:\tb\t", map[string]string{}, ""},
		{"tab after colon space", "a: \tb", map[string]string{"a": "b"}, ""},
		{"empty file", "", map[string]string{}, ""},
		{"missing space for a mesos key", "mesos.master:host:5050", nil, "mesos.master (flink-conf.yaml:1): no \": \" after the key"},
		{"missing space for a known Flink key", "taskmanager.numberOfTaskSlots:2", nil, "taskmanager.numberOfTaskSlots (flink-conf.yaml:1)"},
		{"missing space for a foreign key is only a warning", "state.backend:rocksdb", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := flinkconf.ReadFlinkConf([]byte(tt.in), "flink-conf.yaml")
			if tt.wantErr != "" {
				if !errors.Is(err, flinkconf.ErrSyntax) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want an ErrSyntax containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := all(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// Flink's GlobalConfigurationTest.testConfigurationWithStandardYAML (Flink
// 1.19+): twelve keys, maps flattened, lists kept as YAML flow strings.
func TestReadConfigYAMLFlinkCase(t *testing.T) {
	in := `Key1: 
    Key2: v1
    Key3: 'v2'
Key4: 1
Key5: '1'
Key6: '*'
Key7: true
Key8: 'true'
Key9: [a, b, '*', 1, '2',  true, 'true']
Key10: {k1: v1, k2: '2', k3: 3}
Key11: [{k1: v1, k2: '2', k3: 3}, {k4: true}]
`
	c, err := flinkconf.ReadConfigYAML([]byte(in), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Key1.Key2": "v1", "Key1.Key3": "v2", "Key4": "1", "Key5": "1", "Key6": "*",
		"Key7": "true", "Key8": "true",
		"Key9":     "[a, b, '*', 1, '2', true, 'true']",
		"Key10.k1": "v1", "Key10.k2": "2", "Key10.k3": "3",
		"Key11": "[{k1: v1, k2: '2', k3: 3}, {k4: true}]",
	}
	if got := all(c); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if got, want := c.Source("Key1.Key3"), "config.yaml:3"; got != want {
		t.Errorf("Source = %q, want %q", got, want)
	}
}

func TestReadConfigYAML(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{"empty", "", map[string]string{}, ""},
		{"only comments", "# nothing\n", map[string]string{}, ""},
		{"null document", "~\n", map[string]string{}, ""},
		{"dotted keys", "taskmanager.numberOfTaskSlots: 2\n", map[string]string{"taskmanager.numberOfTaskSlots": "2"}, ""},
		{"nested", "taskmanager:\n  memory:\n    process.size: 1728m\n", map[string]string{"taskmanager.memory.process.size": "1728m"}, ""},
		{"yaml 1.1 booleans", "a: yes\nb: Off\nc: 'yes'\n", map[string]string{"a": "true", "b": "false", "c": "yes"}, ""},
		{"integers in other bases", "a: 0x10\nb: 0755\nc: 1_000\nd: 0b101\ne: 1:30\nf: -0x1\n", map[string]string{"a": "16", "b": "493", "c": "1000", "d": "5", "e": "90", "f": "-1"}, ""},
		{"floats as Java prints them", "a: 1e3\nb: 0.5\nc: 1.0\nd: .inf\ne: 12345678.0\nf: 0.0001\n", map[string]string{"a": "1000.0", "b": "0.5", "c": "1.0", "d": "Infinity", "e": "1.2345678E7", "f": "1.0E-4"}, ""},
		{"quoted and block scalars keep text", "a: \"0x10\"\nb: |\n  line\n", map[string]string{"a": "0x10", "b": "line\n"}, ""},
		{"sizes and durations stay text", "a: 1728m\nb: 30 s\n", map[string]string{"a": "1728m", "b": "30 s"}, ""},
		{"list of strings needing quotes", "a: ['x, y', 'it''s', ': z', '', yes, 'yes']\n", map[string]string{"a": "['x, y', it's, ': z', '', true, 'yes']"}, ""},
		{"empty list and map", "a: []\nb: {}\n", map[string]string{"a": "[]"}, ""},
		{"anchors and merge keys", "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n", map[string]string{"base.x": "1", "base.y": "2", "derived.x": "1", "derived.y": "3"}, ""},
		{"alias value", "a: &v 5\nb: *v\n", map[string]string{"a": "5", "b": "5"}, ""},
		{"not a map", "invalid\n", nil, "config.yaml:1: the top level is the scalar \"invalid\""},
		{"a list", "- a\n- b\n", nil, "the top level is a list"},
		{"syntax error has line", "a: 1\nb: [\n", nil, "config.yaml:"},
		{"duplicate key", "a: 1\na: 2\n", nil, "a (config.yaml:2): duplicate key (first at line 1)"},
		{"null value", "mesos.master:\n", nil, "mesos.master (config.yaml:1): no value"},
		{"same key nested and dotted", "a:\n  b: 1\na.b: 2\n", nil, "a.b (config.yaml:3): set twice (first at line 2)"},
		{"two documents", "a: 1\n---\nb: 2\n", nil, "second YAML document"},
		{"map as key", "? {a: 1}\n: x\n", nil, "a key must be a scalar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := flinkconf.ReadConfigYAML([]byte(tt.in), "config.yaml")
			if tt.wantErr != "" {
				if !errors.Is(err, flinkconf.ErrSyntax) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want an ErrSyntax containing %q", err, tt.wantErr)
				}
				var ve *flinkconf.ValidationError
				if !errors.As(err, &ve) || ve.ExitCode() != 2 {
					t.Fatalf("error %T is not a *ValidationError with exit code 2", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := all(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestReadConfigYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		prev := "*a" + string(rune('0'+i-1))
		if i > 9 {
			prev = "*a" + string(rune('a'+i-10))
		}
		name := string(rune('0' + i))
		if i > 9 {
			name = string(rune('a' + i - 10))
		}
		b.WriteString("a" + name + ": &a" + name + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	_, err := flinkconf.ReadConfigYAML([]byte(b.String()), "config.yaml")
	if err == nil {
		t.Fatal("an alias bomb loaded without error")
	}
}

func TestLoad(t *testing.T) {
	t.Run("config.yaml wins over flink-conf.yaml", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "flink-conf.yaml", "a: legacy\n")
		writeFile(t, dir, "config.yaml", "a: standard\n")
		c, err := flinkconf.Load(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := c.Get("a"); v != "standard" || c.File() != "config.yaml" {
			t.Errorf("a = %q from %q, want standard from config.yaml", v, c.File())
		}
	})
	t.Run("flink-conf.yaml when alone", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "flink-conf.yaml", "a: legacy\n")
		c, err := flinkconf.Load(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := c.Get("a"); v != "legacy" || c.Source("a") != "flink-conf.yaml:1" {
			t.Errorf("a = %q from %q", v, c.Source("a"))
		}
	})
	t.Run("-D over file, last -D wins", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "flink-conf.yaml", "a: file\nb: file\n")
		c, err := flinkconf.Load(dir, []flinkconf.KV{{"a", "one"}, {"a", "two"}, {"c", "new"}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"a": "two", "b": "file", "c": "new"}
		if got := all(c); !maps.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
		if c.Source("a") != "-D" || c.Source("b") != "flink-conf.yaml:2" {
			t.Errorf("sources %q %q", c.Source("a"), c.Source("b"))
		}
	})
	t.Run("no dir: only overrides", func(t *testing.T) {
		c, err := flinkconf.Load("", []flinkconf.KV{{"a", "1"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := all(c); !maps.Equal(got, map[string]string{"a": "1"}) {
			t.Errorf("got %v", got)
		}
	})
	errCases := []struct {
		name      string
		setup     func(t *testing.T) string
		overrides []flinkconf.KV
		kind      error
		contains  string
	}{
		{"missing dir", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") }, nil, flinkconf.ErrFile, "cannot be read"},
		{"dir without files", func(t *testing.T) string { return t.TempDir() }, nil, flinkconf.ErrFile, "neither config.yaml nor flink-conf.yaml"},
		{"dir is a file", func(t *testing.T) string {
			d := t.TempDir()
			writeFile(t, d, "f", "x")
			return filepath.Join(d, "f")
		}, nil, flinkconf.ErrFile, "not a directory"},
		{"config.yaml is a directory", func(t *testing.T) string {
			d := t.TempDir()
			if err := os.Mkdir(filepath.Join(d, "config.yaml"), 0o700); err != nil {
				t.Fatal(err)
			}
			return d
		}, nil, flinkconf.ErrFile, "not a regular file"},
		{"empty -D key", func(t *testing.T) string { return "" }, []flinkconf.KV{{" ", "x"}}, flinkconf.ErrSyntax, `"x" (-D #1): the key is empty`},
		{"file and -D problems together", func(t *testing.T) string {
			d := t.TempDir()
			writeFile(t, d, "config.yaml", "- x\n")
			return d
		}, []flinkconf.KV{{"", "y"}}, flinkconf.ErrSyntax, "configuration has 2 problems"},
	}
	for _, tt := range errCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := flinkconf.Load(tt.setup(t), tt.overrides)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("Load error = %v, want %v containing %q", err, tt.kind, tt.contains)
			}
			var ve *flinkconf.ValidationError
			if !errors.As(err, &ve) || ve.ExitCode() != 2 {
				t.Fatalf("error %T is not a *ValidationError with exit code 2", err)
			}
		})
	}
}

func TestResolveDir(t *testing.T) {
	env := func(k string) string {
		if k == "FLINK_CONF_DIR" {
			return "/from/env"
		}
		return ""
	}
	if got := flinkconf.ResolveDir("/flag", env); got != "/flag" {
		t.Errorf("ResolveDir with flag = %q", got)
	}
	if got := flinkconf.ResolveDir("", env); got != "/from/env" {
		t.Errorf("ResolveDir without flag = %q", got)
	}
	if got := flinkconf.ResolveDir("", func(string) string { return "" }); got != "" {
		t.Errorf("ResolveDir with nothing = %q", got)
	}
}

func TestSetGetKeys(t *testing.T) {
	c := flinkconf.FromMap(map[string]string{"b": "2", "a": "1"})
	c.Set("c", "3")
	if got, want := c.Keys(), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %v, want %v", got, want)
	}
	if v, ok := c.Get("c"); !ok || v != "3" || c.Source("c") != "set" || c.Source("a") != "map" {
		t.Errorf("Get(c) = %q, %v; sources %q %q", v, ok, c.Source("c"), c.Source("a"))
	}
	if _, ok := c.Get("zz"); ok {
		t.Error("Get of an unset key reported ok")
	}
}

func TestPassThrough(t *testing.T) {
	c := flinkconf.FromMap(map[string]string{
		"mesos.master":                                   "zk://u:p@z:2181/mesos",
		"mesos.resourcemanager.framework.secret":         "s",
		"mesos.scheduler.http.token":                     "t",
		"high-availability":                              "zookeeper",
		"high-availability.zookeeper.quorum":             "z:2181",
		"state.backend":                                  "rocksdb",
		"taskmanager.memory.process.size":                " 1728m ",
		"containerized.taskmanager.env.HADOOP_CLASSPATH": "/x",
	})
	want := map[string]string{
		"high-availability":                              "zookeeper",
		"high-availability.zookeeper.quorum":             "z:2181",
		"state.backend":                                  "rocksdb",
		"taskmanager.memory.process.size":                " 1728m ",
		"containerized.taskmanager.env.HADOOP_CLASSPATH": "/x",
	}
	if got := c.PassThrough(); !maps.Equal(got, want) {
		t.Errorf("PassThrough = %v\nwant %v", got, want)
	}
}
