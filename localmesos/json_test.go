package localmesos_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// The whole task life cycle in application/json both ways: calls written
// by protojson with proto names, events read by protojson, uuids through
// base64.
func TestJSONEndToEnd(t *testing.T) {
	m := newMaster(t, localmesos.Config{})
	c := newClient(t, m.URL()).json()
	s := c.subscribe(frameworkInfo(mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE))
	if ct := s.header.Get("Content-Type"); ct != ctJSON {
		t.Fatalf("stream Content-Type %q", ct)
	}
	s.subscribed()
	o := s.offers()[0]
	s.launch(o, "j1", "cpus:1;mem:128;ports:[31000-31000]", nil)
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	s.updateAck(mesospb.TaskState_TASK_RUNNING)
	s.mustSend(killCall("j1"))
	s.updateAck(mesospb.TaskState_TASK_KILLING)
	s.updateAck(mesospb.TaskState_TASK_KILLED)
	waitFor(t, m, "the task gone", func(sn *localmesos.Snapshot) bool {
		tk, ok := sn.Task("j1")
		return ok && !tk.Live
	})
	if errs := m.ProtocolErrors(); len(errs) != 0 {
		t.Errorf("protocol errors %q", errs)
	}
}

// A task with a custom executor on a simulated agent: the executor ID
// shows in later offers of that agent while it runs.
func TestCustomExecutorOnSimulatedAgent(t *testing.T) {
	_, _, s := start(t, localmesos.Config{}, frameworkInfo())
	o := s.offers()[0]
	ti := task("c1", o.GetAgentId().GetValue(), "cpus:1;mem:128", nil)
	ti.Command = nil
	ti.Executor = &mesospb.ExecutorInfo{
		ExecutorId: &mesospb.ExecutorID{Value: proto.String("exec-1")},
		Command:    &mesospb.CommandInfo{Value: proto.String("./executor")},
		Resources:  parseRes("cpus:0.1;mem:32"),
	}
	call := acceptCall(o, ti)
	call.Accept.Filters = &mesospb.Filters{RefuseSeconds: proto.Float64(0)}
	s.mustSend(call)
	st := s.updateAck(mesospb.TaskState_TASK_STARTING)
	if st.GetExecutorId().GetValue() != "exec-1" {
		t.Errorf("update from executor %v", st.GetExecutorId())
	}
	var next *mesospb.Offer
	for next == nil {
		ev := s.next()
		switch ev.GetType() {
		case mesospb.Event_OFFERS:
			next = ev.GetOffers().GetOffers()[0]
		case mesospb.Event_UPDATE:
			s.ack(ev.GetUpdate().GetStatus())
		}
	}
	if len(next.GetExecutorIds()) != 1 || next.GetExecutorIds()[0].GetValue() != "exec-1" {
		t.Errorf("offer executor_ids %v, want exec-1", next.GetExecutorIds())
	}
	if got := scalar(next, "cpus"); got != 2.9 {
		t.Errorf("offered %v cpus, want 4 - 1 - 0.1", got)
	}
	// A second task with a different ExecutorInfo under the same ID.
	ti2 := proto.Clone(ti).(*mesospb.TaskInfo)
	ti2.TaskId.Value = proto.String("c2")
	ti2.Executor.Command.Value = proto.String("./other")
	s.mustSend(acceptCall(next, ti2))
	for st = s.update(); st.GetTaskId().GetValue() != "c2"; st = s.update() {
		s.ack(st)
	}
	if st.GetState() != mesospb.TaskState_TASK_ERROR || len(st.GetMessage()) < 60 ||
		st.GetMessage()[:60] != "ExecutorInfo is not compatible with existing ExecutorInfo wi" {
		t.Errorf("got %v", st)
	}
}
