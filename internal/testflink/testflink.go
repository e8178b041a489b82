// Package testflink installs the stand-in Flink distribution that the tests
// run instead of a real Flink: bin/jobmanager.sh, bin/taskmanager.sh and
// bin/standalone-job.sh with Flink's command lines, backed by the
// flink-standin program (see ./standin), and a conf/ directory like Flink's.
// The product runs against it unchanged; with a real $FLINK_HOME it runs
// real Flink.
package testflink

import (
	"crypto/sha256"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

//go:embed dist
var dist embed.FS

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildOut  []byte
)

// standinBinary builds the stand-in once per test binary, into a file named
// after a hash of its source so that repeated test runs reuse one copy
// instead of leaving a new one behind each time.
func standinBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		src := filepath.Join(filepath.Dir(file), "standin", "main.go")
		code, err := os.ReadFile(src)
		if err != nil {
			buildErr = err
			return
		}
		sum := sha256.Sum256(append(code, runtime.Version()...))
		binPath = filepath.Join(os.TempDir(), fmt.Sprintf("flink-standin-%x", sum[:8]))
		if _, err := os.Stat(binPath); err == nil {
			return
		}
		tmp := fmt.Sprintf("%s.%d.tmp", binPath, os.Getpid())
		cmd := exec.Command("go", "build", "-o", tmp, "./standin")
		cmd.Dir = filepath.Dir(file)
		if buildOut, buildErr = cmd.CombinedOutput(); buildErr == nil {
			buildErr = os.Rename(tmp, binPath)
		}
	})
	if buildErr != nil {
		tb.Fatalf("building the Flink stand-in: %v\n%s", buildErr, buildOut)
	}
	return binPath
}

// Install writes the stand-in distribution into a new directory under
// tb.TempDir() named flink-standin and returns it (a FLINK_HOME).
func Install(tb testing.TB) string {
	tb.Helper()
	home := filepath.Join(tb.TempDir(), "flink-standin")
	InstallAt(tb, home)
	return home
}

// InstallAt writes the stand-in distribution into home.
func InstallAt(tb testing.TB, home string) {
	tb.Helper()
	err := fs.WalkDir(dist, "dist", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("dist", path)
		target := filepath.Join(home, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := dist.ReadFile(path)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if filepath.Ext(path) == ".sh" {
			mode = 0o755
		}
		return os.WriteFile(target, b, mode)
	})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(standinBinary(tb))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "bin", "flink-standin"), b, 0o755); err != nil {
		tb.Fatal(err)
	}
}
