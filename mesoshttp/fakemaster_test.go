package mesoshttp_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/internal/backoff"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// fakeMaster is a scripted stand-in for a Mesos master's scheduler
// endpoint: by default it behaves like a leading master (the order of
// checks of Mesos src/master/http.cpp, Master::Http::scheduler, for the
// parts a client can provoke), and hooks let a test answer any request
// itself.
type fakeMaster struct {
	t testing.TB

	// Set before the first request.
	heartbeat   float64           // heartbeat_interval_seconds; 0 leaves it out
	credentials map[string]string // principal -> secret; nil disables auth
	// onSubscribe and onCall may answer a request themselves (returning
	// true); they run after authentication and decoding.
	onSubscribe func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool
	onCall      func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool

	calls      chan *mesospb.Call // every non-SUBSCRIBE call received, in order
	subscribes chan *mesospb.Call // every SUBSCRIBE received

	mu          sync.Mutex
	nextID      int
	streamID    string
	cur         *fakeStream
	subHeaders  []http.Header
	callHeaders []http.Header
	paths       []string
}

type fakeStream struct {
	enc  mesoshttp.Encoding
	out  chan []byte
	stop chan bool // true: cut the connection without the final chunk
}

func newFakeMaster(t testing.TB) *fakeMaster {
	return &fakeMaster{
		t:          t,
		heartbeat:  15,
		calls:      make(chan *mesospb.Call, 4096),
		subscribes: make(chan *mesospb.Call, 64),
	}
}

// serve starts m on an httptest server and returns its base URL.
func (m *fakeMaster) serve() string {
	srv := httptest.NewServer(m)
	m.t.Cleanup(srv.Close)
	return srv.URL
}

func encodingOf(contentType string) (mesoshttp.Encoding, bool) {
	switch contentType {
	case "application/x-protobuf":
		return mesoshttp.Protobuf, true
	case "application/json":
		return mesoshttp.JSON, true
	}
	return 0, false
}

func encodeEvent(t testing.TB, enc mesoshttp.Encoding, ev *mesospb.Event) []byte {
	t.Helper()
	var b []byte
	var err error
	if enc == mesoshttp.JSON {
		b, err = protojson.MarshalOptions{UseProtoNames: true}.Marshal(ev)
	} else {
		b, err = proto.Marshal(ev)
	}
	if err != nil {
		t.Fatalf("encode event: %v", err)
	}
	return b
}

