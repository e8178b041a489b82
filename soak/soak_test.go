package soak_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flink-mesos-soak-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "flink-mesos-session"), "../cmd/session")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the session scheduler: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// settings are the soak's knobs (see doc.go).
type settings struct {
	duration     time.Duration
	seed         uint64
	maxFaults    int
	taskManagers int
	bound        time.Duration
	report       string
}

func settingsFromEnv(t *testing.T) settings {
	s := settings{duration: 40 * time.Second, seed: uint64(time.Now().UnixNano()), maxFaults: 100000, taskManagers: 50, bound: 60 * time.Second}
	if testing.Short() {
		s.duration = 15 * time.Second
	}
	s.report = os.Getenv("SOAK_REPORT")
	parse := func(name string, f func(string) error) {
		if v := os.Getenv(name); v != "" {
			if err := f(v); err != nil {
				t.Fatalf("%s=%q: %v", name, v, err)
			}
		}
	}
	positive := func(dst *int) func(string) error {
		return func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return errors.New("allowed is a whole number of at least 1")
			}
			*dst = n
			return nil
		}
	}
	duration := func(dst *time.Duration) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errors.New("allowed is a positive Go duration such as 90s or 30m")
			}
			*dst = d
			return nil
		}
	}
	parse("SOAK_DURATION", duration(&s.duration))
	parse("SOAK_BOUND", duration(&s.bound))
	parse("SOAK_MAX_FAULTS", positive(&s.maxFaults))
	parse("SOAK_TASKMANAGERS", positive(&s.taskManagers))
	parse("SOAK_SEED", func(v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return errors.New("allowed is an unsigned decimal integer")
		}
		s.seed = n
		return nil
	})
	return s
}

const (
	agentResources = "cpus:4;mem:8192;disk:20480;ports:[31000-31099]"
	agentCount     = 30
	minScale       = 40
	maxScale       = 60
	heartbeatPause = 6 * time.Second
	// raceWindow: a 403 "Framework is not subscribed" this soon after the
	// master cut the stream is a call that raced the cut.
	raceWindow = 10 * time.Second
	keptLogs   = 5 // scheduler runs whose logs are kept
)

var faultKinds = []string{"kill", "torn", "drop", "redirect", "heartbeat", "agent", "tmfail", "rescind", "scale"}

// world is the soak's cluster: the master, its agents and the scheduler
// process of the moment.
type world struct {
	t        *testing.T
	rng      *rand.Rand
	lm       *localmesos.Master
	confDir  string
	ckpt     string
	logDir   string
	httpAddr string
	client   *http.Client

	sched   *exec.Cmd
	exited  chan struct{}
	runs    int
	logPath string

	framework string // the first registered framework ID
	want      int    // the TaskManagers the soak last asked for
	faults    map[string]int
	total     int
	lastFault time.Time
	worst     time.Duration
	worstAt   string
	rounds    int
	checks    int
	rescinded int
	tornFiles int
	// heartbeat pauses after which the scheduler had resubscribed (a pause
	// while other events flow is rightly not silence)
	hbResubscribed int
	lastCut        time.Time // the last drop, failover or heartbeat silence
	refusalsSeen   int
	racedCalls     int
}

