package e2e_test

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// This file holds its own reader of the Prometheus text exposition format
// 0.0.4, written from the format's description (prometheus/docs
// content/docs/instrumenting/exposition_formats.md) and independent of the
// scheduler's encoder, so that the encoder cannot be checked against its
// own mistakes.

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// promSample is one sample line.
type promSample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// key identifies the series: name and labels in a fixed order.
func (s promSample) key() string {
	names := make([]string, 0, len(s.Labels))
	for n := range s.Labels {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(s.Name)
	for _, n := range names {
		fmt.Fprintf(&b, "|%s=%q", n, s.Labels[n])
	}
	return b.String()
}

// promFamily is a metric family: its HELP, TYPE and samples.
type promFamily struct {
	Name    string
	Help    string
	Type    string
	Samples []promSample
}

// promExposition is one parsed scrape.
type promExposition struct {
	Families map[string]*promFamily
	Order    []string
}

// familyOf is the family a sample name belongs to, given the declared
// types: a histogram's _bucket, _sum and _count belong to it.
func familyOf(name string, types map[string]string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && (types[base] == "histogram" || types[base] == "summary" && suffix != "_bucket") {
			return base
		}
	}
	return name
}

// parseExposition reads a whole scrape and checks every rule of the format
// it can see in one scrape: line syntax, names, label names and escapes,
// one TYPE per family before its samples, families not interleaved, no
// duplicate series, counters named *_total, histograms with increasing le
// bounds, cumulative buckets, a +Inf bucket equal to _count, and _sum.
func parseExposition(text string) (*promExposition, error) {
	if text != "" && !strings.HasSuffix(text, "\n") {
		return nil, errors.New("the last line does not end with a line feed")
	}
	exp := &promExposition{Families: map[string]*promFamily{}}
	types := map[string]string{}
	series := map[string]bool{}
	closed := map[string]bool{} // families whose samples ended
	current := ""
	get := func(name string) *promFamily {
		f := exp.Families[name]
		if f == nil {
			f = &promFamily{Name: name}
			exp.Families[name] = f
			exp.Order = append(exp.Order, name)
		}
		return f
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := i + 1
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			fields := strings.SplitN(line, " ", 4)
			if len(fields) < 3 || fields[0] != "#" || (fields[1] != "HELP" && fields[1] != "TYPE") {
				continue // a plain comment
			}
			name := fields[2]
			if !metricNameRE.MatchString(name) {
				return nil, fmt.Errorf("line %d: metric name %q is not valid", n, name)
			}
			rest := ""
			if len(fields) == 4 {
				rest = fields[3]
			}
			f := get(name)
			switch fields[1] {
			case "HELP":
				if f.Help != "" {
					return nil, fmt.Errorf("line %d: a second HELP for %s", n, name)
				}
				help, err := unescapeProm(rest, false)
				if err != nil {
					return nil, fmt.Errorf("line %d: HELP of %s: %w", n, name, err)
				}
				f.Help = help
			case "TYPE":
				if f.Type != "" {
					return nil, fmt.Errorf("line %d: a second TYPE for %s", n, name)
				}
				if len(f.Samples) > 0 {
					return nil, fmt.Errorf("line %d: TYPE of %s after its samples", n, name)
				}
				switch rest {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					return nil, fmt.Errorf("line %d: type %q of %s is not one of counter, gauge, histogram, summary, untyped", n, rest, name)
				}
				f.Type = rest
				types[name] = rest
			}
			continue
		}
		s, err := parseSampleLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		fam := familyOf(s.Name, types)
		if fam != current {
			if closed[fam] {
				return nil, fmt.Errorf("line %d: samples of %s are not together", n, fam)
			}
			if current != "" {
				closed[current] = true
			}
			current = fam
		}
		if series[s.key()] {
			return nil, fmt.Errorf("line %d: series %s appears twice", n, s.key())
		}
		series[s.key()] = true
		f := get(fam)
		f.Samples = append(f.Samples, s)
	}
	for _, name := range exp.Order {
		if err := checkFamily(exp.Families[name]); err != nil {
			return nil, err
		}
	}
	return exp, nil
}

