package mesoshttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/internal/backoff"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// maxOutstandingOffers bounds the offers (and, separately, inverse offers)
// a subscription remembers. A master offers each agent's resources once per
// role, so real clusters stay far below; a stream that passes it is treated
// as broken rather than allowed to grow the set without bound. A variable
// only so that tests can lower it.
var maxOutstandingOffers = 1 << 18

const (
	// maxHeartbeat caps the interval a master may announce, so the
	// watchdog always fires eventually.
	maxHeartbeat = time.Hour
	// minWatchdog keeps a broken announcement from spinning reconnects.
	minWatchdog = time.Millisecond
)

// retry503 is the backoff between attempts of a call answered 503 or 429,
// all within the call's timeout.
var retry503 = backoff.Policy{Initial: 250 * time.Millisecond, Max: 4 * time.Second, Multiplier: 2, Jitter: 0.2}

// Subscription is one SUBSCRIBE stream: one generation of the framework's
// connection to the master. Its calls carry its Mesos-Stream-Id and go out
// in the order they were queued, one at a time, on the client's keep-alive
// connection. Once it has ended every call on it fails with
// ErrSubscriptionLost; nothing is ever sent with a stale stream ID.
//
// It remembers the offers (and inverse offers) its stream delivered until
// they are accepted, declined or rescinded, and refuses ACCEPT and DECLINE
// for any other offer with ErrUnknownOffer. A new subscription starts with
// none, as the master's does.
//
// Its methods are safe for concurrent use.
type Subscription struct {
	c           *Client
	gen         uint64
	frameworkID string
	streamID    string
	endpoint    *url.URL
	masterInfo  *mesospb.MasterInfo
	heartbeat   time.Duration

	ctx        context.Context
	end        context.CancelCauseFunc // first cause wins
	queue      chan *outgoing
	senderDone chan struct{}
	// failures carries CallFailed notifications from the sender to
	// failureLoop, so that the sender never waits for the owner: the
	// owner may itself be waiting in Call for the sender.
	failures chan CallFailed
	wg       sync.WaitGroup
	// tearingDown is set while TEARDOWN is in flight: the master closes
	// the stream as it removes the framework, possibly before its 202
	// arrives, and that end of stream means the teardown worked.
	tearingDown atomic.Bool

	// Used by the reader goroutine only.
	body   io.ReadCloser
	act    *activityReader
	events *EventReader

	// mu guards the following.
	mu      sync.Mutex
	offers  offerSet
	inverse offerSet
}

// offerSet is what a subscription knows of its offers (or inverse offers):
// those it holds, and those named by a SendWait call still waiting for room
// in the queue. A waiting call's offers go back to held if the call gives
// up, unless a RESCIND took them meanwhile.
type offerSet struct {
	held, waiting map[string]struct{}
}

func newOfferSet() offerSet {
	return offerSet{held: make(map[string]struct{}), waiting: make(map[string]struct{})}
}

// outgoing is one encoded call waiting in the queue.
type outgoing struct {
	typ   mesospb.Call_Type
	body  []byte
	ctx   context.Context // the caller's, for Call; nil for Send
	reply chan error      // for Call; nil for Send
}

func newSubscription(c *Client, ctx context.Context, end context.CancelCauseFunc, gen uint64, u *url.URL, streamID string,
	ev *mesospb.Event_Subscribed, body io.ReadCloser, act *activityReader, events *EventReader) *Subscription {
	hb := DefaultHeartbeatInterval
	if secs := ev.GetHeartbeatIntervalSeconds(); ev.HeartbeatIntervalSeconds != nil && secs > 0 {
		// Compare before converting: a float64 beyond int64 does not
		// convert to a Duration.
		if secs >= maxHeartbeat.Seconds() {
			hb = maxHeartbeat
		} else {
			hb = max(time.Duration(secs*float64(time.Second)), time.Nanosecond)
		}
	}
	var mi *mesospb.MasterInfo
	if ev.MasterInfo != nil {
		mi = proto.Clone(ev.MasterInfo).(*mesospb.MasterInfo)
	}
	return &Subscription{
		c:           c,
		gen:         gen,
		frameworkID: ev.GetFrameworkId().GetValue(),
		streamID:    streamID,
		endpoint:    u,
		masterInfo:  mi,
		heartbeat:   hb,
		ctx:         ctx,
		end:         end,
		queue:       make(chan *outgoing, c.cfg.SendQueueSize),
		failures:    make(chan CallFailed, c.cfg.SendQueueSize),
		senderDone:  make(chan struct{}),
		body:        body,
		act:         act,
		events:      events,
		offers:      newOfferSet(),
		inverse:     newOfferSet(),
	}
}

