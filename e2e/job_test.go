package e2e_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// checkTornDown: no task left, the framework removed, no checkpoint.
func checkTornDown(t *testing.T, e *env) {
	t.Helper()
	for _, tk := range e.lm.Tasks() {
		if !tk.State.Terminal() && tk.Live {
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
}

func TestJobResults(t *testing.T) {
	tests := []struct {
		final    string
		garbage  bool
		wantCode int
		wantSay  string
	}{
		{final: "FINISHED", wantCode: 0, wantSay: "ended FINISHED"},
		{final: "FAILED", wantCode: 1, wantSay: "ended FAILED"},
		{final: "CANCELED", wantCode: 1, wantSay: "ended CANCELED"},
		// A JobManager whose REST answers garbage: the exit status decides.
		{final: "FAILED", garbage: true, wantCode: 1, wantSay: "ApplicationStatus FAILED"},
		{final: "FINISHED", garbage: true, wantCode: 0, wantSay: "exited 0"},
	}
	for _, tt := range tests {
		name := tt.final
		if tt.garbage {
			name += "/garbage REST"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOpts{})
			e.conf = append(e.conf, "parallelism.default=4", "taskmanager.numberOfTaskSlots=2",
				"standin.job.duration=4s", "standin.job.final-state="+tt.final)
			if tt.garbage {
				e.conf = append(e.conf, "standin.rest.garbage=true")
			}
			p := e.run("flink-mesos-job", "--job-classname", "com.example.WordCount", "--", "--input", "in file")
			e.waitFor(60*time.Second, "JobManager and ceil(4/2)=2 TaskManagers", func(s *localmesos.Snapshot) bool {
				jm, tm := runningCount(s)
				return jm == 1 && tm == 2
			})
			if !tt.garbage {
				eventually(t, 30*time.Second, "the job in the overview", func() bool {
					o, err := e.overview()
					return err == nil && o.Job != nil && o.Job.State == "RUNNING" && o.Job.StartTime != nil
				})
			}
			code := p.wait(90 * time.Second)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\n%s", code, tt.wantCode, p.err())
			}
			if !strings.Contains(p.out(), tt.wantSay) {
				t.Fatalf("stdout does not say %q:\n%s", tt.wantSay, p.out())
			}
			checkTornDown(t, e)
			var jm *record
			for _, r := range e.readRecords() {
				if r.Role == "standalone-job" {
					jm = &r
				}
			}
			if jm == nil || !slices.Equal(jm.Rest, []string{"--job-classname", "com.example.WordCount", "--input", "in file"}) {
				t.Fatalf("application-mode arguments %+v", jm)
			}
		})
	}
}

func TestJobSurvivesSchedulerKillAndJobManagerLoss(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.conf = append(e.conf, "mesos.initial-tasks=1", "standin.job.duration=20s", "mesos.maximum-failed-tasks=3")
	p := e.run("flink-mesos-job", "--job-classname", "com.example.Job", "--job-id", "0123456789abcdef0123456789abcdef")
	e.waitFor(60*time.Second, "job cluster up", func(s *localmesos.Snapshot) bool { jm, tm := runningCount(s); return jm == 1 && tm == 1 })
	fw := frameworkLine.FindStringSubmatch(p.out())
	if fw == nil {
		t.Fatal("no framework ID printed")
	}
	p.kill() // SIGKILL mid-job
	p = e.run("flink-mesos-job", "--job-classname", "com.example.Job", "--job-id", "0123456789abcdef0123456789abcdef")
	eventually(t, 30*time.Second, "the restarted scheduler adopting the job", func() bool {
		o, err := e.overview()
		return err == nil && o.FrameworkID == fw[1] && o.Job != nil && o.Job.State == "RUNNING"
	})
	for _, tk := range e.lm.Tasks() {
		if tk.Launches != 1 || tk.State.Terminal() {
			t.Fatalf("task %s: %s, launched %d times, after the restart", tk.ID, tk.State, tk.Launches)
		}
	}

	// The JobManager dies before the job ends: it is relaunched.
	var jm localmesos.TaskInfo
	for _, tk := range e.lm.Tasks() {
		if strings.Contains(tk.ID, "-jm-") {
			jm = tk
		}
	}
	syscall.Kill(jm.PID, syscall.SIGKILL)
	e.waitFor(60*time.Second, "a new JobManager", func(s *localmesos.Snapshot) bool {
		for _, tk := range s.Tasks {
			if strings.Contains(tk.ID, "-jm-") && tk.ID != jm.ID && tk.State == mesospb.TaskState_TASK_RUNNING {
				return true
			}
		}
		return false
	})
	if code := p.wait(120 * time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0 (the relaunched job finished)\n%s", code, p.err())
	}
	for _, r := range e.readRecords() {
		if r.Role == "standalone-job" && !slices.Contains(r.Rest, "0123456789abcdef0123456789abcdef") {
			t.Fatalf("the fixed job ID was not passed: %q", r.Rest)
		}
	}
	checkTornDown(t, e)
}