func checkFamily(f *promFamily) error {
	switch f.Type {
	case "counter":
		if !strings.HasSuffix(f.Name, "_total") {
			return fmt.Errorf("counter %s: the name does not end in _total", f.Name)
		}
		for _, s := range f.Samples {
			if s.Value < 0 || math.IsNaN(s.Value) {
				return fmt.Errorf("counter %s: value %v", f.Name, s.Value)
			}
		}
	case "histogram":
		return checkHistogram(f)
	}
	for _, s := range f.Samples {
		if s.Name != f.Name {
			return fmt.Errorf("%s %s: sample %s does not belong to it", f.Type, f.Name, s.Name)
		}
	}
	return nil
}

// checkHistogram checks each series of a histogram (the labels other than
// le): increasing bounds, cumulative counts, +Inf last and equal to _count,
// a _sum.
func checkHistogram(f *promFamily) error {
	type series struct {
		bounds, counts []float64
		sum, count     *float64
	}
	by := map[string]*series{}
	var order []string
	for _, s := range f.Samples {
		rest := promSample{Name: f.Name, Labels: map[string]string{}}
		for k, v := range s.Labels {
			if k != "le" {
				rest.Labels[k] = v
			}
		}
		k := rest.key()
		h := by[k]
		if h == nil {
			h = &series{}
			by[k] = h
			order = append(order, k)
		}
		switch s.Name {
		case f.Name + "_bucket":
			le, ok := s.Labels["le"]
			if !ok {
				return fmt.Errorf("histogram %s: a bucket without le", f.Name)
			}
			b, err := parsePromFloat(le)
			if err != nil {
				return fmt.Errorf("histogram %s: le %q: %w", f.Name, le, err)
			}
			if n := len(h.bounds); n > 0 && b <= h.bounds[n-1] {
				return fmt.Errorf("histogram %s: le %v after %v", f.Name, b, h.bounds[n-1])
			}
			if n := len(h.counts); n > 0 && s.Value < h.counts[n-1] {
				return fmt.Errorf("histogram %s: bucket le=%v has %v, fewer than the bucket before", f.Name, b, s.Value)
			}
			h.bounds, h.counts = append(h.bounds, b), append(h.counts, s.Value)
		case f.Name + "_sum":
			v := s.Value
			h.sum = &v
		case f.Name + "_count":
			v := s.Value
			h.count = &v
		default:
			return fmt.Errorf("histogram %s: sample %s does not belong to it", f.Name, s.Name)
		}
	}
	for _, k := range order {
		h := by[k]
		n := len(h.bounds)
		switch {
		case n == 0 || !math.IsInf(h.bounds[n-1], 1):
			return fmt.Errorf("histogram %s: no le=\"+Inf\" bucket", k)
		case h.count == nil || h.sum == nil:
			return fmt.Errorf("histogram %s: _count or _sum missing", k)
		case *h.count != h.counts[n-1]:
			return fmt.Errorf("histogram %s: _count %v, +Inf bucket %v", k, *h.count, h.counts[n-1])
		}
	}
	return nil
}

