package cluster

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// unquoteLabel reverses the label value escapes of the text format: \\, \"
// and \n, and nothing else.
func unquoteLabel(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case '"':
			b.WriteByte('"')
		case 'n':
			b.WriteByte('\n')
		default:
			t.Fatalf("escape \\%c is not one of the format's", s[i])
		}
	}
	return b.String()
}

// FuzzLabelValue: any label value comes back unchanged from the line the
// encoder writes, and the line stays one line with the value inside its
// quotes.
func FuzzLabelValue(f *testing.F) {
	for _, s := range []string{"", "plain", `a"b`, `back\slash`, "line\nfeed", `\n`, `\"`, `"}` + "\n" + `x 1`, "ünïcode"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) {
			return // label values are UTF-8; Mesos and the configuration only give UTF-8
		}
		e := &promEncoder{}
		e.sample("m", 1, "l", v)
		line := e.b.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("%q is not one line", line)
		}
		inner, ok := strings.CutPrefix(line, `m{l="`)
		if !ok {
			t.Fatalf("line %q", line)
		}
		quoted, ok := strings.CutSuffix(inner, "\"} 1\n")
		if !ok {
			t.Fatalf("line %q", line)
		}
		for i := 0; i < len(quoted); i++ { // every quote inside is escaped
			if quoted[i] == '\\' {
				i++
			} else if quoted[i] == '"' {
				t.Fatalf("raw quote in %q", quoted)
			}
		}
		if got := unquoteLabel(t, quoted); got != v {
			t.Fatalf("got %q back, want %q", got, v)
		}
	})
}

func TestHistogramBuckets(t *testing.T) {
	h := newHistogram([]float64{0.001, 0.01, 0.1})
	for _, d := range []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, time.Second} {
		h.observe(d)
	}
	e := &promEncoder{}
	e.histogram("x_seconds", "help", h)
	want := `# HELP x_seconds help
# TYPE x_seconds histogram
x_seconds_bucket{le="0.001"} 2
x_seconds_bucket{le="0.01"} 4
x_seconds_bucket{le="0.1"} 5
x_seconds_bucket{le="+Inf"} 6
x_seconds_sum 1.063
x_seconds_count 6
`
	if got := e.b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatValueAndHelp(t *testing.T) {
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"integer", formatValue(3), "3"},
		{"fraction", formatValue(0.25), "0.25"},
		{"large", formatValue(1e21), "1e+21"},
		{"+Inf", formatValue(posInf()), "+Inf"},
		{"-Inf", formatValue(-posInf()), "-Inf"},
		{"help escapes", escapeHelp("a\\b\nc\"d"), `a\\b\nc"d`},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func posInf() float64 { return math.Inf(1) }
