package localmesos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// The tests drive the master with this small client: raw net/http,
// RecordIO and protobuf or protojson, nothing of the product's own client.

const (
	ctProto = "application/x-protobuf"
	ctJSON  = "application/json"
)

// waitTime bounds every wait for an event; generous for slow CI machines.
const waitTime = 10 * time.Second

type client struct {
	t         testing.TB
	wait      time.Duration // how long to wait for an event
	base      string        // master base URL
	http      *http.Client
	mediaType string
	user      string // basic auth
	pass      string
}

func newClient(t testing.TB, base string) *client {
	return &client{
		t:    t,
		base: base,
		http: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport:     &http.Transport{DisableCompression: true},
		},
		mediaType: ctProto,
		wait:      waitTime,
	}
}

func (c *client) json() *client {
	cc := *c
	cc.mediaType = ctJSON
	return &cc
}

func (c *client) encode(call *mesospb.Call) []byte {
	c.t.Helper()
	var b []byte
	var err error
	if c.mediaType == ctJSON {
		b, err = protojson.MarshalOptions{UseProtoNames: true}.Marshal(call)
	} else {
		b, err = proto.Marshal(call)
	}
	if err != nil {
		c.t.Fatalf("encoding %v: %v", call, err)
	}
	return b
}

func (c *client) decode(b []byte) (*mesospb.Event, error) {
	ev := &mesospb.Event{}
	if c.mediaType == ctJSON {
		return ev, protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, ev)
	}
	return ev, proto.Unmarshal(b, ev)
}

type result struct {
	status int
	body   string
	header http.Header
}

// raw sends one request and reads the whole answer.
func (c *client) raw(method, path string, header map[string]string, body []byte) result {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading the answer to %s %s: %v", method, path, err)
	}
	return result{resp.StatusCode, string(b), resp.Header}
}

// call sends a non-SUBSCRIBE call on the stream streamID.
func (c *client) call(streamID string, call *mesospb.Call) result {
	c.t.Helper()
	h := map[string]string{"Content-Type": c.mediaType}
	if streamID != "" {
		h["Mesos-Stream-Id"] = streamID
	}
	return c.raw(http.MethodPost, "/api/v1/scheduler", h, c.encode(call))
}

// mustCall sends a call and wants 202.
func (c *client) mustCall(streamID string, call *mesospb.Call) {
	c.t.Helper()
	if r := c.call(streamID, call); r.status != http.StatusAccepted {
		c.t.Fatalf("%s: got %d %q, want 202", call.GetType(), r.status, r.body)
	}
}

// sub is one subscription stream as a client sees it.
type sub struct {
	t        testing.TB
	c        *client
	streamID string
	header   http.Header
	events   chan *mesospb.Event
	end      chan error // nil: clean end of stream; else why it broke
	cancel   context.CancelFunc
	fwID     string
}

// subscribe sends SUBSCRIBE and starts reading the stream. The response must
// be 200.
func (c *client) subscribe(info *mesospb.FrameworkInfo, opts ...func(*mesospb.Call)) *sub {
	c.t.Helper()
	call := &mesospb.Call{
		Type:        mesospb.Call_SUBSCRIBE.Enum(),
		FrameworkId: info.GetId(),
		Subscribe:   &mesospb.Call_Subscribe{FrameworkInfo: info},
	}
	for _, o := range opts {
		o(call)
	}
	return c.subscribeCall(call, map[string]string{"Accept": c.mediaType})
}

func (c *client) subscribeCall(call *mesospb.Call, header map[string]string) *sub {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/scheduler", bytes.NewReader(c.encode(call)))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", c.mediaType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		c.t.Fatalf("SUBSCRIBE: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		c.t.Fatalf("SUBSCRIBE: got %d %q, want 200", resp.StatusCode, b)
	}
	s := &sub{
		t:        c.t,
		c:        c,
		streamID: resp.Header.Get("Mesos-Stream-Id"),
		header:   resp.Header,
		events:   make(chan *mesospb.Event, 1024),
		end:      make(chan error, 1),
		cancel:   cancel,
	}
	// The reader goroutine ends with the stream; the test's cleanup cancels
	// the request if the stream is still open.
	go func() {
		defer resp.Body.Close()
		r := recordio.NewReader(resp.Body, 0)
		for {
			frame, err := r.ReadFrame()
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				s.end <- err
				close(s.events)
				return
			}
			ev, err := c.decode(frame)
			if err != nil {
				s.end <- fmt.Errorf("decoding event %q: %w", frame, err)
				close(s.events)
				return
			}
			s.events <- ev
		}
	}()
	c.t.Cleanup(cancel)
	return s
}

