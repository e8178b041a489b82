package wire

import (
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxJSONDepth is stout's STOUT_JSON_MAX_DEPTH (3rdparty/stout/include/stout/json.hpp).
const maxJSONDepth = 200

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is a parsed JSON value. Objects keep their members sorted by
// key, last duplicate winning, as stout's std::map-backed JSON::Object does.
type jsonValue struct {
	kind  jsonKind
	b     bool
	isInt bool // number: i is valid; otherwise f
	i     int64
	f     float64
	s     string
	arr   []*jsonValue
	keys  []string
	vals  []*jsonValue
}

func (v *jsonValue) float() float64 {
	if v.isInt {
		return float64(v.i)
	}
	return v.f
}

// errValueOutOfRange is stout's answer when picojson rejects a double.
var errValueOutOfRange = errors.New("Value out of range")

// jsonInput mirrors the byte reader of picojson: getc/ungetc with a one-byte
// push-back and a line counter that advances when the byte after a newline
// is read. Keeping its exact behaviour makes error positions match.
type jsonInput struct {
	data   []byte
	cur    int
	lastCh int
	ungot  bool
	line   int
}

func (in *jsonInput) getc() int {
	if in.ungot {
		in.ungot = false
		return in.lastCh
	}
	if in.cur == len(in.data) {
		in.lastCh = -1
		return -1
	}
	if in.lastCh == '\n' {
		in.line++
	}
	in.lastCh = int(in.data[in.cur])
	in.cur++
	return in.lastCh
}

func (in *jsonInput) ungetc() {
	if in.lastCh != -1 {
		in.ungot = true
	}
}

func (in *jsonInput) skipWS() {
	for {
		ch := in.getc()
		if ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' {
			in.ungetc()
			return
		}
	}
}

func (in *jsonInput) expect(want int) bool {
	in.skipWS()
	if in.getc() != want {
		in.ungetc()
		return false
	}
	return true
}

func (in *jsonInput) match(pattern string) bool {
	for i := 0; i < len(pattern); i++ {
		if in.getc() != int(pattern[i]) {
			in.ungetc()
			return false
		}
	}
	return true
}

type jsonParser struct {
	in       jsonInput
	overflow bool // a double overflowed: stout reports "Value out of range"
}

// parseJSON parses data as stout's JSON::parse does and returns the value or
// the error text stout would give.
func parseJSON(data []byte) (*jsonValue, error) {
	p := &jsonParser{in: jsonInput{data: data, lastCh: -1, line: 1}}
	v := &jsonValue{}
	ok := p.parse(v, maxJSONDepth)
	if p.overflow {
		return nil, errValueOutOfRange
	}
	if !ok {
		var b strings.Builder
		b.WriteString("syntax error at line ")
		b.WriteString(strconv.Itoa(p.in.line))
		b.WriteString(" near: ")
		for {
			ch := p.in.getc()
			if ch == -1 || ch == '\n' {
				break
			}
			if ch >= ' ' {
				b.WriteByte(byte(ch))
			}
		}
		return nil, errors.New(b.String())
	}
	// picojson reports where its reader stands, which is one byte past a
	// pushed-back byte: a top-level number followed directly by garbage
	// ("5x") therefore passes this check, as it does in Mesos.
	end := p.in.cur
	last := lastNonWhitespace(data)
	if end != last+1 {
		rest := ""
		if end < last+1 {
			rest = string(data[end : last+1])
		}
		return nil, errors.New("Parsed JSON included non-whitespace trailing characters: " + rest)
	}
	return v, nil
}

// lastNonWhitespace is the index of the last byte not in stout's
// strings::WHITESPACE (" \t\n\r"), or -1.
func lastNonWhitespace(data []byte) int {
	for i := len(data) - 1; i >= 0; i-- {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return i
		}
	}
	return -1
}

func (p *jsonParser) parse(v *jsonValue, depth int) bool {
	in := &p.in
	in.skipWS()
	ch := in.getc()
	switch ch {
	case 'n':
		if !in.match("ull") {
			return false
		}
		v.kind = jsonNull
		return true
	case 'f':
		if !in.match("alse") {
			return false
		}
		v.kind, v.b = jsonBool, false
		return true
	case 't':
		if !in.match("rue") {
			return false
		}
		v.kind, v.b = jsonBool, true
		return true
	case '"':
		v.kind = jsonString
		s, ok := p.parseString()
		v.s = s
		return ok
	case '[':
		return p.parseArray(v, depth)
	case '{':
		return p.parseObject(v, depth)
	}
	if ('0' <= ch && ch <= '9') || ch == '-' {
		in.ungetc()
		return p.parseNumber(v)
	}
	in.ungetc()
	return false
}

