package flinkconf

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// javaSplit splits like Java's String.split with a literal separator and no
// limit: trailing empty strings are dropped, and a string without the
// separator is returned whole. Flink's Mesos parsers rely on both rules
// ("a:" has one part, ":" has none).
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	if len(parts) == 1 {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// VolumeMode is a Mesos Volume.Mode.
type VolumeMode string

// The two Mesos volume modes.
const (
	VolumeRW VolumeMode = "RW"
	VolumeRO VolumeMode = "RO"
)

// Volume is one entry of mesos.resourcemanager.tasks.container.volumes.
type Volume struct {
	HostPath      string // "" when only a container path was given
	ContainerPath string
	Mode          VolumeMode
}

// ParseVolumes parses a comma-separated list of
// [host_path:]container_path[:RO|RW] the way Flink 1.13 does
// (MesosTaskManagerParameters.buildVolumes): blank entries are skipped, the
// default mode is RW, the mode is case-insensitive, with two parts the second
// is read as a mode if it is one and as the container path otherwise, and
// three parts are host:container:mode. A bad mode or more than three parts
// is an error. Unlike Flink, whitespace around entries and parts is ignored
// and an empty host or container path is an error (Flink passed it on to
// Mesos).
func ParseVolumes(s string) ([]Volume, error) {
	var out []Volume
	for i, spec := range javaSplit(s, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		parts := javaSplit(spec, ":")
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		v := Volume{Mode: VolumeRW}
		hostGiven := false
		switch len(parts) {
		case 1:
			v.ContainerPath = parts[0]
		case 2:
			if m, ok := volumeMode(parts[1]); ok {
				v.Mode, v.ContainerPath = m, parts[0]
			} else {
				v.HostPath, v.ContainerPath, hostGiven = parts[0], parts[1], true
			}
		case 3:
			m, ok := volumeMode(parts[2])
			if !ok {
				return nil, newProblem(ErrInvalid, "volume %d %q: mode %q is neither RO nor RW", i+1, spec, parts[2])
			}
			v.HostPath, v.ContainerPath, v.Mode, hostGiven = parts[0], parts[1], m, true
		default:
			return nil, newProblem(ErrInvalid, "volume %d %q: expected [host_path:]container_path[:RO|RW], got %d parts", i+1, spec, len(parts))
		}
		if v.ContainerPath == "" {
			return nil, newProblem(ErrInvalid, "volume %d %q: the container path is empty", i+1, spec)
		}
		if hostGiven && v.HostPath == "" {
			return nil, newProblem(ErrInvalid, "volume %d %q: the host path is empty", i+1, spec)
		}
		out = append(out, v)
	}
	return out, nil
}

func volumeMode(s string) (VolumeMode, bool) {
	switch strings.ToUpper(s) {
	case "RW":
		return VolumeRW, true
	case "RO":
		return VolumeRO, true
	}
	return "", false
}

// Parameter is one key=value pair (a Docker run parameter).
type Parameter struct{ Key, Value string }

// ParseDockerParameters parses a comma-separated list of key=value pairs the
// way Flink 1.13 does (MesosTaskManagerParameters.buildDockerParameters):
// blank entries are skipped and each entry splits at its first "=", so the
// value may contain "=". An entry without "=" is an error. Unlike Flink,
// whitespace around an entry is ignored and an empty key is an error.
func ParseDockerParameters(s string) ([]Parameter, error) {
	var out []Parameter
	for i, spec := range javaSplit(s, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		k, v, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, newProblem(ErrInvalid, "docker parameter %d %q has no \"=\"", i+1, spec)
		}
		if k == "" {
			return nil, newProblem(ErrInvalid, "docker parameter %d %q has an empty key", i+1, spec)
		}
		out = append(out, Parameter{Key: k, Value: v})
	}
	return out, nil
}

// Label is one Mesos task label.
type Label struct{ Key, Value string }

// ParseLabels parses Flink's map syntax "k1:v1,k2:v2" (ConfigurationUtils
// .convertToProperties): entries split at ",", key and value at ":", either
// may be quoted with ' or " (a doubled quote inside quotes is a literal
// quote) to contain those characters, and unquoted parts are trimmed. An
// entry that is not exactly one key and one value is an error, as is a key
// given twice. The YAML flow form "{k1: v1, k2: v2}" that Flink 1.19+ also
// reads is accepted too.
func ParseLabels(s string) ([]Label, error) {
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") {
		return parseFlowMap(t)
	}
	items, err := splitEscaped(s, ',')
	if err != nil {
		return nil, err
	}
	var out []Label
	seen := map[string]bool{}
	for i, item := range items {
		kv, err := splitEscaped(item, ':')
		if err != nil {
			return nil, err
		}
		if len(kv) != 2 {
			return nil, newProblem(ErrInvalid, "entry %d %q is not key:value", i+1, item)
		}
		if seen[kv[0]] {
			return nil, newProblem(ErrInvalid, "key %q is given twice", kv[0])
		}
		seen[kv[0]] = true
		out = append(out, Label{Key: kv[0], Value: kv[1]})
	}
	return out, nil
}

