package mesoshttp_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestUnmarshalEventJSON(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(*mesospb.Event) bool
		err   string // substring of the error; "" for success
	}{
		{"heartbeat", `{"type":"HEARTBEAT"}`, func(ev *mesospb.Event) bool { return ev.GetType() == mesospb.Event_HEARTBEAT }, ""},
		{"unknown fields ignored", `{"type":"HEARTBEAT","future":{"x":1},"also":[1,2]}`, func(ev *mesospb.Event) bool { return ev.GetType() == mesospb.Event_HEARTBEAT }, ""},
		{"subscribed as Mesos writes it", `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"fw-1"},"heartbeat_interval_seconds":15.0,"master_info":{"id":"m","ip":16777343,"port":5050,"hostname":"m1","capabilities":[{"type":"AGENT_UPDATE"},{"type":"SOMETHING_NEW"}]}}}`,
			func(ev *mesospb.Event) bool {
				s := ev.GetSubscribed()
				return s.GetFrameworkId().GetValue() == "fw-1" && s.GetHeartbeatIntervalSeconds() == 15 && s.GetMasterInfo().GetHostname() == "m1"
			}, ""},
		{"bare Infinity", `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"fw-1"},"heartbeat_interval_seconds":Infinity}}`,
			func(ev *mesospb.Event) bool { return math.IsInf(ev.GetSubscribed().GetHeartbeatIntervalSeconds(), 1) }, ""},
		{"bare -Infinity", `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"fw-1"},"heartbeat_interval_seconds":-Infinity}}`,
			func(ev *mesospb.Event) bool { return math.IsInf(ev.GetSubscribed().GetHeartbeatIntervalSeconds(), -1) }, ""},
		{"bare NaN", `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"fw-1"},"heartbeat_interval_seconds":NaN}}`,
			func(ev *mesospb.Event) bool { return math.IsNaN(ev.GetSubscribed().GetHeartbeatIntervalSeconds()) }, ""},
		{"Infinity inside strings left alone", `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"Infinity \"NaN\" -Infinity"},"heartbeat_interval_seconds":NaN}}`,
			func(ev *mesospb.Event) bool {
				return ev.GetSubscribed().GetFrameworkId().GetValue() == `Infinity "NaN" -Infinity`
			}, ""},
		{"quoted Infinity", `{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"x"},"heartbeat_interval_seconds":"Infinity"}}`,
			func(ev *mesospb.Event) bool { return math.IsInf(ev.GetSubscribed().GetHeartbeatIntervalSeconds(), 1) }, ""},
		{"Infinity as a prefix is not the token", `{"type":"HEARTBEAT","x":Infinityx}`, nil, "undecodable json event"},
		{"update", `{"type":"UPDATE","update":{"status":{"task_id":{"value":"t"},"state":"TASK_RUNNING","uuid":"AAAAAAAAAAAAAAAAAAAAAA=="}}}`,
			func(ev *mesospb.Event) bool { return len(ev.GetUpdate().GetStatus().GetUuid()) == 16 }, ""},
		{"not JSON", `<html>`, nil, "undecodable json event"},
		{"trailing garbage", `{"type":"HEARTBEAT"} x`, nil, "undecodable"},
		{"array", `[]`, nil, "undecodable"},
		{"empty object", `{}`, nil, "without a type"},
		{"unknown type name", `{"type":"TELEPORT"}`, nil, "without a type"},
		{"unknown type number", `{"type":42}`, nil, "unknown type 42"},
		{"type UNKNOWN", `{"type":"UNKNOWN"}`, nil, "unknown type 0"},
		{"missing payload", `{"type":"OFFERS"}`, nil, "OFFERS event without its offers field"},
		{"missing required field", `{"type":"SUBSCRIBED","subscribed":{"heartbeat_interval_seconds":15.0}}`, nil, "framework_id"},
		{"unknown task state", `{"type":"UPDATE","update":{"status":{"task_id":{"value":"t"},"state":"TASK_TELEPORTED"}}}`, nil, "state"},
		{"undeclared task state number", `{"type":"UPDATE","update":{"status":{"task_id":{"value":"t"},"state":99}}}`, nil, "unknown state 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := mesoshttp.UnmarshalEvent(mesoshttp.JSON, []byte(tt.in))
			checkDecode(t, ev, err, tt.check, tt.err)
		})
	}
}

