package hastore_test

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
)

func TestLockedInTheSameProcess(t *testing.T) {
	dir := t.TempDir()
	since := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	s := mustOpen(t, dir, hastore.Options{Now: func() time.Time { return since }})
	_, err := hastore.Open(dir, hastore.Options{})
	le, ok := errors.AsType[*hastore.LockedError](err)
	if !ok || !errors.Is(err, hastore.ErrLocked) {
		t.Fatalf("second Open: got %v, want a *LockedError matching ErrLocked", err)
	}
	host, _ := os.Hostname()
	want := hastore.Holder{Host: host, PID: os.Getpid(), Since: since}
	if le.Holder != want || le.HolderErr != nil || le.Path != filepath.Join(dir, "LOCK") {
		t.Errorf("LockedError: got %+v, want holder %+v at %s", le, want, filepath.Join(dir, "LOCK"))
	}
	for _, part := range []string{"pid " + strconv.Itoa(os.Getpid()), host, "2024-05-01T10:00:00Z", filepath.Join(dir, "LOCK")} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not name %q", err, part)
		}
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mustOpen(t, dir, hastore.Options{})
}

func TestLockedHolderUnreadable(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir, hastore.Options{})
	for _, content := range []string{"", "{\"host\":\"h\",\"pi", "{\"host\":\"h\",\"pid\":0,\"since\":\"2024-05-01T10:00:00Z\"}\n"} {
		writeFile(t, filepath.Join(dir, "LOCK"), []byte(content))
		_, err := hastore.Open(dir, hastore.Options{})
		le, ok := errors.AsType[*hastore.LockedError](err)
		if !ok || le.HolderErr == nil || le.Holder != (hastore.Holder{}) {
			t.Fatalf("LOCK holding %q: got %v, want a *LockedError without holder", content, err)
		}
		if !strings.Contains(err.Error(), "did not name itself") {
			t.Errorf("LOCK holding %q: error %q does not say the holder is unknown", content, err)
		}
	}
}

// startChild runs the test binary as a child process in role.
func startChild(t *testing.T, role, dir string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role, childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, stdin, bufio.NewReader(stdout)
}

func expectLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != want {
		t.Fatalf("child said %q, %v; want %q", line, err, want)
	}
}

func TestLockedByAnotherProcess(t *testing.T) {
	tests := []struct {
		name    string
		release func(cmd *exec.Cmd, stdin io.WriteCloser) error
	}{
		{"holder closes", func(cmd *exec.Cmd, stdin io.WriteCloser) error { stdin.Close(); return cmd.Wait() }},
		{"holder killed", func(cmd *exec.Cmd, stdin io.WriteCloser) error {
			cmd.Process.Signal(syscall.SIGKILL)
			if err := cmd.Wait(); err == nil {
				return errors.New("a killed child exited cleanly")
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd, stdin, stdout := startChild(t, "holder", dir)
			expectLine(t, stdout, "locked")

			_, err := hastore.Open(dir, hastore.Options{})
			le, ok := errors.AsType[*hastore.LockedError](err)
			if !ok {
				t.Fatalf("Open while another process holds the lock: got %v, want a *LockedError", err)
			}
			host, _ := os.Hostname()
			if le.Holder.PID != cmd.Process.Pid || le.Holder.Host != host || time.Since(le.Holder.Since) > time.Minute {
				t.Errorf("holder: got %+v, want pid %d on %s, recently", le.Holder, cmd.Process.Pid, host)
			}
			if !strings.Contains(err.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
				t.Errorf("error %q does not name pid %d", err, cmd.Process.Pid)
			}

			if err := tt.release(cmd, stdin); err != nil {
				t.Fatal(err)
			}
			s := mustOpen(t, dir, hastore.Options{})
			mustSave(t, s, sampleState(1))
		})
	}
}