// next returns the next event other than HEARTBEAT.
func (s *sub) next() *mesospb.Event {
	s.t.Helper()
	for {
		ev := s.nextAny()
		if ev.GetType() != mesospb.Event_HEARTBEAT {
			return ev
		}
	}
}

// nextAny returns the next event, heartbeats included.
func (s *sub) nextAny() *mesospb.Event {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatalf("stream ended (%v) while waiting for an event", <-s.endCopy())
		}
		return ev
	case <-time.After(s.c.wait):
		s.t.Fatalf("no event within %v", s.c.wait)
	}
	return nil
}

func (s *sub) endCopy() chan error {
	ch := make(chan error, 1)
	select {
	case err := <-s.end:
		ch <- err
		s.end <- err
	default:
		ch <- errors.New("still open")
	}
	return ch
}

// expect returns the next non-heartbeat event and checks its type.
func (s *sub) expect(typ mesospb.Event_Type) *mesospb.Event {
	s.t.Helper()
	ev := s.next()
	if ev.GetType() != typ {
		s.t.Fatalf("got event %v, want %v", ev, typ)
	}
	return ev
}

// subscribed reads SUBSCRIBED and remembers the framework ID.
func (s *sub) subscribed() *mesospb.Event {
	s.t.Helper()
	ev := s.expect(mesospb.Event_SUBSCRIBED)
	s.fwID = ev.GetSubscribed().GetFrameworkId().GetValue()
	return ev
}

// ended waits for the stream to end and returns nil for a clean end.
func (s *sub) ended() error {
	s.t.Helper()
	deadline := time.After(s.c.wait)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return <-s.end
			}
		case <-deadline:
			s.t.Fatalf("stream still open after %v", s.c.wait)
		}
	}
}

// noEvent checks that no non-heartbeat event arrives within d.
func (s *sub) noEvent(d time.Duration) {
	s.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return
			}
			if ev.GetType() != mesospb.Event_HEARTBEAT {
				s.t.Fatalf("got unexpected event %v", ev)
			}
		case <-deadline:
			return
		}
	}
}

func (s *sub) fid() *mesospb.FrameworkID { return &mesospb.FrameworkID{Value: proto.String(s.fwID)} }

// send sends a call of this framework on this stream.
func (s *sub) send(call *mesospb.Call) result {
	s.t.Helper()
	if call.FrameworkId == nil {
		call.FrameworkId = s.fid()
	}
	return s.c.call(s.streamID, call)
}

func (s *sub) mustSend(call *mesospb.Call) {
	s.t.Helper()
	if r := s.send(call); r.status != http.StatusAccepted && r.status != http.StatusOK {
		s.t.Fatalf("%s: got %d %q", call.GetType(), r.status, r.body)
	}
}

// offers waits for an OFFERS event and returns its offers.
func (s *sub) offers() []*mesospb.Offer {
	s.t.Helper()
	return s.expect(mesospb.Event_OFFERS).GetOffers().GetOffers()
}

// update waits for the next UPDATE and returns its status; offers and
// rescinds on the way are skipped, anything else fails the test.
func (s *sub) update() *mesospb.TaskStatus {
	s.t.Helper()
	for {
		ev := s.next()
		switch ev.GetType() {
		case mesospb.Event_UPDATE:
			return ev.GetUpdate().GetStatus()
		case mesospb.Event_OFFERS, mesospb.Event_RESCIND:
			continue
		}
		s.t.Fatalf("got event %v, want UPDATE", ev)
	}
}

// ack acknowledges an update that carries a uuid.
func (s *sub) ack(st *mesospb.TaskStatus) {
	s.t.Helper()
	s.mustSend(&mesospb.Call{
		Type: mesospb.Call_ACKNOWLEDGE.Enum(),
		Acknowledge: &mesospb.Call_Acknowledge{
			AgentId: st.GetAgentId(), TaskId: st.GetTaskId(), Uuid: st.GetUuid(),
		},
	})
}

// updateAck waits for an update, checks its state and acknowledges it.
func (s *sub) updateAck(state mesospb.TaskState) *mesospb.TaskStatus {
	s.t.Helper()
	st := s.update()
	if st.GetState() != state {
		s.t.Fatalf("got update %v, want %v", st, state)
	}
	if len(st.GetUuid()) != 16 {
		s.t.Fatalf("update %v has no 16-byte uuid", st)
	}
	s.ack(st)
	return st
}

// launch accepts offer with one command task using res.
func (s *sub) launch(o *mesospb.Offer, taskID string, res string, cmd *mesospb.CommandInfo, more ...func(*mesospb.TaskInfo)) {
	s.t.Helper()
	ti := task(taskID, o.GetAgentId().GetValue(), res, cmd)
	for _, f := range more {
		f(ti)
	}
	s.mustSend(acceptCall(o, ti))
}