// FrameworkID returns the framework ID the master confirmed.
func (s *Subscription) FrameworkID() *mesospb.FrameworkID {
	return &mesospb.FrameworkID{Value: proto.String(s.frameworkID)}
}

// Generation numbers the subscriptions of one Run from 1.
func (s *Subscription) Generation() uint64 { return s.gen }

// Master returns the URL of the endpoint the stream comes from, after
// redirects.
func (s *Subscription) Master() string { return s.endpoint.String() }

// MasterInfo returns a copy of the master's info from SUBSCRIBED (nil from
// masters before Mesos 1.1).
func (s *Subscription) MasterInfo() *mesospb.MasterInfo {
	if s.masterInfo == nil {
		return nil
	}
	return proto.Clone(s.masterInfo).(*mesospb.MasterInfo)
}

// HeartbeatInterval is the interval the master announced (15 s if none).
func (s *Subscription) HeartbeatInterval() time.Duration { return s.heartbeat }

// Done is closed when the subscription has ended.
func (s *Subscription) Done() <-chan struct{} { return s.ctx.Done() }

// Err returns nil while the subscription lives, then why it ended.
func (s *Subscription) Err() error {
	if s.ctx.Err() == nil {
		return nil
	}
	return context.Cause(s.ctx)
}

func (s *Subscription) lost() error {
	return fmt.Errorf("%w (generation %d): %w", ErrSubscriptionLost, s.gen, context.Cause(s.ctx))
}

// Send queues call and returns without waiting for the network. Calls go
// out in the order they were queued; a failure that ends the subscription
// shows up as its Disconnected notification, any other as CallFailed.
//
// The call is checked and encoded before Send returns, so the caller may
// reuse it; Send fills in framework_id when it is unset. Send fails with
// ErrInvalidCall for a call the master would refuse (no type, SUBSCRIBE,
// a missing payload or required field, another framework's ID, an
// acknowledgement without a 16-byte uuid), with ErrUnknownOffer for an
// ACCEPT or DECLINE naming an offer this subscription does not hold (none
// of the call's offers is given up then), with ErrSubscriptionLost once
// the subscription has ended, and with ErrSendQueueFull when
// SendQueueSize calls are already waiting: that ends the subscription.
func (s *Subscription) Send(call *mesospb.Call) error {
	return s.enqueue(call, nil, nil, nil)
}

// SendWait is Send for an owner that may queue more calls at once than
// SendQueueSize (one ACCEPT per agent after an offer event from a large
// cluster, one ACKNOWLEDGE per status update): when the queue is full it
// waits for room instead of ending the subscription. It returns ctx.Err()
// if ctx ends first; the call is then not sent and its offers are held
// again (unless rescinded meanwhile), so that they can still be declined.
// It fails with ErrSubscriptionLost if the subscription ends while it
// waits. Calls of one goroutine go out in the order it queued them.
func (s *Subscription) SendWait(ctx context.Context, call *mesospb.Call) error {
	if ctx == nil {
		return fmt.Errorf("%w: SendWait needs a context", ErrInvalidCall)
	}
	return s.enqueue(call, nil, nil, ctx)
}

