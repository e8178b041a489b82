package zktest

import (
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// Contender is a Mesos master's membership in the masters' group: its own
// ZooKeeper session and an ephemeral sequential json.info_ znode holding
// its MasterInfo as JSON, as a master started with --zk creates
// (src/master/contender/zookeeper.cpp).
type Contender struct {
	t    testing.TB
	conn *zk.Conn
	Node string // full path of the znode
}

// Contend registers the master at masterURL ("http://host:port") under
// group (created if missing) through the ZooKeeper at zkAddr. The
// membership ends with Withdraw or the test.
func Contend(t testing.TB, zkAddr, group, masterURL string) *Contender {
	t.Helper()
	u, err := url.Parse(masterURL)
	if err != nil {
		t.Fatal(err)
	}
	host, portStr, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portStr)
	conn := Connect(t, zkAddr)
	EnsurePath(t, conn, group)
	var ip uint32
	if v4 := net.ParseIP(host).To4(); v4 != nil {
		// Network byte order read as a little-endian uint32, as Mesos
		// fills MasterInfo.ip.
		ip = uint32(v4[0]) | uint32(v4[1])<<8 | uint32(v4[2])<<16 | uint32(v4[3])<<24
	}
	info := map[string]any{
		"id": "master-" + strings.ReplaceAll(u.Host, ":", "-"), "ip": ip, "port": port,
		"pid": "master@" + u.Host, "hostname": host, "version": "1.11.0",
		"address":      map[string]any{"hostname": host, "ip": host, "port": port},
		"capabilities": []map[string]string{{"type": "AGENT_UPDATE"}},
	}
	data, _ := json.Marshal(info)
	node, err := conn.Create(group+"/json.info_", data, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		t.Fatalf("registering master %s in ZooKeeper: %v", masterURL, err)
	}
	c := &Contender{t: t, conn: conn, Node: node}
	t.Cleanup(c.Withdraw)
	return c
}

// Withdraw ends the master's session, which deletes its znode at once, as
// when a master exits.
func (c *Contender) Withdraw() { c.conn.Close() }

// Connect opens a ZooKeeper session for a test and waits until it is
// established; it is closed when the test ends.
func Connect(t testing.TB, addr string) *zk.Conn {
	t.Helper()
	conn, events, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(discard{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	timeout := time.After(startTimeout)
	for conn.State() != zk.StateHasSession {
		select {
		case <-events:
		case <-time.After(50 * time.Millisecond):
		case <-timeout:
			t.Fatalf("no ZooKeeper session with %s within %v", addr, startTimeout)
		}
	}
	return conn
}

// EnsurePath creates p and its parents as persistent znodes.
func EnsurePath(t testing.TB, conn *zk.Conn, p string) {
	t.Helper()
	cur := ""
	for _, part := range strings.Split(strings.Trim(p, "/"), "/") {
		cur += "/" + part
		if _, err := conn.Create(cur, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && !errors.Is(err, zk.ErrNodeExists) {
			t.Fatalf("creating %s: %v", cur, err)
		}
	}
}

type discard struct{}

func (discard) Printf(string, ...any) {}
