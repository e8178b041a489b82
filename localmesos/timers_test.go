package localmesos_test

import (
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Timers under testing/synctest: fake time, exact intervals.

func TestHeartbeatsEveryIntervalAndPause(t *testing.T) {
	bubble(t, localmesos.Config{}, func(t *testing.T, m *localmesos.Master, c *client) {
		s := c.subscribe(frameworkInfo())
		s.subscribed()
		if d := elapsed(func() { s.nextAny() }); d != 0 {
			t.Errorf("first HEARTBEAT after %v, want at once", d)
		}
		for i := 0; i < 3; i++ {
			d := elapsed(func() { s.until(mesospb.Event_HEARTBEAT) })
			if d != 15*time.Second {
				t.Errorf("heartbeat %d after %v, want 15s (the master's DEFAULT_HEARTBEAT_INTERVAL)", i, d)
			}
		}
		m.PauseHeartbeats(true)
		time.Sleep(time.Minute)
		synctest.Wait()
		select {
		case ev := <-s.events:
			t.Errorf("got %v while heartbeats are paused", ev)
		default:
		}
		m.PauseHeartbeats(false)
		if d := elapsed(func() { s.until(mesospb.Event_HEARTBEAT) }); d > 15*time.Second {
			t.Errorf("heartbeats resumed after %v", d)
		}
	})
}

// An unacknowledged update is resent after 10 s, then 20, 40, ... up to 10
// minutes (the agent's TaskStatusUpdateManager), and at once after a
// resubscribe; only one update per task is in flight.
func TestStatusUpdateRetries(t *testing.T) {
	bubble(t, localmesos.Config{}, func(t *testing.T, m *localmesos.Master, c *client) {
		info := frameworkInfo()
		info.FailoverTimeout = proto.Float64(3600)
		s := c.subscribe(info)
		s.subscribed()
		o := s.offers()[0]
		s.launch(o, "t1", "cpus:1;mem:128", nil)
		first := s.update()
		if first.GetState() != mesospb.TaskState_TASK_STARTING {
			t.Fatalf("first update %v", first)
		}
		want := []time.Duration{10, 20, 40, 80, 160, 320, 600, 600}
		for i, w := range want {
			var st *mesospb.TaskStatus
			d := elapsed(func() { st = s.update() })
			if d != w*time.Second || st.GetState() != mesospb.TaskState_TASK_STARTING || string(st.GetUuid()) != string(first.GetUuid()) {
				t.Errorf("retry %d: %v after %v, want the same TASK_STARTING after %v", i, st.GetState(), d, w*time.Second)
			}
		}
		// A resubscribe resends at once and restarts the backoff.
		info.Id = s.fid()
		s2 := c.subscribe(info)
		s2.subscribed()
		var st *mesospb.TaskStatus
		if d := elapsed(func() { st = s2.update() }); d != 0 || string(st.GetUuid()) != string(first.GetUuid()) {
			t.Errorf("after resubscribe: %v after %v, want the pending update at once", st, d)
		}
		if d := elapsed(func() { s2.update() }); d != 10*time.Second {
			t.Errorf("first retry after resubscribe after %v, want 10s", d)
		}
		tk := m.Tasks()[0]
		if len(tk.Unacked) != 2 || tk.Unacked[0].GetState() != mesospb.TaskState_TASK_STARTING || tk.Unacked[1].GetState() != mesospb.TaskState_TASK_RUNNING {
			t.Errorf("agent holds %v, want STARTING then RUNNING", tk.Unacked)
		}
		s2.ack(st)
		if d := elapsed(func() { st = s2.update() }); d != 0 || st.GetState() != mesospb.TaskState_TASK_RUNNING {
			t.Errorf("after the ack: %v after %v, want TASK_RUNNING at once", st, d)
		}
		// A second ack of the same uuid is ignored.
		s2.ack(first)
		s2.ack(st)
		synctest.Wait()
		if tk := m.Tasks()[0]; len(tk.Unacked) != 0 || !tk.Live {
			t.Errorf("after acking RUNNING: %+v", tk)
		}
	})
}

// The terminal update's acknowledgement makes the master forget the task.
func TestTerminalAckForgetsTask(t *testing.T) {
	bubble(t, localmesos.Config{}, func(t *testing.T, m *localmesos.Master, c *client) {
		s := c.subscribe(frameworkInfo())
		s.subscribed()
		s.launch(s.offers()[0], "t1", "cpus:1;mem:128", nil)
		s.updateAck(mesospb.TaskState_TASK_STARTING)
		s.updateAck(mesospb.TaskState_TASK_RUNNING)
		if err := m.SetTaskState("t1", mesospb.TaskState_TASK_FINISHED, mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED, "done"); err != nil {
			t.Fatal(err)
		}
		st := s.update()
		if st.GetState() != mesospb.TaskState_TASK_FINISHED || st.GetMessage() != "done" || st.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR {
			t.Fatalf("got %v", st)
		}
		synctest.Wait()
		if tk := m.Tasks()[0]; !tk.Live || tk.State != mesospb.TaskState_TASK_FINISHED {
			t.Errorf("before the ack: %+v, want live and FINISHED", tk)
		}
		s.ack(st)
		synctest.Wait()
		if tk := m.Tasks()[0]; tk.Live {
			t.Errorf("after the terminal ack the task is still live: %+v", tk)
		}
		// Explicit reconciliation now finds the task unknown to the agent.
		s.mustSend(&mesospb.Call{Type: mesospb.Call_RECONCILE.Enum(), Reconcile: &mesospb.Call_Reconcile{Tasks: []*mesospb.Call_Reconcile_Task{
			{TaskId: st.GetTaskId(), AgentId: st.GetAgentId()}}}})
		if r := s.until(mesospb.Event_UPDATE).GetUpdate().GetStatus(); r.GetState() != mesospb.TaskState_TASK_LOST ||
			r.GetMessage() != "Reconciliation: Task is unknown to the agent" {
			t.Errorf("reconcile after removal: %v", r)
		}
	})
}

func TestRefuseFilterDurations(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		filters  *mesospb.Filters
		want     time.Duration
	}{
		{"default", 100 * time.Millisecond, nil, 5 * time.Second},
		{"negative means default", 100 * time.Millisecond, &mesospb.Filters{RefuseSeconds: proto.Float64(-3)}, 5 * time.Second},
		{"42 s", 100 * time.Millisecond, &mesospb.Filters{RefuseSeconds: proto.Float64(42)}, 42 * time.Second},
		// Shorter than an allocation interval lasts one interval.
		{"below the interval", 100 * time.Millisecond, &mesospb.Filters{RefuseSeconds: proto.Float64(0.01)}, 100 * time.Millisecond},
		{"capped at 365 days", time.Hour, &mesospb.Filters{RefuseSeconds: proto.Float64(1e12)}, 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, localmesos.Config{AllocationInterval: tt.interval, HeartbeatInterval: 24 * time.Hour}, func(t *testing.T, m *localmesos.Master, c *client) {
				s := c.subscribe(frameworkInfo())
				s.subscribed()
				o := s.offers()[0]
				s.mustSend(&mesospb.Call{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{OfferIds: []*mesospb.OfferID{o.GetId()}, Filters: tt.filters}})
				// The offer comes with the first allocation at or after expiry.
				if d := elapsed(func() { s.offers() }); d < tt.want || d > tt.want+tt.interval {
					t.Errorf("offer back after %v, want %v", d, tt.want)
				}
			})
		})
	}
}

