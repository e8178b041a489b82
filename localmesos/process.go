package localmesos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// process is a task run as a real child process by a process agent, the
// way the Mesos command executor runs it: sandbox, fetched URIs, the
// executor's environment, its own process group.
type process struct {
	sandbox string
	pid     int
	cancel  context.CancelFunc // stops fetching and starting
	goAhead chan struct{}      // closed by the loop when the command may start

	// Loop-owned.
	started    bool // past the launch: TASK_STARTING queued
	canceled   bool // killed or shut down before it started
	killed     bool // SIGTERM sent (or due as soon as the pid is known)
	killingDue bool // TASK_KILLING goes out after TASK_RUNNING
	exited     bool
	forced     bool // SetTaskState ended it: its exit reports nothing
	grace      time.Duration
	deadline   time.Time // when SIGKILL is due
	killTimer  *time.Timer
	m          *Master
}

// processSpec is what the launch goroutine needs, copied out of the loop's
// state so the goroutine never touches it.
type processSpec struct {
	sandbox string
	uris    []*mesospb.CommandInfo_URI
	command *mesospb.CommandInfo
	env     []string
}

// startProcess is the agent launching a command task's container.
func (s *state) startProcess(t *task) {
	a, fw, ti := t.agent, t.fw, t.info
	sandbox := filepath.Join(a.workDir(s.m.cfg.WorkDir), "frameworks", fw.id, "executors", t.executor, "runs", t.container)
	p := &process{sandbox: sandbox, goAhead: make(chan struct{}), m: s.m}
	t.proc = p
	// proto2: an unset ContainerInfo.type reads as DOCKER, its first value.
	if ti.Container != nil && ti.Container.GetType() == mesospb.ContainerInfo_DOCKER {
		// An agent with only the Mesos containerizer cannot launch it; the
		// container is unknown when the agent waits for it.
		s.m.log.Error("container failed to start: None of the enabled containerizers (mesos) could create a container for the provided TaskInfo/ExecutorInfo message",
			"framework", fw.id, "task", t.id)
		p.canceled = true
		reason := mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED
		s.agentUpdate(t, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_SOURCE_AGENT, "Abnormal executor termination: unknown container", &reason)
		return
	}
	if t.custom {
		p.canceled = true
		reason := mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED
		s.agentUpdate(t, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_SOURCE_AGENT,
			"Failed to launch container: localmesos process agents run command tasks only, not custom executors", &reason)
		return
	}
	for _, u := range ti.GetCommand().GetUris() {
		if err := validateURI(u.GetValue(), u.OutputFile); err != nil {
			p.canceled = true
			reason := mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED
			s.agentUpdate(t, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_SOURCE_AGENT, "Failed to launch container: Could not fetch: "+err.Error(), &reason)
			return
		}
	}
	env, err := s.taskEnvironment(t, sandbox)
	if err != nil {
		p.canceled = true
		reason := mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED
		s.agentUpdate(t, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_SOURCE_AGENT, "Failed to launch container: "+err.Error(), &reason)
		return
	}
	cmd := ti.GetCommand()
	if u := cmd.GetUser(); u != "" {
		if cur, err := user.Current(); err != nil || cur.Username != u {
			s.m.log.Warn("ignoring CommandInfo.user: a process agent runs tasks as the current user", "task", t.id, "user", u)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	spec := processSpec{sandbox: sandbox, uris: cmd.GetUris(), command: cmd, env: env}
	containerID := t.container
	s.m.wg.Add(1)
	go func() {
		defer s.m.wg.Done()
		defer cancel()
		p.run(ctx, t, spec, containerID)
	}()
}

// run is the launch goroutine: make the sandbox, fetch, wait for the loop's
// go-ahead, start the command, wait for it to exit. Each step reports to
// the loop.
func (p *process) run(ctx context.Context, t *task, spec processSpec, containerID string) {
	m := p.m
	if err := os.MkdirAll(spec.sandbox, 0o755); err != nil {
		m.post(func(s *state) {
			s.launchFailed(t, p, "Failed to launch container: Failed to create sandbox: "+err.Error())
		})
		return
	}
	stdout, err1 := os.OpenFile(filepath.Join(spec.sandbox, "stdout"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	stderr, err2 := os.OpenFile(filepath.Join(spec.sandbox, "stderr"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err := errors.Join(err1, err2); err != nil {
		closeFiles(stdout, stderr)
		m.post(func(s *state) { s.launchFailed(t, p, "Failed to launch container: "+err.Error()) })
		return
	}
	defer closeFiles(stdout, stderr)
	if len(spec.uris) > 0 {
		if err := fetchAll(ctx, spec.uris, spec.sandbox, stderr); err != nil {
			if ctx.Err() != nil {
				return
			}
			fmt.Fprintf(stderr, "Failed to fetch: %v\n", err)
			msg := "Failed to launch container: Failed to fetch all URIs for container '" + containerID + "': exited with status 1"
			m.post(func(s *state) { s.launchFailed(t, p, msg) })
			return
		}
	}
	m.post(func(s *state) { s.launchReady(t, p) })
	select {
	case <-p.goAhead:
	case <-ctx.Done():
		return
	}
	c := commandFor(spec.command)
	c.Dir = spec.sandbox
	c.Env = spec.env
	c.Stdout, c.Stderr = stdout, stderr
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.Start(); err != nil {
		// The launcher helper cannot exec the command and exits 1.
		fmt.Fprintf(stderr, "Failed to execute '%s': %v\n", spec.command.GetValue(), err)
		m.post(func(s *state) { s.processStartFailed(t, p) })
		return
	}
	pid := c.Process.Pid
	if ctx.Err() != nil {
		// Shut down while starting.
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	m.post(func(s *state) { s.processStarted(t, p, pid) })
	waited := make(chan struct{})
	go func() {
		// Close kills every process group, whatever the loop knew.
		select {
		case <-m.stopping:
			syscall.Kill(-pid, syscall.SIGKILL)
		case <-waited:
		}
	}()
	err := c.Wait()
	close(waited)
	var ws syscall.WaitStatus
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		ws, _ = ee.Sys().(syscall.WaitStatus)
	default:
		ws = syscall.WaitStatus(1 << 8)
	}
	m.post(func(s *state) { s.processExited(t, p, ws) })
}

func closeFiles(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// commandFor builds the command as the command executor does: shell
// commands run under /bin/sh -c, others are executed directly with
// arguments[0] as argv[0].
func commandFor(ci *mesospb.CommandInfo) *exec.Cmd {
	if ci.GetShell() {
		c := exec.Command("/bin/sh", "-c", ci.GetValue())
		return c
	}
	c := exec.Command(ci.GetValue())
	c.Args = append([]string(nil), ci.GetArguments()...)
	if len(c.Args) == 0 {
		c.Args = []string{ci.GetValue()}
	}
	return c
}

// taskEnvironment is the command task's environment: the agent's own
// (executors inherit it), the executor variables of src/slave/slave.cpp
// executorEnvironment, MESOS_SANDBOX from the containerizer, then the
// CommandInfo's variables, then MESOS_ALLOCATION_ROLE
// (src/launcher/executor.cpp).
func (s *state) taskEnvironment(t *task, sandbox string) ([]string, error) {
	env := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := env[k]; !ok {
			order = append(order, k)
		}
		env[k] = v
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			set(k, v)
		}
	}
	a, fw := t.agent, t.fw
	grace := s.m.cfg.ExecutorShutdownGrace
	set("LIBPROCESS_PORT", "0")
	set("MESOS_FRAMEWORK_ID", fw.id)
	set("MESOS_EXECUTOR_ID", t.executor)
	set("MESOS_DIRECTORY", sandbox)
	set("MESOS_SLAVE_ID", a.id)
	set("MESOS_SLAVE_PID", "slave(1)@"+a.ip+":"+strconv.Itoa(agentPort))
	set("MESOS_AGENT_ENDPOINT", a.ip+":"+strconv.Itoa(agentPort))
	checkpoint := fw.info.GetCheckpoint()
	set("MESOS_CHECKPOINT", map[bool]string{true: "1", false: "0"}[checkpoint])
	set("MESOS_HTTP_COMMAND_EXECUTOR", "0")
	set("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", formatDuration(grace))
	if checkpoint {
		set("MESOS_RECOVERY_TIMEOUT", "15mins")
		set("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs")
	}
	set("MESOS_SANDBOX", sandbox)
	for _, v := range t.info.GetCommand().GetEnvironment().GetVariables() {
		switch v.GetType() {
		case mesospb.Environment_Variable_VALUE:
			set(v.GetName(), v.GetValue())
		case mesospb.Environment_Variable_SECRET:
			// The environment_secret isolator with the default secret
			// resolver (src/slave/containerizer/mesos/isolators/
			// environment_secret.cpp, src/secret/resolver.cpp): it looks at
			// the fields, not the type, so a secret of type UNKNOWN (which
			// validateSecret lets through) with a value resolves too.
			sec := v.GetSecret()
			switch {
			case sec.Reference != nil:
				return nil, errors.New("Default secret resolver cannot resolve references")
			case sec.Value == nil:
				return nil, errors.New("Secret has no value")
			}
			set(v.GetName(), string(sec.GetValue().GetData()))
		}
	}
	set("MESOS_ALLOCATION_ROLE", t.role)
	out := make([]string, len(order))
	for i, k := range order {
		out[i] = k + "=" + env[k]
	}
	return out, nil
}

// formatDuration prints a duration as stout's operator<<(Duration): the
// largest unit that keeps it whole ("5secs", "1500ms", "15mins").
func formatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	units := []struct {
		size time.Duration
		name string
	}{
		{7 * 24 * time.Hour, "weeks"}, {24 * time.Hour, "days"}, {time.Hour, "hrs"},
		{time.Minute, "mins"}, {time.Second, "secs"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"},
	}
	out := strconv.FormatInt(int64(d), 10) + "ns"
	for i, u := range units {
		if d < u.size {
			continue
		}
		// Within this unit's bucket: whole in it, else in the next smaller
		// unit if whole there, else fractional in this unit.
		if d%u.size != 0 && i+1 < len(units) && d%units[i+1].size == 0 {
			out = strconv.FormatInt(int64(d/units[i+1].size), 10) + units[i+1].name
		} else {
			out = strconv.FormatFloat(float64(d)/float64(u.size), 'g', 6, 64) + u.name
		}
		break
	}
	if neg {
		return "-" + out
	}
	return out
}

// launchFailed: the container could not be launched (sandbox, fetch).
func (s *state) launchFailed(t *task, p *process, msg string) {
	if t.proc != p || p.canceled {
		return
	}
	p.canceled = true
	reason := mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED
	s.agentUpdate(t, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_SOURCE_AGENT, msg, &reason)
}

// launchReady: the container is ready; the command executor sends
// TASK_STARTING and starts the command.
func (s *state) launchReady(t *task, p *process) {
	if t.proc != p || p.canceled || !t.onAgent {
		return
	}
	p.started = true
	s.agentUpdate(t, mesospb.TaskState_TASK_STARTING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
	close(p.goAhead)
}

func (s *state) processStarted(t *task, p *process, pid int) {
	p.pid = pid
	if t.proc != p || !t.onAgent || p.forced {
		// Ended while starting: make sure nothing is left behind.
		syscall.Kill(-pid, syscall.SIGKILL)
		return
	}
	s.agentUpdate(t, mesospb.TaskState_TASK_RUNNING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
	if p.killed {
		if p.killingDue {
			s.agentUpdate(t, mesospb.TaskState_TASK_KILLING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
		}
		p.signal(syscall.SIGTERM)
		p.armEscalation(p.grace)
	}
}

func (s *state) processStartFailed(t *task, p *process) {
	p.exited = true
	if t.proc != p || !t.onAgent || p.forced {
		return
	}
	s.agentUpdate(t, mesospb.TaskState_TASK_RUNNING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
	s.finishProcess(t, p, syscall.WaitStatus(1<<8))
}

func (s *state) processExited(t *task, p *process, ws syscall.WaitStatus) {
	p.exited = true
	if p.killTimer != nil {
		p.killTimer.Stop()
		p.killTimer = nil
	}
	// Whatever the command left in its process group goes with it, as the
	// agent destroys the container.
	syscall.Kill(-p.pid, syscall.SIGKILL)
	if t.proc != p || !t.onAgent || p.forced {
		return
	}
	s.finishProcess(t, p, ws)
}

// finishProcess reports the command's end as executor.cpp reaped() does.
func (s *state) finishProcess(t *task, p *process, ws syscall.WaitStatus) {
	st := mesospb.TaskState_TASK_FAILED
	switch {
	case p.killed:
		st = mesospb.TaskState_TASK_KILLED
	case ws.Exited() && ws.ExitStatus() == 0:
		st = mesospb.TaskState_TASK_FINISHED
	}
	s.agentUpdate(t, st, mesospb.TaskStatus_SOURCE_EXECUTOR, "Command "+wstringify(ws), nil)
}

// wstringify is src/common/status_utils.hpp WSTRINGIFY, with glibc's
// strsignal texts.
func wstringify(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return "exited with status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		msg := "terminated with signal " + strsignal(ws.Signal())
		if ws.CoreDump() {
			msg += " (core dumped)"
		}
		return msg
	case ws.Stopped():
		return "stopped on signal " + strsignal(ws.StopSignal())
	}
	return "wait status " + strconv.Itoa(int(ws))
}

// strsignal is glibc's description: Go's, capitalised.
func strsignal(sig syscall.Signal) string {
	s := sig.String()
	if s == "" || strings.HasPrefix(s, "signal ") {
		return "Unknown signal " + strconv.Itoa(int(sig))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// kill is the command executor's kill: SIGTERM to the process group now,
// SIGKILL after grace. A repeated kill can only shorten the grace period.
func (p *process) kill(grace time.Duration) {
	if p.exited {
		return
	}
	now := time.Now()
	if p.killed {
		if p.pid == 0 {
			p.grace = min(p.grace, grace)
			return
		}
		if !now.Add(grace).Before(p.deadline) {
			return
		}
		p.armEscalation(max(grace-now.Sub(p.deadline.Add(-p.grace)), 0))
		return
	}
	p.killed = true
	p.grace = grace
	if p.pid == 0 {
		return // SIGTERM goes out as soon as the pid is known
	}
	p.signal(syscall.SIGTERM)
	p.armEscalation(grace)
}

func (p *process) armEscalation(d time.Duration) {
	if p.killTimer != nil {
		p.killTimer.Stop()
	}
	p.deadline = time.Now().Add(d)
	p.killTimer = p.m.afterFunc(d, func(*state) {
		p.killTimer = nil
		if !p.exited {
			p.signal(syscall.SIGKILL)
		}
	})
}

func (p *process) signal(sig syscall.Signal) {
	if p.pid > 0 && !p.exited {
		syscall.Kill(-p.pid, sig)
	}
}

// cancelLaunch stops a launch that has not reached the command.
func (p *process) cancelLaunch() {
	p.canceled = true
	if p.cancel != nil {
		p.cancel()
	}
}

// shutdown ends the process without further reports: at once with grace
// 0, else SIGTERM and SIGKILL after grace.
func (p *process) shutdown(grace time.Duration) {
	p.forced = true
	if p.pid == 0 {
		// Not started (or its pid is not known yet): the launch goroutine
		// stops, or kills what it has just started.
		p.cancelLaunch()
		return
	}
	if p.exited {
		return
	}
	if grace <= 0 {
		p.signal(syscall.SIGKILL)
		return
	}
	if !p.killed {
		p.killed = true
		p.grace = grace
		p.signal(syscall.SIGTERM)
		p.armEscalation(grace)
	}
}
