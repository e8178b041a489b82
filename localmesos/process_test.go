package localmesos_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func processAgents(n int) localmesos.Config {
	cfg := localmesos.Config{}
	for i := 0; i < n; i++ {
		cfg.Agents = append(cfg.Agents, localmesos.AgentConfig{Processes: true})
	}
	return cfg
}

func sh(script string) *mesospb.CommandInfo {
	return &mesospb.CommandInfo{Value: proto.String(script)}
}

// runTask launches one command task on the first offer and returns its
// record once it is running.
func runTask(t *testing.T, m *localmesos.Master, s *sub, id string, cmd *mesospb.CommandInfo, more ...func(*mesospb.TaskInfo)) localmesos.TaskInfo {
	t.Helper()
	s.launch(s.offers()[0], id, "cpus:1;mem:128", cmd, more...)
	s.updateAck(mesospb.TaskState_TASK_STARTING)
	st := s.updateAck(mesospb.TaskState_TASK_RUNNING)
	if st.GetContainerStatus().GetExecutorPid() == 0 {
		t.Errorf("TASK_RUNNING without the executor pid: %v", st)
	}
	for _, tk := range m.Tasks() {
		if tk.ID == id {
			return tk
		}
	}
	t.Fatalf("task %s not in Tasks()", id)
	return localmesos.TaskInfo{}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The command executor's environment (src/slave/slave.cpp
// executorEnvironment, src/launcher/executor.cpp), the sandbox layout and
// the terminal state from the exit status.
func TestProcessEnvironmentAndSandbox(t *testing.T) {
	work := t.TempDir()
	cfg := processAgents(1)
	cfg.WorkDir = work
	m, _, s := start(t, cfg, frameworkInfo())
	cmd := sh(`pwd > pwd.txt; env > env.txt; echo out; echo err >&2; while [ ! -f go ]; do sleep 0.02; done`)
	cmd.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{
		{Name: proto.String("FLINK_X"), Value: proto.String("y")},
		{Name: proto.String("SECRET_X"), Type: mesospb.Environment_Variable_SECRET.Enum(),
			Secret: &mesospb.Secret{Type: mesospb.Secret_VALUE.Enum(), Value: &mesospb.Secret_Value{Data: []byte("s3")}}},
	}}
	tk := runTask(t, m, s, "tm-1", cmd)
	wantDir := filepath.Join(work, "agents", tk.AgentID, "frameworks", s.fwID, "executors", "tm-1", "runs")
	if filepath.Dir(tk.Sandbox) != wantDir {
		t.Errorf("sandbox %s, want under %s", tk.Sandbox, wantDir)
	}
	if err := os.WriteFile(filepath.Join(tk.Sandbox, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	st := s.updateAck(mesospb.TaskState_TASK_FINISHED)
	if st.GetMessage() != "Command exited with status 0" || st.GetSource() != mesospb.TaskStatus_SOURCE_EXECUTOR {
		t.Errorf("got %v", st)
	}
	env := map[string]string{}
	for _, line := range strings.Split(readFile(t, filepath.Join(tk.Sandbox, "env.txt")), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	want := map[string]string{
		"MESOS_SANDBOX":                        tk.Sandbox,
		"MESOS_DIRECTORY":                      tk.Sandbox,
		"MESOS_FRAMEWORK_ID":                   s.fwID,
		"MESOS_EXECUTOR_ID":                    "tm-1",
		"MESOS_SLAVE_ID":                       tk.AgentID,
		"MESOS_AGENT_ENDPOINT":                 "127.0.0.1:5051",
		"MESOS_SLAVE_PID":                      "slave(1)@127.0.0.1:5051",
		"MESOS_CHECKPOINT":                     "0",
		"MESOS_HTTP_COMMAND_EXECUTOR":          "0",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs",
		"MESOS_ALLOCATION_ROLE":                "*",
		"LIBPROCESS_PORT":                      "0",
		"FLINK_X":                              "y",
		"SECRET_X":                             "s3",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	// Mesos sets no MESOS_TASK_ID: a command task finds its ID in
	// MESOS_EXECUTOR_ID (or in what its scheduler passes).
	if v, ok := env["MESOS_TASK_ID"]; ok {
		t.Errorf("MESOS_TASK_ID = %q is set; Mesos does not set it", v)
	}
	if env["PATH"] == "" {
		t.Errorf("the agent's environment (PATH) is not inherited")
	}
	if got := strings.TrimSpace(readFile(t, filepath.Join(tk.Sandbox, "pwd.txt"))); got != tk.Sandbox {
		t.Errorf("working directory %q, want the sandbox", got)
	}
	if readFile(t, filepath.Join(tk.Sandbox, "stdout")) != "out\n" || readFile(t, filepath.Join(tk.Sandbox, "stderr")) != "err\n" {
		t.Errorf("stdout/stderr files hold %q / %q", readFile(t, filepath.Join(tk.Sandbox, "stdout")), readFile(t, filepath.Join(tk.Sandbox, "stderr")))
	}
}

func TestProcessExitStates(t *testing.T) {
	tests := []struct {
		name  string
		cmd   *mesospb.CommandInfo
		state mesospb.TaskState
		msg   string
	}{
		{"exit 0", sh("exit 0"), mesospb.TaskState_TASK_FINISHED, "Command exited with status 0"},
		{"exit 3", sh("exit 3"), mesospb.TaskState_TASK_FAILED, "Command exited with status 3"},
		{"killed by a signal of its own", sh("kill -KILL $$"), mesospb.TaskState_TASK_FAILED, "Command terminated with signal Killed"},
		{"segfault", sh("kill -SEGV $$"), mesospb.TaskState_TASK_FAILED, "Command terminated with signal Segmentation fault"},
		{"shell false with argv0", &mesospb.CommandInfo{Shell: proto.Bool(false), Value: proto.String("/bin/sh"),
			Arguments: []string{"custom-argv0", "-c", `[ "$0" = custom-argv0 ] && exit 7`}}, mesospb.TaskState_TASK_FAILED, "Command exited with status 7"},
		{"missing executable", &mesospb.CommandInfo{Shell: proto.Bool(false), Value: proto.String("/nonexistent/bin")},
			mesospb.TaskState_TASK_FAILED, "Command exited with status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, s := start(t, processAgents(1), frameworkInfo())
			offer := s.offers()[0]
			s.mustSend(acceptCall(offer, task("t1", offer.GetAgentId().GetValue(), "cpus:1;mem:64", tt.cmd)))
			s.updateAck(mesospb.TaskState_TASK_STARTING)
			s.updateAck(mesospb.TaskState_TASK_RUNNING)
			st := s.updateAck(tt.state)
			if st.GetMessage() != tt.msg {
				t.Errorf("got %q, want %q", st.GetMessage(), tt.msg)
			}
		})
	}
}

// KILL: TASK_KILLING (with the capability), SIGTERM to the process group,
// SIGKILL after the grace period; a kill we asked for ends TASK_KILLED.
func TestProcessKill(t *testing.T) {
	tests := []struct {
		name    string
		caps    []mesospb.FrameworkInfo_Capability_Type
		script  string
		policy  time.Duration
		msg     string
		minWait time.Duration
	}{
		{"term handled", nil, `trap 'echo term > got_term; exit 0' TERM; touch ready; while :; do sleep 0.05; done`, 0, "Command exited with status 0", 0},
		{"term ignored, escalated", []mesospb.FrameworkInfo_Capability_Type{mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE},
			`trap '' TERM; touch ready; while :; do sleep 0.05; done`, 300 * time.Millisecond, "Command terminated with signal Killed", 300 * time.Millisecond},
		{"default term", nil, `touch ready; while :; do sleep 0.05; done`, 0, "Command terminated with signal Terminated", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, s := start(t, processAgents(1), frameworkInfo(tt.caps...))
			tk := runTask(t, m, s, "t1", sh(tt.script), func(ti *mesospb.TaskInfo) {
				if tt.policy > 0 {
					ti.KillPolicy = &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{Nanoseconds: proto.Int64(int64(tt.policy))}}
				}
			})
			waitFile(t, filepath.Join(tk.Sandbox, "ready"))
			begin := time.Now()
			s.mustSend(killCall("t1"))
			if len(tt.caps) > 0 {
				s.updateAck(mesospb.TaskState_TASK_KILLING)
			}
			st := s.updateAck(mesospb.TaskState_TASK_KILLED)
			if st.GetMessage() != tt.msg {
				t.Errorf("got %q, want %q", st.GetMessage(), tt.msg)
			}
			if d := time.Since(begin); d < tt.minWait {
				t.Errorf("killed after %v, before the %v grace period", d, tt.minWait)
			}
			if strings.HasPrefix(tt.name, "term handled") && readFile(t, filepath.Join(tk.Sandbox, "got_term")) != "term\n" {
				t.Errorf("the task did not see SIGTERM")
			}
			waitGone(t, tk.PID)
		})
	}
}

// waitFile waits until the task has created p.
func waitFile(t *testing.T, p string) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(p); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", p)
}

