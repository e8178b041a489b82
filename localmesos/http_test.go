package localmesos_test

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func subscribeBody(c *client) []byte {
	return c.encode(&mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: &mesospb.Call_Subscribe{FrameworkInfo: frameworkInfo()}})
}

// Every status code of the master's table (src/master/http.cpp
// Master::Http::scheduler), provoked with its exact body.
func TestStatusCodes(t *testing.T) {
	info := frameworkInfo()
	info.FailoverTimeout = proto.Float64(3600)
	m, c, s := start(t, localmesos.Config{}, info)
	revive := func(fw *mesospb.FrameworkID) []byte {
		return c.encode(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: fw})
	}
	proto := map[string]string{"Content-Type": ctProto}
	withStream := func(id string) map[string]string {
		return map[string]string{"Content-Type": ctProto, "Mesos-Stream-Id": id}
	}
	tests := []struct {
		name   string
		method string
		path   string
		header map[string]string
		body   []byte
		status int
		want   string
	}{
		{"202 revive", "POST", "/api/v1/scheduler", withStream(s.streamID), revive(s.fid()), 202, ""},
		{"202 on the /master path", "POST", "/master/api/v1/scheduler", withStream(s.streamID), revive(s.fid()), 202, ""},
		{"405 GET", "GET", "/api/v1/scheduler", nil, nil, 405, "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'."},
		{"400 no content type", "POST", "/api/v1/scheduler", nil, revive(s.fid()), 400, "Expecting 'Content-Type' to be present"},
		{"415 charset", "POST", "/api/v1/scheduler", map[string]string{"Content-Type": "application/json; charset=utf-8"}, []byte("{}"), 415,
			"Expecting 'Content-Type' of application/json or application/x-protobuf"},
		{"400 protobuf parse", "POST", "/api/v1/scheduler", proto, []byte{0xff, 0xff}, 400, "Failed to parse body into Call protobuf"},
		{"400 JSON parse", "POST", "/api/v1/scheduler", map[string]string{"Content-Type": ctJSON}, []byte("{"), 400,
			"Failed to parse body into JSON: syntax error at line 1 near: "},
		{"400 JSON convert", "POST", "/api/v1/scheduler", map[string]string{"Content-Type": ctJSON}, []byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u"}}}`), 400,
			"Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.name"},
		{"400 no type", "POST", "/api/v1/scheduler", proto, []byte{}, 400, "Failed to validate scheduler::Call: Expecting 'type' to be present"},
		{"400 no framework id", "POST", "/api/v1/scheduler", proto, c.encode(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum()}), 400,
			"Failed to validate scheduler::Call: Expecting 'framework_id' to be present"},
		{"400 missing sub-message", "POST", "/api/v1/scheduler", proto, c.encode(&mesospb.Call{Type: mesospb.Call_KILL.Enum(), FrameworkId: s.fid()}), 400,
			"Failed to validate scheduler::Call: Expecting 'kill' to be present"},
		{"400 bad uuid", "POST", "/api/v1/scheduler", withStream(s.streamID), c.encode(&mesospb.Call{Type: mesospb.Call_ACKNOWLEDGE.Enum(), FrameworkId: s.fid(),
			Acknowledge: &mesospb.Call_Acknowledge{AgentId: &mesospb.AgentID{Value: proto_("a")}, TaskId: &mesospb.TaskID{Value: proto_("t")}, Uuid: make([]byte, 16)}}), 400,
			"Failed to validate scheduler::Call: Not a valid UUID"},
		{"400 subscribe id mismatch", "POST", "/api/v1/scheduler", proto, c.encode(&mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), FrameworkId: s.fid(),
			Subscribe: &mesospb.Call_Subscribe{FrameworkInfo: frameworkInfo()}}), 400,
			"Failed to validate scheduler::Call: 'framework_id' differs from 'subscribe.framework_info.id'"},
		{"406 recordio only", "POST", "/api/v1/scheduler", map[string]string{"Content-Type": ctProto, "Accept": "application/recordio"}, subscribeBody(c), 406,
			"Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'"},
		{"400 stream id on subscribe", "POST", "/api/v1/scheduler", withStream("x"), subscribeBody(c), 400,
			"Subscribe calls should not include the 'Mesos-Stream-Id' header"},
		{"400 unknown framework", "POST", "/api/v1/scheduler", withStream(s.streamID), revive(&mesospb.FrameworkID{Value: proto_("nope")}), 400,
			"Framework cannot be found"},
		{"400 no stream id", "POST", "/api/v1/scheduler", proto, revive(s.fid()), 400,
			"All non-subscribe calls should include the 'Mesos-Stream-Id' header"},
		{"400 wrong stream id", "POST", "/api/v1/scheduler", withStream("abc"), revive(s.fid()), 400,
			"The stream ID 'abc' included in this request didn't match the stream ID currently associated with framework ID " + s.fwID},
		{"501 unknown call", "POST", "/api/v1/scheduler", withStream(s.streamID), c.encode(&mesospb.Call{Type: mesospb.Call_UNKNOWN.Enum(), FrameworkId: s.fid()}), 501,
			"501 Not Implemented."},
		{"404 other path", "POST", "/api/v1/executor", proto, nil, 404, "404 Not Found."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.raw(tt.method, tt.path, tt.header, tt.body)
			if r.status != tt.status || r.body != tt.want {
				t.Errorf("got %d %q\nwant %d %q", r.status, r.body, tt.status, tt.want)
			}
			if r.status == 202 && r.header.Get("Content-Length") != "0" {
				t.Errorf("202 Content-Length = %q, want 0", r.header.Get("Content-Length"))
			}
			if r.status >= 400 && r.header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("error Content-Type = %q, want text/plain; charset=utf-8", r.header.Get("Content-Type"))
			}
			if r.status == 405 && r.header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", r.header.Get("Allow"))
			}
		})
	}

	// 403: a known framework that is not connected.
	m.DropStreams()
	if err := s.ended(); err == nil {
		t.Errorf("dropped stream ended cleanly, want an unexpected EOF")
	}
	if r := c.raw("POST", "/api/v1/scheduler", withStream(s.streamID), revive(s.fid())); r.status != 403 || r.body != "Framework is not subscribed" {
		t.Errorf("disconnected framework: got %d %q, want 403 Framework is not subscribed", r.status, r.body)
	}
	errs := m.ProtocolErrors()
	if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, "403 REVIVE: Framework is not subscribed") }) {
		t.Errorf("ProtocolErrors %q lack the 403", errs)
	}
}

