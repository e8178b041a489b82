package localmesos_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestSubscribed(t *testing.T) {
	m := newMaster(t, localmesos.Config{HeartbeatInterval: 7 * time.Second, Hostname: "m1"})
	c := newClient(t, m.URL())
	s := c.subscribe(frameworkInfo())
	ev := s.subscribed()
	sub := ev.GetSubscribed()
	if !regexp.MustCompile(`^[0-9a-f-]{36}-0000$`).MatchString(s.fwID) {
		t.Errorf("framework ID %q, want MASTERID-0000", s.fwID)
	}
	if sub.GetHeartbeatIntervalSeconds() != 7 {
		t.Errorf("heartbeat_interval_seconds = %v, want 7", sub.GetHeartbeatIntervalSeconds())
	}
	mi := sub.GetMasterInfo()
	_, port, _ := strings.Cut(strings.TrimPrefix(m.URL(), "http://"), ":")
	if mi.GetId()+"-0000" != s.fwID || mi.GetIp() != 16777343 || mi.GetHostname() != "m1" ||
		mi.GetAddress().GetIp() != "127.0.0.1" || mi.GetPid() != "master@127.0.0.1:"+port || mi.GetVersion() == "" {
		t.Errorf("master_info = %v", mi)
	}
	// The immediate HEARTBEAT follows SUBSCRIBED.
	if hb := s.nextAny(); hb.GetType() != mesospb.Event_HEARTBEAT {
		t.Errorf("second event %v, want HEARTBEAT", hb)
	}
	fws := m.Frameworks()
	if len(fws) != 1 || !fws[0].Connected || fws[0].StreamID != s.streamID || fws[0].ID != s.fwID || fws[0].Subscriptions != 1 {
		t.Errorf("Frameworks() = %+v", fws)
	}
}

