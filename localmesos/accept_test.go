package localmesos_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Offer validation (src/master/validation.cpp offer::validate): the tasks
// of an ACCEPT with bad offers are LOST (DROPPED for PARTITION_AWARE),
// from the master, with no uuid.
func TestAcceptInvalidOffers(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{{}, {}, {}}}
	tests := []struct {
		name string
		ids  func(offers []*mesospb.Offer, other *mesospb.Offer) []*mesospb.OfferID
		want func(offers []*mesospb.Offer, other *mesospb.Offer, fw string) string
	}{
		{"no offers", func([]*mesospb.Offer, *mesospb.Offer) []*mesospb.OfferID { return nil },
			func([]*mesospb.Offer, *mesospb.Offer, string) string { return "No offers specified" }},
		{"unknown offer", func([]*mesospb.Offer, *mesospb.Offer) []*mesospb.OfferID {
			return []*mesospb.OfferID{{Value: proto.String("x-O9")}}
		},
			func([]*mesospb.Offer, *mesospb.Offer, string) string { return "Offer x-O9 is no longer valid" }},
		{"duplicate", func(o []*mesospb.Offer, _ *mesospb.Offer) []*mesospb.OfferID {
			return []*mesospb.OfferID{o[0].GetId(), o[0].GetId()}
		},
			func(o []*mesospb.Offer, _ *mesospb.Offer, _ string) string {
				return "Duplicate offer " + o[0].GetId().GetValue() + " in offer list"
			}},
		{"other framework's offer", func(_ []*mesospb.Offer, other *mesospb.Offer) []*mesospb.OfferID {
			return []*mesospb.OfferID{other.GetId()}
		},
			func(_ []*mesospb.Offer, other *mesospb.Offer, fw string) string {
				return "Offer " + other.GetId().GetValue() + " has invalid framework " + other.GetFrameworkId().GetValue() + " while framework " + fw + " is expected"
			}},
		{"two agents", func(o []*mesospb.Offer, _ *mesospb.Offer) []*mesospb.OfferID {
			return []*mesospb.OfferID{o[0].GetId(), o[1].GetId()}
		},
			func(o []*mesospb.Offer, _ *mesospb.Offer, _ string) string {
				return "Aggregated offers must belong to one single agent. Offer " + o[1].GetId().GetValue() + " uses agent " +
					o[1].GetAgentId().GetValue() + " and agent " + o[0].GetAgentId().GetValue()
			}},
	}
	for _, pa := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name
			want := mesospb.TaskState_TASK_LOST
			var caps []mesospb.FrameworkInfo_Capability_Type
			if pa {
				name += " partition aware"
				want = mesospb.TaskState_TASK_DROPPED
				caps = append(caps, mesospb.FrameworkInfo_Capability_PARTITION_AWARE)
			}
			t.Run(name, func(t *testing.T) {
				m, c, s := start(t, cfg, frameworkInfo(caps...))
				other := c.subscribe(frameworkInfo())
				other.subscribed()
				offers := s.offers()
				if len(offers) != 3 {
					t.Fatalf("got %d offers", len(offers))
				}
				// The first framework holds every agent; it hands one to the
				// second for good.
				s.mustSend(&mesospb.Call{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{OfferIds: []*mesospb.OfferID{offers[2].GetId()},
					Filters: &mesospb.Filters{RefuseSeconds: proto.Float64(3600)}}})
				otherOffer := other.offers()[0]
				ti := task("t1", offers[0].GetAgentId().GetValue(), "cpus:1", nil)
				s.mustSend(&mesospb.Call{Type: mesospb.Call_ACCEPT.Enum(), Accept: &mesospb.Call_Accept{
					OfferIds:   tt.ids(offers, otherOffer),
					Operations: []*mesospb.Offer_Operation{{Type: mesospb.Offer_Operation_LAUNCH.Enum(), Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{ti}}}},
				}})
				st := s.until(mesospb.Event_UPDATE).GetUpdate().GetStatus()
				msg := "Task launched with invalid offers: " + tt.want(offers, otherOffer, s.fwID)
				if st.GetState() != want || st.GetMessage() != msg || st.GetReason() != mesospb.TaskStatus_REASON_INVALID_OFFERS ||
					st.GetSource() != mesospb.TaskStatus_SOURCE_MASTER || st.Uuid != nil || st.GetAgentId().GetValue() != ti.GetAgentId().GetValue() {
					t.Errorf("got %v\nwant %v %q", st, want, msg)
				}
				waitFor(t, m, "the task record", func(sn *localmesos.Snapshot) bool {
					tk, ok := sn.Task("t1")
					return ok && tk.Launches == 1 && tk.State == want && !tk.Live
				})
			})
		}
	}
}

