// Package mesoshttp keeps a framework subscribed to a Mesos master through
// the v1 scheduler HTTP API and carries its calls and events.
//
// # Use
//
// One goroutine owns the framework's state and receives from Run:
//
//	c, err := mesoshttp.New(mesoshttp.Config{Masters: []string{"m1:5050", "m2:5050"}})
//	...
//	for n := range c.Run(ctx, func() *mesospb.Call_Subscribe { return sub }) {
//		switch n := n.(type) {
//		case mesoshttp.Subscribed: // persist n.Sub.FrameworkID(), drop old offers, reconcile
//		case mesoshttp.Event:      // n.Event; answer with n.Sub.Send(...)
//		case mesoshttp.CallFailed: // a queued call the master refused (a bug: log n.Err)
//		case mesoshttp.Disconnected: // n.Err; Run resubscribes after n.Retry
//		case mesoshttp.Fatal:      // n.Err; Run has stopped
//		}
//	}
//
// Every notification of one subscription comes between its Subscribed and
// its Disconnected, so the owner never sees two generations mixed, and each
// carries the *Subscription it belongs to. Calls go through that
// subscription: Send queues (never blocks on the network), Call waits for
// the answer. Both keep one order, one request at a time on one keep-alive
// connection, so the master, which handles a connection's requests in order
// and at most once, sees them in send order. Once a subscription has
// ended, its calls fail with ErrSubscriptionLost instead of going out with
// a stale Mesos-Stream-Id.
//
// Stale offers cannot be used: the master silently discards a framework's
// offers when it (re)subscribes, and each Subscription accepts ACCEPT and
// DECLINE only for offers its own stream delivered and that are still
// outstanding (not yet accepted, declined or rescinded); any other offer
// fails with ErrUnknownOffer and nothing is sent.
//
// # Wire protocol
//
// Requests are POST to <master>/api/v1/scheduler with Content-Type and
// Accept set to exactly "application/x-protobuf" (the default) or
// "application/json"; the master compares both as plain strings. JSON uses
// proto field names (protojson UseProtoNames) and is decoded ignoring
// unknown fields (DiscardUnknown). The master's JSON writer emits
// non-finite doubles as the bare tokens Infinity, -Infinity and NaN, which
// are not JSON; when an event fails to decode and holds such a token
// outside a string, it is quoted (as protojson accepts) and decoded again.
//
// SUBSCRIBE runs on a connection of its own (keep-alive off). The answer
// must be 200 with the requested Content-Type, a Mesos-Stream-Id header
// (printable ASCII, at most 128 bytes) and a body of RecordIO records (see
// package recordio), each one Event, the first SUBSCRIBED or ERROR. Every
// other call carries the stream ID and Basic credentials, runs on the
// keep-alive connection, and is answered 202 with an empty body (200 for
// UPDATE_FRAMEWORK). A 307 carries Location
// //host:port/master/api/v1/scheduler (Mesos before 0.23: http://host:port
// with no path); the client follows it by hand, keeping its scheme and the
// Authorization header, at most 5 times per attempt. Only HTTP/1.1 is
// spoken (h2 is never offered) and proxy settings of the environment are
// not used: a scheduler talks to its masters directly.
//
// # Liveness
//
// The stream is dropped when no byte arrives for HeartbeatFactor (5) ×
// heartbeat_interval_seconds of SUBSCRIBED (15 s when absent), counted
// only while the reader waits for the master. The SUBSCRIBE handshake, up
// to the SUBSCRIBED event, and every call are bounded by CallTimeout. No
// http.Client.Timeout is used, as it would cut the stream.
//
// # What ends a subscription, and what Run does next
//
// Run retries after a backoff (Config.Reconnect; reset by a subscription
// that lived a minute), trying first the master a redirect named or the one
// the last stream came from, then the Detector's leader or the next of
// Masters. A Detector that is a LeaderWatcher also ends a live
// subscription (ErrLeaderChanged) once it names another leader than the
// stream's master. It retries on: network errors and timeouts; 503 (no leader,
// recovery) and 429; other 5xx; 404; 307 past the redirect cap; a clean
// end of stream (ErrStreamClosed); a torn or malformed stream, an
// undecodable event, a wrong Content-Type or missing stream ID
// (*ProtocolError); heartbeat silence (ErrHeartbeatTimeout); an ERROR
// event in mid-stream other than those below; a call answered in a way
// that means the subscription is gone (APIError.SubscriptionLost: 403; 400
// for a stream ID mismatch or an unknown framework; 307); a call whose
// delivery is unknown (transport error, timeout, 503 until the timeout);
// and a full call queue (ErrSendQueueFull).
//
// Run stops with Fatal on: an ERROR event answering SUBSCRIBE (refused:
// bad roles, authorization, principal change; *EventError with Mesos'
// message), "Framework has been removed" (ErrFrameworkRemoved: its tasks
// are gone, registering anew is the caller's decision), "Framework failed
// over" (ErrFrameworkFailedOver: only another SUBSCRIBE with our ID causes
// it, since this client never runs two streams, so another scheduler has
// taken over and this one must stop), a SUBSCRIBE answered 400, 401, 403,
// 405, 406, 415 or 501 (*APIError: a request retrying cannot fix; 401 has
// a Hint), a SUBSCRIBED with another framework ID than requested
// (ErrFrameworkIDChanged), an invalid SUBSCRIBE body (ErrInvalidCall), and
// an accepted TEARDOWN (ErrTornDown).
//
// # Bounds
//
// Nothing grows with the input: an event is at most MaxFrameSize bytes
// (checked before allocating), one is decoded while the owner holds
// another, error bodies are read to 4 KiB, the call queue holds
// SendQueueSize calls and as many unread CallFailed notifications (more end
// the subscription with ErrSendQueueFull; an owner that queues bursts larger
// than that calls SendWait, which waits for room instead), and a
// subscription remembers at most 262144 outstanding offers (a stream past
// that is a *ProtocolError).
//
// # Goroutines
//
// Run has one goroutine, which ends when Run stops. Each subscription adds
// three, all ended and waited for before its Disconnected (or Fatal) is
// delivered: the stream reader, the sender, which works through the call
// queue one request at a time and never waits for the owner, and a
// reporter of CallFailed notifications. So an owner blocked in Call can
// never hold up the sender it waits for.
package mesoshttp
