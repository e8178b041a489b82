package flinkconf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Bounds on what a config.yaml may expand to: aliases can make a small file
// describe a huge tree.
const (
	maxYAMLNodes = 100_000
	maxYAMLDepth = 100
)

// ReadConfigYAML parses a Flink 1.19+ config.yaml (standard YAML) the way
// Flink's GlobalConfiguration does: the document must be a map (an empty
// document is an empty configuration); nested maps flatten to dotted keys
// ("a: {b: 1}" is "a.b: 1"); a list becomes its YAML flow form ("[x, 'y z',
// 1]"), which is how Flink stores lists in its flat map; quoted scalars keep
// their text. name is used in sources ("config.yaml:3").
//
// Plain scalars are read with YAML 1.1 rules as Flink's SnakeYAML does:
// yes/no/on/off and every spelling of true/false become "true"/"false",
// integers in any base become decimal ("0x10" is "16", "0755" is "493"),
// floats print as Java prints a double ("1e3" is "1000.0"), and a key with no
// value is an error (Flink rejects it as a null value). Timestamps keep their
// text. Duplicate keys are errors, as in Flink; so are two spellings of one
// flattened key ("a: {b: 1}" next to "a.b: 2"), which Flink would resolve
// silently by order.
func ReadConfigYAML(data []byte, name string) (*Config, error) {
	c := newConfig()
	c.file = name
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		return nil, yamlSyntaxError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &ValidationError{Problems: []*KeyError{{
			Source: fmt.Sprintf("%s:%d", name, extra.Line),
			Err:    newProblem(ErrSyntax, "a second YAML document starts here; a configuration file holds exactly one map"),
		}}}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlSyntaxError(name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return c, nil
		}
		root = root.Content[0]
	}
	for root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind == yaml.ScalarNode && isNullScalar(root) {
		return c, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &ValidationError{Problems: []*KeyError{{
			Source: fmt.Sprintf("%s:%d", name, root.Line),
			Err:    newProblem(ErrSyntax, "the top level is %s; a configuration file must be a map of keys to values", describeNode(root)),
		}}}
	}
	f := &flattener{name: name, c: c, lines: map[string]int{}}
	f.mapping(root, "", 0)
	if len(f.probs) > 0 {
		return nil, &ValidationError{Problems: f.probs}
	}
	return c, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlSyntaxError(name string, err error) error {
	msg := err.Error()
	src := name
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		src = name + ":" + m[1]
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &ValidationError{Problems: []*KeyError{{
		Source: src,
		Err:    &problem{kind: ErrSyntax, msg: "not valid YAML: " + msg, cause: err},
	}}}
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	case yaml.MappingNode:
		return "a map"
	}
	return "empty"
}

type flattener struct {
	name  string
	c     *Config
	lines map[string]int // flattened key -> line that set it
	nodes int
	probs []*KeyError
}

func (f *flattener) src(n *yaml.Node) string { return fmt.Sprintf("%s:%d", f.name, n.Line) }

func (f *flattener) fail(key string, n *yaml.Node, format string, args ...any) {
	f.probs = append(f.probs, &KeyError{Key: key, Source: f.src(n), Err: newProblem(ErrSyntax, format, args...)})
}

// budget counts nodes so alias expansion cannot blow up.
func (f *flattener) budget(n *yaml.Node, depth int) bool {
	f.nodes++
	if f.nodes > maxYAMLNodes || depth > maxYAMLDepth {
		if f.nodes == maxYAMLNodes+1 || depth == maxYAMLDepth+1 {
			f.fail("", n, "the document expands to more than %d nodes or %d levels (aliases?)", maxYAMLNodes, maxYAMLDepth)
		}
		return false
	}
	return true
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxYAMLDepth; i++ {
		n = n.Alias
	}
	return n
}

type pair struct {
	key      string
	keyNode  *yaml.Node
	value    *yaml.Node
	explicit bool
}

