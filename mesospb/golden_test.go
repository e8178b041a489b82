package mesospb_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The byte strings are those `protoc --encode` produces from Mesos' official
// .proto files for the same messages; matching them proves that our subset
// keeps the official field numbers and wire types.
func TestGoldenBytes(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		want string
	}{
		{
			name: "subscribe call",
			msg: &mesospb.Call{
				Type: mesospb.Call_SUBSCRIBE.Enum(),
				Subscribe: &mesospb.Call_Subscribe{FrameworkInfo: &mesospb.FrameworkInfo{
					User: proto.String("u"), Name: proto.String("n"),
				}},
			},
			want: "10 01 1a 08 0a 06 0a 01 75 12 01 6e",
		},
		{
			name: "heartbeat event",
			msg:  &mesospb.Event{Type: mesospb.Event_HEARTBEAT.Enum()},
			want: "08 08",
		},
		{
			name: "subscribed event",
			msg: &mesospb.Event{
				Type: mesospb.Event_SUBSCRIBED.Enum(),
				Subscribed: &mesospb.Event_Subscribed{
					FrameworkId:              &mesospb.FrameworkID{Value: proto.String("f-0000")},
					HeartbeatIntervalSeconds: proto.Float64(15),
				},
			},
			want: "08 01 12 13 0a 08 0a 06 66 2d 30 30 30 30 11 00 00 00 00 00 00 2e 40",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := proto.MarshalOptions{Deterministic: true}.Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			want := unhex(t, tt.want)
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding\n got % x\nwant % x", got, want)
			}
			back := tt.msg.ProtoReflect().New().Interface()
			if err := proto.Unmarshal(want, back); err != nil {
				t.Fatalf("decode golden bytes: %v", err)
			}
			if !proto.Equal(back, tt.msg) {
				t.Fatalf("round trip: got %v, want %v", back, tt.msg)
			}
		})
	}
}

// Field numbers that differ from declaration order are where a hand-written
// subset most easily goes wrong; each is pinned here by its tag byte.
func TestOutOfOrderFieldNumbers(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		want string
	}{
		// Attribute.set is field 6 and text field 5.
		{"attribute text", &mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String("x")}},
			"0a 01 61 10 03 2a 03 0a 01 78"},
		{"attribute set", &mesospb.Attribute{Name: proto.String("a"), Type: mesospb.Value_SET.Enum(), Set: &mesospb.Value_Set{Item: []string{"x"}}},
			"0a 01 61 10 02 32 03 0a 01 78"},
		// Call.revive is 15, suppress 16, acknowledge_operation_status 17.
		{"revive", &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), Revive: &mesospb.Call_Revive{Roles: []string{"r"}}},
			"10 05 7a 03 0a 01 72"},
		{"suppress", &mesospb.Call{Type: mesospb.Call_SUPPRESS.Enum(), Suppress: &mesospb.Call_Suppress{Roles: []string{"r"}}},
			"10 0c 82 01 03 0a 01 72"},
		// TaskStatus.uuid is 11, source 9, reason 10.
		{"status", &mesospb.TaskStatus{
			TaskId: &mesospb.TaskID{Value: proto.String("t")}, State: mesospb.TaskState_TASK_RUNNING.Enum(),
			Source: mesospb.TaskStatus_SOURCE_AGENT.Enum(), Reason: mesospb.TaskStatus_REASON_RECONCILIATION.Enum(),
			Uuid: []byte{1}},
			"0a 03 0a 01 74 10 01 48 01 50 09 5a 01 01"},
		// CommandInfo.shell is 6, arguments 7, user 5.
		{"command", &mesospb.CommandInfo{Shell: proto.Bool(false), Value: proto.String("v"), Arguments: []string{"a"}, User: proto.String("u")},
			"1a 01 76 2a 01 75 30 00 3a 01 61"},
		// Offer.allocation_info is 10, url 8.
		{"offer", &mesospb.Offer{Id: &mesospb.OfferID{Value: proto.String("o")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")},
			AgentId: &mesospb.AgentID{Value: proto.String("a")}, Hostname: proto.String("h"),
			AllocationInfo: &mesospb.Resource_AllocationInfo{Role: proto.String("r")}},
			"0a 03 0a 01 6f 12 03 0a 01 66 1a 03 0a 01 61 22 01 68 52 03 0a 01 72"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := proto.MarshalOptions{Deterministic: true}.Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tt.want); !bytes.Equal(got, want) {
				t.Fatalf("encoding\n got % x\nwant % x", got, want)
			}
		})
	}
}

// The master parses JSON by proto field name and ignores unknown keys, so a
// camelCase encoder silently loses fields. This pins the options the client
// uses and the shape of what it sends.
func TestJSONUsesProtoNames(t *testing.T) {
	call := &mesospb.Call{
		FrameworkId: &mesospb.FrameworkID{Value: proto.String("f-1")},
		Type:        mesospb.Call_ACKNOWLEDGE.Enum(),
		Acknowledge: &mesospb.Call_Acknowledge{
			AgentId: &mesospb.AgentID{Value: proto.String("a")},
			TaskId:  &mesospb.TaskID{Value: proto.String("t")},
			Uuid:    bytes.Repeat([]byte{0xfb}, 16),
		},
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(call)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"framework_id"`, `"ACKNOWLEDGE"`, `"agent_id"`, `"task_id"`, `"+/v7+/v7+/v7+/v7+/v7+w=="`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON %s lacks %s", s, want)
		}
	}
	if strings.Contains(s, "frameworkId") {
		t.Errorf("JSON %s uses camelCase names, which Mesos ignores", s)
	}

	// What a master writes: doubles with ".0", int64 as numbers, unknown keys
	// from newer Mesos versions, unknown enum names.
	event := `{"type":"UPDATE","update":{"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING",` +
		`"timestamp":1700000000.0,"uuid":"AAECAwQFBgcICQoLDA0ODw==","future_field":{"x":1},` +
		`"reason":"REASON_FROM_THE_FUTURE","unreachable_time":{"nanoseconds":5000000000}}}}`
	var ev mesospb.Event
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal([]byte(event), &ev); err != nil {
		t.Fatalf("decode master JSON: %v", err)
	}
	st := ev.GetUpdate().GetStatus()
	if st.GetState() != mesospb.TaskState_TASK_RUNNING || len(st.GetUuid()) != 16 || st.GetUnreachableTime().GetNanoseconds() != 5e9 {
		t.Fatalf("decoded %v", st)
	}
	if st.Reason != nil {
		t.Fatalf("unknown enum name decoded as %v, want unset", st.GetReason())
	}
}

func TestTerminal(t *testing.T) {
	terminal := map[mesospb.TaskState]bool{
		mesospb.TaskState_TASK_FINISHED: true, mesospb.TaskState_TASK_FAILED: true,
		mesospb.TaskState_TASK_KILLED: true, mesospb.TaskState_TASK_ERROR: true,
		mesospb.TaskState_TASK_LOST: true, mesospb.TaskState_TASK_DROPPED: true,
		mesospb.TaskState_TASK_GONE: true, mesospb.TaskState_TASK_GONE_BY_OPERATOR: true,
	}
	for v := range mesospb.TaskState_name {
		s := mesospb.TaskState(v)
		if got := s.Terminal(); got != terminal[s] {
			t.Errorf("%v.Terminal() = %v, want %v", s, got, terminal[s])
		}
	}
}
