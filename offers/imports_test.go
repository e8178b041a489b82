package offers_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The placement works on its own types; the Mesos protobuf types appear in
// one conversion file only, and no other package of the project at all.
func TestImports(t *testing.T) {
	const module = "github.com/flink-mesos/flink-mesos/"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case path == module+"mesospb" || path == "google.golang.org/protobuf/proto":
				if name != "mesos.go" {
					t.Errorf("%s imports %s; only mesos.go may", name, path)
				}
			case strings.HasPrefix(path, module), strings.Contains(path, "."):
				t.Errorf("%s imports %s; offers uses the standard library and mesospb only", name, path)
			}
		}
	}
}