func TestFailoverTimeout(t *testing.T) {
	bubble(t, localmesos.Config{MaxCompletedFrameworks: 1}, func(t *testing.T, m *localmesos.Master, c *client) {
		info := frameworkInfo()
		info.FailoverTimeout = proto.Float64(120)
		s := c.subscribe(info)
		s.subscribed()
		s.launch(s.offers()[0], "t1", "cpus:1;mem:128", nil)
		s.updateAck(mesospb.TaskState_TASK_STARTING)
		m.DropStreams()
		synctest.Wait()
		fw := m.Frameworks()[0]
		if fw.Connected || fw.Active || fw.Removed {
			t.Fatalf("after the drop: %+v", fw)
		}
		time.Sleep(119 * time.Second)
		synctest.Wait()
		if fw := m.Frameworks()[0]; fw.Removed {
			t.Fatalf("removed before the failover timeout")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if fw := m.Frameworks()[0]; !fw.Removed {
			t.Fatalf("not removed after the failover timeout: %+v", fw)
		}
		tk := m.Tasks()[0]
		if tk.Live || tk.State != mesospb.TaskState_TASK_KILLED {
			t.Errorf("task after removal: %+v, want killed and gone", tk)
		}
		info.Id = s.fid()
		s2 := c.subscribe(info)
		if ev := s2.nextAny(); ev.GetError().GetMessage() != "Framework has been removed" {
			t.Errorf("resubscribe after removal: %v", ev)
		}
		// MaxCompletedFrameworks bounds the list: a second removal pushes
		// the first out, and its ID is accepted again.
		s3 := c.subscribe(frameworkInfo())
		s3.subscribed()
		s3.mustSend(&mesospb.Call{Type: mesospb.Call_TEARDOWN.Enum()})
		s3.ended()
		s4 := c.subscribe(info)
		s4.subscribed()
	})
}

// A resubscription within the failover timeout keeps the framework.
func TestResubscribeBeforeFailoverTimeout(t *testing.T) {
	bubble(t, localmesos.Config{}, func(t *testing.T, m *localmesos.Master, c *client) {
		info := frameworkInfo()
		info.FailoverTimeout = proto.Float64(10)
		s := c.subscribe(info)
		s.subscribed()
		m.DropStreams()
		time.Sleep(9 * time.Second)
		info.Id = s.fid()
		s2 := c.subscribe(info)
		s2.subscribed()
		time.Sleep(time.Minute)
		synctest.Wait()
		if fw := m.Frameworks()[0]; fw.Removed || !fw.Connected {
			t.Errorf("framework %+v, want connected", fw)
		}
	})
}

func TestOfferTimeout(t *testing.T) {
	bubble(t, localmesos.Config{OfferTimeout: 30 * time.Second}, func(t *testing.T, m *localmesos.Master, c *client) {
		s := c.subscribe(frameworkInfo())
		s.subscribed()
		o := s.offers()[0]
		var ev *mesospb.Event
		if d := elapsed(func() { ev = s.expect(mesospb.Event_RESCIND) }); d != 30*time.Second || ev.GetRescind().GetOfferId().GetValue() != o.GetId().GetValue() {
			t.Errorf("RESCIND %v after %v, want offer %v after 30s", ev, d, o.GetId())
		}
	})
}