func proto_(s string) *string { return proto.String(s) }

// 307 from a non-leader and both 503s.
func TestLeadershipStatusCodes(t *testing.T) {
	m := newMaster(t, localmesos.Config{Hostname: "master.example"})
	old := newClient(t, m.URL())
	newURL := m.Failover()
	if newURL == "" || newURL == old.base {
		t.Fatalf("Failover returned %q", newURL)
	}
	_, port, _ := strings.Cut(strings.TrimPrefix(newURL, "http://"), ":")
	r := old.raw("POST", "/api/v1/scheduler?a=b", map[string]string{"Content-Type": ctProto}, subscribeBody(old))
	want := "//master.example:" + port + "/master/api/v1/scheduler?a=b"
	if r.status != 307 || r.header.Get("Location") != want || r.body != "" {
		t.Errorf("non-leader: got %d Location %q body %q, want 307 %q", r.status, r.header.Get("Location"), r.body, want)
	}
	r = old.raw("GET", "/redirect", nil, nil)
	if r.status != 307 || r.header.Get("Location") != "//master.example:"+port {
		t.Errorf("/redirect: got %d %q", r.status, r.header.Get("Location"))
	}
	nc := newClient(t, newURL)
	m.SetRecovering(true)
	if r := nc.raw("POST", "/api/v1/scheduler", map[string]string{"Content-Type": ctProto}, subscribeBody(nc)); r.status != 503 || r.body != "Master has not finished recovery" {
		t.Errorf("recovering: got %d %q", r.status, r.body)
	}
	// Leadership is checked before recovery.
	if r := old.raw("POST", "/api/v1/scheduler", nil, nil); r.status != 307 {
		t.Errorf("non-leader while recovering: got %d, want 307", r.status)
	}
	m.SetRecovering(false)
	m.SetLeaderless(true)
	for _, c := range []*client{old, nc} {
		if r := c.raw("POST", "/api/v1/scheduler", map[string]string{"Content-Type": ctProto}, subscribeBody(c)); r.status != 503 || r.body != "No leader elected" {
			t.Errorf("leaderless %s: got %d %q", c.base, r.status, r.body)
		}
	}
	m.SetLeaderless(false)
	s := nc.subscribe(frameworkInfo())
	s.subscribed()
}

