package localmesos_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
)

// pipeNet is an in-memory network of listeners, so that a master and its
// clients can run inside a synctest bubble, where time is fake and a
// 10-minute retry takes no time at all.
type pipeNet struct {
	mu        sync.Mutex
	listeners map[string]*pipeListener
	next      int
}

func newPipeNet() *pipeNet { return &pipeNet{listeners: map[string]*pipeListener{}} }

type pipeAddr string

func (a pipeAddr) Network() string { return "tcp" }
func (a pipeAddr) String() string  { return string(a) }

type pipeListener struct {
	addr   pipeAddr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

// listen is a Config.Listen: each call opens 127.0.0.1:5050, :5051, ...
func (n *pipeNet) listen() (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	addr := pipeAddr("127.0.0.1:" + strconv.Itoa(5050+n.next))
	n.next++
	l := &pipeListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
	n.listeners[string(addr)] = l
	return l, nil
}

func (n *pipeNet) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	if l == nil {
		return nil, syscall.ECONNREFUSED
	}
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, syscall.ECONNREFUSED
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// bubble runs f inside a synctest bubble with a master on an in-memory
// network and a client for it; everything is shut down before the bubble
// ends.
func bubble(t *testing.T, cfg localmesos.Config, f func(t *testing.T, m *localmesos.Master, c *client)) {
	synctest.Test(t, func(t *testing.T) {
		pn := newPipeNet()
		cfg.Listen = pn.listen
		if cfg.AllocationInterval == 0 {
			cfg.AllocationInterval = time.Second
		}
		if cfg.WorkDir == "" {
			cfg.WorkDir = t.TempDir()
		}
		m, err := localmesos.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tr := &http.Transport{DialContext: pn.dial, DisableCompression: true}
		c := newClient(t, m.URL())
		c.http.Transport = tr
		c.wait = 1000 * 24 * time.Hour
		defer tr.CloseIdleConnections()
		defer m.Close()
		f(t, m, c)
	})
}

// elapsed runs f and returns how much (fake) time it took.
func elapsed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

var errNotPipe = errors.New("not a pipe address")

func hostPort(url string) string { return strings.TrimPrefix(url, "http://") }
