package e2e_test

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestSessionCluster(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := e.run("flink-mesos-session", "-Dmesos.initial-tasks=2", "-Dmesos.maximum-failed-tasks=1", "-Dtaskmanager.numberOfTaskSlots=2")
	e.waitFor(60*time.Second, "1 JobManager and 2 TaskManagers running", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		return jm == 1 && tm == 2
	})
	eventually(t, 10*time.Second, "the framework ID printed", func() bool { return frameworkLine.MatchString(p.out()) })
	if !strings.Contains(p.out(), "scheduler HTTP server: http://"+e.httpAddr) {
		t.Fatalf("stdout does not say where the HTTP server listens:\n%s", p.out())
	}

	// The TaskManagers registered with the JobManager at the address and
	// port they were given: Flink's own view of the cluster.
	rest := e.jobManagerREST()
	eventually(t, 30*time.Second, "2 TaskManagers registered with the JobManager", func() bool {
		var ov struct{ Taskmanagers int }
		return getJSON(rest+"/overview", &ov) == nil && ov.Taskmanagers == 2
	})

	// Arguments, ports and resources as the processes got them.
	o, _ := e.overview()
	jmHost := o.JobManager.Host
	jmRPC := strconv.Itoa(int(o.JobManager.Ports["jobmanager.rpc.port"]))
	for _, r := range e.readRecords() {
		switch r.Role {
		case "jobmanager":
			if r.Config["jobmanager.rpc.port"] != jmRPC || r.Config["rest.port"] == "" || r.Config["blob.server.port"] == "" {
				t.Errorf("JobManager ports %v", r.Config)
			}
			if r.Config["jobmanager.rpc.address"] != jmHost || r.Config["jobmanager.bind-host"] != "0.0.0.0" {
				t.Errorf("JobManager address %q bind %q", r.Config["jobmanager.rpc.address"], r.Config["jobmanager.bind-host"])
			}
			if r.Config["jobmanager.memory.process.size"] != "1677721600b" { // the stand-in conf's 1600m
				t.Errorf("JobManager memory %q", r.Config["jobmanager.memory.process.size"])
			}
		case "taskmanager":
			if r.Config["jobmanager.rpc.address"] != jmHost || r.Config["jobmanager.rpc.port"] != jmRPC {
				t.Errorf("TaskManager was told JobManager %s:%s, want %s:%s", r.Config["jobmanager.rpc.address"], r.Config["jobmanager.rpc.port"], jmHost, jmRPC)
			}
			if !strings.HasPrefix(r.Config["taskmanager.resource-id"], "flink-tm-") || r.Config["taskmanager.rpc.port"] == "" ||
				r.Config["taskmanager.data.port"] == "" || r.Config["taskmanager.numberOfTaskSlots"] != "2" || r.Config["taskmanager.cpu.cores"] != "2" {
				t.Errorf("TaskManager configuration %v", r.Config)
			}
			if !strings.HasPrefix(r.Config["io.tmp.dirs"], r.Env["MESOS_SANDBOX"]) || r.Env["FLINK_CONF_DIR"] == "" {
				t.Errorf("TaskManager tmp dirs %q, sandbox %q", r.Config["io.tmp.dirs"], r.Env["MESOS_SANDBOX"])
			}
		}
	}
	for _, tk := range e.lm.Tasks() {
		res := map[string]float64{}
		for _, r := range tk.Task.GetResources() {
			res[r.GetName()] += r.GetScalar().GetValue()
		}
		spec, err := launchspec.FromCommandInfo(tk.Task.GetCommand())
		if err != nil {
			t.Fatal(err)
		}
		if spec.Role == launchspec.TaskManager && (res["cpus"] != 2 || res["mem"] != 1728) {
			t.Errorf("TaskManager %s resources %v, want 2 cpus and 1728 MB", tk.ID, res)
		}
		if spec.Role == launchspec.JobManager && (res["cpus"] != 1 || res["mem"] != 1600) {
			t.Errorf("JobManager %s resources %v, want 1 cpu and 1600 MB", tk.ID, res)
		}
	}

	// Scale up and down.
	if code, body := e.request(http.MethodPut, "/api/v1/taskmanagers", `{"count":3}`); code != http.StatusAccepted {
		t.Fatalf("scale: %d %s", code, body)
	}
	e.waitFor(60*time.Second, "3 TaskManagers", func(s *localmesos.Snapshot) bool { _, tm := runningCount(s); return tm == 3 })
	if code, body := e.request(http.MethodPut, "/api/v1/taskmanagers", `{"count":1}`); code != http.StatusAccepted {
		t.Fatalf("scale: %d %s", code, body)
	}
	e.waitFor(60*time.Second, "1 TaskManager", func(s *localmesos.Snapshot) bool {
		_, tm := runningCount(s)
		return tm == 1
	})

	// A TaskManager that dies is replaced.
	var victim localmesos.TaskInfo
	for _, tk := range e.lm.Tasks() {
		if strings.Contains(tk.ID, "-tm-") && tk.State == mesospb.TaskState_TASK_RUNNING {
			victim = tk
		}
	}
	if victim.PID == 0 {
		t.Fatal("no running TaskManager process")
	}
	syscall.Kill(victim.PID, syscall.SIGKILL)
	e.waitFor(60*time.Second, "a replacement TaskManager", func(s *localmesos.Snapshot) bool {
		for _, tk := range s.Tasks {
			if strings.Contains(tk.ID, "-tm-") && tk.ID != victim.ID && tk.State == mesospb.TaskState_TASK_RUNNING {
				return true
			}
		}
		return false
	})

	// Flink's own shutdown (DELETE /cluster) ends the JobManager with 0:
	// the scheduler kills the rest, tears the framework down and exits 0.
	req, _ := http.NewRequest(http.MethodDelete, rest+"/cluster", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := p.wait(60 * time.Second); code != 0 {
		t.Fatalf("scheduler exited %d after the JobManager ended, want 0\n%s", code, p.err())
	}
	for _, tk := range e.lm.Tasks() {
		if !tk.State.Terminal() {
			t.Errorf("task %s left %s", tk.ID, tk.State)
		}
	}
	for _, f := range e.lm.Frameworks() {
		if !f.Removed {
			t.Errorf("framework %s not torn down", f.ID)
		}
	}
	if entries, _ := os.ReadDir(e.ckpt); len(entries) > 1 { // only LOCK may stay
		t.Errorf("checkpoint directory still holds %d files", len(entries))
	}
	if errs := e.lm.ProtocolErrors(); len(errs) > 0 {
		t.Errorf("calls Mesos refused: %q", errs)
	}
}
