package zkdetect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/flink-mesos/flink-mesos/internal/zktest"
	"github.com/flink-mesos/flink-mesos/zkdetect"
)

// TestDetector runs against one real ZooKeeper server; each subtest uses
// its own group path. The restart subtest stops and starts that server.
func TestDetector(t *testing.T) {
	s := zktest.Start(t)

	t.Run("lowest member leads", func(t *testing.T) {
		const group = "/lowest/mesos"
		d := newDetector(t, zkdetect.Config{Servers: []string{s.Addr()}, Path: group})
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		if l, err := d.Leader(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Leader with no group = %q, %v; want to wait until the deadline", l, err)
		}
		a := zktest.Contend(t, s.Addr(), group, "http://127.0.0.1:5050")
		b := zktest.Contend(t, s.Addr(), group, "http://127.0.0.1:5051")
		conn := zktest.Connect(t, s.Addr())
		if _, err := conn.Create(group+"/log_replicas", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		if l := leader(t, d); l != "127.0.0.1:5050" {
			t.Fatalf("leader %q, want the first master", l)
		}
		a.Withdraw()
		waitLeader(t, d, "127.0.0.1:5051")
		b.Withdraw()
		waitLeader(t, d, "")
		if _, err := conn.Create(group+"/json.info_", []byte("master@nonsense"), zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll)); err != nil {
			t.Fatal(err)
		}
		eventually(t, "Leader reports the bad entry", func() bool {
			_, err := d.Leader(t.Context())
			return errors.Is(err, zkdetect.ErrBadMember)
		})
	})

	t.Run("digest credentials", func(t *testing.T) {
		const group = "/secured"
		conn := zktest.Connect(t, s.Addr())
		if err := conn.AddAuth("digest", []byte("mesos:zk-pass")); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Create(group, nil, 0, zk.DigestACL(zk.PermAll, "mesos", "zk-pass")); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Create(group+"/json.info_", []byte(`{"id":"m","ip":0,"port":5052,"hostname":"127.0.0.1"}`), zk.FlagEphemeral|zk.FlagSequence, zk.DigestACL(zk.PermAll, "mesos", "zk-pass")); err != nil {
			t.Fatal(err)
		}
		withCred := newDetector(t, zkdetect.Config{Servers: []string{s.Addr()}, Path: group, Credentials: "mesos:zk-pass"})
		if l := leader(t, withCred); l != "127.0.0.1:5052" {
			t.Fatalf("leader %q with credentials", l)
		}
		without := newDetector(t, zkdetect.Config{Servers: []string{s.Addr()}, Path: group})
		eventually(t, "Leader reports the missing credentials", func() bool {
			_, err := without.Leader(t.Context())
			return errors.Is(err, zk.ErrNoAuth) && strings.Contains(err.Error(), "zk://user:password@")
		})
	})

	t.Run("session expiry", func(t *testing.T) {
		// The detector reaches ZooKeeper through a proxy that the test
		// cuts for longer than the session timeout: the server expires
		// the session, and the detector forgets the leader after a
		// session timeout without a connection. Meanwhile the leader
		// changes; once the proxy lets it through, the client learns of
		// the expiry, opens a new session and finds the new leader.
		const group = "/expiry/mesos"
		p := zktest.NewProxy(t, s.Addr())
		d := newDetector(t, zkdetect.Config{Servers: []string{p.Addr()}, Path: group, SessionTimeout: 2 * time.Second})
		a := zktest.Contend(t, s.Addr(), group, "http://127.0.0.1:6050")
		waitLeader(t, d, "127.0.0.1:6050")
		changed := d.LeaderChanged()
		p.Cut()
		select {
		case <-changed:
		case <-time.After(30 * time.Second):
			t.Fatal("the detector kept the leader through a partition longer than its session timeout")
		}
		if l := d.CurrentLeader(); l != "" {
			t.Fatalf("leader %q during the partition, want none", l)
		}
		a.Withdraw()
		zktest.Contend(t, s.Addr(), group, "http://127.0.0.1:6051")
		time.Sleep(3 * time.Second) // past the server's expiry of the cut session
		p.Restore()
		waitLeader(t, d, "127.0.0.1:6051")
	})

	t.Run("zookeeper restart", func(t *testing.T) {
		const group = "/restart/mesos"
		d := newDetector(t, zkdetect.Config{Servers: []string{s.Addr()}, Path: group, SessionTimeout: 20 * time.Second})
		a := zktest.Contend(t, s.Addr(), group, "http://127.0.0.1:7050")
		waitLeader(t, d, "127.0.0.1:7050")
		s.Stop()
		// A server restart within the session timeout keeps the sessions,
		// the leader's znode and the detector's watch.
		s.Restart()
		if l := d.CurrentLeader(); l != "127.0.0.1:7050" {
			t.Fatalf("leader %q after a restart, want it kept", l)
		}
		zktest.Contend(t, s.Addr(), group, "http://127.0.0.1:7051")
		a.Withdraw()
		waitLeader(t, d, "127.0.0.1:7051")
	})
}

func newDetector(t *testing.T, cfg zkdetect.Config) *zkdetect.Detector {
	t.Helper()
	cfg.Logger = zktest.Logger(t)
	d, err := zkdetect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func leader(t *testing.T, d *zkdetect.Detector) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	l, err := d.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func waitLeader(t *testing.T, d *zkdetect.Detector, want string) {
	t.Helper()
	eventually(t, "leader "+want, func() bool { return d.CurrentLeader() == want })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30s: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
