package zkdetect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/flink-mesos/flink-mesos/internal/zkclient"
)

// DefaultSessionTimeout is the ZooKeeper session timeout of a zero
// Config.SessionTimeout: Mesos' MASTER_DETECTOR_ZK_SESSION_TIMEOUT
// (src/master/detector/zookeeper.cpp).
const DefaultSessionTimeout = 10 * time.Second

// retryInterval paces reads after a failure the client reports without a
// session event (a dropped connection in the middle of a request).
const retryInterval = time.Second

// ErrClosed is returned by Leader once Close has been called.
var ErrClosed = errors.New("zkdetect: detector closed")

// Config says where the masters' group is.
type Config struct {
	// Servers are the ZooKeeper "host:port" pairs.
	Servers []string
	// Path is the group's znode, e.g. "/mesos" (the masters' --zk path).
	Path string
	// Credentials are "user:password" for digest authentication, or "".
	Credentials string
	// SessionTimeout of the detector's ZooKeeper session; default
	// DefaultSessionTimeout.
	SessionTimeout time.Duration
	// Logger receives a line per leader change and ZooKeeper trouble;
	// nil discards.
	Logger *slog.Logger
}

// Detector follows the leading master. One goroutine reads ZooKeeper and
// publishes what it finds; the methods read the published value.
type Detector struct {
	cfg    Config
	log    *slog.Logger
	conn   *zk.Conn
	events <-chan zk.Event
	stop   context.CancelFunc
	done   chan struct{} // closed when the watch loop has ended

	// mu guards the following: the published leader.
	mu      sync.Mutex
	leader  *Master // nil: none known
	err     error   // the leader's entry is unusable
	changed chan struct{}
	closed  bool
}

