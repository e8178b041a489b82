package zkelect_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/internal/zktest"
	"github.com/flink-mesos/flink-mesos/zkelect"
)

// TestElection runs against one real ZooKeeper server; each subtest has
// its own election path.
func TestElection(t *testing.T) {
	s := zktest.Start(t)

	t.Run("resign hands over at once", func(t *testing.T) {
		cfg := config(t, s.Addr(), "/resign/leader", "a")
		a := campaign(t, cfg)
		standby := make(chan string, 4)
		cfgB := config(t, s.Addr(), "/resign/leader", "b")
		cfgB.OnStandby = func(leader string) { standby <- leader }
		won := make(chan *zkelect.Leadership, 1)
		go func() {
			l, err := zkelect.Campaign(t.Context(), cfgB)
			if err != nil {
				t.Error(err)
			}
			won <- l
		}()
		select {
		case got := <-standby:
			if got != "a" {
				t.Fatalf("standby sees leader %q, want a", got)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no standby report")
		}
		select {
		case <-won:
			t.Fatal("b won while a leads")
		case <-time.After(500 * time.Millisecond):
		}
		if err := a.Fence(); err != nil {
			t.Fatalf("leader's Fence: %v", err)
		}
		start := time.Now()
		a.Resign()
		var b *zkelect.Leadership
		select {
		case b = <-won:
		case <-time.After(30 * time.Second):
			t.Fatal("b not elected after a resigned")
		}
		t.Cleanup(b.Resign)
		t.Logf("b elected %v after a resigned", time.Since(start))
		if err := a.Fence(); !errors.Is(err, zkelect.ErrNotLeader) {
			t.Fatalf("resigned leader's Fence = %v, want ErrNotLeader", err)
		}
		if err := b.Fence(); err != nil {
			t.Fatalf("new leader's Fence: %v", err)
		}
	})

	t.Run("deposed leader cannot write", func(t *testing.T) {
		// The leader reaches ZooKeeper through a proxy the test cuts: the
		// server expires its session, the standby takes over, and the old
		// leader's next checkpoint write is refused by the fence.
		p := zktest.NewProxy(t, s.Addr())
		cfgA := config(t, p.Addr(), "/deposed/leader", "a")
		cfgA.SessionTimeout = 2 * time.Second
		a := campaign(t, cfgA)
		dir := filepath.Join(t.TempDir(), "ckpt")
		store, err := hastore.Open(dir, hastore.Options{Fence: a.Fence})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Save(hastore.State{FrameworkID: "fw-1"}); err != nil {
			t.Fatalf("leader's write: %v", err)
		}
		won := make(chan *zkelect.Leadership, 1)
		go func() {
			l, err := zkelect.Campaign(t.Context(), config(t, s.Addr(), "/deposed/leader", "b"))
			if err != nil {
				t.Error(err)
			}
			won <- l
		}()
		p.Cut()
		var b *zkelect.Leadership
		select {
		case b = <-won:
		case <-time.After(30 * time.Second):
			t.Fatal("the standby did not take over from a leader cut off from ZooKeeper")
		}
		t.Cleanup(b.Resign)
		p.Restore()
		err = store.Save(hastore.State{FrameworkID: "fw-stale"})
		if !errors.Is(err, zkelect.ErrNotLeader) {
			t.Fatalf("deposed leader's write = %v, want ErrNotLeader", err)
		}
		select {
		case <-a.Lost():
		case <-time.After(30 * time.Second):
			t.Fatal("the deposed leader's Lost was not closed")
		}
		store.Close()
		reopened, err := hastore.Open(dir, hastore.Options{Fence: b.Fence})
		if err != nil {
			t.Fatal(err)
		}
		defer reopened.Close()
		st, err := reopened.Load()
		if err != nil || st.FrameworkID != "fw-1" {
			t.Fatalf("checkpoint after the refused write: %q, %v; want fw-1", st.FrameworkID, err)
		}
		if err := reopened.Save(hastore.State{FrameworkID: "fw-1"}); err != nil {
			t.Fatalf("new leader's write: %v", err)
		}
	})

	t.Run("deleted znode ends the leadership", func(t *testing.T) {
		a := campaign(t, config(t, s.Addr(), "/deleted/leader", "a"))
		admin := zktest.Connect(t, s.Addr())
		if err := admin.Delete(a.Node(), -1); err != nil {
			t.Fatal(err)
		}
		if err := a.Fence(); !errors.Is(err, zkelect.ErrNotLeader) {
			t.Fatalf("Fence after the znode was deleted = %v, want ErrNotLeader", err)
		}
		select {
		case <-a.Lost():
		case <-time.After(30 * time.Second):
			t.Fatal("Lost not closed")
		}
	})

	t.Run("bad path", func(t *testing.T) {
		for _, p := range []string{"", "relative", "/", "/a/", "/a//b"} {
			cfg := config(t, s.Addr(), p, "x")
			if _, err := zkelect.Campaign(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "absolute znode path") {
				t.Errorf("path %q: %v, want a path error", p, err)
			}
		}
	})

	t.Run("campaign ends with its context", func(t *testing.T) {
		a := campaign(t, config(t, s.Addr(), "/ctx/leader", "a"))
		defer a.Resign()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := zkelect.Campaign(ctx, config(t, s.Addr(), "/ctx/leader", "b")); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Campaign = %v, want the context's deadline", err)
		}
	})
}

func config(t *testing.T, addr, path, data string) zkelect.Config {
	return zkelect.Config{Servers: []string{addr}, Path: path, SessionTimeout: 4 * time.Second, Data: []byte(data),
		Logger: zktest.Logger(t).With("candidate", data)}
}

func campaign(t *testing.T, cfg zkelect.Config) *zkelect.Leadership {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	l, err := zkelect.Campaign(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Resign)
	return l
}