// Task validation (validation.cpp task::validate), in its order, with the
// master's texts: TASK_ERROR, REASON_TASK_INVALID, no uuid.
func TestAcceptTaskErrors(t *testing.T) {
	m, _, s := start(t, localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:2;mem:1024;ports:[31000-31009]"}}}, frameworkInfo())
	o := s.offers()[0]
	agent := o.GetAgentId().GetValue()
	ok := task("running", agent, "cpus:0.5;mem:128", nil)
	s.mustSend(acceptCall(o, ok))
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	s.updateAck(mesospb.TaskState_TASK_RUNNING)
	tests := []struct {
		name string
		ti   func() *mesospb.TaskInfo
		want string
	}{
		{"duplicate ID", func() *mesospb.TaskInfo { return task("running", agent, "cpus:0.5", nil) }, "Task has duplicate ID: running"},
		{"bad ID", func() *mesospb.TaskInfo { return task("a/b", agent, "cpus:0.5", nil) }, "'a/b' contains invalid characters"},
		{"wrong agent", func() *mesospb.TaskInfo { return task("t", "elsewhere", "cpus:0.5", nil) },
			"Task uses invalid agent elsewhere while agent " + agent + " is expected"},
		{"negative kill grace", func() *mesospb.TaskInfo {
			ti := task("t", agent, "cpus:0.5", nil)
			ti.KillPolicy = &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(-1)}}
			return ti
		}, "Task's 'kill_policy.grace_period' must be non-negative"},
		{"no resources", func() *mesospb.TaskInfo { return task("t", agent, "", nil) }, "Task uses no resources"},
		// Resources::validate runs before allocation_info is injected
		// (Master::accept, validateAndUpgradeResources).
		{"negative scalar", func() *mesospb.TaskInfo { return task("t", agent, "cpus:-1", nil) },
			"Resource 'cpus:-1' is invalid: Invalid scalar resource: value <= 0"},
		{"inverted range", func() *mesospb.TaskInfo { return task("t", agent, "cpus:0.5;ports:[31005-31001]", nil) },
			"Resource 'ports:[31005-31001]' is invalid: Invalid ranges resource: begin > end"},
		{"role and refinement", func() *mesospb.TaskInfo {
			ti := task("t", agent, "cpus:0.5", nil)
			ti.Resources[0].Reservations = []*mesospb.Resource_ReservationInfo{{Type: mesospb.Resource_ReservationInfo_STATIC.Enum(), Role: proto.String("a")}}
			ti.Resources[0].Role = proto.String("b")
			return ti
		}, "Resource 'cpus(reservations: [(STATIC,a)]):0.5' is invalid: Invalid resource format: 'Resource.role' field with 'b' does not match the role 'a' in 'Resource.reservations'"},
		{"fractional gpus", func() *mesospb.TaskInfo { return task("t", agent, "cpus:0.5;gpus:0.5", nil) },
			"Task uses invalid resources: Invalid 'gpus' resource: The 'gpus' resource must be an unsigned integer"},
		{"command and executor", func() *mesospb.TaskInfo {
			ti := task("t", agent, "cpus:0.5", nil)
			ti.Executor = &mesospb.ExecutorInfo{ExecutorId: &mesospb.ExecutorID{Value: proto.String("e")}, Command: ti.Command}
			return ti
		}, "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present"},
		{"neither command nor executor", func() *mesospb.TaskInfo {
			ti := task("t", agent, "cpus:0.5", nil)
			ti.Command = nil
			return ti
		}, "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present"},
		{"env without value", func() *mesospb.TaskInfo {
			return task("t", agent, "cpus:0.5", &mesospb.CommandInfo{Value: proto.String("true"), Environment: &mesospb.Environment{
				Variables: []*mesospb.Environment_Variable{{Name: proto.String("X")}}}})
		}, "Task's `CommandInfo` is invalid: Environment variable 'X' of type 'VALUE' must have a value set"},
		{"docker without docker info", func() *mesospb.TaskInfo {
			ti := task("t", agent, "cpus:0.5", nil)
			ti.Container = &mesospb.ContainerInfo{Type: mesospb.ContainerInfo_DOCKER.Enum()}
			return ti
		}, "Task's `ContainerInfo` is invalid: DockerInfo 'docker' is not set for DOCKER typed ContainerInfo"},
		{"limit below request", func() *mesospb.TaskInfo {
			ti := task("t", agent, "cpus:1", nil)
			ti.Limits = map[string]*mesospb.Value_Scalar{"cpus": {Value: proto.Float64(0.5)}}
			return ti
		}, "The cpu limit must be greater than or equal to the cpu request"},
		{"too much cpu", func() *mesospb.TaskInfo { return task("t", agent, "cpus:1.7;mem:128", nil) },
			"Total resources cpus(allocated: *):1.7; mem(allocated: *):128 required by task and its executor is more than available cpus(allocated: *):1.5; mem(allocated: *):896; disk(allocated: *):10240; ports(allocated: *):[31000-31009]"},
		{"port out of range", func() *mesospb.TaskInfo { return task("t", agent, "cpus:0.1;ports:[31009-31010]", nil) },
			"Total resources cpus(allocated: *):0.1; ports(allocated: *):[31009-31010] required by task and its executor is more than available cpus(allocated: *):1.5; mem(allocated: *):896; disk(allocated: *):10240; ports(allocated: *):[31000-31009]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var offer *mesospb.Offer
			for offer == nil {
				ev := s.next()
				if ev.GetType() == mesospb.Event_OFFERS {
					offer = ev.GetOffers().GetOffers()[0]
				}
			}
			// The disk resource shows the agent default; rebuild the
			// expectation for the agent used here (disk unset in the config
			// means no disk).
			want := strings.ReplaceAll(tt.want, "; disk(allocated: *):10240", "")
			call := acceptCall(offer, tt.ti())
			call.Accept.Filters = &mesospb.Filters{RefuseSeconds: proto.Float64(0)}
			s.mustSend(call)
			st := s.until(mesospb.Event_UPDATE).GetUpdate().GetStatus()
			if st.GetState() != mesospb.TaskState_TASK_ERROR || st.GetMessage() != want ||
				st.GetReason() != mesospb.TaskStatus_REASON_TASK_INVALID || st.Uuid != nil || st.GetSource() != mesospb.TaskStatus_SOURCE_MASTER {
				t.Errorf("got %v\nwant TASK_ERROR %q", st, want)
			}
		})
	}
	// The running task was not disturbed by the failed duplicate.
	waitFor(t, m, "the running task", func(sn *localmesos.Snapshot) bool {
		tk, ok := sn.Task("running")
		return ok && tk.Live && tk.State == mesospb.TaskState_TASK_RUNNING && tk.Launches == 2
	})
}

