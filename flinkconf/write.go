package flinkconf

import (
	"bufio"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteFlinkConf writes m in Flink's flat flink-conf.yaml format, one
// "key: value" line per key in key order, so that Load (and Flink) read back
// exactly m. Keys and values that format cannot carry are an error naming
// them: "#" anywhere (it starts a comment), line breaks, leading or trailing
// spaces or control characters, an empty key or value, or ": " in a key.
func WriteFlinkConf(w io.Writer, m map[string]string) error {
	var probs []*KeyError
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch {
		case k == "" || javaTrim(k) != k || strings.ContainsAny(k, "#\r\n") || strings.Contains(k, ": "):
			probs = append(probs, &KeyError{Key: k, Err: newProblem(ErrInvalid, "this key cannot be written to flink-conf.yaml"),
				Allowed: "a non-empty key without #, line breaks, \": \" or surrounding spaces"})
		case v == "" || javaTrim(v) != v || strings.ContainsAny(v, "#\r\n"):
			probs = append(probs, &KeyError{Key: k, Value: v, HasValue: true, Err: newProblem(ErrInvalid, "this value cannot be written to flink-conf.yaml"),
				Allowed: "a non-empty value without #, line breaks or surrounding spaces"})
		}
	}
	if len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	bw := bufio.NewWriter(w)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		bw.WriteString(k)
		bw.WriteString(": ")
		bw.WriteString(m[k])
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteConfigYAML writes m as a Flink 1.19+ config.yaml with one top-level
// entry per flat key, key and value double-quoted, in key order, so that
// Load (and Flink 2, which reads only config.yaml) read back exactly m.
// Strings that are not valid UTF-8 are an error naming the key.
func WriteConfigYAML(w io.Writer, m map[string]string) error {
	var probs []*KeyError
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "" || !utf8.ValidString(k) || !utf8.ValidString(m[k]) {
			probs = append(probs, &KeyError{Key: strconv.Quote(k), Err: newProblem(ErrInvalid, "an empty key, or a key or value that is not valid UTF-8, cannot be written to config.yaml")})
		}
	}
	if len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	bw := bufio.NewWriter(w)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		bw.WriteString(yamlQuote(k))
		bw.WriteString(": ")
		bw.WriteString(yamlQuote(m[k]))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// yamlQuote writes a YAML double-quoted scalar. Go's escapes for valid
// UTF-8 (\a \b \f \n \r \t \v \\ \" \xNN \uNNNN \UNNNNNNNN) all mean the same
// in YAML.
func yamlQuote(s string) string { return strconv.QuoteToASCII(s) }
