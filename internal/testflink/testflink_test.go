package testflink_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/internal/testflink"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, p, _ := net.SplitHostPort(l.Addr().String())
	return p
}

func start(t *testing.T, home, script string, args ...string) *exec.Cmd {
	t.Helper()
	logDir := t.TempDir()
	cmd := exec.Command(filepath.Join(home, "bin", script), append([]string{"start-foreground"}, args...)...)
	cmd.Env = append(os.Environ(), "FLINK_HOME="+home, "FLINK_CONF_DIR="+filepath.Join(home, "conf"), "FLINK_LOG_DIR="+logDir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(10 * time.Second):
		t.Fatal("process did not exit")
		return -1
	}
}

func TestSessionStandIn(t *testing.T) {
	home := testflink.Install(t)
	rpc, rest, tmRPC, tmData := freePort(t), freePort(t), freePort(t), freePort(t)
	jm := start(t, home, "jobmanager.sh", "-D", "jobmanager.rpc.port="+rpc, "-D", "rest.port="+rest, "-Dblob.server.port=0")
	tm := start(t, home, "taskmanager.sh", "-D", "jobmanager.rpc.address=127.0.0.1", "-D", "jobmanager.rpc.port="+rpc,
		"-D", "taskmanager.rpc.port="+tmRPC, "-D", "taskmanager.data.port="+tmData, "-D", "taskmanager.resource-id=tm-1")
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ov struct{ Taskmanagers int }
		if err := getJSON(fmt.Sprintf("http://127.0.0.1:%s/overview", rest), &ov); err == nil && ov.Taskmanagers == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the TaskManager never registered with the JobManager")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The ports are really bound: a second TaskManager on them fails as Flink would.
	clash := start(t, home, "taskmanager.sh", "-D", "taskmanager.rpc.port="+tmRPC)
	if code := exitCode(t, clash); code != 1 {
		t.Fatalf("TaskManager on a taken port exited %d, want 1", code)
	}
	tm.Process.Signal(syscall.SIGTERM)
	if code := exitCode(t, tm); code != 143 {
		t.Fatalf("TaskManager exited %d on SIGTERM, want 143", code)
	}
	req, _ := http.NewRequest(http.MethodDelete, fmt.Sprintf("http://127.0.0.1:%s/cluster", rest), nil)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if code := exitCode(t, jm); code != 0 {
		t.Fatalf("JobManager exited %d after DELETE /cluster, want 0", code)
	}
}

func TestApplicationStandIn(t *testing.T) {
	home := testflink.Install(t)
	for _, tt := range []struct {
		final string
		code  int
	}{{"FINISHED", 0}, {"FAILED", 1443 % 256}, {"CANCELED", 0}} {
		t.Run(tt.final, func(t *testing.T) {
			rest := freePort(t)
			jm := start(t, home, "standalone-job.sh", "-D", "rest.port="+rest, "-D", "standin.job.duration=300ms",
				"-D", "standin.job.final-state="+tt.final, "--job-classname", "com.example.Job")
			var seen string
			deadline := time.Now().Add(10 * time.Second)
			for seen != tt.final && time.Now().Before(deadline) {
				var jobs struct {
					Jobs []struct{ Name, State string }
				}
				if getJSON(fmt.Sprintf("http://127.0.0.1:%s/jobs/overview", rest), &jobs) == nil && len(jobs.Jobs) == 1 {
					if jobs.Jobs[0].Name != "com.example.Job" {
						t.Fatalf("job name %q", jobs.Jobs[0].Name)
					}
					seen = jobs.Jobs[0].State
				}
				time.Sleep(20 * time.Millisecond)
			}
			if seen != tt.final {
				t.Fatalf("REST showed %q, want %q", seen, tt.final)
			}
			if code := exitCode(t, jm); code != tt.code {
				t.Fatalf("exit %d, want Flink's ApplicationStatus code %d (mod 256, as wait(2) reports it)", code, tt.code)
			}
		})
	}
}