// Several tasks in one ACCEPT consume the offer in order; unused resources
// return under accept.filters (5 s when unset).
func TestAcceptConsumesInOrderAndFilters(t *testing.T) {
	m, _, s := start(t, localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:2;mem:1024"}}}, frameworkInfo())
	o := s.offers()[0]
	agent := o.GetAgentId().GetValue()
	s.mustSend(acceptCall(o, task("a", agent, "cpus:1;mem:256", nil), task("b", agent, "cpus:1;mem:256", nil), task("c", agent, "cpus:1", nil)))
	var states []string
	for len(states) < 5 {
		st := s.update()
		states = append(states, st.GetTaskId().GetValue()+":"+st.GetState().String())
		if st.Uuid != nil {
			s.ack(st)
		}
	}
	want := "a:TASK_STARTING b:TASK_STARTING c:TASK_ERROR a:TASK_RUNNING b:TASK_RUNNING"
	if got := strings.Join(states, " "); got != want {
		t.Errorf("updates %s\nwant    %s", got, want)
	}
	// The 512 MB left come back only after the default filter.
	s.noEvent(time.Second)
	waitFor(t, m, "the unused memory back", func(sn *localmesos.Snapshot) bool {
		return len(sn.Agents[0].Available) == 1 && sn.Agents[0].Available[0].GetScalar().GetValue() == 512
	})
}

func TestAcceptInjectsAllocationAndKeepsTaskInfo(t *testing.T) {
	m, _, s := start(t, localmesos.Config{}, frameworkInfo())
	o := s.offers()[0]
	ti := task("t1", o.GetAgentId().GetValue(), "cpus:1;mem:128", &mesospb.CommandInfo{Value: proto.String("run.sh"), Shell: proto.Bool(false),
		Arguments: []string{"run.sh", "-x"}, Uris: []*mesospb.CommandInfo_URI{{Value: proto.String("http://h/x.tgz")}}})
	ti.Labels = &mesospb.Labels{Labels: []*mesospb.Label{{Key: proto.String("k"), Value: proto.String("v")}}}
	s.mustSend(acceptCall(o, ti))
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	tk := m.Tasks()[0]
	if !proto.Equal(tk.Task, ti) {
		t.Errorf("Tasks()[0].Task = %v, want the TaskInfo as sent %v", tk.Task, ti)
	}
	if tk.Role != "*" || tk.AgentID != o.GetAgentId().GetValue() || tk.Launches != 1 {
		t.Errorf("task record %+v", tk)
	}
}

func TestAcceptUnsupportedOperations(t *testing.T) {
	_, _, s := start(t, localmesos.Config{}, frameworkInfo())
	o := s.offers()[0]
	opID := &mesospb.OperationID{Value: proto.String("op1")}
	s.mustSend(&mesospb.Call{Type: mesospb.Call_ACCEPT.Enum(), Accept: &mesospb.Call_Accept{
		OfferIds: []*mesospb.OfferID{o.GetId()},
		Operations: []*mesospb.Offer_Operation{
			{Type: mesospb.Offer_Operation_RESERVE.Enum(), Id: opID, Reserve: &mesospb.Offer_Operation_Reserve{Resources: parseRes("cpus:1")}},
			{Type: mesospb.Offer_Operation_LAUNCH.Enum(), Id: opID, Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{task("t", o.GetAgentId().GetValue(), "cpus:1", nil)}}},
		},
	}})
	ev := s.until(mesospb.Event_UPDATE_OPERATION_STATUS)
	if st := ev.GetUpdateOperationStatus().GetStatus(); st.GetState() != mesospb.OperationState_OPERATION_ERROR ||
		st.GetMessage() != "Operation requested feedback, but agent "+o.GetAgentId().GetValue()+" does not have the required RESOURCE_PROVIDER capability" {
		t.Errorf("RESERVE with id: %v", st)
	}
	if st := s.update(); st.GetState() != mesospb.TaskState_TASK_ERROR || st.GetMessage() != "The `id` field cannot be set on LAUNCH operations" {
		t.Errorf("LAUNCH with id: %v", st)
	}
}
