package localmesos_test

import (
	"sort"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func reconcileCall(tasks ...*mesospb.Call_Reconcile_Task) *mesospb.Call {
	return &mesospb.Call{Type: mesospb.Call_RECONCILE.Enum(), Reconcile: &mesospb.Call_Reconcile{Tasks: tasks}}
}

func rtask(id, agent string) *mesospb.Call_Reconcile_Task {
	t := &mesospb.Call_Reconcile_Task{TaskId: &mesospb.TaskID{Value: proto.String(id)}}
	if agent != "" {
		t.AgentId = &mesospb.AgentID{Value: proto.String(agent)}
	}
	return t
}

// Implicit reconciliation reports every task the master knows with its
// latest state sent (docs/reconciliation.md, Master::reconcile).
func TestImplicitReconciliation(t *testing.T) {
	_, _, s := start(t, localmesos.Config{}, frameworkInfo())
	o := s.offers()[0]
	agent := o.GetAgentId().GetValue()
	s.mustSend(acceptCall(o, task("a", agent, "cpus:1;mem:64", nil), task("b", agent, "cpus:1;mem:64", nil)))
	// a: STARTING acked, RUNNING sent; b: STARTING sent, not acked.
	got := map[string]*mesospb.TaskStatus{}
	for len(got) < 2 {
		st := s.update()
		got[st.GetTaskId().GetValue()] = st
	}
	s.ack(got["a"])
	if st := s.update(); st.GetTaskId().GetValue() != "a" || st.GetState() != mesospb.TaskState_TASK_RUNNING {
		t.Fatalf("got %v", st)
	}
	s.mustSend(reconcileCall())
	states := map[string]mesospb.TaskState{}
	for len(states) < 2 {
		st := s.update()
		if st.GetReason() != mesospb.TaskStatus_REASON_RECONCILIATION || st.GetSource() != mesospb.TaskStatus_SOURCE_MASTER ||
			st.Uuid != nil || st.GetMessage() != "Reconciliation: Latest task state" || st.GetAgentId().GetValue() != agent ||
			st.GetExecutorId().GetValue() != st.GetTaskId().GetValue() {
			t.Errorf("reconciliation update %v", st)
		}
		states[st.GetTaskId().GetValue()] = st.GetState()
	}
	if states["a"] != mesospb.TaskState_TASK_RUNNING || states["b"] != mesospb.TaskState_TASK_STARTING {
		t.Errorf("implicit reconciliation states %v, want a RUNNING (last sent), b STARTING", states)
	}
}

// Explicit reconciliation, case by case, for partition-aware frameworks
// and for others (which get TASK_LOST for every unknown task).
func TestExplicitReconciliation(t *testing.T) {
	for _, pa := range []bool{false, true} {
		name := "not partition aware"
		var caps []mesospb.FrameworkInfo_Capability_Type
		if pa {
			name = "partition aware"
			caps = append(caps, mesospb.FrameworkInfo_Capability_PARTITION_AWARE)
		}
		t.Run(name, func(t *testing.T) {
			cfg := localmesos.Config{Agents: []localmesos.AgentConfig{{}, {}, {}}}
			m, _, s := start(t, cfg, frameworkInfo(caps...))
			offers := s.offers()
			sort.Slice(offers, func(i, j int) bool { return offers[i].GetAgentId().GetValue() < offers[j].GetAgentId().GetValue() })
			ids := []string{offers[0].GetAgentId().GetValue(), offers[1].GetAgentId().GetValue(), offers[2].GetAgentId().GetValue()}
			s.mustSend(acceptCall(offers[0], task("known", ids[0], "cpus:1", nil)))
			s.updateAck(mesospb.TaskState_TASK_STARTING)
			s.updateAck(mesospb.TaskState_TASK_RUNNING)
			m.RemoveAgent(ids[1], localmesos.AgentUnreachable)
			m.RemoveAgent(ids[2], localmesos.AgentGoneByOperator)
			s.until(mesospb.Event_FAILURE)
			s.until(mesospb.Event_FAILURE)
			lost := func(st mesospb.TaskState) mesospb.TaskState {
				if pa {
					return st
				}
				return mesospb.TaskState_TASK_LOST
			}
			tests := []struct {
				task, agent string
				state       mesospb.TaskState
				msg         string
			}{
				{"known", "", mesospb.TaskState_TASK_RUNNING, "Reconciliation: Latest task state"},
				{"nope", ids[0], lost(mesospb.TaskState_TASK_GONE), "Reconciliation: Task is unknown to the agent"},
				{"nope", ids[1], lost(mesospb.TaskState_TASK_UNREACHABLE), "Reconciliation: Task is unreachable"},
				{"nope", ids[2], lost(mesospb.TaskState_TASK_GONE_BY_OPERATOR), "Reconciliation: Task is gone"},
				{"nope", "no-such-agent", lost(mesospb.TaskState_TASK_UNKNOWN), "Reconciliation: Task is unknown"},
				{"nope", "", lost(mesospb.TaskState_TASK_UNKNOWN), "Reconciliation: Task is unknown"},
			}
			for _, tt := range tests {
				s.mustSend(reconcileCall(rtask(tt.task, tt.agent)))
				st := s.update()
				if st.GetState() != tt.state || st.GetMessage() != tt.msg || st.GetReason() != mesospb.TaskStatus_REASON_RECONCILIATION ||
					st.Uuid != nil || st.GetSource() != mesospb.TaskStatus_SOURCE_MASTER || st.GetAgentId().GetValue() != func() string {
					if tt.task == "known" {
						return ids[0]
					}
					return tt.agent
				}() {
					t.Errorf("reconcile %s on %q: got %v\nwant %v %q", tt.task, tt.agent, st, tt.state, tt.msg)
				}
				if (tt.agent == ids[1]) != (st.UnreachableTime != nil) {
					t.Errorf("reconcile on %q: unreachable_time %v", tt.agent, st.UnreachableTime)
				}
			}
		})
	}
}

// KILL of an unknown task answers like explicit reconciliation.
func TestKillUnknownTaskReconciles(t *testing.T) {
	_, _, s := start(t, localmesos.Config{}, frameworkInfo())
	s.mustSend(&mesospb.Call{Type: mesospb.Call_KILL.Enum(), Kill: &mesospb.Call_Kill{TaskId: &mesospb.TaskID{Value: proto.String("ghost")}}})
	if st := s.update(); st.GetState() != mesospb.TaskState_TASK_LOST || st.GetMessage() != "Reconciliation: Task is unknown" || st.Uuid != nil {
		t.Errorf("got %v", st)
	}
}
