package localmesos_test

import (
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func killCall(id string) *mesospb.Call {
	return &mesospb.Call{Type: mesospb.Call_KILL.Enum(), Kill: &mesospb.Call_Kill{TaskId: &mesospb.TaskID{Value: proto.String(id)}}}
}

func TestKillSimulatedTask(t *testing.T) {
	tests := []struct {
		name string
		caps []mesospb.FrameworkInfo_Capability_Type
		want []mesospb.TaskState
	}{
		{"without TASK_KILLING_STATE", nil, []mesospb.TaskState{mesospb.TaskState_TASK_KILLED}},
		{"with TASK_KILLING_STATE", []mesospb.FrameworkInfo_Capability_Type{mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE},
			[]mesospb.TaskState{mesospb.TaskState_TASK_KILLING, mesospb.TaskState_TASK_KILLED}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, s := start(t, localmesos.Config{}, frameworkInfo(tt.caps...))
			s.launch(s.offers()[0], "t1", "cpus:1;mem:128", nil)
			s.updateAck(mesospb.TaskState_TASK_STARTING)
			s.updateAck(mesospb.TaskState_TASK_RUNNING)
			// KILL naming another agent is ignored.
			k := killCall("t1")
			k.Kill.AgentId = &mesospb.AgentID{Value: proto.String("other")}
			s.mustSend(k)
			s.noEvent(200 * time.Millisecond)
			s.mustSend(killCall("t1"))
			for _, want := range tt.want {
				st := s.updateAck(want)
				if st.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR {
					t.Errorf("%v from %v, want the executor", want, st.GetSource())
				}
			}
			waitFor(t, m, "the task gone", func(sn *localmesos.Snapshot) bool {
				tk, ok := sn.Task("t1")
				return ok && !tk.Live && len(sn.Agents[0].Tasks) == 0
			})
		})
	}
}

// TEARDOWN kills the tasks, ends the stream cleanly with no event, and the
// framework ID is then refused.
func TestTeardown(t *testing.T) {
	m, c, s := start(t, localmesos.Config{}, frameworkInfo())
	s.launch(s.offers()[0], "t1", "cpus:1;mem:128", nil)
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	s.mustSend(&mesospb.Call{Type: mesospb.Call_TEARDOWN.Enum()})
	for ev := range s.events {
		if ev.GetType() != mesospb.Event_HEARTBEAT && ev.GetType() != mesospb.Event_UPDATE && ev.GetType() != mesospb.Event_OFFERS {
			t.Errorf("after TEARDOWN got %v", ev)
		}
	}
	if err := <-s.end; err != nil {
		t.Errorf("stream ended with %v, want a clean end", err)
	}
	fw := m.Frameworks()[0]
	if !fw.Removed || fw.Connected {
		t.Errorf("after TEARDOWN: %+v", fw)
	}
	if tk := m.Tasks()[0]; tk.Live || tk.State != mesospb.TaskState_TASK_KILLED {
		t.Errorf("task after TEARDOWN: %+v", tk)
	}
	if a := m.Agents()[0]; len(a.Tasks) != 0 || len(a.Available) != 4 {
		t.Errorf("agent after TEARDOWN: %+v", a)
	}
	info := frameworkInfo()
	info.Id = s.fid()
	s2 := c.subscribe(info)
	if ev := s2.nextAny(); ev.GetError().GetMessage() != "Framework has been removed" {
		t.Errorf("resubscribe: %v", ev)
	}
	if r := s.send(callOf(mesospb.Call_REVIVE, nil)); r.status != http.StatusBadRequest || r.body != "Framework cannot be found" {
		t.Errorf("call after TEARDOWN: %d %q", r.status, r.body)
	}
}

func TestShutdownExecutor(t *testing.T) {
	_, _, s := start(t, localmesos.Config{}, frameworkInfo())
	o := s.offers()[0]
	s.launch(o, "t1", "cpus:1;mem:128", nil)
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	s.updateAck(mesospb.TaskState_TASK_RUNNING)
	s.mustSend(&mesospb.Call{Type: mesospb.Call_SHUTDOWN.Enum(), Shutdown: &mesospb.Call_Shutdown{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("t1")}, AgentId: o.GetAgentId()}})
	s.updateAck(mesospb.TaskState_TASK_KILLED)
}

// A disconnected framework with failover_timeout 0 is removed at once.
func TestDisconnectWithZeroFailoverTimeout(t *testing.T) {
	m, _, s := start(t, localmesos.Config{}, frameworkInfo())
	s.launch(s.offers()[0], "t1", "cpus:1;mem:128", nil)
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	s.cancel() // the scheduler goes away
	waitFor(t, m, "the framework removed", func(sn *localmesos.Snapshot) bool {
		return len(sn.Frameworks) == 1 && sn.Frameworks[0].Removed && !sn.Tasks[0].Live
	})
}
