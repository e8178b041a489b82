package mesoshttp_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Integration tests: the client against localmesos, the in-process master
// that applies the real master's checks, in both encodings.

func newLocalMesos(t *testing.T, cfg localmesos.Config) *localmesos.Master {
	t.Helper()
	if cfg.AllocationInterval == 0 {
		cfg.AllocationInterval = 10 * time.Millisecond
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = time.Second
	}
	cfg.WorkDir = t.TempDir()
	m, err := localmesos.New(cfg)
	if err != nil {
		t.Fatalf("localmesos.New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// noProtocolErrors fails the test if the master answered any request of
// this strict client with a 4xx/5xx other than those the test provoked.
func noProtocolErrors(t *testing.T, m *localmesos.Master, allowed ...string) {
	t.Helper()
	for _, e := range m.ProtocolErrors() {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.Contains(e, a)
		}
		if !ok {
			t.Errorf("the master refused a request: %s", e)
		}
	}
}

// launchFrom builds a LAUNCH of one task that takes cpus and mem out of
// the offer, keeping the offer's resource format (role, allocation info).
func launchFrom(t *testing.T, o *mesospb.Offer, taskID string, cpus, mem float64) *mesospb.Offer_Operation {
	t.Helper()
	var res []*mesospb.Resource
	for _, r := range o.GetResources() {
		want := map[string]float64{"cpus": cpus, "mem": mem}[r.GetName()]
		if want == 0 || r.GetScalar().GetValue() < want {
			continue
		}
		c := proto.Clone(r).(*mesospb.Resource)
		c.Scalar.Value = proto.Float64(want)
		res = append(res, c)
	}
	if len(res) != 2 {
		t.Fatalf("offer %s lacks %v cpus and %v mem: %v", o.GetId().GetValue(), cpus, mem, o.GetResources())
	}
	return &mesospb.Offer_Operation{
		Type: mesospb.Offer_Operation_LAUNCH.Enum(),
		Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{{
			Name:      proto.String(taskID),
			TaskId:    mesoshttp.TaskID(taskID),
			AgentId:   o.GetAgentId(),
			Resources: res,
			Command:   &mesospb.CommandInfo{Value: proto.String("sleep 1000")},
		}}},
	}
}

// awaitUpdate skips events until an UPDATE for task in state, and returns
// its status. OFFERS on the way are declined so the master keeps a clean
// book; other updates are acknowledged when they carry a uuid.
func awaitUpdate(t *testing.T, ch <-chan mesoshttp.Notification, task string, state mesospb.TaskState) *mesospb.TaskStatus {
	t.Helper()
	for {
		ev := next[mesoshttp.Event](t, ch)
		switch ev.Event.GetType() {
		case mesospb.Event_OFFERS:
			if err := ev.Sub.Send(mesoshttp.Decline(mesoshttp.OfferIDs(ev.Event.GetOffers().GetOffers()...), nil)); err != nil {
				t.Fatalf("DECLINE: %v", err)
			}
		case mesospb.Event_UPDATE:
			st := ev.Event.GetUpdate().GetStatus()
			if st.GetTaskId().GetValue() == task && st.GetState() == state {
				return st
			}
			if len(st.GetUuid()) > 0 {
				if err := ev.Sub.Send(mesoshttp.Acknowledge(st)); err != nil {
					t.Fatalf("ACKNOWLEDGE: %v", err)
				}
			}
		}
	}
}

// awaitOffers skips events until OFFERS and returns them.
func awaitOffers(t *testing.T, ch <-chan mesoshttp.Notification) mesoshttp.Event {
	t.Helper()
	for {
		if ev := next[mesoshttp.Event](t, ch); ev.Event.GetType() == mesospb.Event_OFFERS {
			return ev
		}
	}
}

// TestLocalMesosSession: subscribe, offers, launch, updates with acks,
// reconcile, kill, teardown, in both encodings.
func TestLocalMesosSession(t *testing.T) {
	for _, enc := range encodings {
		t.Run(enc.String(), func(t *testing.T) {
			m := newLocalMesos(t, localmesos.Config{})
			c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}, Encoding: enc})
			ch := run(t, c, subscribeWith(frameworkInfo()))

			s := next[mesoshttp.Subscribed](t, ch).Sub
			fw := s.FrameworkID().GetValue()
			if !strings.HasSuffix(fw, "-0000") {
				t.Errorf("framework ID %q, want MASTERID-0000", fw)
			}
			if s.MasterInfo().GetId() == "" || s.HeartbeatInterval() != time.Second {
				t.Errorf("MasterInfo %v, heartbeat %v", s.MasterInfo(), s.HeartbeatInterval())
			}

			// Offers: launch on the first, which uses it up.
			offers := awaitOffers(t, ch)
			o := offers.Event.GetOffers().GetOffers()[0]
			if err := s.Send(mesoshttp.Accept(mesoshttp.OfferIDs(o), []*mesospb.Offer_Operation{launchFrom(t, o, "tm-1", 0.5, 128)}, nil)); err != nil {
				t.Fatalf("ACCEPT: %v", err)
			}
			if err := s.Send(mesoshttp.Decline(mesoshttp.OfferIDs(o), nil)); !errors.Is(err, mesoshttp.ErrUnknownOffer) {
				t.Fatalf("DECLINE of an accepted offer: %v, want ErrUnknownOffer", err)
			}

			// Reliable updates: STARTING is held back until acknowledged.
			st := awaitUpdate(t, ch, "tm-1", mesospb.TaskState_TASK_STARTING)
			if len(st.GetUuid()) != 16 {
				t.Fatalf("STARTING without a uuid: %v", st)
			}
			if err := s.Send(mesoshttp.Acknowledge(st)); err != nil {
				t.Fatal(err)
			}
			st = awaitUpdate(t, ch, "tm-1", mesospb.TaskState_TASK_RUNNING)
			if err := s.Call(t.Context(), mesoshttp.Acknowledge(st)); err != nil {
				t.Fatal(err)
			}

			// Explicit reconciliation: an update from the master, no uuid.
			if err := s.Send(mesoshttp.Reconcile(mesoshttp.ReconcileTask(mesoshttp.TaskID("tm-1"), nil))); err != nil {
				t.Fatal(err)
			}
			st = awaitUpdate(t, ch, "tm-1", mesospb.TaskState_TASK_RUNNING)
			if st.GetReason() != mesospb.TaskStatus_REASON_RECONCILIATION || len(st.GetUuid()) != 0 {
				t.Fatalf("reconciliation update %v", st)
			}
			if err := s.Send(mesoshttp.Acknowledge(st)); !errors.Is(err, mesoshttp.ErrInvalidCall) {
				t.Fatalf("ACK of a master update: %v, want ErrInvalidCall", err)
			}
			// Implicit reconciliation.
			if err := s.Send(mesoshttp.Reconcile()); err != nil {
				t.Fatal(err)
			}
			awaitUpdate(t, ch, "tm-1", mesospb.TaskState_TASK_RUNNING)

			// Kill.
			if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID("tm-1"), st.GetAgentId())); err != nil {
				t.Fatal(err)
			}
			st = awaitUpdate(t, ch, "tm-1", mesospb.TaskState_TASK_KILLED)
			if err := s.Call(t.Context(), mesoshttp.Acknowledge(st)); err != nil {
				t.Fatal(err)
			}
			calls := m.Calls()
			var types []string
			for _, c := range calls {
				types = append(types, c.GetType().String())
			}
			want := "SUBSCRIBE ACCEPT ACKNOWLEDGE ACKNOWLEDGE RECONCILE RECONCILE KILL"
			if got := strings.Join(dropDeclines(types), " "); !strings.HasPrefix(got, want) {
				t.Errorf("master saw %q, want it to start %q", got, want)
			}

			// Teardown ends Run.
			if err := s.Call(t.Context(), mesoshttp.Teardown()); err != nil {
				t.Fatalf("TEARDOWN: %v", err)
			}
			for {
				n := nextAny(t, ch)
				if f, ok := n.(mesoshttp.Fatal); ok {
					if !errors.Is(f.Err, mesoshttp.ErrTornDown) {
						t.Fatalf("Fatal with %v, want ErrTornDown", f.Err)
					}
					break
				}
				if _, ok := n.(mesoshttp.Event); !ok {
					t.Fatalf("after TEARDOWN: %#v", n)
				}
			}
			closed(t, ch)
			snap := frameworkSnapshot(t, m, fw)
			if !snap.Removed {
				t.Fatalf("framework after TEARDOWN: %+v", snap)
			}
			noProtocolErrors(t, m)
		})
	}
}

