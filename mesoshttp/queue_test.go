package mesoshttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

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

// TestSendWaitWaitsForRoom: SendWait into a full queue waits until the
// master takes calls again instead of ending the subscription, and every
// call goes out once, in the order queued.
func TestSendWaitWaitsForRoom(t *testing.T) {
	m, release := blockingMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, SendQueueSize: 2})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID("stuck"), nil)); err != nil {
		t.Fatal(err)
	}
	receive(t, m.calls) // in flight, held by the master
	const n = 10        // five times the queue
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := s.SendWait(t.Context(), mesoshttp.Revive()); err != nil {
				done <- fmt.Errorf("SendWait %d: %w", i, err)
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		t.Fatalf("SendWait returned (%v) while the queue was full", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitFor):
		t.Fatal("SendWait never returned after the master took calls again")
	}
	for i := range n {
		if got := receive(t, m.calls); got.GetType() != mesospb.Call_REVIVE {
			t.Fatalf("call %d reached the master as %v, want REVIVE", i, got.GetType())
		}
	}
	if s.Err() != nil {
		t.Fatalf("subscription ended: %v", s.Err())
	}
}

// TestSendWaitGivesUp: a SendWait whose context ends while the queue is
// full returns the context's error, sends nothing, and holds its offers
// again so that they can still be declined; an offer rescinded while it
// waited stays gone. The subscription lives.
func TestSendWaitGivesUp(t *testing.T) {
	m, release := blockingMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, SendQueueSize: 1})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	m.push(offersEvent("o1", "o2"))
	nextEvent(t, ch, mesospb.Event_OFFERS)
	id := func(s string) *mesospb.OfferID { return &mesospb.OfferID{Value: proto.String(s)} }

	if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID("stuck"), nil)); err != nil {
		t.Fatal(err)
	}
	receive(t, m.calls)
	if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID("queued"), nil)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	waiting := make(chan error, 1)
	go func() { waiting <- s.SendWait(ctx, mesoshttp.Decline([]*mesospb.OfferID{id("o1"), id("o2")}, nil)) }()
	time.Sleep(50 * time.Millisecond)
	// While it waits, its offers are spoken for.
	if err := s.Send(mesoshttp.Decline([]*mesospb.OfferID{id("o1")}, nil)); !errors.Is(err, mesoshttp.ErrUnknownOffer) {
		t.Fatalf("DECLINE of an offer a waiting call names: %v, want ErrUnknownOffer", err)
	}
	m.push(rescindEvent("o2"))
	nextEvent(t, ch, mesospb.Event_RESCIND)
	cancel()
	select {
	case err := <-waiting:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("SendWait: %v, want context.Canceled", err)
		}
	case <-time.After(waitFor):
		t.Fatal("SendWait did not return when its context ended")
	}
	close(release)
	if err := s.SendWait(t.Context(), mesoshttp.Decline([]*mesospb.OfferID{id("o1")}, nil)); err != nil {
		t.Fatalf("DECLINE of the offer given back: %v", err)
	}
	if err := s.Send(mesoshttp.Decline([]*mesospb.OfferID{id("o2")}, nil)); !errors.Is(err, mesoshttp.ErrUnknownOffer) {
		t.Fatalf("DECLINE of the offer rescinded while waiting: %v, want ErrUnknownOffer", err)
	}
	if got := receive(t, m.calls); got.GetType() != mesospb.Call_KILL {
		t.Fatalf("master got %v, want the queued KILL", got.GetType())
	}
	if got := receive(t, m.calls); got.GetType() != mesospb.Call_DECLINE || len(got.GetDecline().GetOfferIds()) != 1 {
		t.Fatalf("master got %v, want the DECLINE of o1 alone (the given-up DECLINE must not be sent)", got)
	}
	if s.Err() != nil {
		t.Fatalf("subscription ended: %v", s.Err())
	}
}

// TestSendWaitSubscriptionEnds: a SendWait waiting for room learns that
// the subscription ended.
func TestSendWaitSubscriptionEnds(t *testing.T) {
	m, _ := blockingMaster(t)
	c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, SendQueueSize: 1})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	for _, id := range []string{"stuck", "queued"} {
		if err := s.Send(mesoshttp.Kill(mesoshttp.TaskID(id), nil)); err != nil {
			t.Fatal(err)
		}
		if id == "stuck" {
			receive(t, m.calls)
		}
	}
	waiting := make(chan error, 1)
	go func() { waiting <- s.SendWait(t.Context(), mesoshttp.Revive()) }()
	time.Sleep(50 * time.Millisecond)
	m.closeStream(true)
	select {
	case err := <-waiting:
		if !errors.Is(err, mesoshttp.ErrSubscriptionLost) {
			t.Fatalf("SendWait: %v, want ErrSubscriptionLost", err)
		}
	case <-time.After(waitFor):
		t.Fatal("SendWait did not return when the subscription ended")
	}
	if err := s.SendWait(nil, mesoshttp.Revive()); !errors.Is(err, mesoshttp.ErrInvalidCall) { //nolint:staticcheck // a nil context is what is tested
		t.Fatalf("SendWait(nil ctx): %v, want ErrInvalidCall", err)
	}
}
