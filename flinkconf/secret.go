package flinkconf

import (
	"fmt"
	"log/slog"
)

// Secret holds a credential. Every way of printing it (String, fmt verbs,
// slog, JSON, text marshalling) shows a placeholder; only Reveal returns the
// value, so a secret cannot reach a log line by accident.
type Secret struct {
	value string
}

// NewSecret wraps a credential.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the credential, for the one place that sends it.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether no credential is set.
func (s Secret) IsZero() bool { return s.value == "" }

func (s Secret) placeholder() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// String returns "******" for a set secret and "" for an empty one.
func (s Secret) String() string { return s.placeholder() }

// GoString keeps %#v from printing the struct field.
func (s Secret) GoString() string { return fmt.Sprintf("flinkconf.Secret(%q)", s.placeholder()) }

// Format applies to every fmt verb, including %x and %q.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.placeholder())
		return
	}
	fmt.Fprint(f, s.placeholder())
}

// LogValue makes slog print the placeholder.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.placeholder()) }

// MarshalJSON writes the placeholder, never the value.
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf("%q", s.placeholder())), nil
}

// MarshalText writes the placeholder, never the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.placeholder()), nil }
