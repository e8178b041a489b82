package localmesos_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestDropStreamsCutsWithoutFinalChunk(t *testing.T) {
	info := frameworkInfo()
	info.FailoverTimeout = proto.Float64(60)
	m, c, s := start(t, localmesos.Config{}, info)
	m.DropStreams()
	err := s.ended()
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("stream ended with %v, want an unexpected EOF", err)
	}
	fw := m.Frameworks()[0]
	if fw.Connected || fw.Active || fw.Removed {
		t.Errorf("after DropStreams: %+v", fw)
	}
	info.Id = s.fid()
	s2 := c.subscribe(info)
	s2.subscribed()
}

// Failover: the old URL redirects, the new master has a new ID, knows the
// framework only through its task (403 until it resubscribes), and the
// agent's pending updates arrive after the resubscription.
func TestFailover(t *testing.T) {
	info := frameworkInfo()
	info.FailoverTimeout = proto.Float64(60)
	m, c, s := start(t, localmesos.Config{}, info)
	oldMaster := strings.TrimSuffix(s.fwID, "-0000")
	s.launch(s.offers()[0], "t1", "cpus:1;mem:128", nil)
	starting := s.update() // not acknowledged
	other := c.subscribe(frameworkInfo())
	other.subscribed()
	newURL := m.Failover()
	if err := s.ended(); err == nil {
		t.Errorf("stream survived the failover cleanly, want it cut")
	}
	if r := c.call(s.streamID, &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: s.fid()}); r.status != http.StatusTemporaryRedirect {
		t.Errorf("old master: got %d, want 307", r.status)
	}
	nc := newClient(t, newURL)
	if r := nc.call(s.streamID, &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: s.fid()}); r.status != 403 || r.body != "Framework is not subscribed" {
		t.Errorf("recovered framework before resubscribing: got %d %q, want 403", r.status, r.body)
	}
	fws := m.Frameworks()
	if len(fws) != 1 || !fws[0].Recovered || fws[0].ID != s.fwID {
		t.Fatalf("after failover Frameworks() = %+v, want only the framework with a task, recovered", fws)
	}
	info.Id = s.fid()
	s2 := nc.subscribe(info)
	ev := s2.subscribed()
	if newID := ev.GetSubscribed().GetMasterInfo().GetId(); newID == oldMaster || newID == "" {
		t.Errorf("new master ID %q, old %q", newID, oldMaster)
	}
	st := s2.update()
	if string(st.GetUuid()) != string(starting.GetUuid()) {
		t.Errorf("after failover got %v, want the unacknowledged STARTING again", st)
	}
	s2.ack(st)
	s2.updateAck(mesospb.TaskState_TASK_RUNNING)
	waitFor(t, m, "an offer from the new master", func(sn *localmesos.Snapshot) bool {
		return len(sn.Offers) == 1 && strings.HasPrefix(sn.Offers[0].ID, ev.GetSubscribed().GetMasterInfo().GetId()+"-O") && sn.MasterID != oldMaster
	})
	// The framework without tasks is unknown to the new master, and it may
	// come back with its ID.
	if r := nc.call(other.streamID, &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: other.fid()}); r.status != 400 || r.body != "Framework cannot be found" {
		t.Errorf("framework without tasks after failover: got %d %q", r.status, r.body)
	}
	oinfo := frameworkInfo()
	oinfo.Id = other.fid()
	nc.subscribe(oinfo).subscribed()
}