func TestSoak(t *testing.T) {
	cfg := settingsFromEnv(t)
	replay := fmt.Sprintf("SOAK_SEED=%d SOAK_DURATION=%v SOAK_TASKMANAGERS=%d go test -run TestSoak -timeout 0 -v ./soak", cfg.seed, cfg.duration, cfg.taskManagers)
	t.Logf("seed %d; replay with: %s", cfg.seed, replay)
	w := newWorld(t, cfg)
	failed := true
	defer func() {
		if failed {
			t.Logf("FAILED with seed %d after %d faults; replay with: %s\nlast scheduler log (%s), tail:\n%s",
				cfg.seed, w.total, replay, w.logPath, tail(w.logPath, 60))
		}
	}()

	w.start()
	w.converge(cfg.bound, "the first start")
	start := time.Now()
	for time.Since(start) < cfg.duration && w.total < cfg.maxFaults {
		w.rounds++
		logFrom := w.mark()
		callsBefore := w.snapshot().CallsByType
		n := 1 + w.rng.IntN(3)
		var names []string
		for range n {
			if w.total >= cfg.maxFaults {
				break
			}
			kind := faultKinds[w.rng.IntN(len(faultKinds))]
			w.inject(kind)
			names = append(names, kind)
			w.checkSafety("after " + kind)
			time.Sleep(time.Duration(w.rng.IntN(700)) * time.Millisecond)
		}
		took := w.converge(cfg.bound, strings.Join(names, "+"))
		callsAfter := w.snapshot().CallsByType
		t.Logf("round %d: %s; whole again %v after the last fault (%d faults so far); master calls:%s%s",
			w.rounds, strings.Join(names, "+"), took.Round(time.Millisecond), w.total, callMix(callsBefore, callsAfter),
			w.waits(logFrom))
		w.checkCallBudget(callsBefore, callsAfter, strings.Join(names, "+"))
		if took > w.worst {
			w.worst, w.worstAt = took, fmt.Sprintf("round %d (%s)", w.rounds, strings.Join(names, "+"))
		}
	}
	// The end: whole, and still so 3 s later.
	w.converge(cfg.bound, "the end")
	time.Sleep(3 * time.Second)
	w.converge(cfg.bound, "the end, 3 s later")
	w.checkSafety("at the end")
	failed = false

	summary := w.summary(cfg, time.Since(start))
	t.Log(summary)
	fmt.Println(summary)
	if cfg.report != "" {
		if err := os.WriteFile(cfg.report, []byte(summary+"\n"), 0o644); err != nil {
			t.Errorf("writing SOAK_REPORT: %v", err)
		}
	}
}

