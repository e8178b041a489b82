package zkelect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/flink-mesos/flink-mesos/internal/zkclient"
)

// ErrNotLeader is wrapped by Fence's error and Leadership.Err once this
// candidate no longer leads.
var ErrNotLeader = errors.New("zkelect: not the leader")

const (
	// nodePrefix is the name every candidate's znode starts with; the
	// server appends the ten-digit sequence.
	nodePrefix = "candidate_"
	// retryInterval paces retries while ZooKeeper cannot be reached.
	retryInterval = 500 * time.Millisecond
)

// Config describes one candidate.
type Config struct {
	// Servers are the ZooKeeper "host:port" pairs.
	Servers []string
	// Path is the election's znode, created with its parents if missing.
	Path string
	// SessionTimeout of the candidate's session: a leader that dies is
	// replaced this long after its last contact with ZooKeeper.
	SessionTimeout time.Duration
	// Credentials, "user:password", for digest authentication, or "".
	Credentials string
	// Data is stored in the candidate's znode for others to read (e.g.
	// its URL); OnStandby reports the leader's.
	Data []byte
	// OnStandby, if set, is called on Campaign's goroutine with the
	// leader's Data whenever a standby learns of a new leader.
	OnStandby func(leaderData string)
	// Logger; nil discards.
	Logger *slog.Logger
}

// Leadership is a won election. It ends when the session ends (expiry,
// or no contact with ZooKeeper for the session timeout), when the znode
// is deleted, or with Resign.
type Leadership struct {
	cfg     Config
	log     *slog.Logger
	conn    *zk.Conn
	node    string // full path of our znode
	version int32  // its data version when elected
	lost    chan struct{}
	done    chan struct{} // closed when the watcher goroutine has ended
	once    sync.Once
	err     error // why it ended; set before lost is closed
}

// Campaign joins the election and returns once this candidate leads, or
// with ctx's error. While it waits it is a standby: its znode stands
// behind the others in sequence order, and it watches only the one just
// ahead of it, so that a leader's end wakes one standby.
func Campaign(ctx context.Context, cfg Config) (*Leadership, error) {
	if p := cfg.Path; p == "" || p[0] != '/' || p == "/" || path.Clean(p) != p {
		return nil, fmt.Errorf("zkelect: path %q must be an absolute znode path like /flink/default/leader", p)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, events, err := zkclient.Connect(zkclient.Config{
		Servers: cfg.Servers, SessionTimeout: cfg.SessionTimeout, Credentials: cfg.Credentials, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("zkelect: %w", err)
	}
	c := &campaign{cfg: cfg, log: log, conn: conn, events: events}
	l, err := c.run(ctx)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return l, nil
}

type campaign struct {
	cfg    Config
	log    *slog.Logger
	conn   *zk.Conn
	events <-chan zk.Event
	node   string // our znode, "" before it is created or once it is gone
	leader string // the leader's znode, as last reported to OnStandby
}

func (c *campaign) run(ctx context.Context) (*Leadership, error) {
	if err := zkclient.Authenticate(ctx, c.conn, c.cfg.Credentials); err != nil {
		return nil, fmt.Errorf("zkelect: %w", err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, context.Cause(ctx)
		}
		if c.node == "" {
			if err := c.create(); err != nil {
				c.log.Debug("joining the election", "path", c.cfg.Path, "err", err)
				if err := c.pause(ctx, nil); err != nil {
					return nil, err
				}
				continue
			}
		}
		watch, stat, err := c.check()
		if err != nil {
			c.log.Debug("reading the election", "path", c.cfg.Path, "err", err)
			if err := c.pause(ctx, nil); err != nil {
				return nil, err
			}
			continue
		}
		if stat != nil {
			return c.lead(stat), nil
		}
		if watch == nil {
			continue
		}
		if err := c.pause(ctx, watch); err != nil {
			return nil, err
		}
	}
}

// create makes the parents and our ephemeral sequential znode.
func (c *campaign) create() error {
	cur := ""
	for _, part := range strings.Split(strings.TrimPrefix(c.cfg.Path, "/"), "/") {
		cur += "/" + part
		if _, err := c.conn.Create(cur, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("creating %s: %w", cur, err)
		}
	}
	// The protected form finds its node again when the connection drops
	// while the create is in flight.
	node, err := c.conn.CreateProtectedEphemeralSequential(c.cfg.Path+"/"+nodePrefix, c.cfg.Data, zk.WorldACL(zk.PermAll))
	if err != nil {
		return fmt.Errorf("creating the candidate's znode: %w", err)
	}
	c.node = node
	c.log.Debug("joined the election", "znode", node)
	return nil
}

// check lists the candidates. It returns our node's stat when we lead,
// else the watch on our predecessor (nil to look again at once).
func (c *campaign) check() (<-chan zk.Event, *zk.Stat, error) {
	children, _, err := c.conn.Children(c.cfg.Path)
	if err != nil {
		return nil, nil, err
	}
	type cand struct {
		name string
		seq  int64
	}
	var cands []cand
	for _, ch := range children {
		if seq, ok := sequence(ch); ok {
			cands = append(cands, cand{ch, seq})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int { return int(a.seq - b.seq) })
	mine := path.Base(c.node)
	i := slices.IndexFunc(cands, func(x cand) bool { return x.name == mine })
	if i < 0 {
		// Our session expired and took the znode along: join again.
		c.log.Info("our znode in the election is gone (ZooKeeper session expired?); joining again", "znode", c.node)
		c.node = ""
		return nil, nil, nil
	}
	if i == 0 {
		ok, stat, err := c.conn.Exists(c.node)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			c.node = ""
			return nil, nil, nil
		}
		return nil, stat, nil
	}
	if lead := cands[0].name; lead != c.leader && c.cfg.OnStandby != nil {
		if data, _, err := c.conn.Get(c.cfg.Path + "/" + lead); err == nil {
			c.leader = lead
			c.cfg.OnStandby(string(data))
		}
	}
	ok, _, watch, err := c.conn.ExistsW(c.cfg.Path + "/" + cands[i-1].name)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, nil
	}
	return watch, nil, nil
}

// pause waits for watch (or a short while when nil), a session event
// that needs a new look, or ctx.
func (c *campaign) pause(ctx context.Context, watch <-chan zk.Event) error {
	var retry <-chan time.Time
	if watch == nil {
		retry = time.After(retryInterval)
	}
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-watch:
			return nil
		case <-retry:
			return nil
		case ev, ok := <-c.events:
			if !ok {
				return errors.New("zkelect: the ZooKeeper client stopped")
			}
			if ev.State == zk.StateExpired {
				c.node = ""
				return nil
			}
		}
	}
}