func parseFlowMap(s string) ([]Label, error) {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		return nil, &problem{kind: ErrInvalid, msg: "not a YAML map: " + strings.TrimPrefix(err.Error(), "yaml: "), cause: err}
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = *n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil, newProblem(ErrInvalid, "not a YAML map")
	}
	var out []Label
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			return nil, newProblem(ErrInvalid, "keys and values must be scalars")
		}
		key := scalarText(k)
		if seen[key] {
			return nil, newProblem(ErrInvalid, "key %q is given twice", key)
		}
		seen[key] = true
		out = append(out, Label{Key: key, Value: scalarTextOrEmpty(v)})
	}
	return out, nil
}

// splitEscaped splits s at delim with Flink's quoting rules
// (StructuredOptionsSplitter.splitEscaped, Flink 1.13): ' or " quote a part,
// a doubled quote inside is a literal quote, a quoted part must be followed
// by the delimiter or the end, whitespace outside quotes is dropped around
// unquoted parts, and two adjacent delimiters make an empty part.
func splitEscaped(s string, delim rune) ([]string, error) {
	type token struct {
		kind int // 0 unquoted, 1 quoted, 2 delimiter
		text string
		pos  int
	}
	var tokens []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			closed := false
			for ; j < len(rs); j++ {
				if rs[j] == c {
					if j+1 < len(rs) && rs[j+1] == c {
						b.WriteRune(c)
						j++
						continue
					}
					closed = true
					break
				}
				b.WriteRune(rs[j])
			}
			if !closed {
				return nil, newProblem(ErrInvalid, "a quote opened at position %d is not closed", i)
			}
			tokens = append(tokens, token{1, b.String(), i})
			i = j + 1
		case c == delim:
			tokens = append(tokens, token{2, string(c), i})
			i++
		case isJavaWhitespace(c):
			i++
		default:
			j := i
			for j < len(rs) && rs[j] != delim {
				j++
			}
			tokens = append(tokens, token{0, javaTrim(string(rs[i:j])), i})
			i = j
		}
	}
	var out []string
	for i, t := range tokens {
		switch t.kind {
		case 1:
			if i+1 < len(tokens) && tokens[i+1].kind != 2 {
				return nil, newProblem(ErrInvalid, "unexpected text after a quoted part at position %d", tokens[i+1].pos)
			}
			out = append(out, t.text)
		case 0:
			out = append(out, t.text)
		case 2:
			if i+1 < len(tokens) && tokens[i+1].kind == 2 {
				out = append(out, "")
			}
		}
	}
	return out, nil
}

// isJavaWhitespace approximates Character.isWhitespace for the characters a
// configuration value can hold.
func isJavaWhitespace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f:
		return true
	}
	return false
}

// Constraint is one hard placement constraint: the agent attribute must
// have exactly this text value ("hostname" compares the agent's hostname).
type Constraint struct{ Attribute, Value string }

// ParseConstraints parses mesos.constraints.hard.hostattribute, a
// comma-separated list of attribute:value. Flink 1.13 silently ignored
// entries that were not exactly attribute:value; here they are errors, and
// whitespace around entries and parts is ignored.
func ParseConstraints(s string) ([]Constraint, error) {
	var out []Constraint
	for i, spec := range javaSplit(s, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		parts := strings.Split(spec, ":")
		if len(parts) != 2 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
			return nil, newProblem(ErrInvalid, "constraint %d %q is not attribute:value", i+1, spec)
		}
		out = append(out, Constraint{Attribute: strings.TrimSpace(parts[0]), Value: strings.TrimSpace(parts[1])})
	}
	return out, nil
}

// ParseURIs parses mesos.resourcemanager.tasks.uris, a comma-separated list
// whose entries are trimmed. A blank value means no URIs. Unlike Flink 1.13,
// which turned an empty entry into an empty fetcher URI that fails the task,
// an empty entry is an error.
func ParseURIs(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		p = javaTrim(p)
		if p == "" {
			return nil, newProblem(ErrInvalid, "entry %d of %d is empty", i+1, len(parts))
		}
		out = append(out, p)
	}
	return out, nil
}

