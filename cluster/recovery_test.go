package cluster_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func liveIDs(lm *localmesos.Master) map[string]bool {
	out := map[string]bool{}
	for _, tk := range lm.Tasks() {
		if tk.Live && !tk.State.Terminal() {
			out[tk.ID] = true
		}
	}
	return out
}

func frameworkSubscriptions(t testing.TB, lm *localmesos.Master, id string) int {
	t.Helper()
	for _, f := range lm.Frameworks() {
		if f.ID == id {
			return f.Subscriptions
		}
	}
	t.Fatalf("framework %s unknown to the master", id)
	return 0
}

func TestRestartAdoptsTheCluster(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, nil)
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 2 })
	before := liveIDs(s.lm)
	fw := sc.overview(t).FrameworkID
	subs := frameworkSubscriptions(t, s.lm, fw)
	if err := sc.stop(); err != nil {
		t.Fatal(err)
	}
	// The scheduler is gone; the cluster is not.
	if got := liveIDs(s.lm); len(got) != 3 {
		t.Fatalf("tasks after the scheduler stopped: %v", got)
	}
	sc2 := s.start(t)
	// The master may not have seen the old stream close yet, so wait for
	// a new SUBSCRIBE rather than for "connected".
	waitFor(t, s.lm, 20*time.Second, "resubscribed", func(snap *localmesos.Snapshot) bool {
		f, ok := snap.Framework(fw)
		return ok && f.Connected && f.Subscriptions > subs
	})
	var o cluster.Overview
	deadline := time.Now().Add(20 * time.Second)
	for {
		o = sc2.overview(t)
		// Every task the master reported on is back in the scheduler's view.
		if o.Subscribed && o.JobManager != nil && o.JobManager.MesosState == "TASK_RUNNING" && o.RunningTaskManagers == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted scheduler never showed the adopted cluster: %+v", o)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if o.FrameworkID != fw {
		t.Fatalf("framework ID %s after restart, want %s", o.FrameworkID, fw)
	}
	after := liveIDs(s.lm)
	if len(after) != len(before) {
		t.Fatalf("tasks %v after restart, want %v", after, before)
	}
	for id := range before {
		if !after[id] {
			t.Fatalf("task %s lost across the restart", id)
		}
	}
	for _, tk := range s.lm.Tasks() {
		if tk.Launches != 1 {
			t.Fatalf("task %s launched %d times", tk.ID, tk.Launches)
		}
	}
}

func TestUnknownTasksAreKilledAndReplaced(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, nil)
	s.tms = 1
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 1 })
	sc.stop()
	// Forget the TaskManager, as if the scheduler had crashed after
	// launching it but before its disk knew.
	store, err := hastore.Open(s.dir, hastore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := store.Load()
	var orphan string
	var keep []hastore.Worker
	for _, w := range st.Workers {
		if w.Role == hastore.RoleTaskManager {
			orphan = w.TaskID
			continue
		}
		keep = append(keep, w)
	}
	st.Workers = keep
	if err := store.Save(st); err != nil {
		t.Fatal(err)
	}
	store.Close()
	sc2 := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "the orphan killed and a new TaskManager running", func(snap *localmesos.Snapshot) bool {
		tk, ok := snap.Task(orphan)
		if !ok || !tk.State.Terminal() {
			return false
		}
		_, tm := running(snap)
		return tm == 1
	})
	if !strings.Contains(sc2.logs.String(), "killing a task the scheduler does not know") {
		t.Fatal("the kill of the orphan was not logged")
	}
}

func TestFrameworkRemovedStartsOver(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, map[string]string{"mesos.failover-timeout": "1"})
	s.tms = 1
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 1 })
	old := sc.overview(t).FrameworkID
	sc.stop()
	waitFor(t, s.lm, 20*time.Second, "the framework removed after its failover timeout", func(snap *localmesos.Snapshot) bool {
		f, ok := snap.Framework(old)
		return ok && f.Removed
	})
	sc2 := s.start(t)
	var fresh string
	waitFor(t, s.lm, 20*time.Second, "a new framework with the cluster up again", func(snap *localmesos.Snapshot) bool {
		for _, f := range snap.Frameworks {
			if f.ID != old && f.Connected {
				fresh = f.ID
			}
		}
		jm, tm := running(snap)
		return fresh != "" && jm == 1 && tm == 1
	})
	if !strings.Contains(sc2.logs.String(), "Mesos has removed the framework") {
		t.Fatal("the log does not say what happened to the old framework")
	}
	sc2.stop()
	if st := loadState(t, s.dir); st.FrameworkID != fresh {
		t.Fatalf("checkpoint holds framework %s, want %s", st.FrameworkID, fresh)
	}
}

func TestJobManagerLossReplacesTaskManagersWithoutHA(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, nil)
	s.tms = 2
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 2 })
	first := liveIDs(s.lm)
	var jm string
	for id := range first {
		if strings.Contains(id, "-jm-") {
			jm = id
		}
	}
	if err := s.lm.SetTaskState(jm, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED, "Command exited with status 1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s.lm, 30*time.Second, "a new JobManager and two new TaskManagers", func(snap *localmesos.Snapshot) bool {
		n := 0
		for _, tk := range snap.Tasks {
			if tk.State == mesospb.TaskState_TASK_RUNNING && !first[tk.ID] {
				n++
			}
		}
		return n == 3
	})
	_ = sc
}