func (m *fakeMaster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.paths = append(m.paths, r.URL.RequestURI())
	m.mu.Unlock()
	if m.credentials != nil && !m.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="mesos-master-scheduler"`)
		http.Error(w, "401 Unauthorized.", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, fmt.Sprintf("405 Method Not Allowed. Expecting one of { 'POST' }, but received '%s'", r.Method), http.StatusMethodNotAllowed)
		return
	}
	enc, ok := encodingOf(r.Header.Get("Content-Type"))
	if !ok {
		http.Error(w, "Expecting 'Content-Type' of application/json or application/x-protobuf", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	call := new(mesospb.Call)
	if enc == mesoshttp.JSON {
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(body, call)
	} else {
		err = proto.Unmarshal(body, call)
	}
	if err != nil {
		http.Error(w, "Failed to parse body into Call protobuf", http.StatusBadRequest)
		return
	}
	if call.GetType() == mesospb.Call_SUBSCRIBE {
		m.mu.Lock()
		m.subHeaders = append(m.subHeaders, r.Header.Clone())
		m.mu.Unlock()
		m.subscribes <- call
		if m.onSubscribe != nil && m.onSubscribe(w, r, call) {
			return
		}
		if r.Header.Get("Mesos-Stream-Id") != "" {
			http.Error(w, "Subscribe calls should not include the 'Mesos-Stream-Id' header", http.StatusBadRequest)
			return
		}
		if r.Header.Get("Accept") != r.Header.Get("Content-Type") {
			http.Error(w, "test master: Accept differs from Content-Type", http.StatusNotAcceptable)
			return
		}
		m.stream(w, r, enc, call)
		return
	}
	m.mu.Lock()
	m.callHeaders = append(m.callHeaders, r.Header.Clone())
	m.mu.Unlock()
	m.calls <- call
	if m.onCall != nil && m.onCall(w, r, call) {
		return
	}
	m.mu.Lock()
	sid, cur := m.streamID, m.cur
	m.mu.Unlock()
	switch got := r.Header.Get("Mesos-Stream-Id"); {
	case cur == nil:
		http.Error(w, "Framework is not subscribed", http.StatusForbidden)
		return
	case got == "":
		http.Error(w, "All non-subscribe calls should include the 'Mesos-Stream-Id' header", http.StatusBadRequest)
		return
	case got != sid:
		http.Error(w, fmt.Sprintf("The stream ID '%s' included in this request didn't match the stream ID currently associated with framework ID %s", got, call.GetFrameworkId().GetValue()), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
	if call.GetType() == mesospb.Call_TEARDOWN {
		m.closeStream(false)
	}
}

func (m *fakeMaster) authorized(r *http.Request) bool {
	p, s, ok := r.BasicAuth()
	want, known := m.credentials[p]
	return ok && known && s == want
}

// stream serves one SUBSCRIBE: SUBSCRIBED, a HEARTBEAT, then whatever the
// test pushes, until it closes the stream or the client goes away.
func (m *fakeMaster) stream(w http.ResponseWriter, r *http.Request, enc mesoshttp.Encoding, call *mesospb.Call) {
	m.mu.Lock()
	m.nextID++
	fw := call.GetFrameworkId().GetValue()
	if fw == "" {
		fw = fmt.Sprintf("fw-%04d", m.nextID)
	}
	if m.cur != nil {
		// Only one subscription per framework: fail the old one over.
		m.cur.out <- recordio.AppendFrame(nil, encodeEvent(m.t, m.cur.enc, errorEvent("Framework failed over")))
		m.cur.stop <- false
	}
	st := &fakeStream{enc: enc, out: make(chan []byte, 1024), stop: make(chan bool, 1)}
	m.cur = st
	m.streamID = fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", m.nextID)
	sid := m.streamID
	m.mu.Unlock()

	w.Header().Set("Content-Type", enc.ContentType())
	w.Header().Set("Mesos-Stream-Id", sid)
	w.WriteHeader(http.StatusOK)
	sub := &mesospb.Event_Subscribed{
		FrameworkId: &mesospb.FrameworkID{Value: proto.String(fw)},
		MasterInfo: &mesospb.MasterInfo{
			Id: proto.String("master-1"), Ip: proto.Uint32(16777343), Port: proto.Uint32(5050),
			Hostname: proto.String("fake-master"), Version: proto.String("1.11.0"),
		},
	}
	if m.heartbeat != 0 {
		sub.HeartbeatIntervalSeconds = proto.Float64(m.heartbeat)
	}
	fl := w.(http.Flusher)
	write := func(b []byte) bool {
		if _, err := w.Write(b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	write(recordio.AppendFrame(nil, encodeEvent(m.t, enc, &mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(), Subscribed: sub})))
	write(recordio.AppendFrame(nil, encodeEvent(m.t, enc, &mesospb.Event{Type: mesospb.Event_HEARTBEAT.Enum()})))
	defer func() {
		m.mu.Lock()
		if m.cur == st {
			m.cur = nil
		}
		m.mu.Unlock()
	}()
	for {
		select {
		case b := <-st.out:
			if !write(b) {
				return
			}
		case abrupt := <-st.stop:
			// Flush what was pushed before the stop.
			for len(st.out) > 0 {
				write(<-st.out)
			}
			if abrupt {
				panic(http.ErrAbortHandler)
			}
			return
		case <-r.Context().Done():
			return
		}
	}
}

// current returns the live stream, failing the test if there is none.
func (m *fakeMaster) current() *fakeStream {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		m.t.Fatal("test master: no live stream")
	}
	return m.cur
}

// push sends an event on the live stream, in its encoding.
func (m *fakeMaster) push(ev *mesospb.Event) {
	m.t.Helper()
	st := m.current()
	st.out <- recordio.AppendFrame(nil, encodeEvent(m.t, st.enc, ev))
}

// tryPush is push for goroutines other than the test's: it reports
// whether there was a live stream.
func (m *fakeMaster) tryPush(ev *mesospb.Event) bool {
	m.mu.Lock()
	st := m.cur
	m.mu.Unlock()
	if st == nil {
		return false
	}
	st.out <- recordio.AppendFrame(nil, encodeEvent(m.t, st.enc, ev))
	return true
}

// pushRaw writes bytes on the live stream as they are.
func (m *fakeMaster) pushRaw(b []byte) {
	m.t.Helper()
	m.current().out <- b
}

// closeStream ends the live stream, cleanly or by cutting the connection.
func (m *fakeMaster) closeStream(abrupt bool) {
	m.mu.Lock()
	st := m.cur
	m.cur = nil
	m.mu.Unlock()
	if st != nil {
		st.stop <- abrupt
	}
}

func (m *fakeMaster) headersOfSubscribe(i int) http.Header {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.subHeaders[i]
}

func (m *fakeMaster) headersOfCall(i int) http.Header {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.callHeaders[i]
}

func (m *fakeMaster) requestPaths() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.paths...)
}

// Events.

func errorEvent(msg string) *mesospb.Event {
	return &mesospb.Event{Type: mesospb.Event_ERROR.Enum(), Error: &mesospb.Event_Error{Message: proto.String(msg)}}
}

func offersEvent(ids ...string) *mesospb.Event {
	var offers []*mesospb.Offer
	for _, id := range ids {
		offers = append(offers, &mesospb.Offer{
			Id:          &mesospb.OfferID{Value: proto.String(id)},
			FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
			AgentId:     &mesospb.AgentID{Value: proto.String("agent-" + id)},
			Hostname:    proto.String("host-" + id),
		})
	}
	return &mesospb.Event{Type: mesospb.Event_OFFERS.Enum(), Offers: &mesospb.Event_Offers{Offers: offers}}
}

func rescindEvent(id string) *mesospb.Event {
	return &mesospb.Event{Type: mesospb.Event_RESCIND.Enum(), Rescind: &mesospb.Event_Rescind{OfferId: &mesospb.OfferID{Value: proto.String(id)}}}
}

func updateEvent(task string, state mesospb.TaskState, uuid []byte) *mesospb.Event {
	return &mesospb.Event{Type: mesospb.Event_UPDATE.Enum(), Update: &mesospb.Event_Update{Status: &mesospb.TaskStatus{
		TaskId:  &mesospb.TaskID{Value: proto.String(task)},
		State:   state.Enum(),
		AgentId: &mesospb.AgentID{Value: proto.String("agent-1")},
		Uuid:    uuid,
	}}}
}

func heartbeatEvent() *mesospb.Event { return &mesospb.Event{Type: mesospb.Event_HEARTBEAT.Enum()} }

// Client side helpers.

func frameworkInfo() *mesospb.FrameworkInfo {
	return &mesospb.FrameworkInfo{User: proto.String("flink"), Name: proto.String("test"), FailoverTimeout: proto.Float64(60)}
}

func subscribeWith(fi *mesospb.FrameworkInfo) func() *mesospb.Call_Subscribe {
	return func() *mesospb.Call_Subscribe { return &mesospb.Call_Subscribe{FrameworkInfo: fi} }
}

// fastReconnect keeps retries quick and exact (no jitter).
var fastReconnect = exactPolicy(10*time.Millisecond, 80*time.Millisecond)

// exactPolicy doubles from initial to max without jitter.
func exactPolicy(initial, max time.Duration) backoff.Policy {
	return backoff.Policy{Initial: initial, Max: max, Multiplier: 2, Jitter: 0}
}

func newClient(t testing.TB, cfg mesoshttp.Config) *mesoshttp.Client {
	t.Helper()
	if cfg.Reconnect.Initial == 0 {
		cfg.Reconnect = fastReconnect
	}
	c, err := mesoshttp.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// run starts Run and stops it when the test ends, draining the channel so
// the run goroutine always ends.
func run(t testing.TB, c *mesoshttp.Client, subscribe func() *mesospb.Call_Subscribe) <-chan mesoshttp.Notification {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := c.Run(ctx, subscribe)
	t.Cleanup(func() {
		cancel()
		for range ch {
		}
	})
	return ch
}

// waitFor is how long a test waits for a notification on a real clock.
const waitFor = 10 * time.Second

// next returns the next notification, which must be a T.
func next[T mesoshttp.Notification](t testing.TB, ch <-chan mesoshttp.Notification) T {
	t.Helper()
	return nextWithin[T](t, ch, waitFor)
}

// nextWithin is next with a limit of d (on a synctest bubble's clock, the
// limit must exceed the fake time the notification takes).
func nextWithin[T mesoshttp.Notification](t testing.TB, ch <-chan mesoshttp.Notification, d time.Duration) T {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case n, ok := <-ch:
		if !ok {
			t.Fatalf("notification channel closed, want %T", *new(T))
		}
		got, ok := n.(T)
		if !ok {
			t.Fatalf("got notification %#v, want %T", n, *new(T))
		}
		return got
	case <-timer.C:
		t.Fatalf("no notification within %v, want %T", d, *new(T))
	}
	panic("unreachable")
}

// nextEvent returns the next notification, which must be an Event of type typ.
func nextEvent(t testing.TB, ch <-chan mesoshttp.Notification, typ mesospb.Event_Type) mesoshttp.Event {
	t.Helper()
	ev := next[mesoshttp.Event](t, ch)
	if got := ev.Event.GetType(); got != typ {
		t.Fatalf("got %v event, want %v", got, typ)
	}
	return ev
}

// closed waits for the channel to close with no further notification.
func closed(t testing.TB, ch <-chan mesoshttp.Notification) {
	t.Helper()
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	select {
	case n, ok := <-ch:
		if ok {
			t.Fatalf("got notification %#v, want the channel closed", n)
		}
	case <-timer.C:
		t.Fatal("channel not closed")
	}
}

// receive returns the next call the master received.
func receive(t testing.TB, calls <-chan *mesospb.Call) *mesospb.Call {
	t.Helper()
	timer := time.NewTimer(waitFor)
	defer timer.Stop()
	select {
	case c := <-calls:
		return c
	case <-timer.C:
		t.Fatal("the master received no call")
	}
	panic("unreachable")
}

func basic(principal, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(principal+":"+secret))
}

// pipeNet is an in-memory network for synctest bubbles: dialing any
// address connects to the one server behind it.
type pipeNet struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

func (p *pipeNet) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5050} }

func (p *pipeNet) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-p.done:
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// servePipe serves h over an in-memory network inside the calling synctest
// bubble and returns the dialer to put into the client's Config.
func servePipe(t testing.TB, h http.Handler) func(context.Context, string, string) (net.Conn, error) {
	pn := newPipeNet()
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(pn)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = srv.Close()
		<-done
	})
	return pn.Dial
}

func hasAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
