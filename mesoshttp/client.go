package mesoshttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/internal/backoff"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

const (
	// maxRedirects caps the 307s followed within one SUBSCRIBE attempt;
	// during an election two masters may briefly point at each other.
	maxRedirects = 5
	// healthyAfter: a subscription that lived this long resets the
	// reconnect backoff.
	healthyAfter = time.Minute
	// dialTimeout and tlsTimeout bound connection set-up.
	dialTimeout = 10 * time.Second
	tlsTimeout  = 10 * time.Second
	// drainLimit: bodies up to this size are read to the end so the
	// keep-alive connection can be reused; beyond it the connection is
	// closed instead.
	drainLimit = 64 << 10
	// maxStreamID: Mesos documents stream IDs of at most 128 bytes.
	maxStreamID = 128
)

// Client talks to the scheduler API of a Mesos master. It holds two HTTP
// transports: one that opens a dedicated connection per SUBSCRIBE stream,
// and one keep-alive connection pool for all other calls. A Client is safe
// for concurrent use; Run may be called more than once (each run is its own
// framework session).
type Client struct {
	cfg     Config
	masters []*url.URL
	stream  *http.Client
	calls   *http.Client
	log     *slog.Logger
	auth    string // the Authorization header value, or ""
}

// New validates cfg and returns a Client. Errors are *ConfigError naming
// the field.
func New(cfg Config) (*Client, error) {
	cfg, masters, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, masters: masters, log: cfg.Logger}
	if cfg.Principal != "" {
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Principal+":"+cfg.Secret))
	}
	c.stream = c.httpClient(true)
	c.calls = c.httpClient(false)
	return c, nil
}