func (p *jsonParser) parseNumber(v *jsonValue) bool {
	in := &p.in
	var num []byte
	for {
		ch := in.getc()
		if ('0' <= ch && ch <= '9') || ch == '+' || ch == '-' || ch == 'e' || ch == 'E' || ch == '.' {
			num = append(num, byte(ch))
			continue
		}
		in.ungetc()
		break
	}
	if len(num) == 0 {
		return false
	}
	s := string(num)
	v.kind = jsonNumber
	// Integers first, as picojson's PICOJSON_USE_INT64 path does with
	// strtoimax; out of range falls through to a double.
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		v.isInt, v.i = true, i
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return false
		}
		// strtod consumed everything but over- or underflowed: an
		// underflow is a usable 0, an overflow makes picojson throw.
		if math.IsInf(f, 0) {
			p.overflow = true
			return false
		}
	}
	v.f = f
	return true
}

func (p *jsonParser) parseString() (string, bool) {
	in := &p.in
	var b []byte
	for {
		ch := in.getc()
		switch {
		case ch < ' ':
			in.ungetc()
			return string(b), false
		case ch == '"':
			return string(b), true
		case ch == '\\':
			ch = in.getc()
			switch ch {
			case '"', '\\', '/':
				b = append(b, byte(ch))
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				var ok bool
				if b, ok = p.parseCodepoint(b); !ok {
					return string(b), false
				}
			default:
				return string(b), false
			}
		default:
			b = append(b, byte(ch))
		}
	}
}

func (p *jsonParser) parseQuadHex() int {
	in := &p.in
	r := 0
	for i := 0; i < 4; i++ {
		h := in.getc()
		switch {
		case h == -1:
			return -1
		case '0' <= h && h <= '9':
			h -= '0'
		case 'A' <= h && h <= 'F':
			h -= 'A' - 10
		case 'a' <= h && h <= 'f':
			h -= 'a' - 10
		default:
			in.ungetc()
			return -1
		}
		r = r*16 + h
	}
	return r
}

// parseCodepoint decodes \uXXXX (with a surrogate pair) into UTF-8 the way
// picojson does; lone low surrogates are errors.
func (p *jsonParser) parseCodepoint(b []byte) ([]byte, bool) {
	in := &p.in
	u := p.parseQuadHex()
	if u == -1 {
		return b, false
	}
	if 0xd800 <= u && u <= 0xdfff {
		if u >= 0xdc00 {
			return b, false
		}
		if in.getc() != '\\' || in.getc() != 'u' {
			in.ungetc()
			return b, false
		}
		second := p.parseQuadHex()
		if second < 0xdc00 || second > 0xdfff {
			return b, false
		}
		u = ((u - 0xd800) << 10) | ((second - 0xdc00) & 0x3ff)
		u += 0x10000
	}
	switch {
	case u < 0x80:
		b = append(b, byte(u))
	case u < 0x800:
		b = append(b, byte(0xc0|u>>6), byte(0x80|u&0x3f))
	case u < 0x10000:
		b = append(b, byte(0xe0|u>>12), byte(0x80|(u>>6)&0x3f), byte(0x80|u&0x3f))
	default:
		b = append(b, byte(0xf0|u>>18), byte(0x80|(u>>12)&0x3f), byte(0x80|(u>>6)&0x3f), byte(0x80|u&0x3f))
	}
	return b, true
}

func (p *jsonParser) parseArray(v *jsonValue, depth int) bool {
	if depth <= 0 {
		return false
	}
	v.kind = jsonArray
	in := &p.in
	if in.expect(']') {
		return true
	}
	for {
		item := &jsonValue{}
		v.arr = append(v.arr, item)
		if !p.parse(item, depth-1) {
			return false
		}
		if !in.expect(',') {
			break
		}
	}
	return in.expect(']')
}

func (p *jsonParser) parseObject(v *jsonValue, depth int) bool {
	if depth <= 0 {
		return false
	}
	v.kind = jsonObject
	in := &p.in
	members := map[string]*jsonValue{}
	defer func() {
		v.keys = make([]string, 0, len(members))
		for k := range members {
			v.keys = append(v.keys, k)
		}
		sort.Strings(v.keys)
		v.vals = make([]*jsonValue, len(v.keys))
		for i, k := range v.keys {
			v.vals[i] = members[k]
		}
	}()
	if in.expect('}') {
		return true
	}
	for {
		if !in.expect('"') {
			return false
		}
		key, ok := p.parseString()
		if !ok || !in.expect(':') {
			return false
		}
		item := &jsonValue{}
		members[key] = item
		if !p.parse(item, depth-1) {
			return false
		}
		if !in.expect(',') {
			break
		}
	}
	return in.expect('}')
}
