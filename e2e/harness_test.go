// Package e2e runs the real binaries as child processes against an
// in-process Mesos whose agents run tasks as real processes, with the
// stand-in Flink distribution behind Flink's scripts.
package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/internal/testflink"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

var (
	binDir   string
	envCount atomic.Int32
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flink-mesos-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for _, name := range []string{"session", "job", "taskexecutor"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "flink-mesos-"+name), "../cmd/"+name)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", name, err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one test's world: a local Mesos with process agents and the
// stand-in Flink.
type env struct {
	t         testing.TB
	lm        *localmesos.Master
	flinkHome string
	records   string // where the stand-in writes what each process got
	ckpt      string
	httpAddr  string
	conf      []string // -D key=value for every scheduler run
	quiet     bool
}

type envOpts struct {
	agents int
	lm     localmesos.Config
	quiet  bool // keep the logs out of the test output (benchmarks)
}

func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	if o.agents == 0 {
		o.agents = 2
	}
	cfg := o.lm
	if len(cfg.Agents) == 0 {
		// Tests may run in parallel on one machine, and the stand-in really
		// binds the ports it is given: each env gets its own block, below
		// Linux's ephemeral range (32768-60999 by default), where an
		// outgoing connection could hold a port a task is then given.
		if o.agents > 3 {
			t.Fatalf("envOpts.agents = %d: a port block has room for 3 agents", o.agents)
		}
		block := portBlock(t)
		for i := range o.agents {
			lo := block + 200*i
			cfg.Agents = append(cfg.Agents, localmesos.AgentConfig{Processes: true,
				Resources: fmt.Sprintf("cpus:8;mem:16384;disk:10240;ports:[%d-%d]", lo, lo+199)})
		}
	}
	if cfg.AllocationInterval == 0 {
		cfg.AllocationInterval = 50 * time.Millisecond
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = time.Second
	}
	cfg.WorkDir = t.TempDir()
	cfg.Logger = slog.New(slog.NewTextHandler(&tlog{t: t, prefix: "mesos: "}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if o.quiet {
		cfg.Logger = nil
	}
	lm, err := localmesos.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lm.Close() })
	e := &env{t: t, lm: lm, quiet: o.quiet, flinkHome: testflink.Install(t), records: t.TempDir(),
		ckpt: filepath.Join(t.TempDir(), "checkpoint"), httpAddr: freeAddr(t)}
	e.conf = []string{
		"mesos.master=" + lm.URL(),
		"mesos.resourcemanager.checkpoint-dir=" + e.ckpt,
		"mesos.scheduler.http.address=" + e.httpAddr,
		"mesos.resourcemanager.tasks.flink-home=" + e.flinkHome,
		"mesos.resourcemanager.declined-offer-refuse-duration=200",
		"mesos.resourcemanager.tasks.kill-grace-period=2s",
		"mesos.resourcemanager.framework.user=flink",
		"standin.record-dir=" + e.records,
	}
	return e
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// tlog writes to t.Log until the test ends.
type tlog struct {
	mu     sync.Mutex
	t      testing.TB
	prefix string
	done   bool
}

func (w *tlog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// proc is one scheduler process.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	done   chan struct{}
	code   int
	mu     sync.Mutex
	stdout strings.Builder
	stderr strings.Builder
}

// run starts a scheduler binary with the env's configuration plus extra
// arguments.
func (e *env) run(binary string, extra ...string) *proc {
	e.t.Helper()
	args := []string{"--configDir", filepath.Join(e.flinkHome, "conf")}
	for _, kv := range e.conf {
		args = append(args, "-D", kv)
	}
	args = append(args, extra...)
	cmd := exec.Command(filepath.Join(binDir, binary), args...)
	cmd.Env = append(os.Environ(), "LOG_LEVEL=debug")
	p := &proc{t: e.t, cmd: cmd, done: make(chan struct{})}
	outR, _ := cmd.StdoutPipe()
	errR, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	copyLines := func(r io.Reader, b *strings.Builder, prefix string) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			b.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if !e.quiet && !strings.Contains(sc.Text(), "level=DEBUG") {
				e.t.Log(prefix + sc.Text())
			}
		}
	}
	go copyLines(outR, &p.stdout, binary+" out: ")
	go copyLines(errR, &p.stderr, binary+": ")
	go func() {
		wg.Wait()
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		}
		close(p.done)
	}()
	e.t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