// Call sends call after those already queued and waits for the master's
// answer: nil for 202 (or 200), else an *APIError, a transport error, or one
// of Send's errors. Answers that mean the subscription is gone (see
// APIError.SubscriptionLost), retries of 503 exhausted, transport failures
// and a ctx cancelled while the request is in flight end the subscription,
// because the master may then have received the call or not, and only a new
// subscription and reconciliation restore a known state. A TEARDOWN
// accepted by the master ends it with ErrTornDown, which stops Run.
func (s *Subscription) Call(ctx context.Context, call *mesospb.Call) error {
	if ctx == nil {
		return fmt.Errorf("%w: Call needs a context", ErrInvalidCall)
	}
	reply := make(chan error, 1)
	if err := s.enqueue(call, ctx, reply, nil); err != nil {
		return err
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-s.senderDone:
		select {
		case err := <-reply:
			return err
		default:
			return s.lost()
		}
	}
}

// payloadNeeded lists the call types whose sub-message Mesos' validation
// requires (src/master/validation.cpp, scheduler::call::validate).
var payloadNeeded = map[mesospb.Call_Type]func(*mesospb.Call) bool{
	mesospb.Call_ACCEPT:                       func(c *mesospb.Call) bool { return c.Accept != nil },
	mesospb.Call_DECLINE:                      func(c *mesospb.Call) bool { return c.Decline != nil },
	mesospb.Call_ACCEPT_INVERSE_OFFERS:        func(c *mesospb.Call) bool { return c.AcceptInverseOffers != nil },
	mesospb.Call_DECLINE_INVERSE_OFFERS:       func(c *mesospb.Call) bool { return c.DeclineInverseOffers != nil },
	mesospb.Call_KILL:                         func(c *mesospb.Call) bool { return c.Kill != nil },
	mesospb.Call_SHUTDOWN:                     func(c *mesospb.Call) bool { return c.Shutdown != nil },
	mesospb.Call_ACKNOWLEDGE:                  func(c *mesospb.Call) bool { return c.Acknowledge != nil },
	mesospb.Call_ACKNOWLEDGE_OPERATION_STATUS: func(c *mesospb.Call) bool { return c.AcknowledgeOperationStatus != nil },
	mesospb.Call_RECONCILE:                    func(c *mesospb.Call) bool { return c.Reconcile != nil },
	mesospb.Call_RECONCILE_OPERATIONS:         func(c *mesospb.Call) bool { return c.ReconcileOperations != nil },
	mesospb.Call_MESSAGE:                      func(c *mesospb.Call) bool { return c.Message != nil },
	mesospb.Call_REQUEST:                      func(c *mesospb.Call) bool { return c.Request != nil },
	mesospb.Call_UPDATE_FRAMEWORK:             func(c *mesospb.Call) bool { return c.UpdateFramework != nil },
	mesospb.Call_TEARDOWN:                     func(*mesospb.Call) bool { return true },
	mesospb.Call_REVIVE:                       func(*mesospb.Call) bool { return true },
	mesospb.Call_SUPPRESS:                     func(*mesospb.Call) bool { return true },
}