func TestJobJarsAreFetchedIntoUsrlib(t *testing.T) {
	jars := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("PK fake jar"))
	}))
	defer jars.Close()
	e := newEnv(t, envOpts{})
	e.conf = append(e.conf, "mesos.initial-tasks=1", "standin.job.duration=2s")
	p := e.run("flink-mesos-job", "--job-classname", "com.example.Job", "--jars", jars.URL+"/wordcount.jar")
	if code := p.wait(90 * time.Second); code != 0 {
		t.Fatalf("exit code %d\n%s", code, p.err())
	}
	n := 0
	for _, r := range e.readRecords() {
		n++
		if !slices.Contains(r.Usrlib, "wordcount.jar") {
			t.Errorf("%s sees usrlib %q, want wordcount.jar in it", r.Role, r.Usrlib)
		}
	}
	if n < 2 {
		t.Fatalf("%d Flink processes recorded, want the JobManager and a TaskManager", n)
	}
}

func TestJobWithUnfetchableJarStopsAtTheFailureLimit(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.conf = append(e.conf, "mesos.initial-tasks=1", "mesos.maximum-failed-tasks=2")
	p := e.run("flink-mesos-job", "--job-classname", "com.example.Job", "--jars", "http://127.0.0.1:1/missing.jar")
	if code := p.wait(90 * time.Second); code != 1 {
		t.Fatalf("exit code %d, want 1\n%s", code, p.err())
	}
	if !strings.Contains(p.err(), "Failed to fetch") || !strings.Contains(p.err(), "mesos.maximum-failed-tasks=2") {
		t.Fatalf("stderr does not report the fetch failure and the limit:\n%s", p.err())
	}
	checkTornDown(t, e)
}

func TestJobUsageErrors(t *testing.T) {
	e := newEnv(t, envOpts{agents: 1})
	p := e.run("flink-mesos-job")
	if code := p.wait(30 * time.Second); code != 2 || !strings.Contains(p.err(), "--job-classname is required") {
		t.Fatalf("exit %d, stderr:\n%s", code, p.err())
	}
	if len(e.lm.Frameworks()) != 0 {
		t.Fatal("a framework was registered despite the usage error")
	}
	// A relative TaskManager command (Flink §7.3 problem 2) is refused before
	// anything is registered.
	p = e.run("flink-mesos-session", "-Dmesos.resourcemanager.tasks.taskmanager-cmd=flink/bin/mesos-taskmanager.sh", "-Dmesos.resourcemanager.tasks.cpu=2")
	code := p.wait(30 * time.Second)
	if code != 2 || !strings.Contains(p.err(), "mesos.resourcemanager.tasks.taskmanager-cmd") || !strings.Contains(p.err(), "did you mean mesos.resourcemanager.tasks.cpus") {
		t.Fatalf("exit %d, stderr:\n%s", code, p.err())
	}
	if len(e.lm.Frameworks()) != 0 {
		t.Fatal("a framework was registered despite bad configuration")
	}
}
