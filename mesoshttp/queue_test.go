package mesoshttp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// blockingMaster holds every KILL until release is closed.
func blockingMaster(t *testing.T) (*fakeMaster, chan struct{}) {
	m := newFakeMaster(t)
	release := make(chan struct{})
	m.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		if call.GetType() != mesospb.Call_KILL {
			return false
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return false
	}
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return m, release
}

// TestSendQueueFull: with SendQueueSize calls waiting behind a stuck one,
// the next Send fails with ErrSendQueueFull and ends the subscription; the
// waiting calls are not sent, and a Call among them learns it.
func TestSendQueueFull(t *testing.T) {
	m, _ := blockingMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, SendQueueSize: 3})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub

	if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID("stuck"), nil)); err != nil {
		t.Fatal(err)
	}
	receive(t, m.calls) // in flight, held by the master
	for _, id := range []string{"q1", "q2"} {
		if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID(id), nil)); err != nil {
			t.Fatalf("Send %s: %v", id, err)
		}
	}
	waiting := make(chan error, 1)
	go func() { waiting <- s.Call(context.Background(), mesoshttp.Revive()) }()
	// Whichever of the Call and these Sends comes last finds the queue
	// full (if the Call does, Send sees the ended subscription, whose
	// cause is the full queue).
	var err error
	for err == nil {
		err = s.Send(mesoshttp.Kill(mesoshttp.TaskID("overflow"), nil))
	}
	if !errors.Is(err, mesoshttp.ErrSendQueueFull) {
		t.Fatalf("Send into a full queue: %v, want ErrSendQueueFull", err)
	}
	d := next[mesoshttp.Disconnected](t, ch)
	if !errors.Is(d.Err, mesoshttp.ErrSendQueueFull) || d.Sub != s {
		t.Fatalf("Disconnected with %v, want ErrSendQueueFull", d.Err)
	}
	select {
	case err := <-waiting:
		if !errors.Is(err, mesoshttp.ErrSubscriptionLost) && !errors.Is(err, mesoshttp.ErrSendQueueFull) {
			t.Fatalf("the queued Call returned %v, want ErrSubscriptionLost", err)
		}
	case <-time.After(waitFor):
		t.Fatal("the queued Call never returned")
	}
	if err := s.Send(mesoshttp.Revive()); !errors.Is(err, mesoshttp.ErrSubscriptionLost) {
		t.Fatalf("Send after the end: %v", err)
	}
	// The stuck call was cut (its request context ended with the
	// subscription) and nothing queued behind it went out.
	next[mesoshttp.Subscribed](t, ch)
	for len(m.calls) > 0 {
		if call := <-m.calls; call.GetType() == mesospb.Call_KILL {
			t.Fatalf("a queued call reached the master after the subscription ended: %v", call)
		}
	}
}

// TestCallCancelledWhileQueued: a Call whose context ends while it waits
// behind another returns at once and is never sent; the subscription lives.
func TestCallCancelledWhileQueued(t *testing.T) {
	m, release := blockingMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID("stuck"), nil)); err != nil {
		t.Fatal(err)
	}
	receive(t, m.calls)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := s.Call(ctx, mesoshttp.Suppress()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Call: %v, want its deadline", err)
	}
	close(release)
	if err := s.Call(t.Context(), mesoshttp.Revive()); err != nil {
		t.Fatalf("next Call: %v", err)
	}
	if got := receive(t, m.calls); got.GetType() != mesospb.Call_REVIVE {
		t.Fatalf("master got %v after the stuck KILL, want REVIVE (the SUPPRESS was cancelled)", got.GetType())
	}
	if s.Err() != nil {
		t.Fatalf("subscription ended: %v", s.Err())
	}
}

// TestCallCancelledInFlight: cancelling a Call whose request is already at
// the master leaves its delivery unknown, so the subscription ends.
func TestCallCancelledInFlight(t *testing.T) {
	m, _ := blockingMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Call(ctx, mesoshttp.Kill(mesoshttp.TaskID("t"), nil)) }()
	receive(t, m.calls)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Call: %v, want context.Canceled", err)
	}
	d := next[mesoshttp.Disconnected](t, ch)
	if !errors.Is(d.Err, context.Canceled) || !hasAll(d.Err.Error(), "delivery unknown") {
		t.Fatalf("Disconnected with %v, want delivery unknown", d.Err)
	}
	next[mesoshttp.Subscribed](t, ch)
}

// TestCallWhileFailureUnread: a refused Send is reported without blocking
// the sender, so a Call right after it, made by an owner that is not
// reading notifications meanwhile, still completes.
func TestCallWhileFailureUnread(t *testing.T) {
	m := newFakeMaster(t)
	m.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		if call.GetType() == mesospb.Call_KILL {
			http.Error(w, "Failed to validate scheduler::Call: Expecting 'task_id' to be present", http.StatusBadRequest)
			return true
		}
		return false
	}
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	for range 3 {
		if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID("t"), nil)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	if err := s.Call(ctx, mesoshttp.Revive()); err != nil {
		t.Fatalf("Call behind unread failures: %v", err)
	}
	for range 3 {
		if f := next[mesoshttp.CallFailed](t, ch); f.Call != mesospb.Call_KILL {
			t.Fatalf("CallFailed for %v", f.Call)
		}
	}
}

// TestUnreadFailuresBound: an owner that never reads loses the
// subscription once SendQueueSize refusals wait, instead of holding them
// without bound.
func TestUnreadFailuresBound(t *testing.T) {
	m := newFakeMaster(t)
	m.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		http.Error(w, "Failed to validate scheduler::Call", http.StatusBadRequest)
		return true
	}
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, SendQueueSize: 2})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	// One failure is taken by the reporter and waits for the owner, two
	// fill its buffer, the fourth has nowhere to go.
	for i := range 4 {
		if err := s.Call(t.Context(), mesoshttp.Revive()); err == nil {
			t.Fatalf("call %d succeeded", i)
		}
		if err := s.Send(mesoshttp.Revive()); err != nil && !errors.Is(err, mesoshttp.ErrSendQueueFull) {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	select {
	case <-s.Done():
	case <-time.After(waitFor):
		t.Fatal("the subscription lives on with unread failures")
	}
	if !errors.Is(s.Err(), mesoshttp.ErrSendQueueFull) {
		t.Fatalf("Err %v, want ErrSendQueueFull", s.Err())
	}
}
