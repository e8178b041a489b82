package localmesos

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// Defaults of Config, each the value of the real master or agent flag it
// stands for.
const (
	DefaultAgentResources         = "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"
	DefaultHeartbeatInterval      = 15 * time.Second // DEFAULT_HEARTBEAT_INTERVAL, src/master/constants.hpp
	DefaultAllocationInterval     = time.Second      // --allocation_interval
	DefaultMaxCompletedFrameworks = 50               // --max_completed_frameworks
	DefaultCallLog                = 10000            // calls kept for Calls; the master keeps none
	DefaultStatusUpdateRetry      = 10 * time.Second // STATUS_UPDATE_RETRY_INTERVAL_MIN, src/slave/constants.hpp
	MaxStatusUpdateRetry          = 10 * time.Minute // STATUS_UPDATE_RETRY_INTERVAL_MAX
	DefaultExecutorShutdownGrace  = 5 * time.Second  // agent --executor_shutdown_grace_period
	// DefaultKillGracePeriod is what the command executor gives a task
	// between SIGTERM and SIGKILL when neither the KILL call nor the
	// TaskInfo carries a KillPolicy (src/launcher/executor.cpp kill()).
	DefaultKillGracePeriod = 3 * time.Second
)

// Config describes a master and its agents. The zero value is usable: one
// simulated agent with DefaultAgentResources on a random local port.
type Config struct {
	// Agents to register at start. Empty means one simulated agent with
	// DefaultAgentResources.
	Agents []AgentConfig
	// HeartbeatInterval between HEARTBEAT events on every subscription
	// and in SUBSCRIBED.heartbeat_interval_seconds. Default 15 s, the
	// real master's fixed value; tests shorten it.
	HeartbeatInterval time.Duration
	// AllocationInterval between allocation cycles (--allocation_interval).
	// Default 1 s; tests use ~10 ms.
	AllocationInterval time.Duration
	// OfferTimeout rescinds an offer that long after it was made
	// (--offer_timeout). 0, the Mesos default, means never.
	OfferTimeout time.Duration
	// Credentials (principal -> secret) turn on HTTP basic authentication
	// of schedulers (--authenticate_http_frameworks) when not nil.
	Credentials map[string]string
	// Roles is the role whitelist (--roles); nil allows any valid role.
	// "*" is always allowed.
	Roles []string
	// MaxCompletedFrameworks is how many removed framework IDs the master
	// remembers to refuse with "Framework has been removed". Default 50.
	MaxCompletedFrameworks int
	// StatusUpdateRetry is the first resend interval of an unacknowledged
	// status update; it doubles up to MaxStatusUpdateRetry. Default 10 s.
	StatusUpdateRetry time.Duration
	// ExecutorShutdownGrace is the agent's --executor_shutdown_grace_period
	// (default 5 s): how long an executor being shut down (TEARDOWN,
	// failover timeout, SHUTDOWN, Close) has before it is killed. The
	// command executor keeps 2 s of it for reaping, so a task gets SIGKILL
	// ExecutorShutdownGrace-2s after SIGTERM. A KILL call without
	// KillPolicy uses DefaultKillGracePeriod instead, as Mesos does.
	ExecutorShutdownGrace time.Duration
	// CallLog is how many of the most recent calls and protocol errors
	// the master keeps for Calls and ProtocolErrors. Default
	// DefaultCallLog; negative keeps none. Snapshot counts every call
	// whatever is kept, so a long-running master stays bounded.
	CallLog int
	// Addr is the listen address; default "127.0.0.1:0".
	Addr string
	// Listen, if set, opens the master's listeners instead of
	// net.Listen("tcp", Addr): one at New and one per Failover.
	Listen func() (net.Listener, error)
	// WorkDir holds the sandboxes of process agents; default a new
	// temporary directory, removed by Close.
	WorkDir string
	// TLS, if set, makes every listener serve HTTPS with it (the master's
	// LIBPROCESS_SSL_* settings): URL() is then https://. Set ClientAuth
	// and ClientCAs to require client certificates.
	TLS *tls.Config
	// Hostname of the master in MasterInfo and in redirect Locations;
	// default "127.0.0.1".
	Hostname string
	// Logger receives the master's log; nil discards it.
	Logger *slog.Logger
}