// parseSampleLine reads `name{label="value",...} value [timestamp]`.
func parseSampleLine(line string) (promSample, error) {
	s := promSample{Labels: map[string]string{}}
	i := 0
	for i < len(line) && line[i] != '{' && line[i] != ' ' {
		i++
	}
	s.Name = line[:i]
	if !metricNameRE.MatchString(s.Name) {
		return s, fmt.Errorf("metric name %q is not valid", s.Name)
	}
	if i < len(line) && line[i] == '{' {
		i++
		for {
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			j := i
			for j < len(line) && line[j] != '=' {
				j++
			}
			if j >= len(line) {
				return s, fmt.Errorf("label without '=' in %q", line)
			}
			name := line[i:j]
			if !labelNameRE.MatchString(name) || strings.HasPrefix(name, "__") {
				return s, fmt.Errorf("label name %q is not valid", name)
			}
			if _, dup := s.Labels[name]; dup {
				return s, fmt.Errorf("label %s twice", name)
			}
			if j+1 >= len(line) || line[j+1] != '"' {
				return s, fmt.Errorf("label %s: the value is not quoted", name)
			}
			k := j + 2
			var raw strings.Builder
			for ; k < len(line) && line[k] != '"'; k++ {
				raw.WriteByte(line[k])
				if line[k] == '\\' && k+1 < len(line) {
					k++
					raw.WriteByte(line[k])
				}
			}
			if k >= len(line) {
				return s, fmt.Errorf("label %s: unterminated value", name)
			}
			v, err := unescapeProm(raw.String(), true)
			if err != nil {
				return s, fmt.Errorf("label %s: %w", name, err)
			}
			s.Labels[name] = v
			i = k + 1
			if i < len(line) && line[i] == ',' {
				i++
				continue
			}
			if i < len(line) && line[i] == '}' {
				continue
			}
			return s, fmt.Errorf("expected ',' or '}' after label %s", name)
		}
	}
	if i >= len(line) || line[i] != ' ' {
		return s, fmt.Errorf("no value in %q", line)
	}
	fields := strings.Split(line[i+1:], " ")
	if len(fields) < 1 || len(fields) > 2 || fields[0] == "" {
		return s, fmt.Errorf("expected a value and an optional timestamp in %q", line)
	}
	v, err := parsePromFloat(fields[0])
	if err != nil {
		return s, err
	}
	s.Value = v
	if len(fields) == 2 {
		if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
			return s, fmt.Errorf("timestamp %q is not an integer", fields[1])
		}
	}
	return s, nil
}