// pairs lists a mapping's entries with YAML merge keys ("<<: *base")
// applied: explicit keys win over merged ones, earlier merge sources over
// later ones.
func (f *flattener) pairs(m *yaml.Node, prefix string, depth int) []pair {
	var merged, explicit []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, vn := deref(m.Content[i]), m.Content[i+1]
		if kn.Kind == yaml.ScalarNode && kn.Tag == "!!merge" {
			for _, src := range mergeSources(deref(vn)) {
				if src.Kind != yaml.MappingNode {
					f.fail(prefix+"<<", kn, "a merge key (<<) must name a map or a list of maps")
					continue
				}
				if !f.budget(src, depth+1) {
					return nil
				}
				merged = append(merged, f.pairs(src, prefix, depth+1)...)
			}
			continue
		}
		if kn.Kind != yaml.ScalarNode {
			f.fail(prefix, kn, "a key must be a scalar, not %s", describeNode(kn))
			continue
		}
		key := scalarText(kn)
		if first, dup := seen[key]; dup {
			f.fail(prefix+key, kn, "duplicate key (first at line %d); YAML allows a key once per map", first.Line)
			continue
		}
		seen[key] = kn
		explicit = append(explicit, pair{key: key, keyNode: kn, value: vn, explicit: true})
	}
	out := explicit
	have := map[string]bool{}
	for _, p := range explicit {
		have[p.key] = true
	}
	for _, p := range merged {
		if !have[p.key] {
			have[p.key] = true
			out = append(out, p)
		}
	}
	return out
}

func mergeSources(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.SequenceNode {
		out := make([]*yaml.Node, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, deref(c))
		}
		return out
	}
	return []*yaml.Node{n}
}

func (f *flattener) mapping(m *yaml.Node, prefix string, depth int) {
	if !f.budget(m, depth) {
		return
	}
	for _, p := range f.pairs(m, prefix, depth) {
		key := prefix + p.key
		v := deref(p.value)
		switch v.Kind {
		case yaml.MappingNode:
			f.mapping(v, key+".", depth+1)
		case yaml.SequenceNode:
			flow, elems, ok := f.sequence(v, key, depth+1)
			if ok {
				f.set(key, p.keyNode, entry{value: flow, list: elems})
			}
		case yaml.ScalarNode:
			if isNullScalar(v) {
				f.fail(key, p.keyNode, "no value; give one, or remove the key (Flink rejects a key without a value)")
				continue
			}
			f.set(key, p.keyNode, entry{value: scalarText(v)})
		default:
			f.fail(key, p.keyNode, "unsupported YAML node")
		}
	}
}

func (f *flattener) set(key string, at *yaml.Node, e entry) {
	if first, dup := f.lines[key]; dup {
		f.fail(key, at, "set twice (first at line %d), once as a nested key and once with dots", first)
		return
	}
	f.lines[key] = at.Line
	e.source = f.src(at)
	f.c.entries[key] = e
}

// sequence renders a list in YAML flow style, as Flink's
// YamlParserUtils.toYAMLString does, and also returns the elements' text
// when they are all scalars (nil otherwise).
func (f *flattener) sequence(s *yaml.Node, key string, depth int) (string, []string, bool) {
	var b strings.Builder
	if !f.flow(&b, s, key, depth) {
		return "", nil, false
	}
	elems := make([]string, 0, len(s.Content))
	for _, c := range s.Content {
		c = deref(c)
		if c.Kind != yaml.ScalarNode {
			return b.String(), nil, true
		}
		elems = append(elems, scalarTextOrEmpty(c))
	}
	return b.String(), elems, true
}

func (f *flattener) flow(b *strings.Builder, n *yaml.Node, key string, depth int) bool {
	n = deref(n)
	if !f.budget(n, depth) {
		return false
	}
	switch n.Kind {
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteString(", ")
			}
			if !f.flow(b, c, key, depth+1) {
				return false
			}
		}
		b.WriteByte(']')
	case yaml.MappingNode:
		b.WriteByte('{')
		for i, p := range f.pairs(n, key+".", depth) {
			if i > 0 {
				b.WriteString(", ")
			}
			writeFlowScalar(b, p.keyNode)
			b.WriteString(": ")
			if !f.flow(b, p.value, key, depth+1) {
				return false
			}
		}
		b.WriteByte('}')
	case yaml.ScalarNode:
		writeFlowScalar(b, n)
	default:
		f.fail(key, n, "unsupported YAML node in a list")
		return false
	}
	return true
}