func TestUnmarshalEventProtobuf(t *testing.T) {
	enc := func(ev *mesospb.Event) []byte {
		b, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	noState := &mesospb.Event{Type: mesospb.Event_UPDATE.Enum(), Update: &mesospb.Event_Update{Status: &mesospb.TaskStatus{TaskId: mesoshttp.TaskID("t")}}}
	badState := &mesospb.Event{Type: mesospb.Event_UPDATE.Enum(), Update: &mesospb.Event_Update{Status: &mesospb.TaskStatus{TaskId: mesoshttp.TaskID("t"), State: mesospb.TaskState(77).Enum()}}}
	tests := []struct {
		name  string
		in    []byte
		check func(*mesospb.Event) bool
		err   string
	}{
		{"heartbeat golden", []byte{0x08, 0x08}, func(ev *mesospb.Event) bool { return ev.GetType() == mesospb.Event_HEARTBEAT }, ""},
		{"subscribed golden", unhex("08 01 12 13 0a 08 0a 06 66 2d 30 30 30 30 11 00 00 00 00 00 00 2e 40"), func(ev *mesospb.Event) bool {
			return ev.GetSubscribed().GetFrameworkId().GetValue() == "f-0000" && ev.GetSubscribed().GetHeartbeatIntervalSeconds() == 15
		}, ""},
		{"offers", enc(offersEvent("o1", "o2")), func(ev *mesospb.Event) bool { return len(ev.GetOffers().GetOffers()) == 2 }, ""},
		{"unknown field kept", append([]byte{0x08, 0x08}, 0xf8, 0x3e, 0x01), func(ev *mesospb.Event) bool { return len(ev.ProtoReflect().GetUnknown()) == 3 }, ""},
		{"empty", nil, nil, "without a type"},
		{"garbage", []byte{0xff, 0xff, 0xff}, nil, "undecodable protobuf event"},
		{"truncated", enc(offersEvent("o1"))[:10], nil, "undecodable"},
		{"unknown type", []byte{0x08, 42}, nil, "unknown type 42"},
		{"heartbeat with offers payload still heartbeat", enc(&mesospb.Event{Type: mesospb.Event_HEARTBEAT.Enum(), Offers: &mesospb.Event_Offers{}}), func(ev *mesospb.Event) bool { return ev.GetType() == mesospb.Event_HEARTBEAT }, ""},
		{"error without payload", []byte{0x08, 0x07}, nil, "ERROR event without its error field"},
		{"update without state", mustMarshalPartial(t, noState), nil, "state"},
		{"update with undeclared state", enc(badState), nil, "unknown state 77"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := mesoshttp.UnmarshalEvent(mesoshttp.Protobuf, tt.in)
			checkDecode(t, ev, err, tt.check, tt.err)
		})
	}
	if _, err := mesoshttp.UnmarshalEvent(mesoshttp.Encoding(9), []byte{8, 8}); err == nil {
		t.Fatal("decoded with an unknown encoding")
	}
}

func mustMarshalPartial(t *testing.T, m proto.Message) []byte {
	b, err := proto.MarshalOptions{AllowPartial: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkDecode(t *testing.T, ev *mesospb.Event, err error, check func(*mesospb.Event) bool, wantErr string) {
	t.Helper()
	if wantErr != "" {
		pe, ok := errors.AsType[*mesoshttp.ProtocolError](err)
		if !ok {
			t.Fatalf("got %v, %v; want a *ProtocolError", ev, err)
		}
		if !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("got %v, want %q in it", pe, wantErr)
		}
		if ev != nil {
			t.Fatal("an event with the error")
		}
		return
	}
	if err != nil {
		t.Fatalf("got %v", err)
	}
	if !check(ev) {
		t.Fatalf("decoded %v", ev)
	}
}

func unhex(s string) []byte {
	var b []byte
	for _, f := range strings.Fields(s) {
		var v byte
		for _, c := range f {
			v = v<<4 | byte(strings.IndexRune("0123456789abcdef", c))
		}
		b = append(b, v)
	}
	return b
}

var readers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"one byte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"data+EOF", iotest.DataErrReader},
}

