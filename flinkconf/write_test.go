package flinkconf_test

import (
	"bytes"
	"errors"
	"maps"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

func TestWriteRoundTrip(t *testing.T) {
	m := map[string]string{
		"jobmanager.rpc.address":          "jm.example",
		"env.java.opts":                   "-Dx=\"a b\" -XX:+UseG1GC",
		"a.b":                             "value: with colon",
		"pipeline.cached-files":           "name:f1,path:'file:///tmp/f1'",
		"taskmanager.memory.process.size": "1728m",
		"unicode":                         "µs ✓",
	}
	for _, w := range []struct {
		name  string
		file  string
		write func(*bytes.Buffer, map[string]string) error
	}{
		{"flink-conf.yaml", "flink-conf.yaml", func(b *bytes.Buffer, m map[string]string) error { return flinkconf.WriteFlinkConf(b, m) }},
		{"config.yaml", "config.yaml", func(b *bytes.Buffer, m map[string]string) error { return flinkconf.WriteConfigYAML(b, m) }},
	} {
		t.Run(w.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := w.write(&b, m); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFile(t, dir, w.file, b.String())
			c, err := flinkconf.Load(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := all(c); !maps.Equal(got, m) {
				t.Errorf("read back %v\nwant %v\nfile:\n%s", got, m, b.String())
			}
		})
	}
}

func TestWriteFlinkConfRejects(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]string
	}{
		{"hash in value", map[string]string{"a": "x#y"}},
		{"newline in value", map[string]string{"a": "x\ny"}},
		{"empty value", map[string]string{"a": ""}},
		{"value with leading space", map[string]string{"a": " x"}},
		{"empty key", map[string]string{"": "x"}},
		{"colon space in key", map[string]string{"a: b": "x"}},
		{"hash in key", map[string]string{"a#": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := flinkconf.WriteFlinkConf(&b, tt.m)
			if !errors.Is(err, flinkconf.ErrInvalid) {
				t.Fatalf("error = %v, want ErrInvalid", err)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %q despite the error", b.String())
			}
		})
	}
}

func TestWriteConfigYAMLRejects(t *testing.T) {
	for _, m := range []map[string]string{{"": "x"}, {"a": "\xff"}} {
		if err := flinkconf.WriteConfigYAML(&bytes.Buffer{}, m); !errors.Is(err, flinkconf.ErrInvalid) {
			t.Errorf("WriteConfigYAML(%q) error = %v, want ErrInvalid", m, err)
		}
	}
}