func dropDeclines(types []string) []string {
	var out []string
	for _, t := range types {
		if t != "DECLINE" {
			out = append(out, t)
		}
	}
	return out
}

func nextAny(t *testing.T, ch <-chan mesoshttp.Notification) mesoshttp.Notification {
	t.Helper()
	return nextAnyWithin(t, ch, waitFor)
}

func nextAnyWithin(t *testing.T, ch <-chan mesoshttp.Notification, d time.Duration) mesoshttp.Notification {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case n, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return n
	case <-timer.C:
		t.Fatal("no notification")
	}
	return nil
}

func frameworkSnapshot(t *testing.T, m *localmesos.Master, id string) localmesos.FrameworkInfo {
	t.Helper()
	for _, f := range m.Frameworks() {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("the master does not know framework %q", id)
	return localmesos.FrameworkInfo{}
}

// waitMaster waits until cond holds for the master's state.
func waitMaster(t *testing.T, m *localmesos.Master, what string, cond func(*localmesos.Snapshot) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	if err := m.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// TestLocalMesosFailover: the leader fails over; the old URL redirects, the
// client follows to the new leader and keeps its framework ID and task.
func TestLocalMesosFailover(t *testing.T) {
	for _, enc := range encodings {
		t.Run(enc.String(), func(t *testing.T) {
			m := newLocalMesos(t, localmesos.Config{})
			oldURL := m.URL()
			c := newClient(t, mesoshttp.Config{Masters: []string{oldURL}, Encoding: enc})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			s1 := next[mesoshttp.Subscribed](t, ch).Sub
			o := awaitOffers(t, ch).Event.GetOffers().GetOffers()[0]
			if err := s1.Send(mesoshttp.Accept(mesoshttp.OfferIDs(o), []*mesospb.Offer_Operation{launchFrom(t, o, "jm-1", 1, 256)}, nil)); err != nil {
				t.Fatal(err)
			}
			st := awaitUpdate(t, ch, "jm-1", mesospb.TaskState_TASK_STARTING)
			if err := s1.Send(mesoshttp.Acknowledge(st)); err != nil {
				t.Fatal(err)
			}
			awaitUpdate(t, ch, "jm-1", mesospb.TaskState_TASK_RUNNING)

			newURL := m.Failover()
			if newURL == "" || newURL == oldURL {
				t.Fatalf("Failover gave %q", newURL)
			}
			d := next[mesoshttp.Disconnected](t, ch)
			if d.Sub != s1 {
				t.Fatalf("Disconnected %v", d)
			}
			s2 := next[mesoshttp.Subscribed](t, ch).Sub
			if got, want := s2.Master(), newURL+"/master/api/v1/scheduler"; got != want {
				t.Fatalf("resubscribed at %q, want %q (the redirect's Location)", got, want)
			}
			if s2.FrameworkID().GetValue() != s1.FrameworkID().GetValue() {
				t.Fatalf("framework ID changed from %q to %q", s1.FrameworkID().GetValue(), s2.FrameworkID().GetValue())
			}
			if s2.MasterInfo().GetId() == s1.MasterInfo().GetId() {
				t.Fatal("MasterInfo still names the old leader")
			}
			// The unacknowledged RUNNING comes again; the task survived.
			st = awaitUpdate(t, ch, "jm-1", mesospb.TaskState_TASK_RUNNING)
			if err := s2.Call(t.Context(), mesoshttp.Acknowledge(st)); err != nil {
				t.Fatal(err)
			}
			if err := s1.Send(mesoshttp.Revive()); !errors.Is(err, mesoshttp.ErrSubscriptionLost) {
				t.Fatalf("call on the old subscription: %v", err)
			}
			noProtocolErrors(t, m, "307 Location: //"+strings.TrimPrefix(newURL, "http://")+"/master/api/v1/scheduler")
		})
	}
}

// TestLocalMesosStreamDrop: a cut stream and a silent one (heartbeat loss)
// are resubscribed with the same framework ID; outstanding offers die with
// the old subscription.
func TestLocalMesosStreamDrop(t *testing.T) {
	tests := []struct {
		name    string
		drop    func(m *localmesos.Master)
		wantErr error
		after   func(m *localmesos.Master)
	}{
		{"DropStreams", func(m *localmesos.Master) { m.DropStreams() }, nil, nil},
		{"PauseHeartbeats", func(m *localmesos.Master) { m.PauseHeartbeats(true) }, mesoshttp.ErrHeartbeatTimeout,
			func(m *localmesos.Master) { m.PauseHeartbeats(false) }},
	}
	for _, enc := range encodings {
		for _, tt := range tests {
			t.Run(enc.String()+"/"+tt.name, func(t *testing.T) {
				m := newLocalMesos(t, localmesos.Config{HeartbeatInterval: 200 * time.Millisecond})
				c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}, Encoding: enc})
				ch := run(t, c, subscribeWith(frameworkInfo()))
				s1 := next[mesoshttp.Subscribed](t, ch).Sub
				old := awaitOffers(t, ch).Event.GetOffers().GetOffers()
				tt.drop(m)
				var d mesoshttp.Disconnected
				for {
					n := nextAny(t, ch)
					if dd, ok := n.(mesoshttp.Disconnected); ok {
						d = dd
						break
					}
				}
				if tt.wantErr != nil && !errors.Is(d.Err, tt.wantErr) {
					t.Fatalf("Disconnected with %v, want %v", d.Err, tt.wantErr)
				}
				if tt.after != nil {
					tt.after(m)
				}
				s2 := next[mesoshttp.Subscribed](t, ch).Sub
				if s2.FrameworkID().GetValue() != s1.FrameworkID().GetValue() {
					t.Fatalf("framework ID changed from %q to %q", s1.FrameworkID().GetValue(), s2.FrameworkID().GetValue())
				}
				if err := s2.Send(mesoshttp.Decline(mesoshttp.OfferIDs(old...), nil)); !errors.Is(err, mesoshttp.ErrUnknownOffer) {
					t.Fatalf("DECLINE of an offer of the old subscription: %v, want ErrUnknownOffer", err)
				}
				// Fresh offers come and can be used.
				o := awaitOffers(t, ch)
				if err := s2.Call(t.Context(), mesoshttp.Decline(mesoshttp.OfferIDs(o.Event.GetOffers().GetOffers()...), nil)); err != nil {
					t.Fatal(err)
				}
				if f := frameworkSnapshot(t, m, s2.FrameworkID().GetValue()); f.Subscriptions != 2 || !f.Connected {
					t.Fatalf("framework at the master: %+v", f)
				}
				noProtocolErrors(t, m)
			})
		}
	}
}

