package flinkconf_test

import (
	"errors"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

// Cases follow Flink 1.13's MemorySize.parse (flink-core MemorySize.java).
func TestParseMemorySize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		err  error
	}{
		{"plain bytes", "1234", 1234, nil},
		{"b", "12b", 12, nil},
		{"bytes", "12 bytes", 12, nil},
		{"k", "1k", 1 << 10, nil},
		{"kb with space", "1 kb", 1 << 10, nil},
		{"kibibytes", "2kibibytes", 2 << 10, nil},
		{"m", "1728m", 1728 << 20, nil},
		{"MB upper case", "64 MB", 64 << 20, nil},
		{"mebibytes", "1 mebibytes", 1 << 20, nil},
		{"g", "2g", 2 << 30, nil},
		{"gb spaced", "2 gb", 2 << 30, nil},
		{"gibibytes", "1 GiBiBytes", 1 << 30, nil},
		{"t", "1t", 1 << 40, nil},
		{"tb", "3 tb", 3 << 40, nil},
		{"tebibytes", "1 tebibytes", 1 << 40, nil},
		{"surrounding spaces", "  512m  ", 512 << 20, nil},
		{"zero", "0", 0, nil},
		{"leading zeros", "007m", 7 << 20, nil},
		{"fraction", "1.5g", 0, flinkconf.ErrInvalid},
		{"negative", "-1m", 0, flinkconf.ErrInvalid},
		{"plus sign", "+1m", 0, flinkconf.ErrInvalid},
		{"empty", "", 0, flinkconf.ErrInvalid},
		{"blank", "   ", 0, flinkconf.ErrInvalid},
		{"no number", "m", 0, flinkconf.ErrInvalid},
		{"unknown unit", "12 parsecs", 0, flinkconf.ErrInvalid},
		{"unit without b", "1 mib", 0, flinkconf.ErrInvalid},
		{"overflow of number", "99999999999999999999", 0, flinkconf.ErrOutOfRange},
		{"overflow with unit", "9999999999t", 0, flinkconf.ErrOutOfRange},
		{"max int64 bytes", "9223372036854775807", 9223372036854775807, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseMemorySize(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseMemorySize(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseMemorySize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

// Cases follow Flink's TimeUtils.parseDuration (flink-core TimeUtils.java).
func TestParseDuration(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		err  error
	}{
		{"plain number is ms", "5000", 5 * time.Second, nil},
		{"ms", "123ms", 123 * time.Millisecond, nil},
		{"seconds spaced", "30 s", 30 * time.Second, nil},
		{"sec", "2 sec", 2 * time.Second, nil},
		{"secs", "2secs", 2 * time.Second, nil},
		{"seconds", "3 seconds", 3 * time.Second, nil},
		{"min", "1 min", time.Minute, nil},
		{"m for minutes", "15m", 15 * time.Minute, nil},
		{"minutes", "2 minutes", 2 * time.Minute, nil},
		{"h", "1h", time.Hour, nil},
		{"hours", "2 hours", 2 * time.Hour, nil},
		{"d", "7d", 7 * 24 * time.Hour, nil},
		{"days", "1 days", 24 * time.Hour, nil},
		{"micro sign", "5µs", 5 * time.Microsecond, nil},
		{"us", "5 us", 5 * time.Microsecond, nil},
		{"micros", "5 micros", 5 * time.Microsecond, nil},
		{"ns", "7ns", 7, nil},
		{"nanoseconds", "7 nanoseconds", 7, nil},
		{"milliseconds", "8 milliseconds", 8 * time.Millisecond, nil},
		{"upper case", "30 S", 30 * time.Second, nil},
		{"spaces around", " 1 min ", time.Minute, nil},
		{"zero", "0", 0, nil},
		{"fraction", "1.5 s", 0, flinkconf.ErrInvalid},
		{"negative", "-1 s", 0, flinkconf.ErrInvalid},
		{"empty", "", 0, flinkconf.ErrInvalid},
		{"no number", "s", 0, flinkconf.ErrInvalid},
		{"unknown unit", "3 fortnights", 0, flinkconf.ErrInvalid},
		{"go syntax", "1h30m", 0, flinkconf.ErrInvalid},
		{"overflow", "999999999999 d", 0, flinkconf.ErrOutOfRange},
		{"number overflow", "99999999999999999999", 0, flinkconf.ErrOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flinkconf.ParseDuration(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseDuration(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0 ms"},
		{30 * time.Second, "30 s"},
		{15 * time.Minute, "15 min"},
		{90 * time.Second, "90 s"},
		{5001 * time.Millisecond, "5001 ms"},
		{48 * time.Hour, "2 d"},
		{3 * time.Microsecond, "3 µs"},
		{7, "7 ns"},
	}
	for _, tt := range tests {
		got := flinkconf.FormatDuration(tt.in)
		if got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := flinkconf.ParseDuration(got)
		if err != nil || back != tt.in {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", tt.in, back, err)
		}
	}
}