func newWorld(t *testing.T, cfg settings) *world {
	agents := make([]localmesos.AgentConfig, agentCount)
	for i := range agents {
		agents[i] = localmesos.AgentConfig{Resources: agentResources}
	}
	lm, err := localmesos.New(localmesos.Config{
		Agents:             agents,
		HeartbeatInterval:  time.Second,
		AllocationInterval: 50 * time.Millisecond,
		StatusUpdateRetry:  time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lm.Close() })
	w := &world{
		t:        t,
		rng:      rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)),
		lm:       lm,
		confDir:  t.TempDir(),
		ckpt:     filepath.Join(t.TempDir(), "checkpoint"),
		logDir:   t.TempDir(),
		httpAddr: freeAddr(t),
		client:   &http.Client{Timeout: 5 * time.Second},
		want:     cfg.taskManagers,
		faults:   map[string]int{},
	}
	conf := "jobmanager.memory.process.size: 1600m\ntaskmanager.memory.process.size: 1g\ntaskmanager.numberOfTaskSlots: 1\n"
	if err := os.WriteFile(filepath.Join(w.confDir, "flink-conf.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.stop)
	return w
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs a scheduler. Each run logs to its own file; only the last
// five are kept (a round has at most three restarts), so that a long soak
// does not fill the disk.
func (w *world) start() {
	w.runs++
	w.logPath = filepath.Join(w.logDir, fmt.Sprintf("scheduler-%05d.log", w.runs))
	os.Remove(filepath.Join(w.logDir, fmt.Sprintf("scheduler-%05d.log", w.runs-keptLogs)))
	logf, err := os.Create(w.logPath)
	if err != nil {
		w.t.Fatal(err)
	}
	args := []string{"--configDir", w.confDir}
	for _, kv := range []string{
		"mesos.master=" + w.lm.URL(),
		"mesos.resourcemanager.checkpoint-dir=" + w.ckpt,
		"mesos.scheduler.http.address=" + w.httpAddr,
		"mesos.resourcemanager.tasks.flink-home=/opt/flink",
		"mesos.resourcemanager.tasks.taskexecutor-path=/opt/flink-mesos/flink-mesos-taskexecutor",
		"mesos.resourcemanager.framework.user=flink",
		"mesos.resourcemanager.tasks.cpus=1",
		"mesos.resourcemanager.declined-offer-refuse-duration=200",
		"mesos.resourcemanager.tasks.kill-grace-period=1s",
		"mesos.maximum-failed-tasks=-1",
		"mesos.initial-tasks=" + strconv.Itoa(w.want),
	} {
		args = append(args, "-D", kv)
	}
	cmd := exec.Command(filepath.Join(binDir, "flink-mesos-session"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "LOG_LEVEL=info")
	if err := cmd.Start(); err != nil {
		logf.Close()
		w.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logf.Close()
		close(exited)
	}()
	w.sched, w.exited = cmd, exited
}

// kill ends the scheduler with SIGKILL and waits for it.
func (w *world) kill() {
	if w.sched == nil {
		return
	}
	select {
	case <-w.exited:
	default:
		w.sched.Process.Signal(syscall.SIGKILL)
		<-w.exited
	}
	w.sched = nil
}

func (w *world) stop() { w.kill() }

// inject makes one fault. Recovery is timed from the moment of the fault
// (the SIGKILL for kill and torn, so that the new scheduler's start counts),
// except for a heartbeat pause, timed from its end.
func (w *world) inject(kind string) {
	w.faults[kind]++
	w.total++
	w.lastFault = time.Now()
	w.t.Logf("%s fault %d: %s", w.lastFault.Format("15:04:05.000"), w.total, kind)
	switch kind {
	case "kill":
		w.kill()
		time.Sleep(time.Duration(w.rng.IntN(500)) * time.Millisecond)
		w.start()
	case "torn":
		w.kill()
		torn := w.tear()
		w.start()
		if torn {
			w.awaitLog("checkpoint is damaged; using an older generation")
		}
		// The older generation may hold an older count.
		w.scale(w.want)
	case "drop":
		w.lm.DropStreams()
		w.lastCut = time.Now()
	case "redirect":
		if w.lm.Failover() == "" {
			w.t.Fatal("localmesos could not elect a new master")
		}
		w.lastCut = time.Now()
	case "heartbeat":
		before := w.subscriptions()
		w.lm.PauseHeartbeats(true)
		time.Sleep(heartbeatPause)
		w.lm.PauseHeartbeats(false)
		// The fault is the silence: recovery counts from its end.
		w.lastFault = time.Now()
		w.lastCut = w.lastFault
		// The watchdog fired at 5 s; the new SUBSCRIBE follows after the
		// client's reconnect backoff.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if w.lm.WaitFor(ctx, func(s *localmesos.Snapshot) bool {
			f, _ := s.Framework(w.framework)
			return f.Subscriptions > before
		}) == nil {
			w.hbResubscribed++
		}
		cancel()
	case "agent":
		w.loseAgent()
	case "tmfail":
		w.failTaskManager()
	case "rescind":
		if w.failTaskManager() {
			w.rescind()
		}
	case "scale":
		w.want = minScale + w.rng.IntN(maxScale-minScale+1)
		w.scale(w.want)
	}
}

// tear damages the newest checkpoint generation, if an older good one
// exists for the scheduler to fall back to (with none, a damaged store is
// rightly refused at start-up, which is another test's business).
func (w *world) tear() bool {
	files, _ := filepath.Glob(filepath.Join(w.ckpt, "ckpt-*"))
	var gens []string
	for _, f := range files {
		if !strings.Contains(filepath.Base(f), ".") {
			gens = append(gens, f)
		}
	}
	sort.Strings(gens)
	if len(gens) < 2 {
		return false
	}
	newest := gens[len(gens)-1]
	b, err := os.ReadFile(newest)
	if err != nil || len(b) == 0 {
		return false
	}
	if w.rng.IntN(2) == 0 {
		b = b[:w.rng.IntN(len(b))] // a torn write: the tail never reached the disk
	} else {
		b[w.rng.IntN(len(b))] ^= 1 << w.rng.IntN(8) // a flipped bit
	}
	if err := os.WriteFile(newest, b, 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.tornFiles++
	return true
}

// awaitLog waits up to 10 s for the running scheduler to log text.
func (w *world) awaitLog(text string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile(w.logPath); strings.Contains(string(b), text) {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the scheduler did not log %q within 10 s", text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// subscriptions counts the framework's successful SUBSCRIBEs so far.
func (w *world) subscriptions() int {
	f, _ := w.snapshot().Framework(w.framework)
	return f.Subscriptions
}

// loseAgent takes away an agent that runs a task of the framework and
// adds a fresh one, so that the cluster keeps its room.
func (w *world) loseAgent() {
	var candidates []string
	seen := map[string]bool{}
	for _, tk := range w.lm.Tasks() {
		if tk.Live && !tk.State.Terminal() && !seen[tk.AgentID] {
			seen[tk.AgentID] = true
			candidates = append(candidates, tk.AgentID)
		}
	}
	if len(candidates) == 0 {
		return
	}
	sort.Strings(candidates)
	how := localmesos.AgentUnreachable
	if w.rng.IntN(2) == 0 {
		how = localmesos.AgentGoneByOperator
	}
	w.lm.RemoveAgent(candidates[w.rng.IntN(len(candidates))], how)
	if _, err := w.lm.AddAgent(localmesos.AgentConfig{Resources: agentResources}); err != nil {
		w.t.Fatal(err)
	}
}

// failTaskManager makes a running TaskManager fail; false if none runs.
func (w *world) failTaskManager() bool {
	var running []string
	for _, tk := range w.lm.Tasks() {
		if tk.Live && tk.State == mesospb.TaskState_TASK_RUNNING && role(tk.ID) == "tm" {
			running = append(running, tk.ID)
		}
	}
	if len(running) == 0 {
		return false
	}
	sort.Strings(running)
	id := running[w.rng.IntN(len(running))]
	err := w.lm.SetTaskState(id, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED, "Command exited with status 1")
	if err != nil && !errors.Is(err, localmesos.ErrInvalidState) && !errors.Is(err, localmesos.ErrUnknownTask) {
		w.t.Fatalf("failing TaskManager %s: %v", id, err)
	}
	return err == nil
}

// rescind waits up to 2 s for offers to the framework (its replacement
// asks for some) and rescinds them all.
func (w *world) rescind() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n := 0
	w.lm.WaitFor(ctx, func(s *localmesos.Snapshot) bool { n = len(s.Offers); return n > 0 })
	if n > 0 {
		w.lm.RescindOffers("")
		w.rescinded += n
	}
}

// scale asks the scheduler for n TaskManagers, retrying while it is
// (re)starting.
func (w *world) scale(n int) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodPut, "http://"+w.httpAddr+"/api/v1/taskmanagers", strings.NewReader(fmt.Sprintf(`{"count":%d}`, n)))
		resp, err := w.client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				return
			}
			err = fmt.Errorf("%s", resp.Status)
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("scaling to %d: %v", n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (w *world) overview() (cluster.Overview, error) {
	var o cluster.Overview
	resp, err := w.client.Get("http://" + w.httpAddr + "/api/v1/overview")
	if err != nil {
		return o, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return o, fmt.Errorf("overview: %s", resp.Status)
	}
	return o, json.NewDecoder(resp.Body).Decode(&o)
}

// callMix lists the calls made between two counts by type, most first:
// what the scheduler spent its calls on.
func callMix(before, after map[mesospb.Call_Type]int) string {
	types := make([]mesospb.Call_Type, 0, len(after))
	for t, n := range after {
		if n > before[t] {
			types = append(types, t)
		}
	}
	sort.Slice(types, func(i, j int) bool {
		if a, b := after[types[i]]-before[types[i]], after[types[j]]-before[types[j]]; a != b {
			return a > b
		}
		return types[i] < types[j]
	})
	var b strings.Builder
	for _, t := range types {
		fmt.Fprintf(&b, " %s=%d", t, after[t]-before[t])
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

func (w *world) snapshot() *localmesos.Snapshot {
	var snap *localmesos.Snapshot
	if err := w.lm.WaitFor(context.Background(), func(s *localmesos.Snapshot) bool { snap = s; return true }); err != nil {
		w.t.Fatal(err)
	}
	return snap
}

// role is "jm" or "tm" from a task ID FRAMEWORK-ROLE-INDEX-SEQ.
func role(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) < 4 {
		return ""
	}
	return parts[len(parts)-3]
}

// slot is the worker a task ID stands for: role and index.
func slot(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) < 4 {
		return id
	}
	return parts[len(parts)-3] + "-" + parts[len(parts)-2]
}

// callsPerTaskManager bounds the master calls of one round: the busiest
// rounds (a torn checkpoint with a scale, whose restart kills and replaces
// tasks) make a few hundred, at most 11 per TaskManager wanted even at the
// smallest scale of 40; a scheduler calling in a loop
// (a KILL answered by an update that asks for the same KILL) makes
// thousands within a second.
const callsPerTaskManager = 40

// checkCallBudget fails the soak when a round made more master calls than
// callsPerTaskManager allows.
func (w *world) checkCallBudget(before, after map[mesospb.Call_Type]int, round string) {
	w.t.Helper()
	w.checks++
	n := 0
	for t, c := range after {
		n += c - before[t]
	}
	// At least 2,000, for small clusters where a restart's fixed calls
	// weigh more.
	if budget := callsPerTaskManager * max(w.want, 50); n > budget {
		w.t.Fatalf("round %d (%s): %d master calls, more than %d (%d per TaskManager): a call in a loop?%s",
			w.rounds, round, n, budget, callsPerTaskManager, callMix(before, after))
	}
}

// checkSafety checks what must hold at every moment.
func (w *world) checkSafety(when string) {
	w.t.Helper()
	w.checks++
	snap := w.snapshot()
	for _, tk := range snap.Tasks {
		if tk.Launches > 1 {
			w.t.Fatalf("%s: task %s was launched %d times", when, tk.ID, tk.Launches)
		}
	}
	// localmesos lists its 307 answers with the refusals; a redirect to
	// the leader is the protocol working, not an error.
	var refused []string
	for _, e := range snap.ProtocolErrors {
		if !strings.HasPrefix(e, "307 ") {
			refused = append(refused, e)
		}
	}
	for _, e := range refused[min(w.refusalsSeen, len(refused)):] {
		// A call already on its way when the master cut the stream meets a
		// master that no longer has the framework connected; the real
		// master answers it the same (src/master/http.cpp), and the
		// scheduler cannot have known.
		if strings.HasPrefix(e, "403 ") && strings.HasSuffix(e, ": Framework is not subscribed") && time.Since(w.lastCut) < raceWindow {
			w.racedCalls++
			continue
		}
		w.t.Fatalf("%s: localmesos refused a call: %q (all refusals: %q)", when, e, refused)
	}
	w.refusalsSeen = len(refused)
	var live []string
	for _, f := range snap.Frameworks {
		if !f.Removed {
			live = append(live, f.ID)
		}
	}
	if w.framework != "" && (len(live) != 1 || live[0] != w.framework) {
		w.t.Fatalf("%s: frameworks %v, want only %s", when, live, w.framework)
	}
}

// converge waits until the cluster is whole (see doc.go) and returns how
// long that took since the last fault. Not whole within bound fails the
// soak with what was still wrong.
func (w *world) converge(bound time.Duration, after string) time.Duration {
	w.t.Helper()
	w.checks++
	deadline := w.lastFault.Add(bound)
	if w.lastFault.IsZero() {
		deadline = time.Now().Add(bound)
	}
	var why string
	for {
		select {
		case <-w.exited:
			w.t.Fatalf("after %s: the scheduler exited: %v", after, w.sched.ProcessState)
		default:
		}
		why = w.whole()
		if why == "" {
			break
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("after %s: not whole within %v: %s", after, bound, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if w.lastFault.IsZero() {
		return 0
	}
	return time.Since(w.lastFault)
}

// whole returns "" when every end-of-round invariant holds, else the
// first one that does not.
func (w *world) whole() string {
	o, err := w.overview()
	if err != nil {
		return "no overview: " + err.Error()
	}
	if !o.Subscribed {
		return "the scheduler is not subscribed"
	}
	if w.framework == "" {
		w.framework = o.FrameworkID
	}
	if o.FrameworkID != w.framework {
		w.t.Fatalf("framework ID %s, want %s", o.FrameworkID, w.framework)
	}
	if o.DesiredTaskManagers != w.want {
		return fmt.Sprintf("the scheduler wants %d TaskManagers, the soak asked for %d", o.DesiredTaskManagers, w.want)
	}
	known := map[string]bool{}
	if o.JobManager != nil {
		known[o.JobManager.TaskID] = true
	}
	for _, tm := range o.TaskManagers {
		known[tm.TaskID] = true
	}
	snap := w.snapshot()
	f, ok := snap.Framework(w.framework)
	if !ok || !f.Connected {
		return "the framework is not connected to the master"
	}
	if f.Unacknowledged > 0 {
		return fmt.Sprintf("%d status updates not acknowledged", f.Unacknowledged)
	}
	jm, tm := 0, 0
	slots := map[string]string{}
	for _, tk := range snap.Tasks {
		if tk.FrameworkID != w.framework || !tk.Live || tk.State.Terminal() {
			continue
		}
		if !known[tk.ID] {
			return fmt.Sprintf("task %s (%s) runs but the scheduler does not know it", tk.ID, tk.State)
		}
		if other, dup := slots[slot(tk.ID)]; dup {
			return fmt.Sprintf("tasks %s and %s both live for one worker", other, tk.ID)
		}
		slots[slot(tk.ID)] = tk.ID
		if tk.State != mesospb.TaskState_TASK_RUNNING {
			return fmt.Sprintf("task %s is %s", tk.ID, tk.State)
		}
		switch role(tk.ID) {
		case "jm":
			jm++
		case "tm":
			tm++
		default:
			return "a task ID of unknown form: " + tk.ID
		}
	}
	if jm != 1 || tm != w.want {
		return fmt.Sprintf("%d JobManagers and %d TaskManagers running, want 1 and %d", jm, tm, w.want)
	}
	if o.RunningTaskManagers != w.want {
		return fmt.Sprintf("the scheduler counts %d running TaskManagers, want %d", o.RunningTaskManagers, w.want)
	}
	return ""
}

func (w *world) summary(cfg settings, took time.Duration) string {
	snap := w.snapshot()
	launches := 0
	for _, tk := range snap.Tasks {
		launches += tk.Launches
	}
	acked := 0
	if f, ok := snap.Framework(w.framework); ok {
		acked = f.Acknowledged
	}
	var b strings.Builder
	fmt.Fprintf(&b, "soak: seed %d, %v of faults (%v in all), %d TaskManagers at the start, recovery bound %v\n",
		cfg.seed, cfg.duration, took.Round(time.Second), cfg.taskManagers, cfg.bound)
	fmt.Fprintf(&b, "soak: %d faults in %d rounds:", w.total, w.rounds)
	for _, k := range faultKinds {
		fmt.Fprintf(&b, " %s=%d", k, w.faults[k])
	}
	fmt.Fprintf(&b, "\nsoak: %d scheduler starts, %d checkpoint generations damaged (each detected), %d heartbeat pauses ended in a resubscription, %d offers rescinded, %d tasks launched, %d status updates acknowledged, %d master calls\n",
		w.runs, w.tornFiles, w.hbResubscribed, w.rescinded, launches, acked, snap.CallCount)
	fmt.Fprintf(&b, "soak: master calls by type:%s\n", callMix(nil, snap.CallsByType))
	fmt.Fprintf(&b, "soak: %d calls raced a stream cut (403 Framework is not subscribed within %v of a drop, failover or heartbeat silence)\n", w.racedCalls, raceWindow)
	fmt.Fprintf(&b, "soak: worst recovery %v, in %s\n", w.worst.Round(time.Millisecond), w.worstAt)
	fmt.Fprintf(&b, "soak: invariants checked %d times, 0 violations: no task launched twice, one framework ID, no call refused but calls racing a stream cut, "+
		"wanted TaskManagers RUNNING within the bound, no live task unknown to the scheduler, one live task per worker, every update acknowledged, "+
		"at most %d master calls per TaskManager in a round", w.checks, callsPerTaskManager)
	return b.String()
}

// logMark is a place in the scheduler's logs: a run and a byte offset in
// its log.
type logMark struct {
	run    int
	offset int64
}

// mark returns the end of what the scheduler has logged so far.
func (w *world) mark() logMark {
	m := logMark{run: w.runs}
	if fi, err := os.Stat(w.logPath); err == nil {
		m.offset = fi.Size()
	}
	return m
}

// waits lists what the scheduler logged after from about its two backoffs,
// the reasons for the longer recoveries: the waits before a new SUBSCRIBE
// (retry_in) and before a failed worker's replacement (replace_in). ""
// if none. Only what was written since from is read.
func (w *world) waits(from logMark) string {
	var resub, replace []time.Duration
	for run := from.run; run <= w.runs; run++ {
		f, err := os.Open(filepath.Join(w.logDir, fmt.Sprintf("scheduler-%05d.log", run)))
		if err != nil {
			continue
		}
		if run == from.run {
			_, err = f.Seek(from.offset, io.SeekStart)
		}
		var b []byte
		if err == nil {
			b, err = io.ReadAll(f)
		}
		f.Close()
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if d, ok := logDuration(line, "retry_in"); ok {
				resub = append(resub, d)
			}
			if d, ok := logDuration(line, "replace_in"); ok {
				replace = append(replace, d)
			}
		}
	}
	var b strings.Builder
	for _, l := range []struct {
		what  string
		waits []time.Duration
	}{{"resubscribed after waiting", resub}, {"replacements waited", replace}} {
		if len(l.waits) == 0 {
			continue
		}
		fmt.Fprintf(&b, "; %s", l.what)
		for _, d := range l.waits {
			fmt.Fprintf(&b, " %v", d.Round(100*time.Millisecond))
		}
	}
	return b.String()
}

// logDuration reads the duration attribute key of a scheduler log line in
// slog's text format, which the scheduler writes by default.
func logDuration(line, key string) (time.Duration, bool) {
	for _, f := range strings.Fields(line) {
		if v, found := strings.CutPrefix(f, key+"="); found {
			d, err := time.ParseDuration(v)
			return d, err == nil
		}
	}
	return 0, false
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