// AgentConfig describes one agent.
type AgentConfig struct {
	// Hostname of the agent; default "agent-<n>" for simulated agents and
	// "127.0.0.1" for process agents.
	Hostname string
	// Resources in the agent --resources text syntax, e.g.
	// "cpus:4;mem:8192;ports:[31000-31999];cpus(flink):2" (a role in
	// parentheses is a static reservation). Empty means
	// DefaultAgentResources; process agents then get their own slice of
	// the ports range, so that agents on one machine never offer the same
	// port.
	Resources string
	// Attributes in the agent --attributes syntax, e.g.
	// "rack:r1;zone:a;level:3".
	Attributes string
	// Processes makes the agent run tasks as real child processes;
	// otherwise tasks only change state.
	Processes bool
	// Domain is the agent's fault domain, if any.
	Domain *Domain
}

// Domain is a fault domain (DomainInfo.fault_domain).
type Domain struct {
	Region, Zone string
}

// ConfigError is one bad setting.
type ConfigError struct {
	Field string
	Value string
	Err   error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("localmesos: config %s = %q: %v", e.Field, e.Value, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ErrInvalidConfig is wrapped by every ConfigError's Err.
var ErrInvalidConfig = errors.New("invalid configuration")

func configErr(field, value, format string, args ...any) error {
	return &ConfigError{Field: field, Value: value, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)}
}

// withDefaults fills unset fields and validates the result, reporting
// every bad field at once.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"HeartbeatInterval", &c.HeartbeatInterval, DefaultHeartbeatInterval},
		{"AllocationInterval", &c.AllocationInterval, DefaultAllocationInterval},
		{"OfferTimeout", &c.OfferTimeout, 0},
		{"StatusUpdateRetry", &c.StatusUpdateRetry, DefaultStatusUpdateRetry},
		{"ExecutorShutdownGrace", &c.ExecutorShutdownGrace, DefaultExecutorShutdownGrace},
	}
	for _, d := range durations {
		switch {
		case *d.v < 0:
			errs = append(errs, configErr(d.name, d.v.String(), "must not be negative"))
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if c.MaxCompletedFrameworks < 0 {
		errs = append(errs, configErr("MaxCompletedFrameworks", fmt.Sprint(c.MaxCompletedFrameworks), "must not be negative"))
	} else if c.MaxCompletedFrameworks == 0 {
		c.MaxCompletedFrameworks = DefaultMaxCompletedFrameworks
	}
	for principal, secret := range c.Credentials {
		switch {
		case principal == "":
			errs = append(errs, configErr("Credentials", principal, "a principal must not be empty"))
		case strings.Contains(principal, ":") || strings.Contains(secret, ":"):
			// libprocess splits the decoded "principal:secret" on every
			// ':' and wants exactly two parts, so such a pair can never
			// authenticate.
			errs = append(errs, configErr("Credentials", principal, "neither principal nor secret may contain ':' (HTTP basic authentication could never match)"))
		}
	}
	for _, role := range c.Roles {
		if err := validateRole(role); err != nil {
			errs = append(errs, configErr("Roles", role, "%v", err))
		}
	}
	switch {
	case c.CallLog == 0:
		c.CallLog = DefaultCallLog
	case c.CallLog < 0:
		c.CallLog = 0
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Hostname == "" {
		c.Hostname = "127.0.0.1"
	}
	if len(c.Agents) == 0 {
		c.Agents = []AgentConfig{{}}
	}
	for i, a := range c.Agents {
		if err := a.validate(fmt.Sprintf("Agents[%d]", i)); err != nil {
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

func (a AgentConfig) validate(field string) error {
	var errs []error
	if a.Resources != "" {
		if _, err := parseResourcesText(a.Resources); err != nil {
			errs = append(errs, configErr(field+".Resources", a.Resources, "%v", err))
		}
	}
	if _, err := parseAttributes(a.Attributes); err != nil {
		errs = append(errs, configErr(field+".Attributes", a.Attributes, "%v", err))
	}
	if a.Domain != nil && (a.Domain.Region == "" || a.Domain.Zone == "") {
		errs = append(errs, configErr(field+".Domain", fmt.Sprintf("%s/%s", a.Domain.Region, a.Domain.Zone), "a fault domain needs both region and zone"))
	}
	return errors.Join(errs...)
}
