package zkclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// Config names the ensemble and the session.
type Config struct {
	// Servers are "host:port" pairs (port 2181 when left out).
	Servers []string
	// SessionTimeout is asked of the server, which clamps it to its
	// minSessionTimeout..maxSessionTimeout (by default 2..20 ticks).
	SessionTimeout time.Duration
	// Credentials, "user:password", are sent as digest authentication
	// on every (re)connection; "" sends none.
	Credentials string
	// Logger receives the client's own messages at debug level.
	Logger *slog.Logger
}

// Connect starts a session. The client connects in the background and
// reconnects by itself; after an expiry it opens a new session.
func Connect(cfg Config) (*zk.Conn, <-chan zk.Event, error) {
	if len(cfg.Servers) == 0 {
		return nil, nil, errors.New("zookeeper: no server given")
	}
	if cfg.SessionTimeout <= 0 {
		return nil, nil, fmt.Errorf("zookeeper: session timeout %v must be positive", cfg.SessionTimeout)
	}
	if cfg.Credentials != "" && !strings.Contains(cfg.Credentials, ":") {
		return nil, nil, errors.New("zookeeper: credentials must be user:password (digest authentication)")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, events, err := zk.Connect(cfg.Servers, cfg.SessionTimeout, zk.WithLogger(logger{log}), zk.WithLogInfo(false))
	if err != nil {
		return nil, nil, fmt.Errorf("zookeeper %s: %w", strings.Join(cfg.Servers, ","), err)
	}
	return conn, events, nil
}

// Authenticate sends digest credentials ("" sends none), retrying while
// the ensemble cannot be reached, until it succeeds or ctx ends. The
// client keeps them and resends them on every later (re)connection, new
// sessions included; it only keeps them once the server has taken them
// once, hence the retries.
func Authenticate(ctx context.Context, conn *zk.Conn, credentials string) error {
	if credentials == "" {
		return nil
	}
	for {
		err := conn.AddAuth("digest", []byte(credentials))
		if err == nil {
			return nil
		}
		if errors.Is(err, zk.ErrAuthFailed) || errors.Is(err, zk.ErrClosing) {
			return fmt.Errorf("zookeeper: digest authentication: %w", err)
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(time.Second):
		}
	}
}

// logger adapts slog to the client's Printf logger.
type logger struct{ l *slog.Logger }

func (l logger) Printf(format string, args ...any) {
	l.l.Debug("zookeeper client: " + fmt.Sprintf(format, args...))
}