func TestBasicAuth(t *testing.T) {
	m := newMaster(t, localmesos.Config{Credentials: map[string]string{"flink": "s3cret", "other": "pw"}})
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no header", map[string]string{"Content-Type": ctProto}, 401},
		{"wrong secret", map[string]string{"Content-Type": ctProto, "Authorization": "Basic Zmxpbms6bm9wZQ=="}, 401},
		{"not basic", map[string]string{"Content-Type": ctProto, "Authorization": "Bearer x"}, 401},
		{"two colons", map[string]string{"Content-Type": ctProto, "Authorization": "Basic Zmxpbms6czNjcmV0Og=="}, 401},
	}
	c := newClient(t, m.URL())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.raw("POST", "/api/v1/scheduler", tt.header, subscribeBody(c))
			if r.status != tt.status || r.body != "401 Unauthorized." ||
				r.header.Get("WWW-Authenticate") != `Basic realm="mesos-master-scheduler"` {
				t.Errorf("got %d %q %q", r.status, r.body, r.header.Get("WWW-Authenticate"))
			}
		})
	}
	// Authentication comes before the method check.
	if r := c.raw("GET", "/api/v1/scheduler", nil, nil); r.status != 401 {
		t.Errorf("GET without credentials: got %d, want 401", r.status)
	}
	c.user, c.pass = "flink", "s3cret"
	s := c.subscribe(frameworkInfo())
	s.subscribed()
	fws := m.Frameworks()
	if len(fws) != 1 || fws[0].Info.GetPrincipal() != "flink" {
		t.Fatalf("the master should fill in the authenticated principal: %+v", fws)
	}
	// A principal that differs from the authenticated one.
	info := frameworkInfo()
	info.Principal = proto.String("someone")
	r := c.raw("POST", "/api/v1/scheduler", map[string]string{"Content-Type": ctProto},
		c.encode(&mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: &mesospb.Call_Subscribe{FrameworkInfo: info}}))
	if r.status != 400 || r.body != "Failed to validate scheduler::Call: Authenticated principal 'flink' does not match principal 'someone' set in `FrameworkInfo`" {
		t.Errorf("principal mismatch: got %d %q", r.status, r.body)
	}
	// Another principal calling for this framework.
	other := *c
	other.user, other.pass = "other", "pw"
	r = other.call(s.streamID, &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: s.fid()})
	if r.status != 400 || r.body != "Authenticated principal 'other' does not match principal 'flink' set in `FrameworkInfo`" {
		t.Errorf("other principal: got %d %q", r.status, r.body)
	}
}