// splitList splits a plain comma-separated list, trimming entries and
// dropping blank ones.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Range is an inclusive range of a Mesos ranges resource, such as ports.
type Range struct{ Begin, End uint64 }

// Resource is one entry of a Mesos agent's --resources text: a scalar, a
// list of ranges or a set.
type Resource struct {
	Name   string
	Role   string // "" unless given as name(role)
	Scalar float64
	Ranges []Range
	Set    []string
}

// ParseAgentResources parses the Mesos agent --resources text form
// (Resources::parse in Mesos src/common/resources.cpp):
// "name[(role)]:value" entries separated by ";", where a value is a scalar
// ("4", "8192.5"), ranges ("[31000-31999,32000-32099]") or a set
// ("{a,b}"). A blank text means no resources. A name given twice is an
// error.
func ParseAgentResources(s string) ([]Resource, error) {
	var out []Resource
	seen := map[string]bool{}
	for i, spec := range strings.Split(s, ";") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		nameRole, value, ok := strings.Cut(spec, ":")
		if !ok {
			return nil, newProblem(ErrInvalid, "resource %d %q is not name:value", i+1, spec)
		}
		r := Resource{Name: strings.TrimSpace(nameRole)}
		if open := strings.IndexByte(r.Name, '('); open >= 0 {
			if !strings.HasSuffix(r.Name, ")") || open == 0 {
				return nil, newProblem(ErrInvalid, "resource %d %q: expected name(role)", i+1, spec)
			}
			r.Role = r.Name[open+1 : len(r.Name)-1]
			r.Name = strings.TrimSpace(r.Name[:open])
			if r.Role == "" || strings.ContainsAny(r.Role, "()") {
				return nil, newProblem(ErrInvalid, "resource %d %q: the role is empty or malformed", i+1, spec)
			}
		}
		if r.Name == "" || strings.ContainsAny(r.Name, "() ") {
			return nil, newProblem(ErrInvalid, "resource %d %q: the name is empty or malformed", i+1, spec)
		}
		if seen[r.Name] {
			return nil, newProblem(ErrInvalid, "resource %q is given twice", r.Name)
		}
		seen[r.Name] = true
		value = strings.TrimSpace(value)
		switch {
		case strings.HasPrefix(value, "["):
			if !strings.HasSuffix(value, "]") {
				return nil, newProblem(ErrInvalid, "resource %q: ranges must end with ]", r.Name)
			}
			for _, rg := range strings.Split(value[1:len(value)-1], ",") {
				rg = strings.TrimSpace(rg)
				if rg == "" {
					continue
				}
				b, e, ok := strings.Cut(rg, "-")
				lo, err1 := strconv.ParseUint(strings.TrimSpace(b), 10, 64)
				hi, err2 := strconv.ParseUint(strings.TrimSpace(e), 10, 64)
				if !ok || err1 != nil || err2 != nil || lo > hi {
					return nil, newProblem(ErrInvalid, "resource %q: %q is not a range begin-end", r.Name, rg)
				}
				r.Ranges = append(r.Ranges, Range{lo, hi})
			}
			if len(r.Ranges) == 0 {
				return nil, newProblem(ErrInvalid, "resource %q: no ranges", r.Name)
			}
		case strings.HasPrefix(value, "{"):
			if !strings.HasSuffix(value, "}") {
				return nil, newProblem(ErrInvalid, "resource %q: a set must end with }", r.Name)
			}
			for _, item := range strings.Split(value[1:len(value)-1], ",") {
				if item = strings.TrimSpace(item); item != "" {
					r.Set = append(r.Set, item)
				}
			}
			if len(r.Set) == 0 {
				return nil, newProblem(ErrInvalid, "resource %q: empty set", r.Name)
			}
		default:
			f, err := strconv.ParseFloat(value, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return nil, newProblem(ErrInvalid, "resource %q: %q is not a non-negative number, [ranges] or {set}", r.Name, value)
			}
			r.Scalar = f
		}
		out = append(out, r)
	}
	return out, nil
}

// sortedLabels turns a prefix map into labels in key order, so the result
// does not depend on map iteration.
func sortedLabels(m map[string]string) []Label {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]Label, 0, len(keys))
	for _, k := range keys {
		out = append(out, Label{Key: k, Value: m[k]})
	}
	return out
}
