package cluster

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/internal/version"
	"github.com/flink-mesos/flink-mesos/zkdetect"
	"github.com/flink-mesos/flink-mesos/zkelect"
)

// electionNode is the znode, under high-availability.zookeeper.path.root
// and high-availability.cluster-id, where the schedulers of one cluster
// elect their leader.
const electionNode = "mesos-scheduler-leader"

// ElectionPath is the znode the schedulers of a cluster elect their leader
// under: <path.root>/<cluster-id>/mesos-scheduler-leader.
func ElectionPath(ha flinkconf.HighAvailability) string {
	return path.Clean("/" + path.Join(ha.Root, ha.ClusterID, electionNode))
}

// quorum splits high-availability.zookeeper.quorum into host:port pairs.
func quorum(q string) []string {
	var out []string
	for _, s := range strings.Split(q, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ErrLeadershipLost is returned by Main when this scheduler stopped
// because another one leads the cluster now (exit code 1).
var ErrLeadershipLost = errors.New("cluster: this scheduler no longer leads the cluster in ZooKeeper")

// standby waits, serving a small HTTP API on ln, until this scheduler is
// elected leader of its cluster. It returns the leadership and the
// listener the cluster's own HTTP server takes over.
func standby(ctx context.Context, opts *flinkconf.Options, ln net.Listener, advertised string, log *slog.Logger) (*zkelect.Leadership, net.Listener, error) {
	h := newHandoff(ln)
	view := h.view()
	st := &standbyState{znode: ElectionPath(opts.HA), now: time.Now}
	srv := &http.Server{Handler: st.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(view)
	}()
	stopServing := func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownHTTPTimout)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-served
	}

	elect := ElectionPath(opts.HA)
	log.Info("waiting as standby until elected leader of the cluster in ZooKeeper",
		"zookeeper", opts.HA.Quorum, "znode", elect, "session_timeout", opts.HA.SessionTimeout)
	lead, err := zkelect.Campaign(ctx, zkelect.Config{
		Servers: quorum(opts.HA.Quorum), Path: elect, SessionTimeout: opts.HA.SessionTimeout,
		Data: []byte(advertised), Logger: log.With("subsystem", "election"),
		OnStandby: func(leader string) {
			st.setLeader(leader)
			log.Info("standing by: another scheduler leads the cluster", "leader", leader)
		},
	})
	stopServing()
	if err != nil {
		h.close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, &ConfigError{Err: fmt.Errorf("leader election in ZooKeeper %s: %w", opts.HA.Quorum, err)}
	}
	log.Info("elected leader of the cluster", "znode", lead.Node())
	return lead, h.final(), nil
}

// openStoreAsLeader opens the checkpoint, fenced by the leadership. The
// directory's lock may still be held for a moment by the deposed leader
// while it stops, so ErrLocked is retried while this scheduler leads.
func openStoreAsLeader(ctx context.Context, dir string, lead *zkelect.Leadership, log *slog.Logger) (*hastore.FileStore, error) {
	warned := false
	for {
		store, err := hastore.Open(dir, hastore.Options{Logger: log.With("subsystem", "checkpoint"), Fence: lead.Fence})
		if err == nil || !errors.Is(err, hastore.ErrLocked) {
			return store, err
		}
		if !warned {
			log.Warn("the checkpoint directory is still locked, presumably by the deposed leader; waiting", "dir", dir, "err", err)
			warned = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-lead.Lost():
			return nil, fmt.Errorf("%w: %w", ErrLeadershipLost, lead.Err())
		case <-time.After(time.Second):
		}
	}
}

// masterDetector follows the leading Mesos master of a zk:// mesos.master,
// with the session timeout of high-availability.zookeeper.client.session-timeout.
func masterDetector(opts *flinkconf.Options, log *slog.Logger) (*zkdetect.Detector, error) {
	m := opts.Master
	return zkdetect.New(zkdetect.Config{
		Servers: m.ZKServers, Path: m.ZKPath, Credentials: m.ZKCredentials.Reveal(),
		SessionTimeout: opts.HA.SessionTimeout, Logger: log.With("subsystem", "master-detector"),
	})
}

