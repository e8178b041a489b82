package cluster_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestSessionComesUpAndScales(t *testing.T) {
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{
		{Resources: "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"},
		{Resources: "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"},
	}}, nil)
	s.tms = 3
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "1 JobManager and 3 TaskManagers running", func(snap *localmesos.Snapshot) bool {
		jm, tm := running(snap)
		return jm == 1 && tm == 3
	})
	o := sc.overview(t)
	if o.FrameworkID == "" || o.JobManager == nil || len(o.TaskManagers) != 3 || !o.Subscribed {
		t.Fatalf("overview %+v", o)
	}
	// The TaskManagers were told where the JobManager is.
	jmHost, jmPort := o.JobManager.Host, o.JobManager.Ports["jobmanager.rpc.port"]
	for _, tk := range s.lm.Tasks() {
		spec, err := launchspec.FromCommandInfo(tk.Task.GetCommand())
		if err != nil {
			t.Fatal(err)
		}
		if spec.Role != launchspec.TaskManager {
			continue
		}
		dyn := map[string]string{}
		for _, d := range spec.Dynamic {
			dyn[d.Key] = d.Value
		}
		if dyn["jobmanager.rpc.address"] != jmHost || dyn["jobmanager.rpc.port"] == "" || dyn["jobmanager.rpc.port"] != itoa(int(jmPort)) {
			t.Fatalf("TaskManager %s got JobManager %s:%s, want %s:%d", tk.ID, dyn["jobmanager.rpc.address"], dyn["jobmanager.rpc.port"], jmHost, jmPort)
		}
	}

	// Scale up and down through the HTTP API.
	if code, body := sc.do(http.MethodPut, "/api/v1/taskmanagers", `{"count": 5}`, ""); code != http.StatusAccepted {
		t.Fatalf("scale up: %d %s", code, body)
	}
	waitFor(t, s.lm, 20*time.Second, "5 TaskManagers", func(snap *localmesos.Snapshot) bool { _, tm := running(snap); return tm == 5 })
	if code, body := sc.do(http.MethodPut, "/api/v1/taskmanagers?count=1", "", ""); code != http.StatusAccepted {
		t.Fatalf("scale down: %d %s", code, body)
	}
	waitFor(t, s.lm, 20*time.Second, "1 TaskManager", func(snap *localmesos.Snapshot) bool {
		live := 0
		for _, tk := range snap.Tasks {
			if tk.Live && !tk.State.Terminal() && strings.Contains(tk.ID, "-tm-") {
				live++
			}
		}
		return live == 1
	})
	for _, bad := range []string{`{"count": -1}`, `{"count": 1.5}`, `{}`, `nope`} {
		if code, body := sc.do(http.MethodPut, "/api/v1/taskmanagers", bad, ""); code != http.StatusBadRequest || !strings.Contains(body, "count") {
			t.Errorf("scale with %s: %d %s, want 400 naming count", bad, code, body)
		}
	}
	if errs := s.lm.ProtocolErrors(); len(errs) > 0 {
		t.Fatalf("the scheduler made calls Mesos refuses: %q", errs)
	}
}

func TestFailedTaskManagerIsReplaced(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, map[string]string{"mesos.maximum-failed-tasks": "1"})
	s.tms = 1
	sc := s.start(t)
	var first string
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool {
		for _, tk := range snap.Tasks {
			if strings.Contains(tk.ID, "-tm-") && tk.State == mesospb.TaskState_TASK_RUNNING {
				first = tk.ID
				return true
			}
		}
		return false
	})
	if err := s.lm.SetTaskState(first, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY, "OOM"); err != nil {
		t.Fatal(err)
	}
	var second string
	waitFor(t, s.lm, 20*time.Second, "a replacement TaskManager", func(snap *localmesos.Snapshot) bool {
		for _, tk := range snap.Tasks {
			if strings.Contains(tk.ID, "-tm-") && tk.ID != first && tk.State == mesospb.TaskState_TASK_RUNNING {
				second = tk.ID
				return true
			}
		}
		return false
	})
	// A second failure is over mesos.maximum-failed-tasks=1: no third TaskManager.
	if err := s.lm.SetTaskState(second, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY, "OOM"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		for _, tk := range s.lm.Tasks() {
			if strings.Contains(tk.ID, "-tm-") && tk.ID != first && tk.ID != second {
				t.Fatalf("launched %s after the failure limit", tk.ID)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if o := sc.overview(t); !o.GaveUp || o.FailedTasks != 2 {
		t.Fatalf("overview says gave_up=%v failed=%d", o.GaveUp, o.FailedTasks)
	}
	if !strings.Contains(sc.logs.String(), "mesos.maximum-failed-tasks=1") {
		t.Fatal("the log does not say why replacing stopped")
	}
}

func TestStopThroughHTTPWithToken(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, map[string]string{"mesos.scheduler.http.token": "s3cret"})
	s.tms = 1
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 1 })
	if code, _ := sc.do(http.MethodDelete, "/api/v1/cluster", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("DELETE without token: %d, want 401", code)
	}
	if code, _ := sc.do(http.MethodDelete, "/api/v1/cluster", "", "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("DELETE with a wrong token: %d, want 401", code)
	}
	if code, body := sc.do(http.MethodDelete, "/api/v1/cluster", "", "s3cret"); code != http.StatusAccepted {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	if err := sc.wait(30 * time.Second); err != nil {
		t.Fatalf("Run ended with %v, want a clean end", err)
	}
	for _, tk := range s.lm.Tasks() {
		if !tk.State.Terminal() {
			t.Errorf("task %s left in %s", tk.ID, tk.State)
		}
	}
	for _, f := range s.lm.Frameworks() {
		if !f.Removed {
			t.Errorf("framework %s not torn down", f.ID)
		}
	}
	if st := loadState(t, s.dir); st.FrameworkID != "" || len(st.Workers) != 0 {
		t.Fatalf("checkpoint not removed: %+v", st)
	}
}