// The stream on the wire: one chunk per RecordIO record, JSON doubles as
// "15.0", the master's field order and defaults.
func TestStreamBytes(t *testing.T) {
	m := newMaster(t, localmesos.Config{})
	conn, err := (&netDialer{}).dial(m.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`
	req := "POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
		itoa(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.TransferEncoding == nil || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("Transfer-Encoding = %v, want chunked", resp.TransferEncoding)
	}
	// Read the raw chunks: ReadResponse leaves the body unread in br.
	chunk := func() string {
		t.Helper()
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for _, c := range strings.TrimSpace(line) {
			n = n*16 + strings.IndexRune("0123456789abcdef", c|0x20)
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(br, b); err != nil {
			t.Fatal(err)
		}
		return string(b[:n])
	}
	first := chunk()
	size, payload, _ := strings.Cut(first, "\n")
	if itoa(len(payload)) != size {
		t.Fatalf("first chunk %q is not exactly one record", first)
	}
	want := regexp.MustCompile(`^\{"type":"SUBSCRIBED","subscribed":\{"framework_id":\{"value":"[0-9a-f-]+-0000"\},"heartbeat_interval_seconds":15\.0,"master_info":\{"id":"[0-9a-f-]+","ip":16777343,"port":\d+,"pid":"master@127\.0\.0\.1:\d+","hostname":"127\.0\.0\.1","version":"[0-9.]+","address":\{"hostname":"127\.0\.0\.1","ip":"127\.0\.0\.1","port":\d+\},"capabilities":\[\{"type":"AGENT_UPDATE"\},\{"type":"AGENT_DRAINING"\},\{"type":"QUOTA_V2"\}\]\}\}\}$`)
	if !want.MatchString(payload) {
		t.Errorf("SUBSCRIBED record:\n%s", payload)
	}
	if hb := chunk(); hb != "20\n{\"type\":\"HEARTBEAT\"}" {
		t.Errorf("heartbeat chunk %q", hb)
	}
}

// Refused subscriptions: 200, an ERROR event, then a clean end of stream
// (src/master/master.cpp Master::subscribe, validation.cpp).
func TestSubscribeRefused(t *testing.T) {
	m := newMaster(t, localmesos.Config{Roles: []string{"flink", "batch"}})
	c := newClient(t, m.URL())
	multi := func(roles ...string) *mesospb.FrameworkInfo {
		info := frameworkInfo(mesospb.FrameworkInfo_Capability_MULTI_ROLE)
		info.Roles = roles
		return info
	}
	tests := []struct {
		name       string
		info       *mesospb.FrameworkInfo
		suppressed []string
		want       string
	}{
		{"role with MULTI_ROLE", func() *mesospb.FrameworkInfo { i := multi("flink"); i.Role = proto.String("flink"); return i }(), nil,
			"'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable"},
		{"roles without MULTI_ROLE", func() *mesospb.FrameworkInfo { i := frameworkInfo(); i.Roles = []string{"flink"}; return i }(), nil,
			"'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable"},
		{"duplicate roles", multi("flink", "batch", "flink"), nil, "'FrameworkInfo.roles' contains duplicate items: { flink }"},
		{"invalid role", multi("a//b"), nil, "'FrameworkInfo.roles' contains invalid role: Role 'a//b' cannot contain two adjacent slashes"},
		{"invalid single role", func() *mesospb.FrameworkInfo { i := frameworkInfo(); i.Role = proto.String("-x"); return i }(), nil,
			"'FrameworkInfo.role' is not a valid role: Role component '-x' is invalid because it starts with a dash"},
		{"failover timeout", func() *mesospb.FrameworkInfo { i := frameworkInfo(); i.FailoverTimeout = proto.Float64(1e10); return i }(), nil,
			"The framework failover_timeout (1e+10) is invalid"},
		{"not whitelisted", multi("flink", "web", "api"), nil, "Roles { api, web } are not present in the master's --roles"},
		{"suppressed not a subset", multi("flink"), []string{"batch", "flink"}, "Suppressed roles { batch } are not contained in the set of roles"},
		{"bad framework ID", func() *mesospb.FrameworkInfo {
			i := frameworkInfo()
			i.Id = &mesospb.FrameworkID{Value: proto.String("a/b")}
			return i
		}(), nil, "'a/b' contains invalid characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := c.subscribe(tt.info, func(call *mesospb.Call) { call.Subscribe.SuppressedRoles = tt.suppressed })
			ev := s.nextAny()
			if ev.GetType() != mesospb.Event_ERROR || ev.GetError().GetMessage() != tt.want {
				t.Errorf("got %v, want ERROR %q", ev, tt.want)
			}
			if err := s.ended(); err != nil {
				t.Errorf("stream ended with %v, want a clean end", err)
			}
		})
	}
	if fws := m.Frameworks(); len(fws) != 0 {
		t.Errorf("refused frameworks were registered: %+v", fws)
	}
}

func TestFailoverOfLiveStream(t *testing.T) {
	info := frameworkInfo()
	info.FailoverTimeout = proto.Float64(60)
	m, c, s1 := start(t, localmesos.Config{}, info)
	info.Id = s1.fid()
	s2 := c.subscribe(info)
	s2.subscribed()
	if s2.fwID != s1.fwID || s2.streamID == s1.streamID {
		t.Fatalf("resubscribe gave framework %q stream %q (old %q %q)", s2.fwID, s2.streamID, s1.fwID, s1.streamID)
	}
	ev := s1.until(mesospb.Event_ERROR)
	if ev.GetError().GetMessage() != "Framework failed over" {
		t.Errorf("old stream got %v, want ERROR Framework failed over", ev)
	}
	if err := s1.ended(); err != nil {
		t.Errorf("old stream ended with %v, want a clean end", err)
	}
	// The old stream ID is dead, the new one works.
	if r := s1.send(callOf(mesospb.Call_REVIVE, nil)); r.status != 400 {
		t.Errorf("call on the old stream ID: got %d, want 400", r.status)
	}
	s2.mustSend(callOf(mesospb.Call_REVIVE, nil))
	if fws := m.Frameworks(); len(fws) != 1 || fws[0].Subscriptions != 2 || fws[0].StreamID != s2.streamID {
		t.Errorf("Frameworks() = %+v", fws)
	}
}

// Resubscribing changes name and failover timeout, silently keeps user and
// checkpoint, and refuses a principal change.
func TestResubscribeImmutableFields(t *testing.T) {
	info := frameworkInfo()
	info.Checkpoint = proto.Bool(true)
	info.Principal = proto.String("p")
	m, c, s1 := start(t, localmesos.Config{}, info)
	again := proto.Clone(info).(*mesospb.FrameworkInfo)
	again.Id = s1.fid()
	again.User = proto.String("root")
	again.Checkpoint = proto.Bool(false)
	again.Name = proto.String("renamed")
	s2 := c.subscribe(again)
	s2.subscribed()
	got := m.Frameworks()[0].Info
	if got.GetUser() != "flink" || !got.GetCheckpoint() || got.GetName() != "renamed" {
		t.Errorf("after resubscribe FrameworkInfo = %v", got)
	}
	again.Principal = proto.String("q")
	s3 := c.subscribe(again)
	if ev := s3.nextAny(); ev.GetError().GetMessage() != "Changing framework's principal is not allowed." {
		t.Errorf("principal change: got %v", ev)
	}
	if err := s3.ended(); err != nil {
		t.Errorf("refused stream ended with %v", err)
	}
}

// A master that does not know a framework ID (say, after its own failover)
// accepts the resubscription.
func TestResubscribeUnknownID(t *testing.T) {
	m := newMaster(t, localmesos.Config{})
	c := newClient(t, m.URL())
	info := frameworkInfo()
	info.Id = &mesospb.FrameworkID{Value: proto.String("earlier-master-0007")}
	s := c.subscribe(info)
	if ev := s.subscribed(); ev.GetSubscribed().GetFrameworkId().GetValue() != "earlier-master-0007" {
		t.Errorf("SUBSCRIBED for %v", ev)
	}
}

func TestUpdateFramework(t *testing.T) {
	info := frameworkInfo(mesospb.FrameworkInfo_Capability_MULTI_ROLE)
	info.Roles = []string{"a", "b"}
	m, _, s := start(t, localmesos.Config{}, info)
	update := func(i *mesospb.FrameworkInfo, suppressed ...string) result {
		i = proto.Clone(i).(*mesospb.FrameworkInfo)
		i.Id = s.fid()
		return s.send(&mesospb.Call{Type: mesospb.Call_UPDATE_FRAMEWORK.Enum(),
			UpdateFramework: &mesospb.Call_UpdateFramework{FrameworkInfo: i, SuppressedRoles: suppressed}})
	}
	changed := proto.Clone(info).(*mesospb.FrameworkInfo)
	changed.Roles = []string{"b", "c"}
	changed.Name = proto.String("new name")
	if r := update(changed, "c"); r.status != 200 || r.body != "" {
		t.Fatalf("UPDATE_FRAMEWORK: got %d %q, want 200", r.status, r.body)
	}
	fw := m.Frameworks()[0]
	if fw.Name != "new name" || strings.Join(fw.Roles, ",") != "b,c" || strings.Join(fw.Suppressed, ",") != "c" {
		t.Errorf("after update: %+v", fw)
	}
	tests := []struct {
		name       string
		mod        func(*mesospb.FrameworkInfo)
		suppressed []string
		want       string
	}{
		{"user", func(i *mesospb.FrameworkInfo) { i.User = proto.String("other") }, nil,
			"FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from 'flink' to 'other'"},
		{"checkpoint", func(i *mesospb.FrameworkInfo) { i.Checkpoint = proto.Bool(true) }, nil,
			"FrameworkInfo update is not valid: Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from 'false' to 'true'"},
		{"principal", func(i *mesospb.FrameworkInfo) { i.Principal = proto.String("x") }, nil,
			"FrameworkInfo update is not valid: Changing framework's principal is not allowed."},
		{"invalid", func(i *mesospb.FrameworkInfo) { i.Role = proto.String("x") }, nil,
			"Supplied FrameworkInfo is not valid: 'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable"},
		{"suppressed", func(*mesospb.FrameworkInfo) {}, []string{"zzz"},
			"'UpdateFramework' call is not valid: Suppressed roles { zzz } are not contained in the set of roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := proto.Clone(changed).(*mesospb.FrameworkInfo)
			tt.mod(i)
			if r := update(i, tt.suppressed...); r.status != 400 || r.body != tt.want {
				t.Errorf("got %d %q\nwant 400 %q", r.status, r.body, tt.want)
			}
		})
	}
	r := s.send(&mesospb.Call{Type: mesospb.Call_UPDATE_FRAMEWORK.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("x")},
		UpdateFramework: &mesospb.Call_UpdateFramework{FrameworkInfo: changed}})
	if r.status != 400 || r.body != "Failed to validate scheduler::Call: 'framework_id' differs from 'update_framework.framework_info.id'" {
		t.Errorf("id mismatch: got %d %q", r.status, r.body)
	}
}

// The protobuf golden bytes of the brief (§1.4) on a real stream.
func TestProtobufHeartbeatRecord(t *testing.T) {
	m := newMaster(t, localmesos.Config{})
	c := newClient(t, m.URL())
	req, _ := http.NewRequest("POST", m.URL()+"/api/v1/scheduler", bytes.NewReader(subscribeBody(c)))
	req.Header.Set("Content-Type", ctProto)
	req.Header.Set("Accept", ctProto)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, _ := br.ReadString('\n')
	n := 0
	for _, ch := range strings.TrimSpace(line) {
		n = n*10 + int(ch-'0')
	}
	io.ReadFull(br, make([]byte, n))
	hb := make([]byte, 4)
	if _, err := io.ReadFull(br, hb); err != nil || string(hb) != "2\n\x08\x08" {
		t.Errorf("heartbeat record %q, want \"2\\n\\x08\\x08\"", hb)
	}
}