// standbyState is what the standby's HTTP API shows.
type standbyState struct {
	znode string
	now   func() time.Time

	mu     sync.Mutex
	leader string // the leader's advertised URL
}

//go:embed standby.html
var standbyHTML string

// standbyTemplate is the standby's status page; html/template escapes the
// leader's URL, which another process wrote into ZooKeeper, for its
// context (a scheme other than http or https becomes "#ZgotmplZ").
var standbyTemplate = template.Must(template.New("standby").Parse(standbyHTML))

func (s *standbyState) setLeader(l string) {
	s.mu.Lock()
	s.leader = l
	s.mu.Unlock()
}

// handler answers /healthz and /api/v1/overview with the standby state
// (200: a standby is healthy), / with a status page naming the leader,
// /metrics with flink_mesos_leader 0, and everything else with 503 naming
// the leader.
func (s *standbyState) handler() http.Handler {
	body := func() map[string]any {
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]any{"status": "standby", "leader": s.leader}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveStatus)
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		e := &promEncoder{}
		e.leader(false)
		e.buildInfo()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, e.b.String())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, body()) })
	mux.HandleFunc("GET /api/v1/overview", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, body()) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b := body()
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("this scheduler is a standby; the leader is %v", b["leader"]))
	})
	return mux
}

func (s *standbyState) serveStatus(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	leader := s.leader
	s.mu.Unlock()
	page := struct {
		Leader, Znode, Version, Now string
		Refresh                     int
	}{leader, s.znode, version.String(), s.now().UTC().Format("2006-01-02 15:04:05"), int(statusRefresh / time.Second)}
	var buf bytes.Buffer
	if err := standbyTemplate.Execute(&buf, page); err != nil {
		http.Error(w, "the status page could not be rendered", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header())
	w.Write(buf.Bytes())
}

// handoff lets two HTTP servers use one listener one after the other: one
// goroutine accepts and hands each connection to the current view.
// Closing a view ends its server's Serve without closing the listener;
// the final view closes the listener too.
type handoff struct {
	ln    net.Listener
	conns chan net.Conn
	done  chan struct{} // closed when the accept loop has ended
	err   error         // why it ended; set before done is closed
}

func newHandoff(ln net.Listener) *handoff {
	h := &handoff{ln: ln, conns: make(chan net.Conn), done: make(chan struct{})}
	go h.accept()
	return h
}

func (h *handoff) accept() {
	defer close(h.done)
	for {
		c, err := h.ln.Accept()
		if err != nil {
			h.err = err
			return
		}
		select {
		case h.conns <- c:
		case <-time.After(shutdownHTTPTimout):
			// No server took it (between views): the client retries.
			c.Close()
		}
	}
}

// close ends the accept loop.
func (h *handoff) close() {
	h.ln.Close()
	<-h.done
}

func (h *handoff) view() *handoffView { return &handoffView{h: h, closed: make(chan struct{})} }

// final is the last view: closing it closes the listener.
func (h *handoff) final() net.Listener {
	v := h.view()
	v.final = true
	return v
}

type handoffView struct {
	h      *handoff
	closed chan struct{}
	once   sync.Once
	final  bool
}

func (v *handoffView) Accept() (net.Conn, error) {
	select {
	case c := <-v.h.conns:
		return c, nil
	case <-v.closed:
		return nil, net.ErrClosed
	case <-v.h.done:
		return nil, v.h.err
	}
}

func (v *handoffView) Close() error {
	v.once.Do(func() {
		close(v.closed)
		if v.final {
			v.h.close()
		}
	})
	return nil
}

func (v *handoffView) Addr() net.Addr { return v.h.ln.Addr() }