// Accept negotiation: JSON is tried first, q-values other than 0 do not
// rank (libprocess Request::acceptsMediaType).
func TestAcceptNegotiation(t *testing.T) {
	m := newMaster(t, localmesos.Config{})
	tests := []struct {
		accept string
		want   string
	}{
		{"", ctJSON},
		{"*/*", ctJSON},
		{"application/*", ctJSON},
		{"application/x-protobuf", ctProto},
		{"application/x-protobuf, application/json;q=0.1", ctJSON},
		{"application/json;q=0, application/x-protobuf", ctProto},
		{"application/json;q=0, */*", ctProto},
		{"APPLICATION/X-PROTOBUF", ctProto},
		{"application/json;q=abc, application/x-protobuf", ctProto},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			c := newClient(t, m.URL())
			h := map[string]string{}
			if tt.accept != "" {
				h["Accept"] = tt.accept
			}
			c.mediaType = tt.want // the reader decodes with the negotiated type
			s := c.subscribeCall(&mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: &mesospb.Call_Subscribe{FrameworkInfo: frameworkInfo()}}, h)
			if got := s.header.Get("Content-Type"); got != tt.want {
				t.Errorf("Content-Type = %q, want %q", got, tt.want)
			}
			s.subscribed()
			if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(s.streamID) {
				t.Errorf("Mesos-Stream-Id %q is not a lowercase random UUID", s.streamID)
			}
			if te := s.header.Get("Content-Length"); te != "" {
				t.Errorf("a stream must be chunked, got Content-Length %q", te)
			}
		})
	}
}

func TestCallsAndProtocolErrorsRecorded(t *testing.T) {
	m, c, s := start(t, localmesos.Config{}, frameworkInfo())
	s.mustSend(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum()})
	c.raw("POST", "/api/v1/scheduler", map[string]string{"Content-Type": "text/plain"}, nil)
	calls := m.Calls()
	if len(calls) != 2 || calls[0].GetType() != mesospb.Call_SUBSCRIBE || calls[1].GetType() != mesospb.Call_REVIVE {
		t.Errorf("Calls() = %v, want SUBSCRIBE then REVIVE", calls)
	}
	// Copies: changing one does not change the master's record.
	calls[0].Type = mesospb.Call_TEARDOWN.Enum()
	if m.Calls()[0].GetType() != mesospb.Call_SUBSCRIBE {
		t.Errorf("Calls() returned the master's own messages, not copies")
	}
	errs := m.ProtocolErrors()
	if len(errs) != 1 || errs[0] != "415: Expecting 'Content-Type' of application/json or application/x-protobuf" {
		t.Errorf("ProtocolErrors() = %q", errs)
	}
}

// A master that runs for days (the scheduler's local mode) must not grow
// with every call: only the last CallLog calls and errors are kept, and
// the snapshot counts all of them.
func TestCallLogIsBounded(t *testing.T) {
	m, c, s := start(t, localmesos.Config{CallLog: 3}, frameworkInfo())
	for range 10 {
		s.mustSend(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum()})
	}
	s.mustSend(&mesospb.Call{Type: mesospb.Call_SUPPRESS.Enum()})
	for range 5 {
		c.raw("POST", "/api/v1/scheduler", map[string]string{"Content-Type": "text/plain"}, nil)
	}
	calls := m.Calls()
	var got []string
	for _, call := range calls {
		got = append(got, call.GetType().String())
	}
	if want := []string{"REVIVE", "REVIVE", "SUPPRESS"}; !slices.Equal(got, want) {
		t.Errorf("Calls() = %v, want the last three %v", got, want)
	}
	if n := len(m.ProtocolErrors()); n != 3 {
		t.Errorf("%d protocol errors kept, want 3", n)
	}
	var count int
	var byType map[mesospb.Call_Type]int
	m.WaitFor(t.Context(), func(snap *localmesos.Snapshot) bool { count, byType = snap.CallCount, snap.CallsByType; return true })
	if count != 12 {
		t.Errorf("Snapshot.CallCount = %d, want 12 (SUBSCRIBE, 10 REVIVE, SUPPRESS)", count)
	}
	if want := map[mesospb.Call_Type]int{mesospb.Call_SUBSCRIBE: 1, mesospb.Call_REVIVE: 10, mesospb.Call_SUPPRESS: 1}; !maps.Equal(byType, want) {
		t.Errorf("Snapshot.CallsByType = %v, want %v", byType, want)
	}

	none, _, sn := start(t, localmesos.Config{CallLog: -1}, frameworkInfo())
	sn.mustSend(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum()})
	if calls := none.Calls(); len(calls) != 0 {
		t.Errorf("CallLog -1 kept %d calls", len(calls))
	}
}