func TestEventReader(t *testing.T) {
	for _, enc := range encodings {
		frame := func(ev *mesospb.Event) []byte { return recordio.AppendFrame(nil, encodeEvent(t, enc, ev)) }
		good := bytes.Join([][]byte{
			frame(heartbeatEvent()),
			[]byte("0\n"), // skipped
			frame(offersEvent("o1")),
			frame(updateEvent("t", mesospb.TaskState_TASK_RUNNING, nil)),
		}, nil)
		tests := []struct {
			name  string
			in    []byte
			types []mesospb.Event_Type
			end   func(error) bool
		}{
			{"clean", good, []mesospb.Event_Type{mesospb.Event_HEARTBEAT, mesospb.Event_OFFERS, mesospb.Event_UPDATE}, func(err error) bool { return err == io.EOF }},
			{"cut inside a record", good[:len(good)-3], []mesospb.Event_Type{mesospb.Event_HEARTBEAT, mesospb.Event_OFFERS}, func(err error) bool {
				_, ok := errors.AsType[*mesoshttp.ProtocolError](err)
				return ok && errors.Is(err, io.ErrUnexpectedEOF)
			}},
			{"cut inside a length", append(frame(heartbeatEvent()), '1', '2'), []mesospb.Event_Type{mesospb.Event_HEARTBEAT}, func(err error) bool {
				return errors.Is(err, io.ErrUnexpectedEOF)
			}},
			{"html", []byte("<!DOCTYPE html>"), nil, func(err error) bool { return errors.Is(err, recordio.ErrBadSize) }},
			{"oversized", append(frame(heartbeatEvent()), "5000\n"...), []mesospb.Event_Type{mesospb.Event_HEARTBEAT}, func(err error) bool {
				_, ok := errors.AsType[*mesoshttp.ProtocolError](err)
				return ok && errors.Is(err, recordio.ErrFrameTooLarge)
			}},
			{"endless length", []byte("123456789012345678901234567890"), nil, func(err error) bool { return errors.Is(err, recordio.ErrSizeTooLong) }},
			{"bad event", append(frame(heartbeatEvent()), recordio.AppendFrame(nil, []byte("\xff\xff"))...), []mesospb.Event_Type{mesospb.Event_HEARTBEAT}, func(err error) bool {
				_, ok := errors.AsType[*mesoshttp.ProtocolError](err)
				return ok
			}},
		}
		for _, tt := range tests {
			for _, rd := range readers {
				t.Run(enc.String()+"/"+tt.name+"/"+rd.name, func(t *testing.T) {
					r := mesoshttp.NewEventReader(rd.wrap(bytes.NewReader(tt.in)), enc, 4096)
					var got []mesospb.Event_Type
					for {
						ev, err := r.Next()
						if err != nil {
							if !tt.end(err) {
								t.Fatalf("ended with %v (%T)", err, err)
							}
							break
						}
						got = append(got, ev.GetType())
					}
					if !slices.Equal(got, tt.types) {
						t.Fatalf("events %v, want %v", got, tt.types)
					}
				})
			}
		}
	}
}

func TestEventReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := mesoshttp.NewEventReader(iotest.ErrReader(boom), mesoshttp.Protobuf, 0)
	_, err := r.Next()
	if !errors.Is(err, boom) {
		t.Fatalf("Next: %v, want the reader's error", err)
	}
	if _, ok := errors.AsType[*mesoshttp.ProtocolError](err); ok {
		t.Fatal("a transport error became a protocol error")
	}
}