// waitGone waits until no process has pid.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("process %d still exists", pid)
}

// Close leaves no process behind: the task's whole process group dies.
func TestCloseKillsProcessGroups(t *testing.T) {
	cfg := processAgents(1)
	cfg.AllocationInterval = 10 * time.Millisecond
	cfg.WorkDir = t.TempDir()
	m, err := localmesos.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := newClient(t, m.URL())
	s := c.subscribe(frameworkInfo())
	s.subscribed()
	tk := runTask(t, m, s, "t1", sh(`trap '' TERM; sleep 1000 & echo $! > child; wait`))
	var child int
	deadline := time.Now().Add(waitTime)
	for child == 0 && time.Now().Before(deadline) {
		b, _ := os.ReadFile(filepath.Join(tk.Sandbox, "child"))
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		time.Sleep(10 * time.Millisecond)
	}
	if child == 0 {
		t.Fatal("the task did not start its child")
	}
	m.Close()
	waitGone(t, tk.PID)
	waitGone(t, child)
}

// A framework's removal (TEARDOWN) shuts its executors down: SIGTERM, then
// SIGKILL after the shutdown grace period less the executor's 2 s.
func TestTeardownKillsProcesses(t *testing.T) {
	cfg := processAgents(1)
	cfg.ExecutorShutdownGrace = 2*time.Second + 200*time.Millisecond
	m, _, s := start(t, cfg, frameworkInfo())
	tk := runTask(t, m, s, "t1", sh(`trap '' TERM; touch ready; while :; do sleep 0.05; done`))
	waitFile(t, filepath.Join(tk.Sandbox, "ready"))
	begin := time.Now()
	s.mustSend(&mesospb.Call{Type: mesospb.Call_TEARDOWN.Enum()})
	waitGone(t, tk.PID)
	if d := time.Since(begin); d < 200*time.Millisecond {
		t.Errorf("killed after %v, want at least the 200ms left of the grace period", d)
	}
}

