package wire

import (
	"errors"
	"sort"
	"strconv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Media types of the scheduler API.
const (
	Protobuf = "application/x-protobuf"
	JSON     = "application/json"
)

// DecodeError is a request body the master refuses; Msg is the exact body of
// its 400 (or, for an unknown media type, 415) answer.
type DecodeError struct {
	Status int
	Msg    string
}

func (e *DecodeError) Error() string { return e.Msg }

// ErrUnsupportedMediaType is wrapped by the DecodeError for a Content-Type
// that is neither media type.
var ErrUnsupportedMediaType = errors.New("unsupported media type")

// DecodeCall parses a scheduler call body as src/master/http.cpp
// Master::Http::scheduler does, returning a *DecodeError with the master's
// status code and text on failure.
func DecodeCall(contentType string, body []byte) (*mesospb.Call, error) {
	call := &mesospb.Call{}
	switch contentType {
	case Protobuf:
		if err := UnmarshalProto(body, call); err != nil {
			return nil, &DecodeError{Status: 400, Msg: "Failed to parse body into Call protobuf"}
		}
	case JSON:
		if err := UnmarshalJSON(body, call); err != nil {
			var je *JSONError
			if errors.As(err, &je) && je.Syntax {
				return nil, &DecodeError{Status: 400, Msg: "Failed to parse body into JSON: " + je.Msg}
			}
			return nil, &DecodeError{Status: 400, Msg: "Failed to convert JSON into Call protobuf: " + err.Error()}
		}
	default:
		return nil, &DecodeError{Status: 415, Msg: "Expecting 'Content-Type' of " + JSON + " or " + Protobuf}
	}
	return call, nil
}

// errIncomplete: a protobuf message lacks a required field.
var errIncomplete = errors.New("missing required fields")

// UnmarshalProto parses b into m like C++ ParseFromString: closed enums, and
// an error when a required field is missing.
func UnmarshalProto(b []byte, m proto.Message) error {
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(b, m); err != nil {
		return err
	}
	CloseEnums(m)
	if len(MissingFields(m)) > 0 {
		return errIncomplete
	}
	return nil
}

// CloseEnums clears every enum field whose number its enum does not
// declare, and drops such numbers from repeated enum fields, which is what
// the C++ proto2 runtime does when it parses them (they go to the unknown
// field set). The Go runtime keeps them, so a call with Call.type = 99
// would otherwise look typed.
func CloseEnums(m proto.Message) {
	closeEnums(m.ProtoReflect())
}

func closeEnums(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					closeEnums(mv.Message())
					return true
				})
			} else if fd.MapValue().Kind() == protoreflect.EnumKind {
				values := fd.MapValue().Enum().Values()
				var drop []protoreflect.MapKey
				v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
					if values.ByNumber(mv.Enum()) == nil {
						drop = append(drop, k)
					}
					return true
				})
				for _, k := range drop {
					v.Map().Clear(k)
				}
			}
		case fd.IsList():
			list := v.List()
			switch fd.Kind() {
			case protoreflect.MessageKind, protoreflect.GroupKind:
				for i := 0; i < list.Len(); i++ {
					closeEnums(list.Get(i).Message())
				}
			case protoreflect.EnumKind:
				values := fd.Enum().Values()
				n := 0
				for i := 0; i < list.Len(); i++ {
					if e := list.Get(i); values.ByNumber(e.Enum()) != nil {
						list.Set(n, e)
						n++
					}
				}
				list.Truncate(n)
			}
		case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
			closeEnums(v.Message())
		case fd.Kind() == protoreflect.EnumKind:
			if fd.Enum().Values().ByNumber(v.Enum()) == nil {
				m.Clear(fd)
			}
		}
		return true
	})
}

// MissingFields lists the paths of unset required fields in the order of
// C++ Message::FindInitializationErrors: this message's required fields in
// declaration order, then the set message fields in field-number order,
// each with its prefix ("name." or "name[i].").
func MissingFields(m proto.Message) []string {
	return missingFields(m.ProtoReflect(), "", nil)
}

func missingFields(m protoreflect.Message, prefix string, out []string) []string {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Cardinality() == protoreflect.Required && !m.Has(fd) {
			out = append(out, prefix+string(fd.Name()))
		}
	}
	var set []protoreflect.FieldDescriptor
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind {
			set = append(set, fd)
		}
		return true
	})
	sort.Slice(set, func(i, j int) bool { return set[i].Number() < set[j].Number() })
	for _, fd := range set {
		name := string(fd.Name())
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() != protoreflect.MessageKind {
				continue
			}
			// C++ walks map entries as a repeated entry message; the
			// key order is unspecified there, sorted here.
			mp := m.Get(fd).Map()
			keys := make([]protoreflect.MapKey, 0, mp.Len())
			mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
				keys = append(keys, k)
				return true
			})
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			for j, k := range keys {
				out = missingFields(mp.Get(k).Message(), prefix+name+"["+strconv.Itoa(j)+"].value.", out)
			}
		case fd.IsList():
			list := m.Get(fd).List()
			for j := 0; j < list.Len(); j++ {
				out = missingFields(list.Get(j).Message(), prefix+name+"["+strconv.Itoa(j)+"].", out)
			}
		default:
			out = missingFields(m.Get(fd).Message(), prefix+name+".", out)
		}
	}
	return out
}

// EncodeEvent serializes ev in media type mt (Protobuf or JSON).
func EncodeEvent(mt string, ev *mesospb.Event) ([]byte, error) {
	if mt == JSON {
		return MarshalJSON(ev), nil
	}
	return proto.MarshalOptions{AllowPartial: true, Deterministic: true}.Marshal(ev)
}
