package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// liveTasks returns the framework's tasks that are not terminal.
func liveTasks(s *localmesos.Snapshot) map[string]localmesos.TaskInfo {
	out := map[string]localmesos.TaskInfo{}
	for _, tk := range s.Tasks {
		if !tk.State.Terminal() {
			out[tk.ID] = tk
		}
	}
	return out
}

// TestSchedulerSurvivesSIGKILL kills the scheduler with SIGKILL at random
// moments while it launches, scales and replaces, and restarts it each
// time. The cluster must end with exactly the wanted tasks, under one
// framework ID, with no task launched twice and none leaked.
func TestSchedulerSurvivesSIGKILL(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("E2E_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	kills := 20
	if testing.Short() {
		kills = 6
	}
	t.Logf("seed %d (rerun with E2E_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	e := newEnv(t, envOpts{agents: 3})
	e.conf = append(e.conf, "mesos.initial-tasks=2", "mesos.resourcemanager.tasks.cpus=1")
	want := 2
	var framework string
	p := e.run("flink-mesos-session")
	for i := range kills {
		// Give the scheduler a random moment: often mid-launch.
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		switch rng.IntN(3) {
		case 0: // scale
			want = 1 + rng.IntN(4)
			e.tryRequest(http.MethodPut, "/api/v1/taskmanagers", fmt.Sprintf(`{"count":%d}`, want))
		case 1: // a TaskManager dies
			for _, tk := range e.lm.Tasks() {
				if strings.Contains(tk.ID, "-tm-") && tk.State == mesospb.TaskState_TASK_RUNNING && tk.PID > 0 {
					syscall.Kill(tk.PID, syscall.SIGKILL)
					break
				}
			}
		}
		time.Sleep(time.Duration(rng.IntN(700)) * time.Millisecond)
		if m := frameworkLine.FindStringSubmatch(p.out()); m != nil {
			if framework == "" {
				framework = m[1]
			} else if m[1] != framework {
				t.Fatalf("kill %d: framework ID changed from %s to %s", i, framework, m[1])
			}
		}
		p.kill()
		t.Logf("kill %d done (want %d TaskManagers)", i+1, want)
		p = e.run("flink-mesos-session")
	}
	// The scale requests that reached the scheduler are in its checkpoint;
	// the last one may have been lost with a kill before it was saved, so
	// ask once more now.
	eventually(t, 30*time.Second, "the scheduler to answer", func() bool {
		code, _, _ := e.tryRequest(http.MethodPut, "/api/v1/taskmanagers", fmt.Sprintf(`{"count":%d}`, want))
		return code == http.StatusAccepted
	})
	// Exactly the wanted tasks, and still so a few seconds later (a stray
	// launch or a late kill would show up in that time).
	// Polled, not e.waitFor: WaitFor looks again only when the master
	// changes, and a quiet, correct cluster does not change.
	var stableSince time.Time
	eventually(t, 120*time.Second, fmt.Sprintf("exactly 1 JobManager and %d TaskManagers for 3 s", want), func() bool {
		s := snapshot(e)
		jm, tm := runningCount(s)
		if jm != 1 || tm != want || len(liveTasks(s)) != want+1 {
			stableSince = time.Time{}
			return false
		}
		if stableSince.IsZero() {
			stableSince = time.Now()
		}
		return time.Since(stableSince) >= 3*time.Second
	})
	snap := e.lm.Tasks()
	live := 0
	for _, tk := range snap {
		if tk.Launches != 1 {
			t.Errorf("task %s was launched %d times", tk.ID, tk.Launches)
		}
		if !tk.State.Terminal() {
			live++
		}
	}
	if live != want+1 {
		for _, tk := range snap {
			t.Logf("task %s %s live=%v launches=%d", tk.ID, tk.State, tk.Live, tk.Launches)
		}
		t.Errorf("%d live tasks, want %d", live, want+1)
	}
	o, err := e.overview()
	if err != nil {
		t.Fatal(err)
	}
	if framework != "" && o.FrameworkID != framework {
		t.Errorf("framework %s at the end, want %s", o.FrameworkID, framework)
	}
	known := map[string]bool{o.JobManager.TaskID: true}
	for _, w := range o.TaskManagers {
		known[w.TaskID] = true
	}
	for _, tk := range snap {
		if !tk.State.Terminal() && !known[tk.ID] {
			t.Errorf("task %s runs but the scheduler does not know it", tk.ID)
		}
	}
	fws := e.lm.Frameworks()
	if len(fws) != 1 {
		t.Errorf("%d frameworks registered, want 1", len(fws))
	}
}

func TestMasterFailoverAndStreamDrop(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.conf = append(e.conf, "mesos.initial-tasks=1")
	p := e.run("flink-mesos-session")
	e.waitFor(60*time.Second, "cluster up", func(s *localmesos.Snapshot) bool { jm, tm := runningCount(s); return jm == 1 && tm == 1 })
	before := liveTasks(snapshot(e))
	o, _ := e.overview()
	fw := o.FrameworkID

	subs := 0
	if f, ok := snapshot(e).Framework(fw); ok {
		subs = f.Subscriptions
	}
	e.lm.DropStreams()
	e.waitFor(30*time.Second, "resubscribed after a stream drop", func(s *localmesos.Snapshot) bool {
		f, ok := s.Framework(fw)
		return ok && f.Connected && f.Subscriptions > subs
	})

	newURL := e.lm.Failover()
	e.waitFor(30*time.Second, "resubscribed at the new leader", func(s *localmesos.Snapshot) bool {
		f, ok := s.Framework(fw)
		return ok && f.Connected
	})
	eventually(t, 20*time.Second, "the overview to name the new leader", func() bool {
		o, err := e.overview()
		return err == nil && strings.HasPrefix(o.Master, newURL) && o.FrameworkID == fw
	})
	after := liveTasks(snapshot(e))
	if len(after) != len(before) {
		t.Fatalf("tasks changed across master failover: %d -> %d", len(before), len(after))
	}
	for id := range before {
		if _, ok := after[id]; !ok {
			t.Fatalf("task %s lost across master failover", id)
		}
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Fatalf("SIGTERM exit code %d, want 0", code)
	}
	if n := len(liveTasks(snapshot(e))); n != 2 {
		t.Fatalf("%d tasks after SIGTERM, want the cluster to keep running (2)", n)
	}
}

func TestAgentLoss(t *testing.T) {
	e := newEnv(t, envOpts{agents: 3})
	e.conf = append(e.conf, "mesos.initial-tasks=2", "mesos.resourcemanager.placement-strategy=spread")
	e.run("flink-mesos-session")
	e.waitFor(60*time.Second, "cluster up", func(s *localmesos.Snapshot) bool { jm, tm := runningCount(s); return jm == 1 && tm == 2 })
	var lost string
	var lostTasks []string
	for _, tk := range e.lm.Tasks() {
		if strings.Contains(tk.ID, "-tm-") && !tk.State.Terminal() {
			lost = tk.AgentID
			break
		}
	}
	for _, tk := range e.lm.Tasks() {
		if tk.AgentID == lost {
			lostTasks = append(lostTasks, tk.ID)
		}
	}
	e.lm.RemoveAgent(lost, localmesos.AgentUnreachable)
	e.waitFor(60*time.Second, "the lost agent's work running elsewhere", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		if jm != 1 || tm != 2 {
			return false
		}
		for _, tk := range s.Tasks {
			if tk.Live && tk.State == mesospb.TaskState_TASK_RUNNING && tk.AgentID == lost {
				return false
			}
		}
		return true
	})
	t.Logf("agent %s lost with %v; replaced", lost, lostTasks)
}

func snapshot(e *env) *localmesos.Snapshot {
	var snap *localmesos.Snapshot
	e.lm.WaitFor(e.t.Context(), func(s *localmesos.Snapshot) bool { snap = s; return true })
	return snap
}