// No Docker containerizer on a process agent: the agent cannot find the
// container it was to launch (src/slave/slave.cpp executorLaunched with
// NOT_SUPPORTED), but the TaskInfo is kept for inspection.
func TestProcessAgentRefusesDocker(t *testing.T) {
	m, _, s := start(t, processAgents(1), frameworkInfo())
	o := s.offers()[0]
	ti := task("d1", o.GetAgentId().GetValue(), "cpus:1;mem:64", sh("true"))
	ti.Container = &mesospb.ContainerInfo{Type: mesospb.ContainerInfo_DOCKER.Enum(),
		Docker: &mesospb.ContainerInfo_DockerInfo{Image: proto.String("flink:1.13")}}
	s.mustSend(acceptCall(o, ti))
	st := s.updateAck(mesospb.TaskState_TASK_FAILED)
	if st.GetReason() != mesospb.TaskStatus_REASON_EXECUTOR_TERMINATED || st.GetSource() != mesospb.TaskStatus_SOURCE_AGENT ||
		st.GetMessage() != "Abnormal executor termination: unknown container" {
		t.Errorf("got %v", st)
	}
	if tk := m.Tasks()[0]; tk.Task.GetContainer().GetDocker().GetImage() != "flink:1.13" {
		t.Errorf("TaskInfo not kept: %v", tk.Task)
	}
}

// Process agents on one machine share the default ports range without
// overlap; explicit overlapping ranges are refused.
func TestProcessAgentPorts(t *testing.T) {
	m := newMaster(t, processAgents(2))
	var ranges []string
	for _, a := range m.Agents() {
		for _, r := range a.Total {
			if r.GetName() == "ports" {
				for _, rg := range r.GetRanges().GetRange() {
					ranges = append(ranges, strconv.FormatUint(rg.GetBegin(), 10)+"-"+strconv.FormatUint(rg.GetEnd(), 10))
				}
			}
		}
	}
	if strings.Join(ranges, ",") != "31000-31499,31500-31999" {
		t.Errorf("ports %v, want the default range split in two", ranges)
	}
	if _, err := m.AddAgent(localmesos.AgentConfig{Processes: true, Resources: "cpus:1;mem:64;ports:[31400-31600]"}); err == nil ||
		!strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping ports: got %v", err)
	}
	id, err := m.AddAgent(localmesos.AgentConfig{Processes: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range m.Agents() {
		if a.ID == id && a.Hostname != "127.0.0.1" {
			t.Errorf("process agent hostname %q", a.Hostname)
		}
	}
}
