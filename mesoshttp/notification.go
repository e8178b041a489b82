package mesoshttp

import (
	"time"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Notification is what Run delivers: Subscribed, Event, CallFailed,
// Disconnected or Fatal. Everything about one subscription comes between
// its Subscribed and its Disconnected (or Fatal), so notifications of two
// subscriptions never interleave.
type Notification interface{ notification() }

// Subscribed starts a subscription: the master sent SUBSCRIBED. The owner
// persists Sub.FrameworkID() before anything else, forgets every offer it
// kept from an earlier subscription (the master has discarded them) and
// reconciles its tasks.
type Subscribed struct{ Sub *Subscription }

// Event is an event of Sub's stream, in the master's order. SUBSCRIBED,
// HEARTBEAT and ERROR events are not delivered: the first becomes
// Subscribed, the second only feeds the watchdog, the third ends the
// subscription.
type Event struct {
	Sub   *Subscription
	Event *mesospb.Event
}

// CallFailed reports a call queued with Send that the master refused with
// an answer that does not end the subscription: a 4xx other than those
// SubscriptionLost covers (a programming error; Err is an *APIError with
// the master's text) or a 5xx that retrying did not cure.
type CallFailed struct {
	Sub  *Subscription
	Call mesospb.Call_Type
	Err  error
}

// Disconnected reports that a subscription ended, or that an attempt to
// subscribe failed (Sub is nil then), and that Run tries again after Retry.
type Disconnected struct {
	Sub    *Subscription // nil when the attempt never subscribed
	Master string        // the endpoint last tried
	Err    error
	Retry  time.Duration
}

// Fatal is the last notification: Run stopped for a reason retrying cannot
// fix (see doc.go). The channel is closed after it.
type Fatal struct{ Err error }

func (Subscribed) notification()   {}
func (Event) notification()        {}
func (CallFailed) notification()   {}
func (Disconnected) notification() {}
func (Fatal) notification()        {}
