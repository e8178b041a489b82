package mesoshttp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Conditions callers branch on. They are returned wrapped; test them with
// errors.Is.
var (
	// ErrSubscriptionLost: the subscription a call was made on has ended,
	// so the call was not sent (its stream ID is no longer valid at the
	// master). Wait for the next Subscribed notification.
	ErrSubscriptionLost = errors.New("mesoshttp: subscription lost")

	// ErrSendQueueFull: a subscription's call queue (SendQueueSize calls)
	// was full. The call was not sent and the subscription is ended, since
	// a master that lets this many calls pile up is not answering; the
	// next subscription starts with an empty queue. It also ends a
	// subscription whose owner left SendQueueSize CallFailed
	// notifications unread.
	ErrSendQueueFull = errors.New("mesoshttp: call queue full")

	// ErrHeartbeatTimeout: the event stream stayed silent for
	// HeartbeatFactor heartbeat intervals, so the client dropped it.
	ErrHeartbeatTimeout = errors.New("mesoshttp: no event from the master within the heartbeat timeout")

	// ErrStreamClosed: the master ended the event stream cleanly without
	// an ERROR event (it does so on TEARDOWN and when it removes the
	// framework, but also when it shuts down).
	ErrStreamClosed = errors.New("mesoshttp: the master closed the event stream")

	// ErrFrameworkRemoved: the master has removed the framework (torn
	// down, or failover_timeout expired). Its tasks are gone and the ID
	// can never subscribe again: registering a new framework is a
	// deliberate decision for the caller, not something to retry.
	ErrFrameworkRemoved = errors.New("mesoshttp: framework has been removed")

	// ErrFrameworkFailedOver: another SUBSCRIBE with this framework ID
	// (another scheduler instance) took the framework over.
	ErrFrameworkFailedOver = errors.New("mesoshttp: framework failed over to another scheduler")

	// ErrFrameworkIDChanged: the master answered a resubscription with a
	// framework ID other than the one requested.
	ErrFrameworkIDChanged = errors.New("mesoshttp: master assigned a different framework ID")

	// ErrLeaderChanged: the Detector (a LeaderWatcher) named another
	// leader than the master of the live subscription, which was ended so
	// that Run subscribes to the new leader.
	ErrLeaderChanged = errors.New("mesoshttp: another master leads now")

	// ErrTornDown: this client sent TEARDOWN and the master accepted it.
	ErrTornDown = errors.New("mesoshttp: framework torn down")

	// ErrUnknownOffer: ACCEPT or DECLINE (or their inverse-offer forms)
	// named an offer that this subscription did not deliver or that is no
	// longer outstanding (already accepted, declined or rescinded). The
	// master discards a framework's offers on every (re)subscription, so
	// an offer from an older subscription is always unknown here.
	ErrUnknownOffer = errors.New("mesoshttp: offer not outstanding in this subscription")

	// ErrInvalidCall: the call would be refused by the master's validation
	// (or cannot be encoded); it was not sent.
	ErrInvalidCall = errors.New("mesoshttp: invalid call")
)

// maxErrorBody bounds how much of an error response body is kept.
const maxErrorBody = 4 << 10

// APIError is a non-success HTTP answer of the master's scheduler endpoint.
type APIError struct {
	Status   int    // HTTP status code
	Body     string // the response body, at most 4 KiB (Mesos sends plain text)
	Call     string // the call type, e.g. "SUBSCRIBE", "ACCEPT"
	Master   string // the URL the call was sent to
	Location string // the Location header of a redirect, as sent
	Hint     string // for an operator, when the cause is likely known
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mesoshttp: %s to %s: %d %s", e.Call, e.Master, e.Status, http.StatusText(e.Status))
	if e.Location != "" {
		fmt.Fprintf(&b, " (Location %q)", e.Location)
	}
	if body := strings.TrimSpace(e.Body); body != "" {
		fmt.Fprintf(&b, ": %s", body)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// Temporary reports whether the same request may succeed later: the master
// is not the leader and knows none (503 "No leader elected"), is still
// recovering (503), or rate-limits (429).
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusServiceUnavailable || e.Status == http.StatusTooManyRequests
}

// SubscriptionLost reports whether the answer to a non-SUBSCRIBE call means
// the master no longer considers this client subscribed: 403 (framework not
// subscribed), 400 for a stream ID that does not match the framework's
// current one or for a framework the master does not know, and 307 (the
// master we talk to is no longer the leader).
func (e *APIError) SubscriptionLost() bool {
	switch e.Status {
	case http.StatusForbidden, http.StatusTemporaryRedirect:
		return true
	case http.StatusBadRequest:
		// Texts from Mesos src/master/http.cpp (Master::Http::scheduler).
		return strings.Contains(e.Body, "didn't match the stream ID") ||
			strings.Contains(e.Body, "Framework cannot be found")
	}
	return false
}

// ProtocolError reports an answer that breaks the scheduler API protocol:
// a SUBSCRIBE answer with the wrong Content-Type (an HTML page from a proxy)
// or no Mesos-Stream-Id, a bad Location, a malformed RecordIO frame, an event
// that does not decode or has an unknown type, events out of order.
type ProtocolError struct {
	Master string // the URL of the endpoint that answered
	Reason string // what was wrong, in words
	Err    error  // the underlying decode or framing error, if any
}

func (e *ProtocolError) Error() string {
	s := "mesoshttp: protocol error: " + e.Reason
	if e.Master != "" {
		s = "mesoshttp: protocol error from " + e.Master + ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// EventError is an ERROR event from the master. As the first event of a
// stream it means the SUBSCRIBE was refused (bad roles, authorization, a
// removed framework, ...); later in a stream it ends the subscription.
// errors.Is matches ErrFrameworkRemoved and ErrFrameworkFailedOver by the
// master's exact messages.
type EventError struct {
	Message string // Mesos' message, verbatim
	Refused bool   // the ERROR was the answer to SUBSCRIBE
}

func (e *EventError) Error() string {
	if e.Refused {
		return "mesoshttp: master refused the subscription: " + e.Message
	}
	return "mesoshttp: master ended the subscription: " + e.Message
}

// Unwrap maps the messages of Mesos src/master/master.cpp to sentinels.
func (e *EventError) Unwrap() error {
	switch e.Message {
	case "Framework has been removed":
		return ErrFrameworkRemoved
	case "Framework failed over":
		return ErrFrameworkFailedOver
	}
	return nil
}

// ConfigError is a Config that New refuses.
type ConfigError struct {
	Field  string // e.g. "Secret", "Masters[1]"
	Reason string // what is wrong and what is allowed
}

func (e *ConfigError) Error() string {
	return "mesoshttp: Config." + e.Field + ": " + e.Reason
}
