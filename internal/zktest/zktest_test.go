package zktest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/flink-mesos/flink-mesos/internal/zktest"
)

// TestServer: a server answers, keeps its data over a restart, forgets it
// when wiped, and a proxy cut makes the server expire a session.
func TestServer(t *testing.T) {
	s := zktest.Start(t)
	if !zktest.Ready(s.Addr()) {
		t.Fatal("started server does not answer srvr")
	}
	conn := zktest.Connect(t, s.Addr())
	zktest.EnsurePath(t, conn, "/a/b")
	c := zktest.Contend(t, s.Addr(), "/mesos", "http://127.0.0.1:5050")
	if data, _, err := conn.Get(c.Node); err != nil || len(data) == 0 {
		t.Fatalf("master entry %s: %q, %v", c.Node, data, err)
	}
	c.Withdraw()
	eventually(t, func() bool { ok, _, _ := conn.Exists(c.Node); return !ok })

	s.Stop()
	if zktest.Ready(s.Addr()) {
		t.Fatal("stopped server still answers")
	}
	s.Restart()
	if ok, _, err := zktest.Connect(t, s.Addr()).Exists("/a/b"); err != nil || !ok {
		t.Fatalf("/a/b after a restart: exists %v, %v", ok, err)
	}
	s.Stop()
	s.Wipe()
	s.Restart()
	if ok, _, err := zktest.Connect(t, s.Addr()).Exists("/a/b"); err != nil || ok {
		t.Fatalf("/a/b after a wipe: exists %v, %v", ok, err)
	}

	// Expiry through a partition: the session's ephemeral node goes.
	p := zktest.NewProxy(t, s.Addr())
	owner, events, err := zk.Connect([]string{p.Addr()}, 2*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	eventually(t, func() bool { return owner.State() == zk.StateHasSession })
	node, err := owner.Create("/ephemeral", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatal(err)
	}
	observer := zktest.Connect(t, s.Addr())
	p.Cut()
	eventually(t, func() bool { ok, _, _ := observer.Exists(node); return !ok })
	p.Restore()
	for expired := false; !expired; {
		select {
		case ev := <-events:
			expired = ev.State == zk.StateExpired
		case <-time.After(30 * time.Second):
			t.Fatal("the client was not told that its session expired")
		}
	}
	if _, err := owner.Create("/after", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); errors.Is(err, zk.ErrSessionExpired) {
		t.Fatalf("the client did not open a new session: %v", err)
	}
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