// enqueue checks, encodes and queues call. With wait set it waits for room
// in a full queue until wait ends; without, a full queue ends the
// subscription.
func (s *Subscription) enqueue(call *mesospb.Call, ctx context.Context, reply chan error, wait context.Context) error {
	if call == nil {
		return fmt.Errorf("%w: nil call", ErrInvalidCall)
	}
	if call.Type == nil {
		return fmt.Errorf("%w: call without a type", ErrInvalidCall)
	}
	t := call.GetType()
	if t == mesospb.Call_SUBSCRIBE {
		return fmt.Errorf("%w: SUBSCRIBE is made by Run, not sent on a subscription", ErrInvalidCall)
	}
	has, known := payloadNeeded[t]
	if !known {
		return fmt.Errorf("%w: call type %v is not one Mesos accepts", ErrInvalidCall, t)
	}
	if !has(call) {
		return fmt.Errorf("%w: %v call without its payload", ErrInvalidCall, t)
	}
	if s.ctx.Err() != nil {
		return s.lost()
	}
	switch {
	case call.FrameworkId == nil:
		call.FrameworkId = &mesospb.FrameworkID{Value: proto.String(s.frameworkID)}
	case call.FrameworkId.GetValue() != s.frameworkID:
		return fmt.Errorf("%w: %v call for framework %q on the subscription of framework %q", ErrInvalidCall, t, call.FrameworkId.GetValue(), s.frameworkID)
	}
	switch t {
	case mesospb.Call_ACKNOWLEDGE:
		if n := len(call.Acknowledge.GetUuid()); n != 16 {
			return fmt.Errorf("%w: ACKNOWLEDGE needs the update's 16-byte uuid, got %d bytes (updates without a uuid come from the master and are not acknowledged)", ErrInvalidCall, n)
		}
	case mesospb.Call_ACKNOWLEDGE_OPERATION_STATUS:
		if n := len(call.AcknowledgeOperationStatus.GetUuid()); n != 16 {
			return fmt.Errorf("%w: ACKNOWLEDGE_OPERATION_STATUS needs a 16-byte uuid, got %d bytes", ErrInvalidCall, n)
		}
	}
	ids, set := s.offerIDs(call)
	if (t == mesospb.Call_ACCEPT || t == mesospb.Call_DECLINE) && len(ids) == 0 {
		return fmt.Errorf("%w: %v names no offer", ErrInvalidCall, t)
	}
	body, err := s.c.cfg.Encoding.marshalCall(call)
	if err != nil {
		return fmt.Errorf("%w: %v: %w", ErrInvalidCall, t, err)
	}
	o := &outgoing{typ: t, body: body, ctx: ctx, reply: reply}

	s.mu.Lock()
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; dup {
			s.mu.Unlock()
			return fmt.Errorf("%w: %v names offer %q twice", ErrInvalidCall, t, id)
		}
		seen[id] = struct{}{}
		if _, ok := set.held[id]; !ok {
			s.mu.Unlock()
			return fmt.Errorf("%w: %v names offer %q, which generation %d of framework %q does not hold", ErrUnknownOffer, t, id, s.gen, s.frameworkID)
		}
	}
	select {
	case s.queue <- o:
		for _, id := range ids {
			delete(set.held, id)
		}
		s.mu.Unlock()
		return nil
	default:
	}
	if wait == nil {
		err := fmt.Errorf("%w: %d calls are waiting for the master", ErrSendQueueFull, cap(s.queue))
		s.end(err)
		s.mu.Unlock()
		return err
	}
	// Wait without the lock, which the stream reader needs for every
	// offer event; the offers are out of held meanwhile so that no other
	// call can name them too.
	for _, id := range ids {
		delete(set.held, id)
		set.waiting[id] = struct{}{}
	}
	s.mu.Unlock()
	var gaveUp error
	select {
	case s.queue <- o:
	case <-wait.Done():
		gaveUp = wait.Err()
	case <-s.ctx.Done():
		gaveUp = s.lost()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := set.waiting[id]; ok {
			delete(set.waiting, id)
			if gaveUp != nil {
				set.held[id] = struct{}{}
			}
		}
	}
	return gaveUp
}

// offerIDs returns the offer IDs an ACCEPT/DECLINE call (or the
// inverse-offer forms) names and the set they must be in.
func (s *Subscription) offerIDs(call *mesospb.Call) ([]string, *offerSet) {
	var list []*mesospb.OfferID
	set := &s.offers
	switch call.GetType() {
	case mesospb.Call_ACCEPT:
		list = call.Accept.GetOfferIds()
	case mesospb.Call_DECLINE:
		list = call.Decline.GetOfferIds()
	case mesospb.Call_ACCEPT_INVERSE_OFFERS:
		list, set = call.AcceptInverseOffers.GetInverseOfferIds(), &s.inverse
	case mesospb.Call_DECLINE_INVERSE_OFFERS:
		list, set = call.DeclineInverseOffers.GetInverseOfferIds(), &s.inverse
	default:
		return nil, nil
	}
	ids := make([]string, len(list))
	for i, id := range list {
		ids[i] = id.GetValue()
	}
	return ids, set
}

// start runs the stream reader, the call sender and the failure
// reporter; wait waits for all three.
func (s *Subscription) start(out chan<- Notification) {
	s.wg.Add(3)
	go s.readLoop(out)
	go s.sendLoop()
	go s.failureLoop(out)
}