func TestLocalMesosAuthentication(t *testing.T) {
	tests := []struct {
		name              string
		principal, secret string
		ok                bool
	}{
		{"accepted", "flink", "s3cret", true},
		{"wrong secret", "flink", "nope", false},
		{"no credentials", "", "", false},
	}
	for _, enc := range encodings {
		for _, tt := range tests {
			t.Run(enc.String()+"/"+tt.name, func(t *testing.T) {
				m := newLocalMesos(t, localmesos.Config{Credentials: map[string]string{"flink": "s3cret"}})
				c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}, Encoding: enc, Principal: tt.principal, Secret: tt.secret})
				ch := run(t, c, subscribeWith(frameworkInfo()))
				if !tt.ok {
					f := next[mesoshttp.Fatal](t, ch)
					if ae, ok := errors.AsType[*mesoshttp.APIError](f.Err); !ok || ae.Status != http.StatusUnauthorized {
						t.Fatalf("Fatal with %v, want 401", f.Err)
					}
					return
				}
				s := next[mesoshttp.Subscribed](t, ch).Sub
				if err := s.Call(t.Context(), mesoshttp.Suppress()); err != nil {
					t.Fatalf("authenticated call: %v", err)
				}
				if got := frameworkSnapshot(t, m, s.FrameworkID().GetValue()).Info.GetPrincipal(); got != "flink" {
					t.Fatalf("principal at the master %q, want flink", got)
				}
				noProtocolErrors(t, m)
			})
		}
	}
}

