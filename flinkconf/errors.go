package flinkconf

import (
	"errors"
	"fmt"
	"strings"
)

// Problem kinds. Every *KeyError wraps exactly one of them, so callers can
// branch with errors.Is without parsing messages.
var (
	// ErrUnknownKey marks a mesos.* key this project does not know.
	ErrUnknownKey = errors.New("flinkconf: unknown key")
	// ErrRequired marks a key that must be set but is not.
	ErrRequired = errors.New("flinkconf: required key missing")
	// ErrInvalid marks a value of the wrong type or syntax.
	ErrInvalid = errors.New("flinkconf: invalid value")
	// ErrOutOfRange marks a well-formed value outside the allowed range.
	ErrOutOfRange = errors.New("flinkconf: value out of range")
	// ErrConflict marks keys that contradict each other.
	ErrConflict = errors.New("flinkconf: conflicting keys")
	// ErrRemoved marks a historical key that no longer has an effect.
	ErrRemoved = errors.New("flinkconf: removed key")
	// ErrUnsupported marks a Flink feature this project does not offer.
	ErrUnsupported = errors.New("flinkconf: unsupported value")
	// ErrFile marks a file the configuration names that cannot be read.
	ErrFile = errors.New("flinkconf: unreadable file")
	// ErrSyntax marks a configuration file or -D argument that cannot be parsed.
	ErrSyntax = errors.New("flinkconf: syntax error")
)

// problem is a human message that classifies as one of the sentinels above
// and may carry a cause.
type problem struct {
	kind  error
	msg   string
	cause error
}

func (p *problem) Error() string {
	if p.cause != nil && p.msg == "" {
		return p.cause.Error()
	}
	return p.msg
}

func (p *problem) Is(target error) bool { return target == p.kind }

func (p *problem) Unwrap() error { return p.cause }

func newProblem(kind error, format string, args ...any) error {
	return &problem{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// KeyError is one configuration problem: which key, the value given, where
// it came from, what is allowed instead, and the cause (one of the Err*
// sentinels, possibly wrapping an underlying error).
//
// A file-level problem (a YAML syntax error, a file that cannot be read) has
// an empty Key.
type KeyError struct {
	Key     string
	Value   string
	Source  string // "flink-conf.yaml:12", "config.yaml:3", "-D", "default", ...
	Allowed string // what would have been accepted; "" if the cause says it
	Hint    string // a suggestion, e.g. "did you mean mesos.master?"
	// HasValue tells an empty value ("") from no value at all (an unknown or
	// missing key).
	HasValue bool
	Err      error
}

func (e *KeyError) Error() string {
	var b strings.Builder
	b.WriteString(e.Key)
	if e.HasValue {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%q", redactValue(e.Key, e.Value))
	}
	if e.Source != "" {
		if b.Len() > 0 {
			fmt.Fprintf(&b, " (%s)", e.Source)
		} else {
			b.WriteString(e.Source)
		}
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.Allowed != "" {
		b.WriteString("; allowed: ")
		b.WriteString(e.Allowed)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

func (e *KeyError) Unwrap() error { return e.Err }

// ValidationError collects every problem found in one pass, so a user fixes
// a configuration in one round instead of one key per restart.
type ValidationError struct {
	Problems []*KeyError
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "configuration: " + e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "configuration has %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap exposes every problem to errors.Is and errors.As.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// ExitCode makes a configuration error end the binaries with exit code 2
// (internal/entry looks for this method).
func (e *ValidationError) ExitCode() int { return 2 }

// Warning is something worth logging that does not stop start-up, such as
// a line Flink itself would skip or a key the scheduler overrides.
type Warning struct {
	Key     string
	Source  string
	Message string
}

func (w Warning) String() string {
	switch {
	case w.Key != "" && w.Source != "":
		return fmt.Sprintf("%s (%s): %s", w.Key, w.Source, w.Message)
	case w.Key != "":
		return w.Key + ": " + w.Message
	case w.Source != "":
		return w.Source + ": " + w.Message
	}
	return w.Message
}

// sensitiveWords are the fragments that make Flink hide a key's value in its
// logs (GlobalConfiguration.SENSITIVE_KEYS in Flink 2.x, a superset of
// 1.13's), plus this project's own credential keys.
var sensitiveWords = []string{
	"password", "secret", "fs.azure.account.key", "apikey", "api-key",
	"auth-params", "service-key", "token", "basic-auth", "jaas.config",
	"http-headers",
}

// IsSensitive reports whether a key's value must never be printed or logged.
func IsSensitive(key string) bool {
	k := strings.ToLower(key)
	for _, w := range sensitiveWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

const redacted = "******"

// redactValue hides secret values and the credentials inside a ZooKeeper
// master URL.
func redactValue(key, value string) string {
	if IsSensitive(key) {
		return redacted
	}
	if key == keyMaster {
		return redactMasterURL(value)
	}
	return value
}