// httpClient builds an HTTP/1.1-only client that never follows redirects
// and has no overall timeout: the stream is bounded by the heartbeat
// watchdog, calls by a context deadline.
func (c *Client) httpClient(stream bool) *http.Client {
	dial := c.cfg.dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	tr := &http.Transport{
		DialContext:            dial,
		TLSHandshakeTimeout:    tlsTimeout,
		ResponseHeaderTimeout:  c.cfg.CallTimeout,
		DisableCompression:     true,
		ForceAttemptHTTP2:      false,
		TLSNextProto:           map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxResponseHeaderBytes: 64 << 10,
	}
	if c.cfg.TLS != nil {
		tr.TLSClientConfig = c.cfg.TLS.Clone()
		// The master speaks HTTP/1.1 only; never offer h2 in ALPN.
		tr.TLSClientConfig.NextProtos = slices.DeleteFunc(slices.Clone(tr.TLSClientConfig.NextProtos), func(p string) bool { return p == "h2" })
	}
	if stream {
		// One connection per stream, closed with it.
		tr.DisableKeepAlives = true
	} else {
		tr.MaxIdleConnsPerHost = 2
		tr.IdleConnTimeout = 90 * time.Second
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Close releases idle connections. Call it once every Run has ended.
func (c *Client) Close() {
	c.stream.CloseIdleConnections()
	c.calls.CloseIdleConnections()
}

// newRequest builds a scheduler API POST with the exact headers Mesos
// compares: Content-Type and Accept are the bare media type.
func (c *Client) newRequest(ctx context.Context, u *url.URL, body []byte, streamID string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ct := c.cfg.Encoding.ContentType()
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", ct)
	if streamID != "" {
		req.Header.Set("Mesos-Stream-Id", streamID)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	return req, nil
}

// apiError reads at most 4 KiB of a failed answer's body into an *APIError
// and closes the body.
func (c *Client) apiError(resp *http.Response, call string, u *url.URL) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	drain(resp.Body)
	e := &APIError{Status: resp.StatusCode, Body: string(body), Call: call, Master: u.String(), Location: resp.Header.Get("Location")}
	if resp.StatusCode == http.StatusUnauthorized {
		if c.cfg.Principal == "" {
			e.Hint = "the master requires HTTP authentication: set the principal and secret"
		} else {
			e.Hint = fmt.Sprintf("the master refused principal %q: unknown principal or wrong secret", c.cfg.Principal)
		}
	}
	return e
}

// drain reads a little of what is left of a body, so a short one leaves
// its keep-alive connection reusable, and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
	_ = body.Close()
}

// Run subscribes and keeps the framework subscribed until ctx is done or
// something retrying cannot fix happens, and reports everything on the
// returned channel (see Notification). It closes the channel when it stops.
//
// subscribe is called on Run's goroutine before every attempt and returns
// the SUBSCRIBE body: FrameworkInfo (user and name required) and optional
// suppressed roles and offer constraints. If its framework_info.id is
// empty, Run fills in the ID of the last SUBSCRIBED, so a framework keeps
// its ID across reconnections. Run clones what subscribe returns.
//
// The owner must keep receiving: the stream is not read while a
// notification waits, and a silent stream is only dropped for the master's
// silence, not the owner's.
func (c *Client) Run(ctx context.Context, subscribe func() *mesospb.Call_Subscribe) <-chan Notification {
	out := make(chan Notification)
	go func() {
		defer close(out)
		c.run(ctx, subscribe, out)
	}()
	return out
}

func (c *Client) run(ctx context.Context, subscribe func() *mesospb.Call_Subscribe, out chan<- Notification) {
	bo := backoff.New(c.cfg.Reconnect, nil)
	var (
		known *mesospb.FrameworkID // from the last SUBSCRIBED
		hint  *url.URL             // the master to try next, from a redirect or the last stream
		rot   int                  // rotation through c.masters
		gen   uint64
	)
	for {
		call, wantID, err := buildSubscribe(subscribe, known, c.cfg.Encoding)
		if err != nil {
			emit(ctx, out, Fatal{Err: err})
			return
		}
		target, fromList, err := c.target(ctx, &hint, rot)
		var sub *Subscription
		if err == nil {
			c.log.Debug("subscribing to mesos", "master", target.String(), "framework", wantID)
			sub, target, err = c.subscribe(ctx, target, call, wantID, gen+1)
		}
		if sub != nil {
			c.log.Debug("subscribed to mesos", "master", sub.Master(), "framework", sub.frameworkID, "generation", sub.gen)
			gen++
			known = sub.FrameworkID()
			if !emit(ctx, out, Subscribed{Sub: sub}) {
				sub.discard(context.Cause(ctx))
				return
			}
			began := time.Now()
			sub.start(out)
			c.followLeader(sub)
			sub.wait()
			err = sub.Err()
			if time.Since(began) >= healthyAfter {
				bo.Reset()
			}
			hint = sub.endpoint
			if ae, ok := errors.AsType[*APIError](err); ok && ae.Status == http.StatusTemporaryRedirect {
				if next, rerr := resolveLocation(sub.endpoint, ae.Location); rerr == nil {
					hint = next
				}
			}
			if c.cfg.Detector != nil && hint == sub.endpoint {
				hint = nil
			}
		} else if fromList {
			rot++
		}
		if ctx.Err() != nil {
			return
		}
		if fatal(err) {
			emit(ctx, out, Fatal{Err: err})
			return
		}
		wait := bo.Next()
		master := ""
		if target != nil {
			master = target.String()
		}
		if !emit(ctx, out, Disconnected{Sub: sub, Master: master, Err: err, Retry: wait}) {
			return
		}
		if backoff.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// followLeader returns when sub has ended, after ending it itself when a
// LeaderWatcher names another leader than sub's master. Only changes after
// the subscription began count: a redirect may have led to the leader
// before the Detector heard of it.
func (c *Client) followLeader(sub *Subscription) {
	w, ok := c.cfg.Detector.(LeaderWatcher)
	if !ok {
		<-sub.Done()
		return
	}
	var prev <-chan struct{}
	for {
		changed := w.LeaderChanged()
		if changed == prev {
			// A Detector that has stopped keeps its last channel closed.
			<-sub.Done()
			return
		}
		prev = changed
		select {
		case <-sub.Done():
			return
		case <-changed:
		}
		cur := w.CurrentLeader()
		if cur == "" {
			continue
		}
		u, err := parseMaster(cur, c.cfg.TLS != nil)
		if err != nil || u.Host != sub.endpoint.Host {
			c.log.Debug("leader changed; leaving the old master's stream", "from", sub.Master(), "to", cur)
			sub.end(fmt.Errorf("%w: %s, not %s", ErrLeaderChanged, cur, sub.endpoint.Host))
			<-sub.Done()
			return
		}
	}
}

// emit delivers n unless ctx ends first.
func emit(ctx context.Context, out chan<- Notification, n Notification) bool {
	select {
	case out <- n:
		return true
	case <-ctx.Done():
		return false
	}
}

// fatal reports whether Run must stop on err rather than resubscribe.
func fatal(err error) bool {
	switch {
	case errors.Is(err, ErrTornDown), errors.Is(err, ErrFrameworkRemoved),
		errors.Is(err, ErrFrameworkFailedOver), errors.Is(err, ErrFrameworkIDChanged),
		errors.Is(err, ErrInvalidCall):
		return true
	}
	if ee, ok := errors.AsType[*EventError](err); ok && ee.Refused {
		return true
	}
	if ae, ok := errors.AsType[*APIError](err); ok && ae.Call == mesospb.Call_SUBSCRIBE.String() {
		switch ae.Status {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
			http.StatusMethodNotAllowed, http.StatusNotAcceptable,
			http.StatusUnsupportedMediaType, http.StatusNotImplemented:
			return true
		}
	}
	return false
}

// buildSubscribe encodes the SUBSCRIBE call for the next attempt.
func buildSubscribe(subscribe func() *mesospb.Call_Subscribe, known *mesospb.FrameworkID, enc Encoding) ([]byte, string, error) {
	if subscribe == nil {
		return nil, "", fmt.Errorf("%w: Run needs a subscribe function", ErrInvalidCall)
	}
	s := subscribe()
	if s == nil || s.FrameworkInfo == nil {
		return nil, "", fmt.Errorf("%w: SUBSCRIBE needs a FrameworkInfo", ErrInvalidCall)
	}
	s = proto.Clone(s).(*mesospb.Call_Subscribe)
	fi := s.FrameworkInfo
	if fi.GetId().GetValue() == "" {
		fi.Id = nil
		if known != nil {
			fi.Id = &mesospb.FrameworkID{Value: proto.String(known.GetValue())}
		}
	}
	call := &mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: s}
	if fi.Id != nil {
		// Mesos requires Call.framework_id == framework_info.id on SUBSCRIBE.
		call.FrameworkId = &mesospb.FrameworkID{Value: proto.String(fi.GetId().GetValue())}
	}
	body, err := enc.marshalCall(call)
	if err != nil {
		return nil, "", fmt.Errorf("%w: SUBSCRIBE: %w", ErrInvalidCall, err)
	}
	return body, fi.GetId().GetValue(), nil
}

// target picks the endpoint of the next attempt: a pending redirect or the
// last leader first, then the Detector's answer or the next configured
// master. The bool reports the last case, in which a failure moves the
// rotation on.
func (c *Client) target(ctx context.Context, hint **url.URL, rot int) (*url.URL, bool, error) {
	if u := *hint; u != nil {
		*hint = nil
		return u, false, nil
	}
	if c.cfg.Detector != nil {
		s, err := c.cfg.Detector.Leader(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("mesoshttp: leader detection: %w", err)
		}
		u, err := parseMaster(s, c.cfg.TLS != nil)
		if err != nil {
			return nil, false, fmt.Errorf("mesoshttp: leader detection: %w", err)
		}
		return u, false, nil
	}
	return c.masters[rot%len(c.masters)], true, nil
}

// subscribe makes one SUBSCRIBE attempt at u, following redirects, and
// returns the subscription once SUBSCRIBED has arrived, and the endpoint it
// tried last. The stream is not read further until Subscription.start.
func (c *Client) subscribe(ctx context.Context, u *url.URL, body []byte, wantID string, gen uint64) (*Subscription, *url.URL, error) {
	for hops := 0; ; hops++ {
		sub, next, err := c.subscribeOnce(ctx, u, body, wantID, gen)
		if next == nil {
			return sub, u, err
		}
		if hops == maxRedirects {
			return nil, u, fmt.Errorf("%w (gave up after %d redirects)", err, maxRedirects)
		}
		c.log.Debug("following mesos redirect", "from", u.String(), "to", next.String())
		u = next
	}
}

// subscribeOnce sends one SUBSCRIBE request. On a 307 it returns the
// resolved Location as next, with the *APIError.
func (c *Client) subscribeOnce(ctx context.Context, u *url.URL, body []byte, wantID string, gen uint64) (*Subscription, *url.URL, error) {
	sctx, cancel := context.WithCancelCause(ctx)
	d := c.cfg.CallTimeout
	handshake := time.AfterFunc(d, func() {
		cancel(fmt.Errorf("mesoshttp: SUBSCRIBE to %s: no SUBSCRIBED event within %v: %w", u, d, context.DeadlineExceeded))
	})
	fail := func(err error) (*Subscription, *url.URL, error) {
		handshake.Stop()
		if cause := context.Cause(sctx); cause != nil && ctx.Err() == nil {
			err = cause
		}
		cancel(err)
		return nil, nil, err
	}
	req, err := c.newRequest(sctx, u, body, "")
	if err != nil {
		return fail(fmt.Errorf("mesoshttp: SUBSCRIBE to %s: %w", u, err))
	}
	resp, err := c.stream.Do(req)
	if err != nil {
		return fail(fmt.Errorf("mesoshttp: SUBSCRIBE to %s: %w", u, err))
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusTemporaryRedirect:
		ae := c.apiError(resp, mesospb.Call_SUBSCRIBE.String(), u)
		next, err := resolveLocation(u, ae.Location)
		if err != nil {
			return fail(&ProtocolError{Master: u.String(), Reason: "bad redirect", Err: err})
		}
		handshake.Stop()
		cancel(ae)
		return nil, next, ae
	default:
		return fail(c.apiError(resp, mesospb.Call_SUBSCRIBE.String(), u))
	}
	want := c.cfg.Encoding.ContentType()
	if ct := resp.Header.Get("Content-Type"); ct != want {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		drain(resp.Body)
		return fail(&ProtocolError{Master: u.String(), Reason: fmt.Sprintf("SUBSCRIBE answered 200 with Content-Type %q, want %q; body starts %q", ct, want, snippet)})
	}
	streamID := resp.Header.Get("Mesos-Stream-Id")
	if err := checkStreamID(streamID); err != nil {
		resp.Body.Close()
		return fail(&ProtocolError{Master: u.String(), Reason: err.Error()})
	}
	act := &activityReader{r: resp.Body}
	events := NewEventReader(act, c.cfg.Encoding, c.cfg.MaxFrameSize)
	events.master = u.String()
	ev, err := events.Next()
	if err != nil {
		resp.Body.Close()
		if err == io.EOF {
			err = &ProtocolError{Master: u.String(), Reason: "SUBSCRIBE stream ended before its first event"}
		}
		return fail(err)
	}
	switch ev.GetType() {
	case mesospb.Event_SUBSCRIBED:
	case mesospb.Event_ERROR:
		resp.Body.Close()
		return fail(&EventError{Message: ev.GetError().GetMessage(), Refused: true})
	default:
		resp.Body.Close()
		return fail(&ProtocolError{Master: u.String(), Reason: fmt.Sprintf("first event is %s, want SUBSCRIBED or ERROR", ev.GetType())})
	}
	got := ev.GetSubscribed().GetFrameworkId().GetValue()
	if got == "" {
		resp.Body.Close()
		return fail(&ProtocolError{Master: u.String(), Reason: "SUBSCRIBED with an empty framework ID"})
	}
	if wantID != "" && got != wantID {
		resp.Body.Close()
		return fail(fmt.Errorf("%w: asked for %q, got %q from %s", ErrFrameworkIDChanged, wantID, got, u))
	}
	if !handshake.Stop() {
		// The handshake timer fired as SUBSCRIBED arrived.
		resp.Body.Close()
		return fail(context.Cause(sctx))
	}
	return newSubscription(c, sctx, cancel, gen, u, streamID, ev.GetSubscribed(), resp.Body, act, events), nil, nil
}

// checkStreamID refuses a stream ID that is missing or that cannot be a
// Mesos one (a UUID; documented as at most 128 bytes), since it is echoed
// back in a header.
func checkStreamID(id string) error {
	if id == "" {
		return errors.New("SUBSCRIBE answered 200 without a Mesos-Stream-Id header")
	}
	if len(id) > maxStreamID {
		return fmt.Errorf("Mesos-Stream-Id of %d bytes, more than %d", len(id), maxStreamID)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("Mesos-Stream-Id %q holds a byte outside printable ASCII", id)
		}
	}
	return nil
}
