package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/internal/backoff"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// testLogger sends logs to t.Log; lines logged after the test ended are
// dropped instead of panicking.
type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
	buf  bytes.Buffer
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func testLogger(t testing.TB) (*slog.Logger, *testWriter) {
	w := &testWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})), w
}

// fakeExecutor is a file to serve as the task executor where agents only
// simulate tasks.
func fakeExecutor(t testing.TB) string {
	p := filepath.Join(t.TempDir(), "flink-mesos-taskexecutor")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// scheduler is one run of a Manager against a localmesos master.
type scheduler struct {
	t      testing.TB
	m      *cluster.Manager
	url    string
	cancel context.CancelFunc
	done   chan error
	logs   *testWriter
}

type setup struct {
	t     testing.TB
	lm    *localmesos.Master
	conf  map[string]string
	dir   string // checkpoint directory
	mode  cluster.Mode
	job   cluster.JobSpec
	exe   string
	tms   int
	quiet bool // no logs (benchmarks)
	// master is the URL the scheduler talks to, when not lm's own (a
	// proxy in front of it).
	master string
}

func newSetup(t testing.TB, lmCfg localmesos.Config, conf map[string]string) *setup {
	t.Helper()
	if lmCfg.AllocationInterval == 0 {
		lmCfg.AllocationInterval = 10 * time.Millisecond
	}
	if lmCfg.HeartbeatInterval == 0 {
		lmCfg.HeartbeatInterval = time.Second
	}
	if lmCfg.Logger == nil {
		lmlog, _ := testLogger(t)
		lmCfg.Logger = lmlog.With("who", "localmesos")
	}
	lm, err := localmesos.New(lmCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lm.Close() })
	base := map[string]string{
		"mesos.master":                                         lm.URL(),
		"mesos.resourcemanager.framework.user":                 "flink",
		"taskmanager.memory.process.size":                      "1g",
		"jobmanager.memory.process.size":                       "1g",
		"mesos.resourcemanager.tasks.cpus":                     "1",
		"mesos.resourcemanager.declined-offer-refuse-duration": "100ms",
	}
	for k, v := range conf {
		base[k] = v
	}
	return &setup{t: t, lm: lm, conf: base, dir: filepath.Join(t.TempDir(), "ckpt"), exe: fakeExecutor(t), tms: 2}
}

func (s *setup) options(t testing.TB) (*flinkconf.Options, *flinkconf.Config) {
	t.Helper()
	c := flinkconf.FromMap(s.conf)
	c.Set("mesos.resourcemanager.checkpoint-dir", s.dir)
	o, err := c.Options(flinkconf.Env{Getenv: func(string) string { return "" },
		CurrentUser: func() (string, error) { return "flink", nil }, Hostname: func() (string, error) { return "scheduler-host", nil }})
	if err != nil {
		t.Fatal(err)
	}
	return o, c
}

// start runs a Manager; stop it with kill (as SIGKILL would) or let it end.
func (s *setup) start(t testing.TB) *scheduler {
	t.Helper()
	opts, conf := s.options(t)
	store, err := hastore.Open(s.dir, hastore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log, lw := testLogger(t)
	if s.quiet {
		log = slog.New(slog.DiscardHandler)
	}
	enc := mesoshttp.Protobuf
	if opts.Encoding == flinkconf.EncodingJSON {
		enc = mesoshttp.JSON
	}
	master := s.lm.URL()
	if s.master != "" {
		master = s.master
	}
	client, err := mesoshttp.New(mesoshttp.Config{Masters: []string{master}, Encoding: enc, Logger: log,
		Principal: opts.Framework.Principal, Secret: opts.Framework.Secret.Reveal(),
		Reconnect: backoffFast})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	m, err := cluster.New(cluster.Config{Mode: s.mode, Job: s.job, Options: opts, Flink: conf.PassThrough(), Store: store,
		Client: client, Listener: ln, AdvertisedURL: url, TaskExecutorBinary: s.exe, TaskManagers: s.tms, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sc := &scheduler{t: t, m: m, url: url, cancel: cancel, done: make(chan error, 1), logs: lw}
	go func() {
		err := m.Run(ctx)
		client.Close()
		store.Close()
		ln.Close()
		sc.done <- err
	}()
	t.Cleanup(func() { sc.stop() })
	return sc
}

// stop ends the scheduler as SIGTERM would and waits for it.
func (sc *scheduler) stop() error {
	sc.cancel()
	select {
	case err, ok := <-sc.done:
		if ok {
			close(sc.done)
		}
		return err
	case <-time.After(20 * time.Second):
		sc.t.Errorf("scheduler did not stop")
		return errors.New("timeout")
	}
}

// wait waits for the scheduler to end by itself.
func (sc *scheduler) wait(d time.Duration) error {
	select {
	case err := <-sc.done:
		close(sc.done)
		return err
	case <-time.After(d):
		sc.t.Fatalf("scheduler still running after %v", d)
		return nil
	}
}

func (sc *scheduler) overview(t testing.TB) cluster.Overview {
	t.Helper()
	var o cluster.Overview
	if err := sc.get("/api/v1/overview", &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func (sc *scheduler) get(path string, v any) error {
	resp, err := http.Get(sc.url + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (sc *scheduler) do(method, path, body, token string) (int, string) {
	req, _ := http.NewRequest(method, sc.url+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		sc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// running counts the framework's live tasks in state RUNNING by role.
func running(s *localmesos.Snapshot) (jm, tm int) {
	for _, t := range s.Tasks {
		if !t.Live || t.State != mesospb.TaskState_TASK_RUNNING {
			continue
		}
		if strings.Contains(t.ID, "-jm-") {
			jm++
		} else {
			tm++
		}
	}
	return jm, tm
}

func waitFor(t testing.TB, lm *localmesos.Master, d time.Duration, what string, cond func(*localmesos.Snapshot) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := lm.WaitFor(ctx, cond); err != nil {
		snap := snapshotText(lm)
		t.Fatalf("timed out waiting for %s: %v\n%s", what, err, snap)
	}
}

func snapshotText(lm *localmesos.Master) string {
	var b strings.Builder
	for _, tk := range lm.Tasks() {
		fmt.Fprintf(&b, "task %s state %s live %v launches %d\n", tk.ID, tk.State, tk.Live, tk.Launches)
	}
	return b.String()
}

var backoffFast = backoff.Policy{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond}

func itoa(n int) string { return fmt.Sprint(n) }

func loadState(t testing.TB, dir string) hastore.State {
	t.Helper()
	st, err := hastore.Open(dir, hastore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.Load()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