// TestLocalMesosUnavailable: 503 while no leader is known and while the
// leader recovers; the client retries until the master is back.
func TestLocalMesosUnavailable(t *testing.T) {
	tests := []struct {
		name string
		set  func(m *localmesos.Master, on bool)
		body string
	}{
		{"no leader", (*localmesos.Master).SetLeaderless, "No leader elected"},
		{"recovering", (*localmesos.Master).SetRecovering, "Master has not finished recovery"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newLocalMesos(t, localmesos.Config{})
			tt.set(m, true)
			c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			for range 3 {
				d := next[mesoshttp.Disconnected](t, ch)
				ae, ok := errors.AsType[*mesoshttp.APIError](d.Err)
				if !ok || !ae.Temporary() || !strings.Contains(ae.Body, tt.body) {
					t.Fatalf("Disconnected with %v, want a temporary 503 %q", d.Err, tt.body)
				}
			}
			tt.set(m, false)
			for {
				switch n := nextAny(t, ch).(type) {
				case mesoshttp.Disconnected:
					continue
				case mesoshttp.Subscribed:
					return
				default:
					t.Fatalf("got %#v", n)
				}
			}
		})
	}
}

// TestLocalMesosRefusals: the master's ERROR events and call refusals,
// mapped to the client's typed errors.
func TestLocalMesosRefusals(t *testing.T) {
	t.Run("role not whitelisted", func(t *testing.T) {
		m := newLocalMesos(t, localmesos.Config{Roles: []string{"flink"}})
		c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}})
		fi := frameworkInfo()
		fi.Role = proto.String("spark")
		ch := run(t, c, subscribeWith(fi))
		f := next[mesoshttp.Fatal](t, ch)
		ee, ok := errors.AsType[*mesoshttp.EventError](f.Err)
		if !ok || !ee.Refused || !strings.Contains(ee.Message, "spark") {
			t.Fatalf("Fatal with %v, want the master's refusal", f.Err)
		}
	})
	t.Run("framework removed", func(t *testing.T) {
		m := newLocalMesos(t, localmesos.Config{})
		c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		s := next[mesoshttp.Subscribed](t, ch).Sub
		if err := s.Call(t.Context(), mesoshttp.Teardown()); err != nil {
			t.Fatal(err)
		}
		// A restarted scheduler with the stored ID.
		fi := frameworkInfo()
		fi.Id = s.FrameworkID()
		ch2 := run(t, c, subscribeWith(fi))
		f := next[mesoshttp.Fatal](t, ch2)
		if !errors.Is(f.Err, mesoshttp.ErrFrameworkRemoved) {
			t.Fatalf("Fatal with %v, want ErrFrameworkRemoved", f.Err)
		}
	})
	t.Run("failed over", func(t *testing.T) {
		m := newLocalMesos(t, localmesos.Config{})
		c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		s := next[mesoshttp.Subscribed](t, ch).Sub
		// A second scheduler instance takes the framework over.
		fi := frameworkInfo()
		fi.Id = s.FrameworkID()
		ch2 := run(t, c, subscribeWith(fi))
		next[mesoshttp.Subscribed](t, ch2)
		for {
			n := nextAny(t, ch)
			if f, ok := n.(mesoshttp.Fatal); ok {
				if !errors.Is(f.Err, mesoshttp.ErrFrameworkFailedOver) {
					t.Fatalf("Fatal with %v, want ErrFrameworkFailedOver", f.Err)
				}
				break
			}
		}
		closed(t, ch)
	})
	t.Run("update framework", func(t *testing.T) {
		m := newLocalMesos(t, localmesos.Config{})
		c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}})
		fi := frameworkInfo()
		ch := run(t, c, subscribeWith(fi))
		s := next[mesoshttp.Subscribed](t, ch).Sub
		upd := proto.Clone(fi).(*mesospb.FrameworkInfo)
		upd.Id = s.FrameworkID()
		upd.Name = proto.String("renamed")
		call := &mesospb.Call{Type: mesospb.Call_UPDATE_FRAMEWORK.Enum(), UpdateFramework: &mesospb.Call_UpdateFramework{FrameworkInfo: upd}}
		if err := s.Call(t.Context(), call); err != nil {
			t.Fatalf("UPDATE_FRAMEWORK: %v", err)
		}
		if got := frameworkSnapshot(t, m, s.FrameworkID().GetValue()).Name; got != "renamed" {
			t.Fatalf("name at the master %q", got)
		}
		// Changing the user is refused with 400; the subscription lives.
		bad := proto.Clone(upd).(*mesospb.FrameworkInfo)
		bad.User = proto.String("root")
		err := s.Call(t.Context(), &mesospb.Call{Type: mesospb.Call_UPDATE_FRAMEWORK.Enum(), UpdateFramework: &mesospb.Call_UpdateFramework{FrameworkInfo: bad}})
		ae, ok := errors.AsType[*mesoshttp.APIError](err)
		if !ok || ae.Status != http.StatusBadRequest || ae.SubscriptionLost() || ae.Call != "UPDATE_FRAMEWORK" {
			t.Fatalf("UPDATE_FRAMEWORK changing the user: %v, want a 400", err)
		}
		if err := s.Call(t.Context(), mesoshttp.Revive()); err != nil {
			t.Fatalf("after a refused call: %v", err)
		}
		// The same, queued with Send, comes back as CallFailed.
		if err := s.Send(&mesospb.Call{Type: mesospb.Call_UPDATE_FRAMEWORK.Enum(), UpdateFramework: &mesospb.Call_UpdateFramework{FrameworkInfo: bad}}); err != nil {
			t.Fatal(err)
		}
		for {
			n := nextAny(t, ch)
			if f, ok := n.(mesoshttp.CallFailed); ok {
				if ae, ok := errors.AsType[*mesoshttp.APIError](f.Err); !ok || ae.Status != 400 {
					t.Fatalf("CallFailed with %v", f.Err)
				}
				break
			}
		}
		noProtocolErrors(t, m, "400")
	})
}