func parsePromFloat(s string) (float64, error) {
	switch s {
	case "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	if strings.ContainsAny(s, "_xXpP") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "infinity") {
		return 0, fmt.Errorf("value %q is not a Prometheus float", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is not a float", s)
	}
	return v, nil
}

// unescapeProm undoes the escapes the format allows: \\ and \n, plus \" in
// label values. Any other escape is an error; so is a raw line feed or, in
// a label value, a raw double quote.
func unescapeProm(s string, label bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			return "", errors.New("raw line feed")
		case c == '"' && label:
			return "", errors.New("raw double quote")
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			return "", errors.New("dangling backslash")
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case '"':
			if !label {
				return "", errors.New(`\" is an escape of label values only`)
			}
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// value returns the value of the series of name with exactly these labels.
func (e *promExposition) value(name string, labels ...string) (float64, bool) {
	want := promSample{Name: name, Labels: map[string]string{}}
	for i := 0; i+1 < len(labels); i += 2 {
		want.Labels[labels[i]] = labels[i+1]
	}
	for _, f := range e.Families {
		for _, s := range f.Samples {
			if s.key() == want.key() {
				return s.Value, true
			}
		}
	}
	return 0, false
}

// monotonic checks that no counter (nor a histogram's buckets, _sum and
// _count) went down from a to b, and that none disappeared.
func monotonic(a, b *promExposition) error {
	for name, fa := range a.Families {
		if fa.Type != "counter" && fa.Type != "histogram" {
			continue
		}
		fb := b.Families[name]
		if fb == nil || fb.Type != fa.Type {
			return fmt.Errorf("%s %s is missing from the second scrape", fa.Type, name)
		}
		later := map[string]float64{}
		for _, s := range fb.Samples {
			later[s.key()] = s.Value
		}
		for _, s := range fa.Samples {
			v, ok := later[s.key()]
			if !ok {
				return fmt.Errorf("series %s is missing from the second scrape", s.key())
			}
			if v < s.Value {
				return fmt.Errorf("series %s went down from %v to %v", s.key(), s.Value, v)
			}
		}
	}
	return nil
}

func scrape(t *testing.T, url string) (*promExposition, string) {
	t.Helper()
	h, b := getOK(t, url)
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want text/plain; version=0.0.4", ct)
	}
	exp, err := parseExposition(string(b))
	if err != nil {
		t.Fatalf("/metrics is not valid: %v\n%s", err, b)
	}
	return exp, string(b)
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.run("flink-mesos-session", "-Dmesos.initial-tasks=2", "-Dtaskmanager.numberOfTaskSlots=1")
	e.waitFor(90*time.Second, "1 JobManager and 2 TaskManagers running", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		return jm == 1 && tm == 2
	})
	first, _ := scrape(t, e.url("/metrics"))

	// A failure, so that the failure counter and the launch counter move
	// between the scrapes.
	var victim string
	for _, tk := range e.lm.Tasks() {
		if strings.Contains(tk.ID, "-tm-") && tk.Live && tk.State == mesospb.TaskState_TASK_RUNNING {
			victim = tk.ID
		}
	}
	if err := e.lm.SetTaskState(victim, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED, "injected"); err != nil {
		t.Fatal(err)
	}
	e.waitFor(90*time.Second, "the TaskManager replaced", func(s *localmesos.Snapshot) bool {
		_, tm := runningCount(s)
		return tm == 2 && len(s.Tasks) >= 4
	})
	var second *promExposition
	var text string
	eventually(t, 30*time.Second, "the replacement counted", func() bool {
		second, text = scrape(t, e.url("/metrics"))
		v, _ := second.value("flink_mesos_task_launches_total", "role", "taskmanager")
		r, _ := second.value("flink_mesos_tasks", "role", "taskmanager", "state", "running")
		return v == 3 && r == 2
	})
	if err := monotonic(first, second); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}

	for _, c := range []struct {
		name   string
		labels []string
		check  func(float64) bool
		want   string
	}{
		{"flink_mesos_tasks", []string{"role", "jobmanager", "state", "running"}, eq(1), "1"},
		{"flink_mesos_tasks", []string{"role", "taskmanager", "state", "pending"}, eq(0), "0"},
		{"flink_mesos_taskmanagers_desired", nil, eq(2), "2"},
		{"flink_mesos_task_launches_total", []string{"role", "jobmanager"}, eq(1), "1"},
		{"flink_mesos_task_failures_total", []string{"role", "taskmanager", "reason", "REASON_COMMAND_EXECUTOR_FAILED"}, eq(1), "1"},
		{"flink_mesos_task_launches_refused_total", []string{"role", "taskmanager"}, eq(0), "0"},
		{"flink_mesos_offers_received_total", nil, atLeast(1), ">= 1"},
		{"flink_mesos_offers_accepted_total", nil, atLeast(2), ">= 2"},
		{"flink_mesos_offers_declined_total", nil, atLeast(0), ">= 0"},
		{"flink_mesos_subscribed", nil, eq(1), "1"},
		{"flink_mesos_leader", nil, eq(1), "1"},
		{"flink_mesos_reconnects_total", nil, eq(0), "0"},
		{"flink_mesos_leader_changes_total", nil, eq(0), "0"},
		{"flink_mesos_last_heartbeat_age_seconds", nil, func(v float64) bool { return v >= 0 && v < 30 }, "between 0 and 30"},
		{"flink_mesos_checkpoint_write_seconds_count", nil, atLeast(3), ">= 3"},
		{"flink_mesos_placement_seconds_count", nil, atLeast(2), ">= 2"},
	} {
		v, ok := second.value(c.name, c.labels...)
		if !ok || !c.check(v) {
			t.Errorf("%s%v = %v (present %v), want %s", c.name, c.labels, v, ok, c.want)
		}
	}
	for _, f := range []string{"flink_mesos_checkpoint_write_seconds", "flink_mesos_placement_seconds"} {
		if fam := second.Families[f]; fam == nil || fam.Type != "histogram" || fam.Help == "" {
			t.Errorf("%s is not a histogram with HELP: %+v", f, fam)
		}
	}
}

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func atLeast(n float64) func(float64) bool {
	return func(v float64) bool { return v >= n }
}

