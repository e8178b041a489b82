package mesoshttp

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Encoding is the media type of calls and events.
type Encoding int

const (
	// Protobuf is application/x-protobuf, the default: smaller, faster, and
	// free of the JSON mapping's quirks.
	Protobuf Encoding = iota
	// JSON is application/json with Mesos' mapping: proto field names
	// (snake_case), enums as names, bytes as standard base64.
	JSON
)

// ContentType returns the exact media type sent as Content-Type and Accept
// and required of the answer.
func (e Encoding) ContentType() string {
	switch e {
	case Protobuf:
		return "application/x-protobuf"
	case JSON:
		return "application/json"
	}
	return ""
}

func (e Encoding) String() string {
	switch e {
	case Protobuf:
		return "protobuf"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Encoding(%d)", int(e))
}

func (e Encoding) valid() bool { return e == Protobuf || e == JSON }

var (
	jsonMarshal   = protojson.MarshalOptions{UseProtoNames: true}
	jsonUnmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// marshalCall encodes a call. Both encoders check proto2 required fields,
// so a call the master would refuse with "Missing required fields" fails
// here instead.
func (e Encoding) marshalCall(c *mesospb.Call) ([]byte, error) {
	switch e {
	case Protobuf:
		return proto.Marshal(c)
	case JSON:
		return jsonMarshal.Marshal(c)
	}
	return nil, fmt.Errorf("mesoshttp: unknown encoding %d", int(e))
}

// payloads names the field each event type must carry; HEARTBEAT carries
// none. Types absent from the map (UNKNOWN, numbers this package does not
// know) are refused.
var payloads = map[mesospb.Event_Type]struct {
	field string
	has   func(*mesospb.Event) bool
}{
	mesospb.Event_SUBSCRIBED:              {"subscribed", func(ev *mesospb.Event) bool { return ev.Subscribed != nil }},
	mesospb.Event_OFFERS:                  {"offers", func(ev *mesospb.Event) bool { return ev.Offers != nil }},
	mesospb.Event_INVERSE_OFFERS:          {"inverse_offers", func(ev *mesospb.Event) bool { return ev.InverseOffers != nil }},
	mesospb.Event_RESCIND:                 {"rescind", func(ev *mesospb.Event) bool { return ev.Rescind != nil }},
	mesospb.Event_RESCIND_INVERSE_OFFER:   {"rescind_inverse_offer", func(ev *mesospb.Event) bool { return ev.RescindInverseOffer != nil }},
	mesospb.Event_UPDATE:                  {"update", func(ev *mesospb.Event) bool { return ev.Update != nil }},
	mesospb.Event_UPDATE_OPERATION_STATUS: {"update_operation_status", func(ev *mesospb.Event) bool { return ev.UpdateOperationStatus != nil }},
	mesospb.Event_MESSAGE:                 {"message", func(ev *mesospb.Event) bool { return ev.Message != nil }},
	mesospb.Event_FAILURE:                 {"failure", func(ev *mesospb.Event) bool { return ev.Failure != nil }},
	mesospb.Event_ERROR:                   {"error", func(ev *mesospb.Event) bool { return ev.Error != nil }},
	mesospb.Event_HEARTBEAT:               {"", func(*mesospb.Event) bool { return true }},
}

// UnmarshalEvent decodes one event in encoding e and checks what the
// protobuf decoders do not: that the type is present and one this package
// knows, that the payload field of that type is present, and that a task
// update's state is a declared TaskState (Go's protobuf runtime keeps
// undeclared enum numbers rather than dropping them). proto2 required fields
// are checked by the decoders. Any failure is a *ProtocolError.
//
// For JSON it accepts the bare Infinity, -Infinity and NaN tokens the
// master's writer emits for non-finite doubles (stout's jsonify), which are
// not JSON; see doc.go.
func UnmarshalEvent(e Encoding, data []byte) (*mesospb.Event, error) {
	ev := new(mesospb.Event)
	var err error
	switch e {
	case Protobuf:
		err = proto.Unmarshal(data, ev)
	case JSON:
		err = jsonUnmarshal.Unmarshal(data, ev)
		if err != nil {
			if fixed, ok := quoteNonFinite(data); ok {
				ev.Reset()
				err = jsonUnmarshal.Unmarshal(fixed, ev)
			}
		}
	default:
		return nil, &ProtocolError{Reason: fmt.Sprintf("unknown encoding %d", int(e))}
	}
	if err != nil {
		return nil, &ProtocolError{Reason: fmt.Sprintf("undecodable %s event (%d bytes)", e, len(data)), Err: err}
	}
	if ev.Type == nil {
		return nil, &ProtocolError{Reason: "event without a type (or with a type name this client does not know)"}
	}
	p, known := payloads[*ev.Type]
	if !known {
		return nil, &ProtocolError{Reason: fmt.Sprintf("event of unknown type %d", int32(*ev.Type))}
	}
	if !p.has(ev) {
		return nil, &ProtocolError{Reason: fmt.Sprintf("%s event without its %s field", ev.GetType(), p.field)}
	}
	if st := ev.GetUpdate().GetStatus(); st != nil {
		if _, ok := mesospb.TaskState_name[int32(st.GetState())]; !ok {
			return nil, &ProtocolError{Reason: fmt.Sprintf("UPDATE for task %q with unknown state %d", st.GetTaskId().GetValue(), int32(st.GetState()))}
		}
	}
	return ev, nil
}

// quoteNonFinite rewrites the bare tokens Infinity, -Infinity and NaN
// outside JSON strings into the quoted forms protojson accepts for doubles.
// It reports false when there is nothing to rewrite. Outside strings valid
// JSON holds only numbers, punctuation and true/false/null, so any of these
// words there can only be the token itself.
func quoteNonFinite(data []byte) ([]byte, bool) {
	var out []byte
	last := 0
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		var tok string
		switch {
		case c == 'I' && hasWord(data, i, "Infinity"):
			tok = "Infinity"
		case c == 'N' && hasWord(data, i, "NaN"):
			tok = "NaN"
		case c == '-' && hasWord(data, i+1, "Infinity"):
			tok = "-Infinity"
		default:
			continue
		}
		out = append(out, data[last:i]...)
		out = append(out, '"')
		out = append(out, tok...)
		out = append(out, '"')
		i += len(tok) - 1
		last = i + 1
	}
	if out == nil {
		return nil, false
	}
	return append(out, data[last:]...), true
}

// hasWord reports whether data holds word at i, not followed by another
// identifier character.
func hasWord(data []byte, i int, word string) bool {
	if i < 0 || len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return false
	}
	if j := i + len(word); j < len(data) {
		c := data[j]
		if c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// EventReader decodes the events of a SUBSCRIBE response body: RecordIO
// frames, each one event in the stream's encoding.
type EventReader struct {
	rr     *recordio.Reader
	enc    Encoding
	master string // for error context; empty outside a subscription
}

// NewEventReader returns a reader of events in encoding enc from r that
// refuses frames over maxFrameSize bytes (0 or less means
// recordio.DefaultMaxFrameSize).
func NewEventReader(r io.Reader, enc Encoding, maxFrameSize int) *EventReader {
	return &EventReader{rr: recordio.NewReader(r, maxFrameSize), enc: enc}
}

// Next returns the next event. At a clean end of stream it returns io.EOF.
// Framing errors (a bad length line, an oversized frame, a stream cut inside
// a record, which wraps io.ErrUnexpectedEOF) and undecodable events are
// *ProtocolError; errors of the underlying reader are returned as they are.
// Empty records, which the master never sends, are skipped. After an error
// the reader must not be used again.
func (r *EventReader) Next() (*mesospb.Event, error) {
	for {
		frame, err := r.rr.ReadFrame()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			var fe recordio.Error
			if errors.As(err, &fe) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, &ProtocolError{Master: r.master, Reason: "bad RecordIO stream", Err: err}
			}
			return nil, err
		}
		if len(frame) == 0 {
			continue
		}
		ev, err := UnmarshalEvent(r.enc, frame)
		if err != nil {
			if pe, ok := errors.AsType[*ProtocolError](err); ok {
				pe.Master = r.master
			}
			return nil, err
		}
		return ev, nil
	}
}