// TestLocalMesosRescindsAndAgentLoss: RESCIND makes an offer unusable;
// a lost agent brings FAILURE and TASK_LOST.
func TestLocalMesosRescindsAndAgentLoss(t *testing.T) {
	for _, enc := range encodings {
		t.Run(enc.String(), func(t *testing.T) {
			m := newLocalMesos(t, localmesos.Config{Agents: []localmesos.AgentConfig{{}, {}}})
			c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}, Encoding: enc})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			s := next[mesoshttp.Subscribed](t, ch).Sub
			offers := map[string]*mesospb.Offer{}
			for len(offers) < 2 {
				for _, o := range awaitOffers(t, ch).Event.GetOffers().GetOffers() {
					offers[o.GetAgentId().GetValue()] = o
				}
			}
			var keep, launchOn *mesospb.Offer
			for _, o := range offers {
				if launchOn == nil {
					launchOn = o
				} else {
					keep = o
				}
			}
			if err := s.Send(mesoshttp.Accept(mesoshttp.OfferIDs(launchOn), []*mesospb.Offer_Operation{launchFrom(t, launchOn, "tm-9", 1, 64)}, nil)); err != nil {
				t.Fatal(err)
			}
			st := awaitUpdate(t, ch, "tm-9", mesospb.TaskState_TASK_STARTING)
			s.Send(mesoshttp.Acknowledge(st))
			st = awaitUpdate(t, ch, "tm-9", mesospb.TaskState_TASK_RUNNING)
			s.Send(mesoshttp.Acknowledge(st))

			m.RescindOffers(keep.GetAgentId().GetValue())
			for {
				ev := next[mesoshttp.Event](t, ch)
				if ev.Event.GetType() == mesospb.Event_RESCIND && ev.Event.GetRescind().GetOfferId().GetValue() == keep.GetId().GetValue() {
					break
				}
			}
			if err := s.Send(mesoshttp.Accept(mesoshttp.OfferIDs(keep), nil, nil)); !errors.Is(err, mesoshttp.ErrUnknownOffer) {
				t.Fatalf("ACCEPT of a rescinded offer: %v, want ErrUnknownOffer", err)
			}

			// The executor reports a failure; the agent is then lost.
			if err := m.SetTaskState("tm-9", mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY, "OOM"); err != nil {
				t.Fatal(err)
			}
			st = awaitUpdate(t, ch, "tm-9", mesospb.TaskState_TASK_FAILED)
			if st.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LIMITATION_MEMORY || st.GetMessage() != "OOM" {
				t.Fatalf("update %v", st)
			}
			if err := s.Call(t.Context(), mesoshttp.Acknowledge(st)); err != nil {
				t.Fatal(err)
			}
			agent := launchOn.GetAgentId().GetValue()
			m.RemoveAgent(agent, localmesos.AgentUnreachable)
			for {
				ev := next[mesoshttp.Event](t, ch)
				if ev.Event.GetType() == mesospb.Event_FAILURE {
					if got := ev.Event.GetFailure().GetAgentId().GetValue(); got != agent {
						t.Fatalf("FAILURE for agent %q, want %q", got, agent)
					}
					break
				}
				if ev.Event.GetType() == mesospb.Event_OFFERS {
					s.Send(mesoshttp.Decline(mesoshttp.OfferIDs(ev.Event.GetOffers().GetOffers()...), nil))
				}
			}
			noProtocolErrors(t, m)
		})
	}
}