func (s *Subscription) wait() { s.wg.Wait() }

// discard ends a subscription that was never started.
func (s *Subscription) discard(cause error) {
	s.end(cause)
	s.body.Close()
	close(s.senderDone)
}

// readLoop reads the stream until it ends, dispatching events. The
// watchdog runs only while the loop waits for the master: while it waits
// for the owner to take an event, silence is not the master's.
func (s *Subscription) readLoop(out chan<- Notification) {
	defer s.wg.Done()
	defer s.body.Close()
	d := watchdogFor(s.c.cfg.HeartbeatFactor, s.heartbeat)
	silence := fmt.Errorf("%w: nothing from %s for %v (%g × the %v heartbeat interval)", ErrHeartbeatTimeout, s.endpoint, d, s.c.cfg.HeartbeatFactor, s.heartbeat)
	wd := time.AfterFunc(d, func() { s.end(silence) })
	defer wd.Stop()
	s.act.arm(wd, d)
	for {
		ev, err := s.events.Next()
		if err != nil {
			s.end(s.streamError(err))
			return
		}
		wd.Stop()
		if !s.dispatch(ev, out) {
			return
		}
		wd.Reset(d)
	}
}

func (s *Subscription) streamError(err error) error {
	if s.ctx.Err() != nil {
		return context.Cause(s.ctx)
	}
	if err == io.EOF {
		if s.tearingDown.Load() {
			return ErrTornDown
		}
		return fmt.Errorf("%w (%s)", ErrStreamClosed, s.endpoint)
	}
	if _, ok := errors.AsType[*ProtocolError](err); ok {
		return err
	}
	return fmt.Errorf("mesoshttp: event stream from %s: %w", s.endpoint, err)
}

