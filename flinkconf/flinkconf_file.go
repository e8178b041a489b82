package flinkconf

import (
	"fmt"
	"strings"
)

// splitLines splits like Java's BufferedReader.readLine: a line ends at
// "\n", "\r" or "\r\n", and a final line without a terminator still counts.
func splitLines(data []byte) []string {
	var lines []string
	s := string(data)
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// ReadFlinkConf parses a flink-conf.yaml the way Flink 1.13 does
// (GlobalConfiguration.loadYAMLResource): line by line, "#" starts a comment
// wherever it appears (there is no quoting), the first ": " splits key from
// value, both are trimmed, and a later line for the same key wins. name is
// used in sources ("flink-conf.yaml:12").
//
// Lines Flink skips with a warning (no ": ", empty key or value) become
// warnings, except a line such as "mesos.master:host:5050" whose key is one
// this package reads: that is a typo that would silently lose a setting, so
// it is an error.
func ReadFlinkConf(data []byte, name string) (*Config, error) {
	c := newConfig()
	c.file = name
	var probs []*KeyError
	firstLine := map[string]int{}
	for i, line := range splitLines(data) {
		lineNo := i + 1
		src := fmt.Sprintf("%s:%d", name, lineNo)
		conf, _, _ := strings.Cut(line, "#")
		conf = javaTrim(conf)
		if conf == "" {
			continue
		}
		k, v, ok := strings.Cut(conf, ": ")
		if !ok {
			if guess, _, hasColon := strings.Cut(conf, ":"); hasColon && isOurs(javaTrim(guess)) {
				probs = append(probs, &KeyError{
					Key: javaTrim(guess), Source: src,
					Err:  newProblem(ErrSyntax, "no \": \" after the key, so Flink would skip this line"),
					Hint: "write the key, a colon and a space, then the value",
				})
				continue
			}
			c.warnings = append(c.warnings, Warning{Source: src, Message: "skipped: no \": \" separates a key from a value (Flink skips such lines too)"})
			continue
		}
		k, v = javaTrim(k), javaTrim(v)
		if k == "" || v == "" {
			c.warnings = append(c.warnings, Warning{Key: k, Source: src, Message: "skipped: empty key or value (Flink skips such lines too)"})
			continue
		}
		if first, dup := firstLine[k]; dup {
			c.warnings = append(c.warnings, Warning{Key: k, Source: src, Message: fmt.Sprintf("also set at line %d; this later value wins", first)})
		} else {
			firstLine[k] = lineNo
		}
		c.entries[k] = entry{value: v, source: src}
	}
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	return c, nil
}
