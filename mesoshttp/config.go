package mesoshttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/flink-mesos/flink-mesos/internal/backoff"
)

// Defaults of the zero Config fields.
const (
	// DefaultCallTimeout bounds every non-SUBSCRIBE request, retries of
	// 503 included, and the SUBSCRIBE handshake up to the SUBSCRIBED
	// event. The master answers 202 as soon as it has parsed a call, so a
	// healthy master takes milliseconds; calls of a subscription are sent
	// one after another, so a longer bound would only hold up the calls
	// queued behind a stuck one. A dead master is found by the heartbeat
	// watchdog (75 s by default) in any case.
	DefaultCallTimeout = 30 * time.Second
	// DefaultHeartbeatFactor: the stream is dropped after this many
	// heartbeat intervals without a byte (Mesos' scheduler.proto advice).
	DefaultHeartbeatFactor = 5.0
	// DefaultHeartbeatInterval is assumed when SUBSCRIBED carries none
	// (the master's hard-coded DEFAULT_HEARTBEAT_INTERVAL).
	DefaultHeartbeatInterval = 15 * time.Second
	// DefaultSendQueueSize bounds the calls waiting in one subscription.
	DefaultSendQueueSize = 1024
	// minFrameSize: below this even a SUBSCRIBED event may not fit.
	minFrameSize = 4 << 10
)

// DefaultReconnect is the backoff between SUBSCRIBE attempts of a zero
// Config.Reconnect: 1 s doubling to 15 s, each delay spread by ±20 % so
// that the schedulers of a cluster do not all come back at the same moment
// after a master failover (the curve the Mesos docs recommend).
var DefaultReconnect = backoff.Policy{Initial: time.Second, Max: 15 * time.Second, Multiplier: 2, Jitter: 0.2}

// Detector finds the leading master, e.g. from ZooKeeper.
type Detector interface {
	// Leader returns the base URL of the current leader, in any form
	// Config.Masters accepts. It may block until a leader is known and
	// must return when ctx is done. It is called before every SUBSCRIBE
	// attempt that has no redirect to follow.
	Leader(ctx context.Context) (string, error)
}

// LeaderWatcher is a Detector that also tells when the leader changes. Run
// then ends a live subscription as soon as the Detector names another
// leader than the master the stream comes from, with ErrLeaderChanged,
// and subscribes to the new one: a master that lost leadership may keep
// serving its stream for a while, and events from it are stale.
type LeaderWatcher interface {
	Detector
	// LeaderChanged returns a channel closed at the next change of what
	// the Detector knows.
	LeaderChanged() <-chan struct{}
	// CurrentLeader is the leader known now, in any form Config.Masters
	// accepts, or "" when none is known. No leader known never ends a
	// subscription: only a different one does.
	CurrentLeader() string
}

