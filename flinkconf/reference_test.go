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

var update = flag.Bool("update", false, "rewrite the configuration reference in README.md from flinkconf.WriteReference")

const (
	beginRef = "<!-- BEGIN generated configuration reference -->\n"
	endRef   = "<!-- END generated configuration reference -->"
)

// The reference lives in README.md under its own Configuration heading,
// one level down, between two markers; this test keeps it equal to what WriteReference writes.
func TestReferenceInREADME(t *testing.T) {
	var b bytes.Buffer
	if err := flinkconf.WriteReference(&b); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if strings.HasPrefix(line, "# ") {
			continue // README.md has its own Configuration heading
		}
		if strings.HasPrefix(line, "#") {
			line = "#" + line
		}
		want.WriteString(line)
	}
	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(readme, []byte(beginRef))
	j := bytes.Index(readme, []byte(endRef))
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q ... %q", beginRef, endRef)
	}
	got := string(readme[i+len(beginRef) : j])
	if got == want.String() {
		return
	}
	if !*update {
		t.Fatalf("the configuration reference in README.md is not what flinkconf.WriteReference writes; regenerate it with: go test ./flinkconf -update")
	}
	out := append(append(append([]byte{}, readme[:i+len(beginRef)]...), want.String()...), readme[j:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
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