// lead turns the campaign into a Leadership and starts its watcher.
func (c *campaign) lead(stat *zk.Stat) *Leadership {
	l := &Leadership{cfg: c.cfg, log: c.log, conn: c.conn, node: c.node, version: stat.Version,
		lost: make(chan struct{}), done: make(chan struct{})}
	c.log.Info("elected leader", "znode", c.node)
	go func() {
		defer close(l.done)
		l.watch(c.events)
	}()
	return l
}

// sequence reads the ten-digit sequence the server appended to a name.
func sequence(name string) (int64, bool) {
	i := strings.LastIndex(name, nodePrefix)
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(name[i+len(nodePrefix):], 10, 64)
	return n, err == nil && n >= 0
}

// Node is the leader's znode.
func (l *Leadership) Node() string { return l.node }

// Lost is closed when the leadership has ended.
func (l *Leadership) Lost() <-chan struct{} { return l.lost }

// Err is nil while leading, then why it ended (wrapping ErrNotLeader).
func (l *Leadership) Err() error {
	select {
	case <-l.lost:
		return l.err
	default:
		return nil
	}
}

// Fence returns nil if this candidate still leads, checked at the
// ZooKeeper server: a multi-op that only checks that our znode exists
// with the version seen at election goes through the ensemble's leader,
// so a stale read cannot pass it. While the client is disconnected it
// retries until the connection is back or the leadership is lost.
func (l *Leadership) Fence() error {
	for {
		if err := l.Err(); err != nil {
			return err
		}
		_, err := l.conn.Multi(&zk.CheckVersionRequest{Path: l.node, Version: l.version})
		switch {
		case err == nil:
			return nil
		case errors.Is(err, zk.ErrNoNode), errors.Is(err, zk.ErrBadVersion), errors.Is(err, zk.ErrSessionExpired):
			l.end(fmt.Errorf("%w: the znode %s is gone or changed (%v)", ErrNotLeader, l.node, err))
			return l.err
		case errors.Is(err, zk.ErrClosing):
			l.end(fmt.Errorf("%w: resigned", ErrNotLeader))
			return l.err
		}
		l.log.Debug("checking leadership", "znode", l.node, "err", err)
		select {
		case <-l.lost:
		case <-time.After(retryInterval):
		}
	}
}

// Resign ends the leadership and the session; the znode goes at once, so
// a standby takes over without waiting for a session timeout.
func (l *Leadership) Resign() {
	l.end(fmt.Errorf("%w: resigned", ErrNotLeader))
	<-l.done
}

// end records why the leadership ended, once, and closes the session.
func (l *Leadership) end(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.lost)
		l.conn.Close()
	})
}

// watch ends the leadership when the session is gone: expired, or the
// client disconnected for a whole session timeout (the server expires the
// session then, but the client hears of it only when it reconnects; Mesos
// does the same, src/zookeeper/group.cpp GroupProcess::timedout), or our
// znode deleted.
func (l *Leadership) watch(events <-chan zk.Event) {
	var timer *time.Timer
	var timeout <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var nodeWatch <-chan zk.Event
	rewatch := func() {
		ok, _, w, err := l.conn.ExistsW(l.node)
		switch {
		case err == nil && !ok:
			l.end(fmt.Errorf("%w: the znode %s was deleted", ErrNotLeader, l.node))
		case err == nil:
			nodeWatch = w
		default:
			nodeWatch = nil // set again once the session is back
		}
	}
	rewatch()
	for {
		select {
		case <-l.lost:
			return
		case ev := <-nodeWatch:
			if ev.Type == zk.EventNodeDeleted {
				l.end(fmt.Errorf("%w: the znode %s was deleted", ErrNotLeader, l.node))
				return
			}
			rewatch()
		case <-timeout:
			l.end(fmt.Errorf("%w: no contact with ZooKeeper for the session timeout (%v)", ErrNotLeader, l.cfg.SessionTimeout))
			return
		case ev, ok := <-events:
			if !ok {
				l.end(fmt.Errorf("%w: the ZooKeeper client stopped", ErrNotLeader))
				return
			}
			switch ev.State {
			case zk.StateDisconnected:
				if timer == nil {
					timer = time.NewTimer(l.cfg.SessionTimeout)
					timeout = timer.C
				}
			case zk.StateHasSession:
				if timer != nil {
					timer.Stop()
					timer, timeout = nil, nil
				}
				if nodeWatch == nil {
					rewatch()
				}
			case zk.StateExpired:
				l.end(fmt.Errorf("%w: the ZooKeeper session expired", ErrNotLeader))
				return
			}
		}
	}
}