// Config configures a Client. Exactly one of Masters and Detector is set;
// every other zero field means its default.
type Config struct {
	// Masters are the masters to try in turn: "host:port", "host" (port
	// 5050), "http://host:port", "https://host:port" or
	// "mesos://host:port" (https when TLS is set), with an optional path
	// prefix for a reverse proxy. Non-leaders answer with a redirect to
	// the leader, which the client follows.
	Masters []string
	// Detector, instead of Masters, names the leader before each attempt.
	Detector Detector
	// Encoding of calls and events: Protobuf (default) or JSON.
	Encoding Encoding
	// Principal and Secret are sent as HTTP Basic credentials on every
	// request (redirects included). Mesos splits "principal:secret" at
	// the colon, so neither may contain one.
	Principal, Secret string
	// TLS configures https masters; LoadTLS builds one from files. nil
	// means the system roots. Masters given without a scheme use https
	// when it is set.
	TLS *tls.Config
	// CallTimeout bounds each call and the SUBSCRIBE handshake; default
	// DefaultCallTimeout.
	CallTimeout time.Duration
	// HeartbeatFactor: the stream is dropped after HeartbeatFactor ×
	// heartbeat_interval_seconds without a byte from the master; default
	// 5, must be above 1.
	HeartbeatFactor float64
	// Reconnect is the backoff between SUBSCRIBE attempts; the zero value
	// means DefaultReconnect. A policy with any field set is used as given
	// (package backoff fills its other zero fields; a zero Jitter means
	// none). It restarts from Initial after a subscription that lasted a
	// minute.
	Reconnect backoff.Policy
	// MaxFrameSize bounds one event in bytes; default
	// recordio.DefaultMaxFrameSize (128 MiB), at least 4096.
	MaxFrameSize int
	// SendQueueSize bounds the calls queued in one subscription; default
	// DefaultSendQueueSize. See ErrSendQueueFull.
	SendQueueSize int
	// Logger receives debug records of attempts and redirects; nil
	// discards. Errors are not logged: Run reports them.
	Logger *slog.Logger

	// dial replaces the network dialer (tests run the HTTP plumbing over
	// in-memory pipes).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// validate checks c and returns a copy with defaults filled in, plus the
// parsed master URLs.
func (c Config) validate() (Config, []*url.URL, error) {
	switch {
	case len(c.Masters) == 0 && c.Detector == nil:
		return c, nil, &ConfigError{Field: "Masters", Reason: "no master: give Masters or a Detector"}
	case len(c.Masters) > 0 && c.Detector != nil:
		return c, nil, &ConfigError{Field: "Detector", Reason: "set either Masters or Detector, not both"}
	}
	var masters []*url.URL
	for i, m := range c.Masters {
		u, err := parseMaster(m, c.TLS != nil)
		if err != nil {
			return c, nil, &ConfigError{Field: fmt.Sprintf("Masters[%d]", i), Reason: err.Error()}
		}
		if c.TLS != nil && u.Scheme != "https" {
			return c, nil, &ConfigError{Field: fmt.Sprintf("Masters[%d]", i), Reason: fmt.Sprintf("%q is plain http but TLS is set; use https:// or leave the scheme out", m)}
		}
		masters = append(masters, u)
	}
	if !c.Encoding.valid() {
		return c, nil, &ConfigError{Field: "Encoding", Reason: fmt.Sprintf("%d is not Protobuf (0) or JSON (1)", int(c.Encoding))}
	}
	if strings.Contains(c.Principal, ":") {
		return c, nil, &ConfigError{Field: "Principal", Reason: "contains ':', which HTTP Basic authentication cannot carry (Mesos splits the credentials at the first colon and needs exactly two parts)"}
	}
	if strings.Contains(c.Secret, ":") {
		return c, nil, &ConfigError{Field: "Secret", Reason: "contains ':', which HTTP Basic authentication cannot carry (Mesos splits the credentials at the colon and needs exactly two parts); choose a secret without ':'"}
	}
	if c.Secret != "" && c.Principal == "" {
		return c, nil, &ConfigError{Field: "Principal", Reason: "empty while Secret is set"}
	}
	switch {
	case c.CallTimeout < 0:
		return c, nil, &ConfigError{Field: "CallTimeout", Reason: fmt.Sprintf("%v is negative", c.CallTimeout)}
	case c.CallTimeout == 0:
		c.CallTimeout = DefaultCallTimeout
	}
	switch {
	case c.HeartbeatFactor == 0:
		c.HeartbeatFactor = DefaultHeartbeatFactor
	case math.IsNaN(c.HeartbeatFactor) || math.IsInf(c.HeartbeatFactor, 0) || c.HeartbeatFactor <= 1:
		return c, nil, &ConfigError{Field: "HeartbeatFactor", Reason: fmt.Sprintf("%v: must be a finite number above 1 (a healthy stream sends one heartbeat per interval)", c.HeartbeatFactor)}
	}
	if c.Reconnect == (backoff.Policy{}) {
		c.Reconnect = DefaultReconnect
	}
	if err := checkPolicy(c.Reconnect); err != nil {
		return c, nil, err
	}
	switch {
	case c.MaxFrameSize == 0:
	case c.MaxFrameSize < minFrameSize:
		return c, nil, &ConfigError{Field: "MaxFrameSize", Reason: fmt.Sprintf("%d: must be 0 (default) or at least %d bytes", c.MaxFrameSize, minFrameSize)}
	}
	switch {
	case c.SendQueueSize == 0:
		c.SendQueueSize = DefaultSendQueueSize
	case c.SendQueueSize < 0:
		return c, nil, &ConfigError{Field: "SendQueueSize", Reason: fmt.Sprintf("%d is negative", c.SendQueueSize)}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, masters, nil
}

// checkPolicy refuses values that backoff.New would silently replace.
func checkPolicy(p backoff.Policy) error {
	switch {
	case p.Initial < 0:
		return &ConfigError{Field: "Reconnect.Initial", Reason: fmt.Sprintf("%v is negative", p.Initial)}
	case p.Max < 0:
		return &ConfigError{Field: "Reconnect.Max", Reason: fmt.Sprintf("%v is negative", p.Max)}
	case p.Max > 0 && p.Initial > p.Max:
		return &ConfigError{Field: "Reconnect.Max", Reason: fmt.Sprintf("%v is below Initial %v", p.Max, p.Initial)}
	case p.Multiplier != 0 && !(p.Multiplier >= 1) || math.IsInf(p.Multiplier, 0):
		return &ConfigError{Field: "Reconnect.Multiplier", Reason: fmt.Sprintf("%v: must be 0 (default 2) or a finite number of at least 1", p.Multiplier)}
	case !(p.Jitter >= 0 && p.Jitter <= 1):
		return &ConfigError{Field: "Reconnect.Jitter", Reason: fmt.Sprintf("%v: must be in [0, 1]", p.Jitter)}
	}
	return nil
}

// LoadTLS returns a client TLS configuration that trusts the PEM
// certificates in caFile ("" means the system roots) and, when certFile and
// keyFile are both given, presents that key pair. TLS 1.2 is the minimum;
// HTTP/2 is not offered (the Mesos master speaks HTTP/1.1 only).
func LoadTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("mesoshttp: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mesoshttp: CA file %s: no PEM certificate in it", caFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "" || keyFile == "":
		return nil, errors.New("mesoshttp: a client certificate needs both the certificate file and the key file")
	default:
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("mesoshttp: client certificate %s / key %s: %w", certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