func TestRemoveAgent(t *testing.T) {
	tests := []struct {
		name   string
		pa     bool
		how    localmesos.AgentLoss
		state  mesospb.TaskState
		reason mesospb.TaskStatus_Reason
		msg    string
	}{
		{"unreachable", false, localmesos.AgentUnreachable, mesospb.TaskState_TASK_LOST, mesospb.TaskStatus_REASON_AGENT_REMOVED, "health check timed out"},
		{"unreachable partition aware", true, localmesos.AgentUnreachable, mesospb.TaskState_TASK_UNREACHABLE, mesospb.TaskStatus_REASON_AGENT_REMOVED, "health check timed out"},
		{"gone", false, localmesos.AgentGoneByOperator, mesospb.TaskState_TASK_LOST, mesospb.TaskStatus_REASON_AGENT_REMOVED, "Agent has been marked gone"},
		{"gone partition aware", true, localmesos.AgentGoneByOperator, mesospb.TaskState_TASK_GONE_BY_OPERATOR, mesospb.TaskStatus_REASON_AGENT_REMOVED_BY_OPERATOR, "Agent has been marked gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var caps []mesospb.FrameworkInfo_Capability_Type
			if tt.pa {
				caps = append(caps, mesospb.FrameworkInfo_Capability_PARTITION_AWARE)
			}
			m, _, s := start(t, localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:2;mem:256"}}}, frameworkInfo(caps...))
			o := s.offers()[0]
			call := acceptCall(o, task("t1", o.GetAgentId().GetValue(), "cpus:1;mem:128", nil))
			call.Accept.Filters = &mesospb.Filters{RefuseSeconds: proto.Float64(0)}
			s.mustSend(call)
			s.updateAck(mesospb.TaskState_TASK_STARTING)
			s.updateAck(mesospb.TaskState_TASK_RUNNING)
			var rest string // the unused resources come back in an offer
			waitFor(t, m, "the rest offered", func(sn *localmesos.Snapshot) bool {
				if len(sn.Offers) == 1 {
					rest = sn.Offers[0].ID
				}
				return rest != ""
			})
			m.RemoveAgent(o.GetAgentId().GetValue(), tt.how)
			st := s.update()
			if st.GetState() != tt.state || st.GetReason() != tt.reason || st.GetMessage() != tt.msg || st.Uuid != nil ||
				st.GetSource() != mesospb.TaskStatus_SOURCE_MASTER || (tt.how == localmesos.AgentUnreachable) != (st.UnreachableTime != nil) {
				t.Errorf("got %v\nwant %v %v %q", st, tt.state, tt.reason, tt.msg)
			}
			if ev := s.next(); ev.GetType() != mesospb.Event_RESCIND || ev.GetRescind().GetOfferId().GetValue() != rest {
				t.Errorf("got %v, want RESCIND of %v", ev, rest)
			}
			if ev := s.next(); ev.GetType() != mesospb.Event_FAILURE || ev.GetFailure().GetAgentId().GetValue() != o.GetAgentId().GetValue() {
				t.Errorf("got %v, want FAILURE for the agent", ev)
			}
			agents := m.Agents()
			if len(agents) != 1 || agents[0].State == localmesos.AgentRegistered {
				t.Errorf("Agents() = %+v", agents)
			}
			// An unreachable task's ID cannot be reused.
			if tt.how == localmesos.AgentUnreachable {
				id, err := m.AddAgent(localmesos.AgentConfig{})
				if err != nil {
					t.Fatal(err)
				}
				o := s.offers()[0]
				if o.GetAgentId().GetValue() != id {
					t.Fatalf("offer for %v, want the new agent %v", o.GetAgentId(), id)
				}
				s.mustSend(acceptCall(o, task("t1", id, "cpus:1", nil)))
				if st := s.update(); st.GetMessage() != "Task reuses the ID of an unreachable task: t1" {
					t.Errorf("reusing an unreachable task's ID: %v", st)
				}
			}
		})
	}
}