// TestLocalMesosCallOrder: calls queued with Send reach the master in order.
func TestLocalMesosCallOrder(t *testing.T) {
	m := newLocalMesos(t, localmesos.Config{})
	c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	const n = 200
	for i := range n {
		if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID(fmt.Sprintf("t-%03d", i)), nil)); err != nil {
			t.Fatal(err)
		}
	}
	waitMaster(t, m, "all KILLs", func(snap *localmesos.Snapshot) bool { return snap.CallCount >= n+1 })
	i := 0
	for _, call := range m.Calls() {
		if call.GetType() != mesospb.Call_KILL {
			continue
		}
		if got, want := call.GetKill().GetTaskId().GetValue(), fmt.Sprintf("t-%03d", i); got != want {
			t.Fatalf("KILL %d names %q, want %q", i, got, want)
		}
		i++
	}
	if i != n {
		t.Fatalf("%d KILLs at the master, want %d", i, n)
	}
	noProtocolErrors(t, m)
}

// TestLocalMesosHeartbeatLossExact runs localmesos with Mesos' own 15 s
// heartbeat inside a synctest bubble, over an in-memory network: with
// heartbeats paused the client gives up after exactly 5 × 15 s and
// resubscribes with its framework ID.
func TestLocalMesosHeartbeatLossExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet()
		m, err := localmesos.New(localmesos.Config{
			Listen:  func() (net.Listener, error) { return pn, nil },
			WorkDir: t.TempDir(),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		cfg := mesoshttp.Config{Masters: []string{m.URL()}}
		mesoshttp.SetDial(&cfg, pn.Dial)
		c := newClient(t, cfg)
		ch := run(t, c, subscribeWith(frameworkInfo()))
		s1 := nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait).Sub
		if s1.HeartbeatInterval() != 15*time.Second {
			t.Fatalf("heartbeat %v, want Mesos' 15s", s1.HeartbeatInterval())
		}
		m.PauseHeartbeats(true)
		start := time.Now()
		var d mesoshttp.Disconnected
		for {
			if dd, ok := nextAnyWithin(t, ch, bubbleWait).(mesoshttp.Disconnected); ok {
				d = dd
				break
			}
		}
		// The last bytes (HEARTBEAT and the first OFFERS) came with
		// SUBSCRIBED, at the same fake instant.
		if !errors.Is(d.Err, mesoshttp.ErrHeartbeatTimeout) || time.Since(start) != 75*time.Second {
			t.Fatalf("Disconnected with %v after %v, want the watchdog after 75s", d.Err, time.Since(start))
		}
		m.PauseHeartbeats(false)
		s2 := nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait).Sub
		if s2.FrameworkID().GetValue() != s1.FrameworkID().GetValue() {
			t.Fatalf("framework ID changed")
		}
	})
}
