package wire_test

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos/internal/wire"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// FuzzDecodeCall feeds arbitrary bodies to both decoders. Properties: no
// panic; a failure is a *DecodeError with a 400; a decoded call survives a
// round trip through its encoding; the JSON writer's output (without the
// bare NaN/Infinity tokens Go's and picojson's readers refuse) reads back
// and writes out identically.
func FuzzDecodeCall(f *testing.F) {
	seeds := []struct {
		json bool
		body string
	}{
		{false, "\x10\x01\x1a\x08\x0a\x06\x0a\x01u\x12\x01n"},
		{false, "\x10\x63"},
		{true, `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":["a","b"],"capabilities":[{"type":"MULTI_ROLE"}]}}}`},
		{true, `{"type":"ACKNOWLEDGE","framework_id":{"value":"f"},"acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAECAwQFBgcICQoLDA0ODw=="}}`},
		{true, `{"type":"ACCEPT","framework_id":{"value":"f"},"accept":{"offer_ids":[{"value":"o"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"},"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":"0.5"}}],"command":{"value":"true"},"limits":{"cpus":{"value":"Infinity"}}}]}}],"filters":{"refuse_seconds":-1}}}`},
		{true, `{"type":"KILL","framework_id":{"value":"f"},"kill":{"task_id":{"value":"t"}}} x`},
		{true, "[[[[[[[[[[[[[[\"\\ud800\\udc00\"]]]]]]]]]]]]]]"},
		{true, `{"a":1e999}`},
	}
	for _, s := range seeds {
		f.Add(s.json, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, isJSON bool, body []byte) {
		mt := wire.Protobuf
		if isJSON {
			mt = wire.JSON
		}
		call, err := wire.DecodeCall(mt, body)
		if err != nil {
			var de *wire.DecodeError
			if !errors.As(err, &de) || de.Status != 400 || de.Msg == "" {
				t.Fatalf("got error %v, want a 400 *DecodeError", err)
			}
			return
		}
		if isJSON {
			out := wire.MarshalJSON(call)
			if bytes.Contains(out, []byte("Infinity")) || bytes.Contains(out, []byte("NaN")) {
				return
			}
			again := &mesospb.Call{}
			if err := wire.UnmarshalJSON(out, again); err != nil {
				t.Fatalf("writer output %s does not read back: %v", out, err)
			}
			if out2 := wire.MarshalJSON(again); !bytes.Equal(out, out2) {
				t.Fatalf("JSON not stable:\n%s\n%s", out, out2)
			}
			return
		}
		b, err := proto.Marshal(call)
		if err != nil {
			t.Fatalf("re-encoding a decoded call: %v", err)
		}
		again, err := wire.DecodeCall(wire.Protobuf, b)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !proto.Equal(call, again) {
			t.Fatalf("round trip changed the call:\n%v\n%v", call, again)
		}
	})
}
