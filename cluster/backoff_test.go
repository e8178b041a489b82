package cluster_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// An agent lost with several TaskManagers is one failure for the
// replacement backoff: all of them come back after the first delay (1 s),
// not one after another with the delay doubling each time (1+2+4 s for
// three).
func TestTaskManagersLostTogetherAreReplacedTogether(t *testing.T) {
	res := "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: res}, {Resources: res}}},
		map[string]string{"mesos.maximum-failed-tasks": "-1", "mesos.resourcemanager.placement-strategy": "binpack"})
	s.tms = 6
	s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 6 })
	// Bin-packing fills the JobManager's agent first; the other one has
	// only TaskManagers.
	jmAgent := ""
	perAgent := map[string][]string{}
	for _, tk := range s.lm.Tasks() {
		if tk.Live && !tk.State.Terminal() {
			if strings.Contains(tk.ID, "-jm-") {
				jmAgent = tk.AgentID
			} else {
				perAgent[tk.AgentID] = append(perAgent[tk.AgentID], tk.ID)
			}
		}
	}
	var lost string
	for a := range perAgent {
		if a != jmAgent {
			lost = a
		}
	}
	if len(perAgent[lost]) < 3 {
		t.Fatalf("want an agent with 3 or more TaskManagers and no JobManager; layout %v, JobManager on %s", perAgent, jmAgent)
	}
	if _, err := s.lm.AddAgent(localmesos.AgentConfig{Resources: res}); err != nil {
		t.Fatal(err)
	}
	gone := map[string]bool{}
	for _, id := range perAgent[lost] {
		gone[id] = true
	}
	start := time.Now()
	s.lm.RemoveAgent(lost, localmesos.AgentUnreachable)
	waitFor(t, s.lm, 20*time.Second, "6 TaskManagers running again", func(snap *localmesos.Snapshot) bool {
		n := 0
		for _, tk := range snap.Tasks {
			if tk.Live && tk.State == mesospb.TaskState_TASK_RUNNING && strings.Contains(tk.ID, "-tm-") && !gone[tk.ID] {
				n++
			}
		}
		return n == 6
	})
	// One delay of 1 s plus launch; the doubling would take 7 s or more.
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("%d TaskManagers lost together took %v to replace, want about 1 s", len(gone), took)
	}
}
