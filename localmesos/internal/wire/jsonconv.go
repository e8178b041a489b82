package wire

import (
	"errors"
	"math"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// JSONError is a failure to read a JSON body. Syntax tells the two stages
// apart, because the master words them differently: "Failed to parse body
// into JSON: " for syntax, "Failed to convert JSON into Call protobuf: "
// for conversion.
type JSONError struct {
	Syntax bool
	Msg    string
}

func (e *JSONError) Error() string { return e.Msg }

// UnmarshalJSON fills m from data the way stout's JSON::parse followed by
// protobuf::parse<T> does. m is reset first.
func UnmarshalJSON(data []byte, m proto.Message) error {
	v, err := parseJSON(data)
	if err != nil {
		return &JSONError{Syntax: true, Msg: err.Error()}
	}
	proto.Reset(m)
	if v.kind != jsonObject {
		return &JSONError{Msg: "Expecting a JSON object"}
	}
	if err := convertObject(m.ProtoReflect(), v); err != nil {
		return &JSONError{Msg: err.Error()}
	}
	if missing := MissingFields(m); len(missing) > 0 {
		return &JSONError{Msg: "Missing required fields: " + strings.Join(missing, ", ")}
	}
	return nil
}

func convertObject(m protoreflect.Message, obj *jsonValue) error {
	fields := m.Descriptor().Fields()
	for i, key := range obj.keys {
		fd := fields.ByName(protoreflect.Name(key))
		if fd == nil {
			continue
		}
		if err := convertField(m, fd, obj.vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// convertField applies one JSON value to field fd of m, following the
// visitor in stout's protobuf.hpp (internal::Parser) case by case.
func convertField(m protoreflect.Message, fd protoreflect.FieldDescriptor, v *jsonValue) error {
	switch v.kind {
	case jsonNull:
		return nil
	case jsonArray:
		if !fd.IsList() && !fd.IsMap() {
			return errors.New("Not expecting a JSON array for field '" + string(fd.Name()) + "'")
		}
		for _, item := range v.arr {
			if err := convertField(m, fd, item); err != nil {
				return err
			}
		}
		return nil
	case jsonObject:
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return errors.New("Not expecting a JSON object for field '" + string(fd.Name()) + "'")
		}
		switch {
		case fd.IsMap():
			return convertMapObject(m, fd, v)
		case fd.IsList():
			list := m.Mutable(fd).List()
			elem := list.NewElement()
			if err := convertObject(elem.Message(), v); err != nil {
				return err
			}
			list.Append(elem)
			return nil
		default:
			return convertObject(m.Mutable(fd).Message(), v)
		}
	}
	val, ok, err := scalarValue(fd, v)
	if err != nil || !ok {
		return err
	}
	switch {
	case fd.IsMap():
		// A map field is a repeated entry message; a scalar cannot be one.
		return errors.New(notExpecting(v) + " for field '" + string(fd.Name()) + "'")
	case fd.IsList():
		m.Mutable(fd).List().Append(val)
	default:
		m.Set(fd, val)
	}
	return nil
}

// convertMapObject handles {"key": value, ...} for a map field; stout adds
// one entry per member, converting the key from a JSON string.
func convertMapObject(m protoreflect.Message, fd protoreflect.FieldDescriptor, obj *jsonValue) error {
	mp := m.Mutable(fd).Map()
	for i, name := range obj.keys {
		keyVal, ok, err := scalarValue(fd.MapKey(), &jsonValue{kind: jsonString, s: name})
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := setMapValue(mp, fd.MapValue(), keyVal.MapKey(), obj.vals[i]); err != nil {
			return err
		}
	}
	return nil
}

func setMapValue(mp protoreflect.Map, vd protoreflect.FieldDescriptor, key protoreflect.MapKey, v *jsonValue) error {
	if vd.Kind() == protoreflect.MessageKind {
		elem := mp.NewValue()
		switch v.kind {
		case jsonNull:
		case jsonObject:
			if err := convertObject(elem.Message(), v); err != nil {
				return err
			}
		default:
			return errors.New(notExpecting(v) + " for field '" + string(vd.Name()) + "'")
		}
		mp.Set(key, elem)
		return nil
	}
	if v.kind == jsonNull {
		mp.Set(key, vd.Default())
		return nil
	}
	if v.kind == jsonArray || v.kind == jsonObject {
		return errors.New(notExpecting(v) + " for field '" + string(vd.Name()) + "'")
	}
	val, ok, err := scalarValue(vd, v)
	if err != nil {
		return err
	}
	if ok {
		mp.Set(key, val)
	} else {
		mp.Set(key, vd.Default())
	}
	return nil
}

func notExpecting(v *jsonValue) string {
	switch v.kind {
	case jsonString:
		return "Not expecting a JSON string"
	case jsonNumber:
		return "Not expecting a JSON number"
	case jsonBool:
		return "Not expecting a JSON boolean"
	case jsonArray:
		return "Not expecting a JSON array"
	case jsonObject:
		return "Not expecting a JSON object"
	}
	return "Not expecting a JSON null"
}

// scalarValue converts a JSON string, number or boolean for a non-message
// field. ok is false when the value is to be dropped (an unknown enum name
// in an optional field).
func scalarValue(fd protoreflect.FieldDescriptor, v *jsonValue) (protoreflect.Value, bool, error) {
	name := string(fd.Name())
	switch v.kind {
	case jsonString:
		return stringValue(fd, v.s)
	case jsonNumber:
		return numberValue(fd, v)
	case jsonBool:
		if fd.Kind() != protoreflect.BoolKind {
			return protoreflect.Value{}, false, errors.New("Not expecting a JSON boolean for field '" + name + "'")
		}
		return protoreflect.ValueOfBool(v.b), true, nil
	}
	return protoreflect.Value{}, false, errors.New(notExpecting(v) + " for field '" + name + "'")
}

func stringValue(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, bool, error) {
	name := string(fd.Name())
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s), true, nil
	case protoreflect.BytesKind:
		b, err := Base64Decode(s)
		if err != nil {
			return protoreflect.Value{}, false, errors.New("Failed to base64 decode bytes field '" + name + "': " + err.Error())
		}
		return protoreflect.ValueOfBytes(b), true, nil
	case protoreflect.EnumKind:
		ev := fd.Enum().Values().ByName(protoreflect.Name(s))
		if ev == nil {
			if fd.Cardinality() == protoreflect.Required {
				return protoreflect.Value{}, false, errors.New("Failed to find enum for '" + s + "'")
			}
			return protoreflect.Value{}, false, nil
		}
		return protoreflect.ValueOfEnum(ev.Number()), true, nil
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		switch s {
		case "Infinity":
			return numberValue(fd, &jsonValue{kind: jsonNumber, f: math.Inf(1)})
		case "-Infinity":
			return numberValue(fd, &jsonValue{kind: jsonNumber, f: math.Inf(-1)})
		}
		return numberFromString(fd, s)
	case protoreflect.BoolKind:
		v, err := parseJSON([]byte(s))
		if err == nil && v.kind != jsonBool {
			err = errors.New("Unexpected JSON type parsed")
		}
		if err != nil {
			return protoreflect.Value{}, false, errors.New("Failed to parse '" + s + "' as a JSON boolean for field '" + name + "': " + err.Error())
		}
		return protoreflect.ValueOfBool(v.b), true, nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return protoreflect.Value{}, false, errors.New("Not expecting a JSON string for field '" + name + "'")
	}
	return numberFromString(fd, s)
}

func numberFromString(fd protoreflect.FieldDescriptor, s string) (protoreflect.Value, bool, error) {
	v, err := parseJSON([]byte(s))
	if err == nil && v.kind != jsonNumber {
		err = errors.New("Unexpected JSON type parsed")
	}
	if err != nil {
		return protoreflect.Value{}, false, errors.New("Failed to parse '" + s + "' as a JSON number for field '" + string(fd.Name()) + "': " + err.Error())
	}
	return numberValue(fd, v)
}

// numberValue converts a JSON number with the C++ static_cast semantics of
// stout's JSON::Number::as<T>(); out-of-range doubles saturate instead of
// being undefined behaviour.
func numberValue(fd protoreflect.FieldDescriptor, v *jsonValue) (protoreflect.Value, bool, error) {
	switch fd.Kind() {
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(v.float()), true, nil
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(v.float())), true, nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(toInt64(v)), true, nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(toUint64(v)), true, nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(toInt64(v))), true, nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(toUint64(v))), true, nil
	}
	return protoreflect.Value{}, false, errors.New("Not expecting a JSON number for field '" + string(fd.Name()) + "'")
}

func toInt64(v *jsonValue) int64 {
	if v.isInt {
		return v.i
	}
	f := math.Trunc(v.f)
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func toUint64(v *jsonValue) uint64 {
	if v.isInt {
		return uint64(v.i)
	}
	f := math.Trunc(v.f)
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxUint64:
		return math.MaxUint64
	case f < 0:
		return uint64(toInt64(v))
	}
	return uint64(f)
}
