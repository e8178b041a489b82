package wire

import (
	"math"
	"sort"
	"strconv"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// MarshalJSON renders m as the master's jsonify(JSON::Protobuf(m)) does.
func MarshalJSON(m proto.Message) []byte {
	return AppendJSON(nil, m)
}

// AppendJSON appends the JSON form of m to dst.
func AppendJSON(dst []byte, m proto.Message) []byte {
	return appendMessage(dst, m.ProtoReflect())
}

// fieldPlan is what the writer needs to know about one field, computed once
// per message type: the quoted key and whether an unset value is written
// with its default.
type fieldPlan struct {
	fd           protoreflect.FieldDescriptor
	key          []byte // `"name":`
	writeDefault bool
}

var plans sync.Map // protoreflect.FullName -> []fieldPlan

func planFor(md protoreflect.MessageDescriptor) []fieldPlan {
	if p, ok := plans.Load(md.FullName()); ok {
		return p.([]fieldPlan)
	}
	fields := md.Fields()
	plan := make([]fieldPlan, fields.Len())
	for i := range plan {
		fd := fields.Get(i)
		deprecated := false
		if opts, ok := fd.Options().(*descriptorpb.FieldOptions); ok {
			deprecated = opts.GetDeprecated()
		}
		key := appendJSONString(nil, string(fd.Name()))
		plan[i] = fieldPlan{
			fd:           fd,
			key:          append(key, ':'),
			writeDefault: !fd.IsList() && !fd.IsMap() && fd.HasDefault() && !deprecated,
		}
	}
	plans.Store(md.FullName(), plan)
	return plan
}

func appendMessage(b []byte, m protoreflect.Message) []byte {
	b = append(b, '{')
	first := true
	for _, p := range planFor(m.Descriptor()) {
		fd := p.fd
		switch {
		case fd.IsMap():
			mp := m.Get(fd).Map()
			if mp.Len() == 0 {
				continue
			}
			b, first = sep(b, first), false
			b = append(b, p.key...)
			b = appendMap(b, fd, mp)
		case fd.IsList():
			list := m.Get(fd).List()
			if list.Len() == 0 {
				continue
			}
			b, first = sep(b, first), false
			b = append(b, p.key...)
			b = append(b, '[')
			for i := 0; i < list.Len(); i++ {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendValue(b, fd, list.Get(i))
			}
			b = append(b, ']')
		default:
			if !m.Has(fd) && !p.writeDefault {
				continue
			}
			b, first = sep(b, first), false
			b = append(b, p.key...)
			b = appendValue(b, fd, m.Get(fd))
		}
	}
	return append(b, '}')
}

func sep(b []byte, first bool) []byte {
	if first {
		return b
	}
	return append(b, ',')
}

func appendMap(b []byte, fd protoreflect.FieldDescriptor, mp protoreflect.Map) []byte {
	keys := make([]protoreflect.MapKey, 0, mp.Len())
	mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	// The C++ writer walks the map's internal order, which is unspecified;
	// sorting keeps the output stable.
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k.String())
		b = append(b, ':')
		b = appendValue(b, fd.MapValue(), mp.Get(k))
	}
	return append(b, '}')
}

func appendValue(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) []byte {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.AppendInt(b, v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.AppendUint(b, v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return AppendDouble(b, v.Float())
	case protoreflect.StringKind:
		return appendJSONString(b, v.String())
	case protoreflect.BytesKind:
		b = append(b, '"')
		b = base64Encode(b, v.Bytes())
		return append(b, '"')
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return appendJSONString(b, string(ev.Name()))
		}
		return strconv.AppendInt(b, int64(v.Enum()), 10)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return appendMessage(b, v.Message())
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789ABCDEF"

// appendJSONString quotes s as rapidjson's Writer::String does: only '"',
// '\\' and bytes below 0x20 are escaped; everything else, including
// non-ASCII and invalid UTF-8, is copied as is.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\b':
			b = append(b, '\\', 'b')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\f':
			b = append(b, '\\', 'f')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendDouble writes f in rapidjson's Writer::Double layout (its Prettify
// step over the shortest round-trip digits), with kWriteNanAndInfFlag's bare
// NaN and Infinity tokens.
func AppendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// Shortest digits and decimal exponent: value = 0.DIGITS × 10^kk, i.e.
	// digits d1..dn with 10^(kk-1) <= f < 10^kk.
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	var digits []byte
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits = append(digits, e[i])
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	length := len(digits)
	kk := exp + 1
	k := kk - length
	switch {
	case 0 <= k && kk <= 21:
		// 1234e7 -> 12340000000.0
		b = append(b, digits...)
		for j := length; j < kk; j++ {
			b = append(b, '0')
		}
		return append(b, '.', '0')
	case 0 < kk && kk <= 21:
		// 1234e-2 -> 12.34
		b = append(b, digits[:kk]...)
		b = append(b, '.')
		return append(b, digits[kk:]...)
	case -6 < kk && kk <= 0:
		// 1234e-6 -> 0.001234
		b = append(b, '0', '.')
		for j := kk; j < 0; j++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	case length == 1:
		// 1e30
		b = append(b, digits[0], 'e')
		return strconv.AppendInt(b, int64(kk-1), 10)
	default:
		// 1234e30 -> 1.234e33
		b = append(b, digits[0], '.')
		b = append(b, digits[1:]...)
		b = append(b, 'e')
		return strconv.AppendInt(b, int64(kk-1), 10)
	}
}
