package e2e_test

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// TestJSONLogs: with --log-format json every line on stderr is one JSON
// object; every line about a task names the framework, the task and the
// agent; each task state change is logged once.
func TestJSONLogs(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.run("flink-mesos-session", "-Dmesos.initial-tasks=2", "--log-format", "json")
	e.waitFor(90*time.Second, "1 JobManager and 2 TaskManagers running", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		return jm == 1 && tm == 2
	})
	var victim string
	for _, tk := range e.lm.Tasks() {
		if strings.Contains(tk.ID, "-tm-") && tk.State == mesospb.TaskState_TASK_RUNNING {
			victim = tk.ID
		}
	}
	if err := e.lm.SetTaskState(victim, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED, "injected"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(90*time.Second, "the TaskManager replaced", func(s *localmesos.Snapshot) bool {
		_, tm := runningCount(s)
		return tm == 2 && len(s.Tasks) >= 4
	})
	p.signal(syscall.SIGTERM)
	if code := p.wait(60 * time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}

	type stateKey struct{ task, state string }
	seen := map[stateKey]int{}
	var failed, launching int
	for _, line := range strings.Split(strings.TrimSpace(p.err()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON line: %q: %v", line, err)
			continue
		}
		task, _ := rec["task"].(string)
		if task == "" {
			continue
		}
		fw, _ := rec["framework"].(string)
		agent, _ := rec["agent"].(string)
		if fw == "" || agent == "" {
			t.Errorf("a line about task %s without framework or agent: %s", task, line)
		}
		switch rec["msg"] {
		case "task state":
			k := stateKey{task, rec["state"].(string)}
			if seen[k]++; seen[k] == 2 {
				t.Errorf("task %s: %s logged twice", k.task, k.state)
			}
		case "worker failed; replacing it":
			failed++
			// The replacement's backoff, in nanoseconds as slog writes a
			// duration in JSON: the first failure waits about 1 s.
			if d, ok := rec["replace_in"].(float64); !ok || d < 0 || d > float64(2*time.Second) {
				t.Errorf("worker failed without a replace_in of 0 to 2 s: %s", line)
			}
		case "launching":
			launching++
		}
	}
	if failed != 1 || launching != 4 || len(seen) == 0 {
		t.Errorf("%d failure lines, %d launch lines, %d state lines; want 1, 4 and some", failed, launching, len(seen))
	}
}
