package flinkconf

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// javaTrim removes what Java's String.trim removes: every character up to
// and including ' ' at both ends (spaces and ASCII control characters).
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// splitNumber splits Flink's "<digits><unit>" form the way MemorySize.parse
// and TimeUtils.parseDuration do: leading ASCII digits, then the rest,
// trimmed and lower-cased.
func splitNumber(text string) (digits, unit string) {
	t := javaTrim(text)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return t[:i], strings.ToLower(javaTrim(t[i:]))
}

// memoryUnits maps Flink's size labels to their multipliers
// (flink-core MemorySize.MemoryUnit, 1.13).
var memoryUnits = map[string]int64{
	"b": 1, "bytes": 1,
	"k": 1 << 10, "kb": 1 << 10, "kibibytes": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mebibytes": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gibibytes": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tebibytes": 1 << 40,
}

// MemoryUnitsAllowed describes the size syntax in error messages.
const MemoryUnitsAllowed = "a whole number with an optional unit b, k/kb, m/mb, g/gb, t/tb (or bytes, kibibytes, mebibytes, gibibytes, tebibytes), e.g. 1728m or \"2 gb\"; no fractions, no sign"

// ParseMemorySize parses Flink's memory size syntax (MemorySize.parse in
// Flink 1.13): a whole, unsigned number followed by an optional unit, with
// optional spaces between, units case-insensitive; no unit means bytes.
// "1728m", "2 gb", "1024" and "64 MB" are accepted; "1.5g" and "-1m" are not.
func ParseMemorySize(text string) (int64, error) {
	digits, unit := splitNumber(text)
	if javaTrim(text) == "" {
		return 0, newProblem(ErrInvalid, "empty size")
	}
	if digits == "" {
		return 0, newProblem(ErrInvalid, "a size must start with a whole number")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, newProblem(ErrOutOfRange, "%s does not fit in 64 bits", digits)
	}
	mult := int64(1)
	if unit != "" {
		m, ok := memoryUnits[unit]
		if !ok {
			return 0, newProblem(ErrInvalid, "unknown size unit %q", unit)
		}
		mult = m
	}
	if n > math.MaxInt64/mult {
		return 0, newProblem(ErrOutOfRange, "%s does not fit in 64 bits of bytes", javaTrim(text))
	}
	return n * mult, nil
}

// durationUnits maps the duration labels to their length. Flink 1.13's
// TimeUtils accepts all of them except "m" (added by later Flink versions
// for minutes) and "us" (an ASCII spelling of "µs" this project adds).
var durationUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"min": time.Minute, "m": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"µs": time.Microsecond, "us": time.Microsecond, "micro": time.Microsecond, "micros": time.Microsecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"ns": time.Nanosecond, "nano": time.Nanosecond, "nanos": time.Nanosecond,
	"nanosecond": time.Nanosecond, "nanoseconds": time.Nanosecond,
}

// DurationUnitsAllowed describes the duration syntax in error messages.
const DurationUnitsAllowed = "a whole number of milliseconds, or a whole number with a unit d, h, min/m, s, ms, µs/us, ns (or day(s), hour(s), minute(s), sec(s)/second(s), milli(s)/millisecond(s), micro(s)/microsecond(s), nano(s)/nanosecond(s)), e.g. \"30 s\" or 5000"

// ParseDuration parses Flink's duration syntax (TimeUtils.parseDuration in
// Flink 1.13): a whole, unsigned number and an optional unit label, spaces
// allowed between, labels case-insensitive; a plain number is milliseconds,
// which also makes it read the millisecond numbers older keys use.
func ParseDuration(text string) (time.Duration, error) {
	digits, unit := splitNumber(text)
	if javaTrim(text) == "" {
		return 0, newProblem(ErrInvalid, "empty duration")
	}
	if digits == "" {
		return 0, newProblem(ErrInvalid, "a duration must start with a whole number")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, newProblem(ErrOutOfRange, "%s does not fit in 64 bits", digits)
	}
	d := time.Millisecond
	if unit != "" {
		u, ok := durationUnits[unit]
		if !ok {
			return 0, newProblem(ErrInvalid, "unknown time unit %q", unit)
		}
		d = u
	}
	if n > int64(math.MaxInt64/d) {
		return 0, newProblem(ErrOutOfRange, "%s is longer than about 292 years", javaTrim(text))
	}
	return time.Duration(n) * d, nil
}

// FormatDuration prints d the way Flink prints durations in its docs: with
// the largest unit that loses nothing ("30 s", "15 min", "5000 ms").
func FormatDuration(d time.Duration) string {
	units := []struct {
		d     time.Duration
		label string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "µs"}}
	if d == 0 {
		return "0 ms"
	}
	for _, u := range units {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + " " + u.label
		}
	}
	return strconv.FormatInt(int64(d), 10) + " ns"
}