func (p *proc) signal(s os.Signal) { p.cmd.Process.Signal(s) }

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(d):
		p.t.Fatalf("scheduler still running after %v\nstderr:\n%s", d, p.err())
		return -1
	}
}

func (p *proc) out() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stdout.String() }
func (p *proc) err() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stderr.String() }

var frameworkLine = regexp.MustCompile(`framework ID: (\S+)`)

func (e *env) url(path string) string { return "http://" + e.httpAddr + path }

func (e *env) overview() (cluster.Overview, error) {
	var o cluster.Overview
	resp, err := http.Get(e.url("/api/v1/overview"))
	if err != nil {
		return o, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return o, fmt.Errorf("overview: %s", resp.Status)
	}
	return o, json.NewDecoder(resp.Body).Decode(&o)
}

func (e *env) request(method, path, body string) (int, string) {
	e.t.Helper()
	code, text, err := e.tryRequest(method, path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	return code, text
}

// tryRequest is request for a scheduler that may not be listening yet.
func (e *env) tryRequest(method, path, body string) (int, string, error) {
	req, _ := http.NewRequest(method, e.url(path), strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func (e *env) waitFor(d time.Duration, what string, cond func(*localmesos.Snapshot) bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := e.lm.WaitFor(ctx, cond); err != nil {
		var b strings.Builder
		for _, tk := range e.lm.Tasks() {
			fmt.Fprintf(&b, "  %s %s live=%v launches=%d\n", tk.ID, tk.State, tk.Live, tk.Launches)
		}
		e.t.Fatalf("timed out waiting for %s: %v\ntasks:\n%s", what, err, b.String())
	}
}

// runningCount counts running JobManagers and TaskManagers.
func runningCount(s *localmesos.Snapshot) (jm, tm int) {
	for _, tk := range s.Tasks {
		if !tk.Live || tk.State != mesospb.TaskState_TASK_RUNNING {
			continue // a task on a lost agent may still run, but Mesos no longer counts it
		}
		if strings.Contains(tk.ID, "-jm-") {
			jm++
		} else {
			tm++
		}
	}
	return jm, tm
}

// record is what the stand-in wrote about one Flink process.
type record struct {
	Role   string            `json:"role"`
	Args   []string          `json:"args"`
	Rest   []string          `json:"program_args"`
	Config map[string]string `json:"config"`
	Env    map[string]string `json:"env"`
	Usrlib []string          `json:"usrlib"`
}

// records reads every record the stand-in Flink processes wrote.
func (e *env) readRecords() []record {
	e.t.Helper()
	files, _ := filepath.Glob(filepath.Join(e.records, "*.json"))
	var out []record
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var r record
		if json.Unmarshal(b, &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// jobManagerREST returns the JobManager's REST base URL from the overview.
func (e *env) jobManagerREST() string {
	e.t.Helper()
	o, err := e.overview()
	if err != nil || o.RestURL == "" {
		e.t.Fatalf("no JobManager REST URL in the overview: %v %+v", err, o)
	}
	return o.RestURL
}

// getOK GETs url and fails the test unless the answer is 200 OK.
func getOK(t *testing.T, url string) (http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %.200s", url, resp.Status, b)
	}
	return resp.Header, b
}

func getJSON(url string, v any) error {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// portBlock returns the first of 600 ports between 14000 and 32000 that
// nothing on the machine listens on now. Test processes running at once
// (go test runs packages in parallel, and people run tests side by side)
// start their search at different blocks, by process ID; the envs of one
// process take the blocks in turn.
func portBlock(t testing.TB) int {
	t.Helper()
	const size, blocks = 600, 30
	for range blocks {
		block := 14000 + size*((os.Getpid()+int(envCount.Add(1)))%blocks)
		if portsFree(block, block+size) {
			return block
		}
	}
	t.Fatalf("no block of %d free ports between 14000 and 32000", size)
	return 0
}