func TestSetTaskStateErrors(t *testing.T) {
	m, _, s := start(t, localmesos.Config{}, frameworkInfo())
	s.launch(s.offers()[0], "t1", "cpus:1;mem:128", nil)
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	tests := []struct {
		name  string
		task  string
		state mesospb.TaskState
		want  error
	}{
		{"unknown task", "nope", mesospb.TaskState_TASK_FAILED, localmesos.ErrUnknownTask},
		{"master-only state", "t1", mesospb.TaskState_TASK_ERROR, localmesos.ErrInvalidState},
		{"unreachable", "t1", mesospb.TaskState_TASK_UNREACHABLE, localmesos.ErrInvalidState},
		{"killing without the capability", "t1", mesospb.TaskState_TASK_KILLING, localmesos.ErrInvalidState},
		{"gone without partition awareness", "t1", mesospb.TaskState_TASK_GONE, localmesos.ErrInvalidState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := m.SetTaskState(tt.task, tt.state, mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED, ""); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if err := m.SetTaskState("t1", mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY, "OOM"); err != nil {
		t.Fatal(err)
	}
	if err := m.SetTaskState("t1", mesospb.TaskState_TASK_RUNNING, mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED, ""); !errors.Is(err, localmesos.ErrInvalidState) {
		t.Errorf("after a terminal state: %v, want ErrInvalidState", err)
	}
	// RUNNING is still queued behind nothing: STARTING acked, so RUNNING
	// is in flight, then the FAILED.
	s.updateAck(mesospb.TaskState_TASK_RUNNING)
	st := s.update()
	if st.GetState() != mesospb.TaskState_TASK_FAILED || st.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY || st.GetMessage() != "OOM" {
		t.Errorf("got %v", st)
	}
}

func TestAddAgentValidation(t *testing.T) {
	m := newMaster(t, localmesos.Config{})
	tests := []struct {
		name string
		cfg  localmesos.AgentConfig
		want string
	}{
		{"bad resources", localmesos.AgentConfig{Resources: "cpus"}, "Bad value for resources, missing or extra ':' in cpus"},
		{"negative", localmesos.AgentConfig{Resources: "cpus:-1"}, "Bad type for resource cpus value -1 type TEXT"},
		{"text", localmesos.AgentConfig{Resources: "cpus:abc"}, "Bad type for resource cpus value abc type TEXT"},
		{"bad role", localmesos.AgentConfig{Resources: "cpus(a//b):1"}, "Role 'a//b' cannot contain two adjacent slashes"},
		{"bad attribute", localmesos.AgentConfig{Attributes: "rack"}, "Invalid attribute key:value pair 'rack'"},
		{"half a domain", localmesos.AgentConfig{Domain: &localmesos.Domain{Region: "eu"}}, "a fault domain needs both region and zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.AddAgent(tt.cfg)
			if !errors.Is(err, localmesos.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrInvalidConfig mentioning %q", err, tt.want)
			}
		})
	}
}

func TestNewValidation(t *testing.T) {
	_, err := localmesos.New(localmesos.Config{
		HeartbeatInterval: -1,
		Roles:             []string{"a", "."},
		Credentials:       map[string]string{"p": "a:b"},
		Agents:            []localmesos.AgentConfig{{Resources: "mem"}},
	})
	var ce *localmesos.ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, localmesos.ErrInvalidConfig) {
		t.Fatalf("got %v, want ConfigErrors", err)
	}
	for _, field := range []string{"HeartbeatInterval", "Roles", "Credentials", "Agents[0].Resources"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
}

// Acknowledged and Unacknowledged account for the reliable updates of one
// framework: held updates count until acknowledged, a duplicate
// acknowledgement counts nothing, and a stream lost with its agent is no
// longer held.
func TestAcknowledgementAccounting(t *testing.T) {
	m, _, s := start(t, localmesos.Config{}, frameworkInfo())
	counts := func() (acked, unacked int) {
		fws := m.Frameworks()
		if len(fws) != 1 {
			t.Fatalf("Frameworks() = %+v, want one", fws)
		}
		return fws[0].Acknowledged, fws[0].Unacknowledged
	}
	check := func(step string, wantAcked, wantUnacked int) {
		t.Helper()
		if a, u := counts(); a != wantAcked || u != wantUnacked {
			t.Errorf("%s: Acknowledged %d, Unacknowledged %d; want %d, %d", step, a, u, wantAcked, wantUnacked)
		}
	}
	check("before any task", 0, 0)
	o := s.offers()[0]
	s.launch(o, "t1", "cpus:1;mem:128", nil)
	starting := s.update()
	// The agent has sent STARTING and queued RUNNING behind it.
	waitFor(t, m, "RUNNING queued", func(sn *localmesos.Snapshot) bool {
		tk, ok := sn.Task("t1")
		return ok && len(tk.Unacked) == 2
	})
	check("STARTING sent, RUNNING queued", 0, 2)
	s.ack(starting)
	running := s.update()
	check("STARTING acknowledged", 1, 1)
	s.ack(running)
	waitFor(t, m, "RUNNING acknowledged", func(sn *localmesos.Snapshot) bool {
		tk, ok := sn.Task("t1")
		return ok && len(tk.Unacked) == 0
	})
	check("RUNNING acknowledged", 2, 0)
	s.ack(running) // a duplicate: ignored
	check("duplicate acknowledgement", 2, 0)
	if err := m.SetTaskState("t1", mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED, "exit 1"); err != nil {
		t.Fatal(err)
	}
	s.update()
	check("FAILED sent", 2, 1)
	m.RemoveAgent(o.GetAgentId().GetValue(), localmesos.AgentUnreachable)
	check("agent removed with the update unacknowledged", 2, 0)
}
