package flinkconf_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from flinkconf.WriteReference")

func TestReferenceDoc(t *testing.T) {
	var b bytes.Buffer
	if err := flinkconf.WriteReference(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "configuration.md")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("docs/configuration.md is not what flinkconf.WriteReference writes (err %v); regenerate it with: go test ./flinkconf -update", err)
	}
}

func TestReference(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range flinkconf.Reference() {
		if seen[d.Key] {
			t.Errorf("%s listed twice", d.Key)
		}
		seen[d.Key] = true
		if d.Type == "" || d.Default == "" || d.Meaning == "" || d.Group == "" {
			t.Errorf("%s: incomplete documentation %+v", d.Key, d)
		}
		if d.Origin != flinkconf.OriginFlink113 && d.Origin != flinkconf.OriginAdded {
			t.Errorf("%s: origin %q", d.Key, d.Origin)
		}
		if d.Origin == flinkconf.OriginAdded && !strings.HasPrefix(d.Key, "mesos.") {
			t.Errorf("%s: keys this project adds must start with mesos.", d.Key)
		}
	}
	// Every group the issue lists has a table.
	var b bytes.Buffer
	if err := flinkconf.WriteReference(&b); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"Mesos master and framework", "TaskManager tasks", "JobManager task", "Containers", "Placement", "Scheduler HTTP server", "High availability", "Local mode", "Flink keys read"} {
		if !strings.Contains(b.String(), "\n## "+g+"\n") {
			t.Errorf("no section %q", g)
		}
	}
}

// Reference returns copies: changing them does not change the package.
func TestReferenceIsACopy(t *testing.T) {
	r := flinkconf.Reference()
	for i := range r {
		if len(r[i].Deprecated) > 0 {
			r[i].Deprecated[0] = "changed"
			if flinkconf.Reference()[i].Deprecated[0] == "changed" {
				t.Fatal("Reference shares its slices")
			}
			return
		}
	}
	t.Fatal("no option with deprecated keys")
}
