package wire_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos/internal/wire"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestDecodeCallErrors(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		msg         string
	}{
		{"content type with charset", "application/json; charset=utf-8", `{}`, 415,
			"Expecting 'Content-Type' of application/json or application/x-protobuf"},
		{"content type upper case", "Application/JSON", `{}`, 415,
			"Expecting 'Content-Type' of application/json or application/x-protobuf"},
		{"protobuf garbage", wire.Protobuf, "\xff\xff\xff", 400, "Failed to parse body into Call protobuf"},
		{"protobuf missing required", wire.Protobuf, "\x10\x01\x1a\x00", 400, "Failed to parse body into Call protobuf"},
		{"json empty body", wire.JSON, ``, 400, "Failed to parse body into JSON: syntax error at line 1 near: "},
		{"json syntax", wire.JSON, `{"type": SUBSCRIBE}`, 400,
			"Failed to parse body into JSON: syntax error at line 1 near: SUBSCRIBE}"},
		{"json syntax second line", wire.JSON, "{\n\"type\": x\n}", 400,
			"Failed to parse body into JSON: syntax error at line 2 near: x"},
		{"json trailing", wire.JSON, `{} {}`, 400,
			"Failed to parse body into JSON: Parsed JSON included non-whitespace trailing characters:  {}"},
		{"json overflow", wire.JSON, `{"a": 1e999}`, 400, "Failed to parse body into JSON: Value out of range"},
		{"json raw control char in string", wire.JSON, "{\"a\": \"x\x01\"}", 400,
			"Failed to parse body into JSON: syntax error at line 1 near: \"}"},
		{"json not an object", wire.JSON, `[]`, 400, "Failed to convert JSON into Call protobuf: Expecting a JSON object"},
		{"json enum as number", wire.JSON, `{"type": 1}`, 400,
			"Failed to convert JSON into Call protobuf: Not expecting a JSON number for field 'type'"},
		{"json array for singular", wire.JSON, `{"framework_id": []}`, 400,
			"Failed to convert JSON into Call protobuf: Not expecting a JSON array for field 'framework_id'"},
		{"json string for message", wire.JSON, `{"framework_id": "x"}`, 400,
			"Failed to convert JSON into Call protobuf: Not expecting a JSON string for field 'framework_id'"},
		{"json missing required", wire.JSON, `{"type": "SUBSCRIBE", "subscribe": {"framework_info": {}}}`, 400,
			"Failed to convert JSON into Call protobuf: Missing required fields: subscribe.framework_info.user, subscribe.framework_info.name"},
		{"json missing required in repeated", wire.JSON,
			`{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o"},{}]}}`, 400,
			"Failed to convert JSON into Call protobuf: Missing required fields: accept.offer_ids[1].value"},
		{"json url-safe base64", wire.JSON,
			`{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"ab-_"}}`, 400,
			"Failed to convert JSON into Call protobuf: Failed to base64 decode bytes field 'uuid': Invalid character '-'"},
		{"json bad numeric string", wire.JSON,
			`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","failover_timeout":"abc"}}}`, 400,
			"Failed to convert JSON into Call protobuf: Failed to parse 'abc' as a JSON number for field 'failover_timeout': syntax error at line 1 near: abc"},
		{"json bad bool string", wire.JSON,
			`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","checkpoint":"yes"}}}`, 400,
			"Failed to convert JSON into Call protobuf: Failed to parse 'yes' as a JSON boolean for field 'checkpoint': syntax error at line 1 near: yes"},
		{"json unknown required enum", wire.JSON,
			`{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"resources":[{"name":"cpus","type":"FLOAT"}]}]}}]}}`, 400,
			"Failed to convert JSON into Call protobuf: Failed to find enum for 'FLOAT'"},
		{"json too deep", wire.JSON, `{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, 400,
			"Failed to parse body into JSON: syntax error at line 1 near: ]" + strings.Repeat("]", 199) + "}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeCall(tt.contentType, []byte(tt.body))
			var de *wire.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("got error %v, want a *DecodeError", err)
			}
			if de.Status != tt.status || de.Msg != tt.msg {
				t.Errorf("got %d %q\nwant %d %q", de.Status, de.Msg, tt.status, tt.msg)
			}
		})
	}
}

func TestDecodeCallJSONQuirks(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *mesospb.Call
	}{
		{
			name: "camelCase keys ignored",
			body: `{"type":"REVIVE","frameworkId":{"value":"x"},"framework_id":{"value":"f"}}`,
			want: &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")}},
		},
		{
			name: "unknown optional enum dropped",
			body: `{"type":"NOT_A_TYPE","framework_id":{"value":"f"}}`,
			want: &mesospb.Call{FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")}},
		},
		{
			name: "null is unset",
			body: `{"type":"REVIVE","framework_id":{"value":"f"},"revive":null}`,
			want: &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")}},
		},
		{
			name: "scalar for repeated field adds one element",
			body: `{"type":"REVIVE","framework_id":{"value":"f"},"revive":{"roles":"a"}}`,
			want: &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")},
				Revive: &mesospb.Call_Revive{Roles: []string{"a"}}},
		},
		{
			name: "nested arrays flatten",
			body: `{"type":"REVIVE","framework_id":{"value":"f"},"revive":{"roles":[["a",["b"]],"c"]}}`,
			want: &mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")},
				Revive: &mesospb.Call_Revive{Roles: []string{"a", "b", "c"}}},
		},
		{
			name: "numbers as strings, Infinity, bool strings, duplicate keys last wins",
			body: `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"first","name":"n",
				"failover_timeout":"Infinity","checkpoint":"true"}}}`,
			want: &mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: &mesospb.Call_Subscribe{
				FrameworkInfo: &mesospb.FrameworkInfo{User: proto.String("u"), Name: proto.String("n"),
					FailoverTimeout: proto.Float64(math.Inf(1)), Checkpoint: proto.Bool(true)}}},
		},
		{
			name: "base64 with whitespace and no padding",
			body: `{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAEC AwQF\nBgcICQoLDA0ODw"}}`,
			want: &mesospb.Call{Type: mesospb.Call_ACKNOWLEDGE.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")},
				Acknowledge: &mesospb.Call_Acknowledge{AgentId: &mesospb.AgentID{Value: proto.String("a")},
					TaskId: &mesospb.TaskID{Value: proto.String("t")}, Uuid: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}},
		},
		{
			name: "numeric string with garbage after the number (picojson quirk)",
			body: `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","failover_timeout":"5x"}}}`,
			want: &mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: &mesospb.Call_Subscribe{
				FrameworkInfo: &mesospb.FrameworkInfo{User: proto.String("u"), Name: proto.String("n"), FailoverTimeout: proto.Float64(5)}}},
		},
		{
			name: "int64 from a numeric string",
			body: `{"type":"KILL","framework_id":{"value":"f"},"kill":{"task_id":{"value":"t"},"kill_policy":{"grace_period":{"nanoseconds":"5000000000"}}}}`,
			want: &mesospb.Call{Type: mesospb.Call_KILL.Enum(), FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")},
				Kill: &mesospb.Call_Kill{TaskId: &mesospb.TaskID{Value: proto.String("t")},
					KillPolicy: &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(5e9)}}}},
		},
		{
			name: "map field",
			body: `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","offer_filters":{"r":{}}}}}`,
			want: &mesospb.Call{Type: mesospb.Call_SUBSCRIBE.Enum(), Subscribe: &mesospb.Call_Subscribe{
				FrameworkInfo: &mesospb.FrameworkInfo{User: proto.String("u"), Name: proto.String("n"),
					OfferFilters: map[string]*mesospb.OfferFilters{"r": {}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wire.DecodeCall(wire.JSON, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestDecodeCallProtobufClosedEnum(t *testing.T) {
	// Call.type = 99 is not a declared value: C++ proto2 leaves the field
	// unset, so the master answers "Expecting 'type' to be present".
	call, err := wire.DecodeCall(wire.Protobuf, []byte{0x10, 0x63})
	if err != nil {
		t.Fatal(err)
	}
	if call.Type != nil {
		t.Errorf("got type %v, want unset", call.GetType())
	}
	// Value.type is required: an undeclared value makes the call incomplete.
	body, err := proto.Marshal(&mesospb.Call{
		Type:        mesospb.Call_ACCEPT.Enum(),
		FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")},
		Accept: &mesospb.Call_Accept{Operations: []*mesospb.Offer_Operation{{
			Type: mesospb.Offer_Operation_LAUNCH.Enum(),
			Launch: &mesospb.Offer_Operation_Launch{TaskInfos: []*mesospb.TaskInfo{{
				Name: proto.String("t"), TaskId: &mesospb.TaskID{Value: proto.String("t")},
				AgentId:   &mesospb.AgentID{Value: proto.String("a")},
				Resources: []*mesospb.Resource{{Name: proto.String("cpus"), Type: mesospb.Value_Type(42).Enum()}},
			}}},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wire.DecodeCall(wire.Protobuf, body)
	var de *wire.DecodeError
	if !errors.As(err, &de) || de.Msg != "Failed to parse body into Call protobuf" {
		t.Errorf("got %v, want the protobuf parse failure", err)
	}
}

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		msg  proto.Message
		want string
	}{
		{"heartbeat", &mesospb.Event{Type: mesospb.Event_HEARTBEAT.Enum()}, `{"type":"HEARTBEAT"}`},
		{"error", &mesospb.Event{Type: mesospb.Event_ERROR.Enum(), Error: &mesospb.Event_Error{Message: proto.String("Framework failed over")}},
			`{"type":"ERROR","error":{"message":"Framework failed over"}}`},
		{"subscribed double", &mesospb.Event{Type: mesospb.Event_SUBSCRIBED.Enum(), Subscribed: &mesospb.Event_Subscribed{
			FrameworkId: &mesospb.FrameworkID{Value: proto.String("f-0000")}, HeartbeatIntervalSeconds: proto.Float64(15)}},
			`{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f-0000"},"heartbeat_interval_seconds":15.0}}`},
		{"defaults written, deprecated role not", &mesospb.FrameworkInfo{User: proto.String("u"), Name: proto.String("n")},
			`{"user":"u","name":"n","failover_timeout":0.0,"checkpoint":false}`},
		{"set deprecated role written", &mesospb.Resource{Name: proto.String("cpus"), Type: mesospb.Value_SCALAR.Enum(),
			Scalar: &mesospb.Value_Scalar{Value: proto.Float64(0.5)}, Role: proto.String("*")},
			`{"name":"cpus","type":"SCALAR","scalar":{"value":0.5},"role":"*"}`},
		{"uuid bytes padded", &mesospb.TaskStatus{TaskId: &mesospb.TaskID{Value: proto.String("t")}, State: mesospb.TaskState_TASK_RUNNING.Enum(),
			Uuid: make([]byte, 16)}, `{"task_id":{"value":"t"},"state":"TASK_RUNNING","uuid":"AAAAAAAAAAAAAAAAAAAAAA=="}`},
		{"int64 as number", &mesospb.TimeInfo{Nanoseconds: proto.Int64(9007199254740993)}, `{"nanoseconds":9007199254740993}`},
		{"string escapes", &mesospb.Label{Key: proto.String("a\"b\\c\n\x01/\x7f")}, `{"key":"a\"b\\c\n\u0001/` + "\x7f" + `"}`},
		{"command defaults", &mesospb.CommandInfo{}, `{"shell":true}`},
		{"map", &mesospb.TaskInfo{Name: proto.String("t"), TaskId: &mesospb.TaskID{Value: proto.String("t")}, AgentId: &mesospb.AgentID{Value: proto.String("a")},
			Limits: map[string]*mesospb.Value_Scalar{"mem": {Value: proto.Float64(math.Inf(1))}, "cpus": {Value: proto.Float64(2)}}},
			`{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"limits":{"cpus":{"value":2.0},"mem":{"value":Infinity}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(wire.MarshalJSON(tt.msg)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestAppendDouble(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {15, "15.0"}, {1.5, "1.5"}, {0.001, "0.001"},
		{0.000001, "0.000001"}, {1e-7, "1e-7"}, {1.5e-7, "1.5e-7"}, {1e20, "100000000000000000000.0"},
		{1e21, "1e21"}, {1.234e33, "1.234e33"}, {-2.5, "-2.5"}, {123456.789, "123456.789"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{0.1, "0.1"}, {5e-324, "5e-324"}, {math.MaxFloat64, "1.7976931348623157e308"},
	}
	for _, tt := range tests {
		if got := string(wire.AppendDouble(nil, tt.in)); got != tt.want {
			t.Errorf("AppendDouble(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestBase64Decode(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte
		wantErr string
	}{
		{"", []byte{}, ""},
		{"AQID", []byte{1, 2, 3}, ""},
		{"AQI=", []byte{1, 2}, ""},
		{"AQI", []byte{1, 2}, ""},
		{"AQ==garbage", []byte{1}, ""},
		{" A Q I D\n", []byte{1, 2, 3}, ""},
		{"A", []byte{}, ""},
		{"AQ_D", nil, "Invalid character '_'"},
	}
	for _, tt := range tests {
		got, err := wire.Base64Decode(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Base64Decode(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("Base64Decode(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

// A JSON event written by the master-side writer must read back with the
// master-side reader, and as the same message.
func TestJSONRoundTrip(t *testing.T) {
	ev := &mesospb.Event{Type: mesospb.Event_OFFERS.Enum(), Offers: &mesospb.Event_Offers{Offers: []*mesospb.Offer{{
		Id: &mesospb.OfferID{Value: proto.String("m-O1")}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("f")},
		AgentId: &mesospb.AgentID{Value: proto.String("a")}, Hostname: proto.String("h"),
		Resources: []*mesospb.Resource{{Name: proto.String("ports"), Type: mesospb.Value_RANGES.Enum(),
			Ranges: &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{{Begin: proto.Uint64(31000), End: proto.Uint64(31999)}}}}},
		Attributes: []*mesospb.Attribute{{Name: proto.String("rack"), Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String("r1")}}},
	}}}}
	var got mesospb.Event
	if err := wire.UnmarshalJSON(wire.MarshalJSON(ev), &got); err != nil {
		t.Fatal(err)
	}
	// The writer adds explicit defaults (Resource.role is deprecated, so
	// it is not one of them).
	if !proto.Equal(&got, ev) {
		t.Errorf("got %v\nwant %v", &got, ev)
	}
}
