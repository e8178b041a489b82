package flinkconf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// reader reads typed values out of a Config and collects every problem
// instead of stopping at the first.
type reader struct {
	c     *Config
	env   Env
	probs []*KeyError
	warns []Warning
}

// lookup finds key, else the first of its deprecated keys that is set.
func (r *reader) lookup(key string) (entry, string, bool) {
	if e, ok := r.c.entries[key]; ok {
		return e, key, true
	}
	if o, ok := registryByKey[key]; ok {
		for _, d := range o.Deprecated {
			if e, ok := r.c.entries[d]; ok {
				return e, d, true
			}
		}
	}
	return entry{}, key, false
}

func (r *reader) isSet(key string) bool {
	_, _, ok := r.lookup(key)
	return ok
}

// reject records a problem with key's current value.
func (r *reader) reject(key string, err error, allowed string) {
	e, used, ok := r.lookup(key)
	src := e.source
	if !ok {
		src = SourceDefault
	}
	r.probs = append(r.probs, &KeyError{Key: used, Value: e.value, HasValue: ok, Source: src, Allowed: allowed, Err: err})
}

func (r *reader) rejectf(key string, kind error, allowed, format string, args ...any) {
	r.reject(key, newProblem(kind, format, args...), allowed)
}

func (r *reader) warn(key, source, format string, args ...any) {
	r.warns = append(r.warns, Warning{Key: key, Source: source, Message: fmt.Sprintf(format, args...)})
}

// value returns the raw value of key or its default, and whether the
// default was used.
func (r *reader) value(key string) (string, bool) {
	if e, _, ok := r.lookup(key); ok {
		return e.value, false
	}
	return registryByKey[key].raw, true
}

// parse reads key with p; an unset key yields p(raw default), or the zero
// value when there is none. ok is false when the value was rejected.
func parse[T any](r *reader, key string, p func(string) (T, error), allowed string) (T, bool) {
	var zero T
	v, isDefault := r.value(key)
	if isDefault && v == "" {
		return zero, true
	}
	t, err := p(v)
	if err != nil {
		// A default that does not parse is a bug in the registry; report it
		// like any other problem rather than crash.
		r.reject(key, err, allowed)
		return zero, false
	}
	return t, true
}

func (r *reader) str(key string) string {
	v, _ := r.value(key)
	return v
}

func (r *reader) integer(key string) (int, bool) {
	return parse(r, key, parseInt32, "a whole number")
}

// intMin reads an int that must be >= min.
func (r *reader) intMin(key string, min int) int {
	v, ok := r.integer(key)
	if ok && v < min {
		r.rejectf(key, ErrOutOfRange, "", "must be >= %d", min)
	}
	return v
}

func (r *reader) double(key string) (float64, bool) {
	return parse(r, key, parseDouble, "a number")
}

func (r *reader) boolean(key string) bool {
	v, _ := parse(r, key, parseBool, "true or false")
	return v
}

func (r *reader) duration(key string, min time.Duration) time.Duration {
	d, ok := parse(r, key, ParseDuration, DurationUnitsAllowed)
	if ok && d < min {
		r.rejectf(key, ErrOutOfRange, "", "must be at least %s", FormatDuration(min))
	}
	return d
}

func (r *reader) size(key string) (int64, bool) {
	return parse(r, key, ParseMemorySize, MemoryUnitsAllowed)
}

func (r *reader) enum(key string, allowed ...string) string {
	v := r.str(key)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.rejectf(key, ErrInvalid, strings.Join(allowed, ", "), "not one of the allowed values")
	return v
}

// list returns the items of a list-valued key: the elements of a
// config.yaml list, else the value split at commas by split.
func (r *reader) list(key string, split func(string) ([]string, error)) ([]string, bool) {
	e, _, ok := r.lookup(key)
	if !ok {
		return nil, true
	}
	if e.list != nil {
		return e.list, true
	}
	items, err := split(e.value)
	if err != nil {
		r.reject(key, err, "")
		return nil, false
	}
	return items, true
}

func parseInt32(s string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, newProblem(ErrOutOfRange, "does not fit in 32 bits")
		}
		return 0, newProblem(ErrInvalid, "not a whole number")
	}
	return int(n), nil
}

func parseDouble(s string) (float64, error) {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(t, "_xXpP") {
		return 0, newProblem(ErrInvalid, "not a finite number")
	}
	return f, nil
}

// parseFloat32 reads a Flink float option: Java parses it as a float and
// widens it to double, which changes the fraction slightly (0.1 becomes
// 0.10000000149011612); memory sizes derived from it follow suit.
func parseFloat32(s string) (float64, error) {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 32)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(t, "_xXpP") {
		return 0, newProblem(ErrInvalid, "not a finite number")
	}
	return float64(float32(f)), nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, newProblem(ErrInvalid, "not a boolean")
}