// dispatch handles one event and reports whether the stream goes on.
func (s *Subscription) dispatch(ev *mesospb.Event, out chan<- Notification) bool {
	switch ev.GetType() {
	case mesospb.Event_HEARTBEAT:
		return true
	case mesospb.Event_SUBSCRIBED:
		s.end(&ProtocolError{Master: s.Master(), Reason: "a second SUBSCRIBED event on one stream"})
		return false
	case mesospb.Event_ERROR:
		s.end(&EventError{Message: ev.GetError().GetMessage()})
		return false
	case mesospb.Event_OFFERS:
		if err := remember(s, &s.offers, ev.GetOffers().GetOffers()); err != nil {
			s.end(err)
			return false
		}
	case mesospb.Event_INVERSE_OFFERS:
		if err := remember(s, &s.inverse, ev.GetInverseOffers().GetInverseOffers()); err != nil {
			s.end(err)
			return false
		}
	case mesospb.Event_RESCIND:
		s.forget(&s.offers, ev.GetRescind().GetOfferId().GetValue())
	case mesospb.Event_RESCIND_INVERSE_OFFER:
		s.forget(&s.inverse, ev.GetRescindInverseOffer().GetInverseOfferId().GetValue())
	}
	select {
	case out <- Event{Sub: s, Event: ev}:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// remember adds the IDs of offers (or inverse offers) to set.
func remember[O interface{ GetId() *mesospb.OfferID }](s *Subscription, set *offerSet, offers []O) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(set.held)+len(set.waiting)+len(offers) > maxOutstandingOffers {
		return &ProtocolError{Master: s.Master(), Reason: fmt.Sprintf("more than %d outstanding offers", maxOutstandingOffers)}
	}
	for _, o := range offers {
		set.held[o.GetId().GetValue()] = struct{}{}
	}
	return nil
}

func (s *Subscription) forget(set *offerSet, id string) {
	s.mu.Lock()
	delete(set.held, id)
	delete(set.waiting, id)
	s.mu.Unlock()
}

// sendLoop sends queued calls one at a time until the subscription ends,
// then fails what is left in the queue.
func (s *Subscription) sendLoop() {
	defer s.wg.Done()
	defer close(s.senderDone)
	for {
		select {
		case <-s.ctx.Done():
			for {
				select {
				case o := <-s.queue:
					if o.reply != nil {
						o.reply <- s.lost()
					}
				default:
					return
				}
			}
		case o := <-s.queue:
			err := s.deliver(o)
			if o.reply != nil {
				o.reply <- err
				continue
			}
			if err != nil && s.ctx.Err() == nil {
				select {
				case s.failures <- CallFailed{Sub: s, Call: o.typ, Err: err}:
				default:
					// As many refusals unread as calls fit in the
					// queue: the owner is not listening.
					s.end(fmt.Errorf("%w: %d refused calls not yet reported", ErrSendQueueFull, cap(s.failures)))
				}
			}
		}
	}
}

// failureLoop hands CallFailed notifications to the owner.
func (s *Subscription) failureLoop(out chan<- Notification) {
	defer s.wg.Done()
	for {
		select {
		case f := <-s.failures:
			select {
			case out <- f:
			case <-s.ctx.Done():
				return
			}
		case <-s.ctx.Done():
			return
		}
	}
}

// deliver sends one call, retrying 503 and 429 within the call timeout.
func (s *Subscription) deliver(o *outgoing) error {
	if o.ctx != nil && o.ctx.Err() != nil {
		return o.ctx.Err()
	}
	if s.ctx.Err() != nil {
		return s.lost()
	}
	base := s.ctx
	if o.ctx != nil {
		base = o.ctx
	}
	ctx, cancel := context.WithTimeout(base, s.c.cfg.CallTimeout)
	defer cancel()
	if o.ctx != nil {
		stop := context.AfterFunc(s.ctx, cancel)
		defer stop()
	}
	teardown := o.typ == mesospb.Call_TEARDOWN
	if teardown {
		s.tearingDown.Store(true)
		defer s.tearingDown.Store(false)
	}
	bo := backoff.New(retry503, nil)
	for {
		err := s.post(ctx, o)
		if err == nil {
			if teardown {
				s.end(ErrTornDown)
			}
			return nil
		}
		if s.ctx.Err() != nil {
			if teardown && errors.Is(context.Cause(s.ctx), ErrTornDown) {
				return nil
			}
			return s.lost()
		}
		ae, ok := errors.AsType[*APIError](err)
		switch {
		case !ok:
			// The request may or may not have reached the master.
			err = fmt.Errorf("mesoshttp: %v call to %s, delivery unknown: %w", o.typ, s.endpoint, err)
			s.end(err)
			return err
		case ae.SubscriptionLost():
			s.end(ae)
			return ae
		case ae.Temporary():
			// Retry only while the attempt after the wait still has at
			// least as long again to complete before the deadline.
			wait := bo.Next()
			deadline, _ := ctx.Deadline()
			if time.Until(deadline) < 2*wait || backoff.Sleep(ctx, wait) != nil {
				err = fmt.Errorf("%w (still failing when the call timed out)", ae)
				s.end(err)
				return err
			}
		default:
			return ae
		}
	}
}

// post makes one request and classifies the answer.
func (s *Subscription) post(ctx context.Context, o *outgoing) error {
	req, err := s.c.newRequest(ctx, s.endpoint, o.body, s.streamID)
	if err != nil {
		return err
	}
	resp, err := s.c.calls.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		drain(resp.Body)
		return nil
	}
	return s.c.apiError(resp, o.typ.String(), s.endpoint)
}

// watchdogFor returns factor × heartbeat, kept within [minWatchdog, a
// day] so that no announcement can overflow it or make it spin.
func watchdogFor(factor float64, heartbeat time.Duration) time.Duration {
	d := factor * float64(heartbeat)
	if !(d < float64(24*time.Hour)) {
		return 24 * time.Hour
	}
	return max(time.Duration(d), minWatchdog)
}

// activityReader resets the watchdog on every byte from the master.
type activityReader struct {
	r  io.Reader
	wd *time.Timer
	d  time.Duration
}

// arm starts resetting wd; before it (during the handshake) reads do not.
func (a *activityReader) arm(wd *time.Timer, d time.Duration) { a.wd, a.d = wd, d }

func (a *activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 && a.wd != nil {
		a.wd.Reset(a.d)
	}
	return n, err
}