// New starts following the group at cfg.Path. It does not wait for
// ZooKeeper: Leader blocks until a leader is known.
func New(cfg Config) (*Detector, error) {
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	p := cfg.Path
	if p == "" || p[0] != '/' || (len(p) > 1 && strings.HasSuffix(p, "/")) || path.Clean(p) != p {
		return nil, fmt.Errorf("zkdetect: path %q must be an absolute znode path like /mesos", p)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, events, err := zkclient.Connect(zkclient.Config{
		Servers: cfg.Servers, SessionTimeout: cfg.SessionTimeout, Credentials: cfg.Credentials, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("zkdetect: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	d := &Detector{cfg: cfg, log: log, conn: conn, events: events, stop: stop,
		done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		defer close(d.done)
		d.loop(ctx)
	}()
	return d, nil
}

// Close stops following and closes the ZooKeeper session.
func (d *Detector) Close() error {
	d.stop()
	<-d.done
	d.conn.Close()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closed {
		d.closed = true
		close(d.changed)
	}
	return nil
}

// Leader returns "host:port" of the leading master, waiting until one is
// known. It fails at once when the leader's entry cannot be used (it is
// asked again on the next attempt), and when ctx ends. It implements
// mesoshttp.Detector.
func (d *Detector) Leader(ctx context.Context) (string, error) {
	for {
		m, err, changed, closed := d.snapshot()
		switch {
		case closed:
			return "", ErrClosed
		case err != nil:
			return "", err
		case m != nil:
			return m.HostPort(), nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("zkdetect: no leading master in ZooKeeper %s%s yet: %w", strings.Join(d.cfg.Servers, ","), d.cfg.Path, context.Cause(ctx))
		case <-changed:
		}
	}
}

// Current returns the leading master, if one is known.
func (d *Detector) Current() (Master, bool) {
	m, _, _, _ := d.snapshot()
	if m == nil {
		return Master{}, false
	}
	return *m, true
}

// CurrentLeader is Current's "host:port", or "" when no leader is known.
// With LeaderChanged it implements mesoshttp.LeaderWatcher.
func (d *Detector) CurrentLeader() string {
	if m, ok := d.Current(); ok {
		return m.HostPort()
	}
	return ""
}

// LeaderChanged returns a channel that is closed at the next change of
// what the detector knows (a new leader, none, an unusable entry) and when
// the detector is closed.
func (d *Detector) LeaderChanged() <-chan struct{} {
	_, _, ch, _ := d.snapshot()
	return ch
}

func (d *Detector) snapshot() (*Master, error, <-chan struct{}, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.leader, d.err, d.changed, d.closed
}

// publish makes m (nil: no leader) or err the current answer.
func (d *Detector) publish(m *Master, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	same := (m == nil) == (d.leader == nil) && (m == nil || *m == *d.leader) &&
		(err == nil) == (d.err == nil) && (err == nil || err.Error() == d.err.Error())
	if same {
		return
	}
	d.leader, d.err = m, err
	close(d.changed)
	d.changed = make(chan struct{})
	switch {
	case err != nil:
		d.log.Error("the leading master's entry in ZooKeeper cannot be used", "err", err)
	case m == nil:
		d.log.Warn("no leading Mesos master known", "zookeeper", strings.Join(d.cfg.Servers, ","), "path", d.cfg.Path)
	default:
		d.log.Info("leading Mesos master detected", "master", m.HostPort(), "id", m.ID, "version", m.Version, "znode", path.Join(d.cfg.Path, m.Node))
	}
}

// loop reads the group and waits for a change, over and over. A session
// that is gone (expired, or disconnected for longer than its timeout)
// means no leader is known until the group has been read again, as in
// Mesos' own detector (src/zookeeper/group.cpp GroupProcess::expired and
// timedout): a stale leader must not be followed during a partition.
func (d *Detector) loop(ctx context.Context) {
	if err := zkclient.Authenticate(ctx, d.conn, d.cfg.Credentials); err != nil {
		if ctx.Err() == nil {
			d.publish(nil, fmt.Errorf("zkdetect: %w", err))
		}
		return
	}
	lost := newSessionTimer(d.cfg.SessionTimeout)
	defer lost.stop()
	for ctx.Err() == nil {
		watch, err := d.read()
		if errors.Is(err, zk.ErrNoAuth) {
			d.publish(nil, fmt.Errorf("zkdetect: reading %s: %w: give the digest credentials as zk://user:password@host:port/path", d.cfg.Path, err))
		}
		if err != nil {
			d.log.Debug("reading the masters' group", "path", d.cfg.Path, "err", err)
			watch = nil // retry after the next session event or a pause
		}
		retry := (<-chan time.Time)(nil)
		if watch == nil {
			retry = time.After(retryInterval)
		}
		for waiting := true; waiting; {
			select {
			case <-ctx.Done():
				return
			case <-watch:
				waiting = false
			case <-retry:
				waiting = false
			case <-lost.c:
				d.log.Warn("no ZooKeeper session for the session timeout; forgetting the leading master until reconnected", "timeout", d.cfg.SessionTimeout)
				d.publish(nil, nil)
			case ev, ok := <-d.events:
				if !ok {
					return
				}
				switch ev.State {
				case zk.StateDisconnected:
					lost.start()
				case zk.StateHasSession:
					lost.stop()
					// Watches of an unchanged session survive, but a
					// read after a new session (or a failed one) is
					// needed to be sure.
					if watch == nil {
						waiting = false
					}
				case zk.StateExpired:
					d.log.Warn("ZooKeeper session expired; reading the masters' group again in a new session")
					d.publish(nil, nil)
					waiting = false
				}
			}
		}
	}
}

// read lists the group, publishes its leader and returns the watch that
// fires on the next change of membership.
func (d *Detector) read() (<-chan zk.Event, error) {
	children, _, watch, err := d.conn.ChildrenW(d.cfg.Path)
	if errors.Is(err, zk.ErrNoNode) {
		// No master has ever registered there: wait for the path.
		exists, _, ew, err := d.conn.ExistsW(d.cfg.Path)
		if err != nil {
			return nil, err
		}
		if exists {
			// Created between the two reads: an exists watch would only
			// fire on its deletion, so look at the children again soon.
			return nil, nil
		}
		d.publish(nil, nil)
		return ew, nil
	}
	if err != nil {
		return nil, err
	}
	var best string
	var bestSeq int32
	for _, c := range children {
		// The leader is the member with the lowest sequence whatever its
		// label (src/zookeeper/detector.cpp LeaderDetectorProcess::watched).
		if _, seq, ok := ParseName(c); ok && (best == "" || seq < bestSeq) {
			best, bestSeq = c, seq
		}
	}
	if best == "" {
		d.publish(nil, nil)
		return watch, nil
	}
	if cur, ok := d.Current(); ok && cur.Node == best {
		return watch, nil
	}
	data, _, err := d.conn.Get(path.Join(d.cfg.Path, best))
	if errors.Is(err, zk.ErrNoNode) {
		// Gone before we could read it: the watch has fired already.
		return watch, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := ParseMember(best, data)
	if err != nil {
		d.publish(nil, err)
		return watch, nil
	}
	d.publish(&m, nil)
	return watch, nil
}

// sessionTimer fires when the client has been disconnected for a session
// timeout: the server has expired the session by then, though the client
// only hears so when it reconnects.
type sessionTimer struct {
	d time.Duration
	t *time.Timer
	c <-chan time.Time
}

func newSessionTimer(d time.Duration) *sessionTimer { return &sessionTimer{d: d} }

func (s *sessionTimer) start() {
	if s.t == nil {
		s.t = time.NewTimer(s.d)
		s.c = s.t.C
	}
}

func (s *sessionTimer) stop() {
	if s.t != nil {
		s.t.Stop()
		s.t, s.c = nil, nil
	}
}