// TestParseExposition shows that the reader above rejects what the format
// forbids; a reader that accepted everything would make TestMetrics pass
// on any output.
func TestParseExposition(t *testing.T) {
	for _, c := range []struct {
		name, text, wantErr string
	}{
		{"valid", "# HELP a_total A \\\\ help\\n.\n# TYPE a_total counter\na_total{x=\"q\\\"\\\\\\n\"} 1\n# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.7\nh_count 2\ng 1e+06 1700000000000\n", ""},
		{"empty", "", ""},
		{"no final line feed", "a 1", "line feed"},
		{"bad metric name", "1a 1\n", "metric name"},
		{"bad label name", "a{1x=\"v\"} 1\n", "label name"},
		{"reserved label name", "a{__x=\"v\"} 1\n", "label name"},
		{"unquoted label value", "a{x=v} 1\n", "not quoted"},
		{"unknown escape", "a{x=\"\\t\"} 1\n", "unknown escape"},
		{"unterminated label value", "a{x=\"v} 1\n", "unterminated"},
		{"duplicate label", "a{x=\"1\",x=\"2\"} 1\n", "twice"},
		{"bad value", "a one\n", "not a float"},
		{"hex value", "a 0x10\n", "Prometheus float"},
		{"no value", "a\n", "no value"},
		{"bad timestamp", "a 1 soon\n", "timestamp"},
		{"duplicate series", "a{x=\"1\"} 1\na{x=\"1\"} 2\n", "twice"},
		{"type after samples", "a 1\n# TYPE a gauge\n", "after its samples"},
		{"two types", "# TYPE a gauge\n# TYPE a gauge\n", "second TYPE"},
		{"unknown type", "# TYPE a meter\n", "is not one of"},
		{"interleaved families", "a 1\nb 1\na{x=\"1\"} 1\n", "not together"},
		{"counter without _total", "# TYPE c counter\nc 1\n", "_total"},
		{"negative counter", "# TYPE c_total counter\nc_total -1\n", "value"},
		{"histogram without +Inf", "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf"},
		{"histogram buckets not cumulative", "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "fewer"},
		{"histogram bounds not increasing", "# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "after"},
		{"histogram count differs", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", "_count"},
		{"histogram without sum", "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "_sum"},
		{"bucket without le", "# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n", "without le"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseExposition(c.text)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("got %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
	a, _ := parseExposition("# TYPE c_total counter\nc_total 2\n")
	b, _ := parseExposition("# TYPE c_total counter\nc_total 1\n")
	if err := monotonic(a, b); err == nil {
		t.Error("a counter going from 2 to 1 passed as monotonic")
	}
	if err := monotonic(a, a); err != nil {
		t.Errorf("the same scrape twice: %v", err)
	}
}

// FuzzParseExposition: the reader never panics, and what it accepts obeys
// the name rules.
func FuzzParseExposition(f *testing.F) {
	f.Add("# HELP a_total x\n# TYPE a_total counter\na_total{x=\"y\"} 1\n")
	f.Add("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")
	f.Add("a{x=\"\\\\\\n\\\"\",} NaN 12\n")
	f.Fuzz(func(t *testing.T, text string) {
		exp, err := parseExposition(text)
		if err != nil {
			return
		}
		for _, fam := range exp.Families {
			for _, s := range fam.Samples {
				if !metricNameRE.MatchString(s.Name) {
					t.Fatalf("accepted metric name %q", s.Name)
				}
				for k := range s.Labels {
					if !labelNameRE.MatchString(k) {
						t.Fatalf("accepted label name %q", k)
					}
				}
			}
		}
	})
}