// frameworkInfo is a minimal FrameworkInfo.
func frameworkInfo(caps ...mesospb.FrameworkInfo_Capability_Type) *mesospb.FrameworkInfo {
	info := &mesospb.FrameworkInfo{User: proto.String("flink"), Name: proto.String("test")}
	for _, c := range caps {
		info.Capabilities = append(info.Capabilities, &mesospb.FrameworkInfo_Capability{Type: c.Enum()})
	}
	return info
}

// task builds a command TaskInfo; res is "cpus:1;mem:128" style.
func task(id, agentID, res string, cmd *mesospb.CommandInfo) *mesospb.TaskInfo {
	if cmd == nil {
		cmd = &mesospb.CommandInfo{Value: proto.String("sleep 1000")}
	}
	return &mesospb.TaskInfo{
		Name:      proto.String(id),
		TaskId:    &mesospb.TaskID{Value: proto.String(id)},
		AgentId:   &mesospb.AgentID{Value: proto.String(agentID)},
		Resources: parseRes(res),
		Command:   cmd,
	}
}

// parseRes turns "cpus:1;mem:128;ports:[31000-31001]" into pre-refinement
// unreserved resources.
func parseRes(text string) []*mesospb.Resource {
	var out []*mesospb.Resource
	for _, part := range strings.Split(text, ";") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, ":")
		r := &mesospb.Resource{Name: proto.String(name)}
		if strings.HasPrefix(value, "[") {
			r.Type = mesospb.Value_RANGES.Enum()
			r.Ranges = &mesospb.Value_Ranges{}
			for _, rg := range strings.Split(strings.Trim(value, "[]"), ",") {
				var b, e uint64
				fmt.Sscanf(strings.TrimSpace(rg), "%d-%d", &b, &e)
				r.Ranges.Range = append(r.Ranges.Range, &mesospb.Value_Range{Begin: proto.Uint64(b), End: proto.Uint64(e)})
			}
		} else {
			var f float64
			fmt.Sscanf(value, "%g", &f)
			r.Type = mesospb.Value_SCALAR.Enum()
			r.Scalar = &mesospb.Value_Scalar{Value: proto.Float64(f)}
		}
		out = append(out, r)
	}
	return out
}

func acceptCall(o *mesospb.Offer, tasks ...*mesospb.TaskInfo) *mesospb.Call {
	return &mesospb.Call{
		Type: mesospb.Call_ACCEPT.Enum(),
		Accept: &mesospb.Call_Accept{
			OfferIds:   []*mesospb.OfferID{o.GetId()},
			Operations: []*mesospb.Offer_Operation{{Type: mesospb.Offer_Operation_LAUNCH.Enum(), Launch: &mesospb.Offer_Operation_Launch{TaskInfos: tasks}}},
		},
	}
}

// newMaster starts a master for a test and closes it at the end.
func newMaster(t testing.TB, cfg localmesos.Config) *localmesos.Master {
	t.Helper()
	if cfg.AllocationInterval == 0 {
		cfg.AllocationInterval = 10 * time.Millisecond
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = t.TempDir()
	}
	m, err := localmesos.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// start is newMaster plus a client and a subscribed framework.
func start(t testing.TB, cfg localmesos.Config, info *mesospb.FrameworkInfo) (*localmesos.Master, *client, *sub) {
	t.Helper()
	m := newMaster(t, cfg)
	c := newClient(t, m.URL())
	s := c.subscribe(info)
	s.subscribed()
	return m, c, s
}

func waitFor(t testing.TB, m *localmesos.Master, what string, cond func(*localmesos.Snapshot) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	if err := m.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func scalar(o *mesospb.Offer, name string) float64 {
	v := 0.0
	for _, r := range o.GetResources() {
		if r.GetName() == name {
			v += r.GetScalar().GetValue()
		}
	}
	return v
}

func callOf(typ mesospb.Call_Type, fill func(*mesospb.Call)) *mesospb.Call {
	c := &mesospb.Call{Type: typ.Enum()}
	if fill != nil {
		fill(c)
	}
	return c
}

type netDialer struct{}

func (*netDialer) dial(base string) (net.Conn, error) {
	return net.Dial("tcp", strings.TrimPrefix(base, "http://"))
}

func itoa(n int) string { return strconv.Itoa(n) }

// until skips events until one of type typ arrives.
func (s *sub) until(typ mesospb.Event_Type) *mesospb.Event {
	s.t.Helper()
	for {
		if ev := s.nextAny(); ev.GetType() == typ {
			return ev
		}
	}
}