func scalarTextOrEmpty(n *yaml.Node) string {
	if isNullScalar(n) {
		return ""
	}
	return scalarText(n)
}

func isPlain(n *yaml.Node) bool {
	return n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

func isNullScalar(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && isPlain(n) && resolve11(n.Value) == kindNull
}

// scalarText is the string Flink ends up with for a scalar: quoted and block
// scalars keep their text, plain ones are resolved with YAML 1.1 rules and
// printed as Java prints the resolved value.
func scalarText(n *yaml.Node) string {
	if !isPlain(n) {
		return n.Value
	}
	switch resolve11(n.Value) {
	case kindNull:
		return "null"
	case kindBool:
		return strconv.FormatBool(parseBool11(n.Value))
	case kindInt:
		return parseInt11(n.Value).String()
	case kindFloat:
		return formatJavaDouble(parseFloat11(n.Value))
	}
	return n.Value
}

func writeFlowScalar(b *strings.Builder, n *yaml.Node) {
	if isPlain(n) {
		if resolve11(n.Value) == kindNull {
			b.WriteString("null")
			return
		}
		if k := resolve11(n.Value); k != kindStr {
			b.WriteString(scalarText(n))
			return
		}
	}
	b.WriteString(flowString(n.Value))
}

// flowString writes a string so that it reads back as the same string in a
// YAML flow collection: plain when that is unambiguous, else single-quoted,
// else double-quoted with escapes.
func flowString(s string) string {
	if plainSafe(s) {
		return s
	}
	printable := true
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' || r < ' ' || r == 0x7f || r == 0xFEFF || r == '\uFFFD' {
			printable = false
			break
		}
	}
	if printable {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strconv.Quote(s)
}

func plainSafe(s string) bool {
	if s == "" || resolve11(s) != kindStr {
		return false
	}
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@` \t") || strings.HasSuffix(s, " ") {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == ',' || r == '[' || r == ']' || r == '{' || r == '}' || r > 0x7e {
			return false
		}
	}
	return true
}

type kind11 int

const (
	kindStr kind11 = iota
	kindNull
	kindBool
	kindInt
	kindFloat
)

// The implicit types of YAML 1.1 as SnakeYAML's Resolver defines them.
var (
	boolRE  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	intRE   = regexp.MustCompile(`^(?:[-+]?0b_*[01]+[0-1_]*|[-+]?0_*[0-7]+[0-7_]*|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x_*[0-9a-fA-F]+[0-9a-fA-F_]*|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	floatRE = regexp.MustCompile(`^(?:[-+]?(?:\.[0-9]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	nullRE  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
)

func resolve11(s string) kind11 {
	switch {
	case nullRE.MatchString(s):
		return kindNull
	case boolRE.MatchString(s):
		return kindBool
	case intRE.MatchString(s):
		return kindInt
	case floatRE.MatchString(s) && s != "_" && strings.ContainsAny(s, "0123456789in"):
		return kindFloat
	}
	return kindStr
}

func parseBool11(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return true
	}
	return false
}

func parseInt11(s string) *big.Int {
	s = strings.ReplaceAll(s, "_", "")
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	v := new(big.Int)
	switch {
	case strings.HasPrefix(s, "0b"):
		v.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		v.SetString(s[2:], 16)
	case strings.Contains(s, ":"):
		for _, part := range strings.Split(s, ":") {
			d, _ := strconv.ParseInt(part, 10, 64)
			v.Mul(v, big.NewInt(60))
			v.Add(v, big.NewInt(d))
		}
	case len(s) > 1 && s[0] == '0':
		v.SetString(s[1:], 8)
	default:
		v.SetString(s, 10)
	}
	if neg {
		v.Neg(v)
	}
	return v
}

func parseFloat11(s string) float64 {
	s = strings.ReplaceAll(s, "_", "")
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case ".inf":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1)
		}
		return math.Inf(1)
	case ".nan":
		return math.NaN()
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Out of range: strconv still returns ±Inf, which is also what Java
		// makes of it.
		return f
	}
	return f
}

// formatJavaDouble prints f as Java's Double.toString does: plain decimal
// with at least one fractional digit for 1e-3 <= |f| < 1e7, else
// "d.dddE[-]n".
func formatJavaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
