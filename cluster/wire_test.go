package cluster_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// taskManagerInfo waits for a TaskManager launch and returns its TaskInfo
// as the master received it.
func taskManagerInfo(t *testing.T, s *setup) *mesospb.TaskInfo {
	t.Helper()
	var info *mesospb.TaskInfo
	waitFor(t, s.lm, 20*time.Second, "a TaskManager launch", func(snap *localmesos.Snapshot) bool {
		for _, tk := range snap.Tasks {
			if strings.Contains(tk.ID, "-tm-") && tk.Task != nil {
				info = tk.Task
				return true
			}
		}
		return false
	})
	return info
}

func dynamic(t *testing.T, info *mesospb.TaskInfo) map[string]string {
	t.Helper()
	spec, err := launchspec.FromCommandInfo(info.GetCommand())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range spec.Dynamic {
		out[d.Key] = d.Value
	}
	return out
}

// Docker cannot run here, so the Docker settings are checked on the wire:
// in the TaskInfo the master received.
func TestDockerContainerOnTheWire(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, map[string]string{
		"mesos.resourcemanager.tasks.container.type":                    "docker",
		"mesos.resourcemanager.tasks.container.image.name":              "flink:1.13-scala_2.12",
		"mesos.resourcemanager.tasks.container.volumes":                 "/data:/data:RO,/tmp/s:/scratch",
		"mesos.resourcemanager.tasks.container.docker.parameters":       "memory-swappiness=0,env=A=B",
		"mesos.resourcemanager.tasks.container.docker.force-pull-image": "true",
		"mesos.resourcemanager.tasks.taskexecutor-path":                 "/opt/flink-mesos/flink-mesos-taskexecutor",
		"mesos.resourcemanager.tasks.uris":                              "http://repo/docker.tar.gz",
		"mesos.resourcemanager.tasks.labels":                            "team:data,tier:gold",
		"mesos.resourcemanager.tasks.user":                              "flinkuser",
		"containerized.taskmanager.env.HADOOP_CLASSPATH":                "/hadoop/*",
		"mesos.resourcemanager.tasks.hostname":                          "_TASK_.flink.mesos",
		"mesos.resourcemanager.tasks.kill-grace-period":                 "45 s",
		"mesos.resourcemanager.tasks.port-assignments":                  "metrics.reporter.prom.port",
		"mesos.resourcemanager.tasks.bootstrap-cmd":                     "ulimit -n 65536",
	})
	s.tms = 1
	s.exe = ""
	s.start(t)
	info := taskManagerInfo(t, s)
	c := info.GetContainer()
	if c.GetType() != mesospb.ContainerInfo_DOCKER || c.GetDocker().GetImage() != "flink:1.13-scala_2.12" ||
		c.GetDocker().GetNetwork() != mesospb.ContainerInfo_DockerInfo_HOST || !c.GetDocker().GetForcePullImage() {
		t.Fatalf("container %v", c)
	}
	params := map[string]string{}
	for _, p := range c.GetDocker().GetParameters() {
		params[p.GetKey()] = p.GetValue()
	}
	if params["memory-swappiness"] != "0" || params["env"] != "A=B" {
		t.Fatalf("docker parameters %v", params)
	}
	if v := c.GetVolumes(); len(v) != 2 || v[0].GetHostPath() != "/data" || v[0].GetMode() != mesospb.Volume_RO ||
		v[1].GetContainerPath() != "/scratch" || v[1].GetMode() != mesospb.Volume_RW || v[1].GetHostPath() != "/tmp/s" {
		t.Fatalf("volumes %v", v)
	}
	cmd := info.GetCommand()
	if cmd.GetValue() != "/opt/flink-mesos/flink-mesos-taskexecutor" || cmd.GetUser() != "flinkuser" {
		t.Fatalf("command %q user %q", cmd.GetValue(), cmd.GetUser())
	}
	var uris []string
	for _, u := range cmd.GetUris() {
		uris = append(uris, u.GetValue())
		if u.GetValue() == "http://repo/docker.tar.gz" && !u.GetExtract() {
			t.Errorf("a user URI must keep extract=true (Flink's default)")
		}
		if strings.HasSuffix(u.GetValue(), "/flink-mesos-taskexecutor") {
			t.Errorf("the task executor is fetched although the image has it")
		}
	}
	if !slices.Contains(uris, "http://repo/docker.tar.gz") || len(uris) != 2 {
		t.Fatalf("URIs %v, want the served configuration and the user URI", uris)
	}
	env := map[string]string{}
	for _, v := range cmd.GetEnvironment().GetVariables() {
		env[v.GetName()] = v.GetValue()
	}
	if env["HADOOP_CLASSPATH"] != "/hadoop/*" {
		t.Fatalf("environment %v", env)
	}
	labels := map[string]string{}
	for _, l := range info.GetLabels().GetLabels() {
		labels[l.GetKey()] = l.GetValue()
	}
	if labels["team"] != "data" || labels["tier"] != "gold" || labels["flink.role"] != "taskmanager" || labels["flink.attempt"] != "1" {
		t.Fatalf("labels %v", labels)
	}
	if g := info.GetKillPolicy().GetGracePeriod().GetNanoseconds(); g != int64(45*time.Second) {
		t.Fatalf("kill grace %d", g)
	}
	d := dynamic(t, info)
	if d["taskmanager.host"] != info.GetTaskId().GetValue()+".flink.mesos" {
		t.Fatalf("taskmanager.host %q, want _TASK_ replaced by the task ID", d["taskmanager.host"])
	}
	if d["metrics.reporter.prom.port"] == "" || d["taskmanager.rpc.port"] == "" || d["taskmanager.data.port"] == "" {
		t.Fatalf("ports %v", d)
	}
	spec, _ := launchspec.FromCommandInfo(cmd)
	if spec.Bootstrap != "ulimit -n 65536" {
		t.Fatalf("bootstrap %q", spec.Bootstrap)
	}
	var ports int
	for _, r := range info.GetResources() {
		if r.GetName() == "ports" {
			for _, rg := range r.GetRanges().GetRange() {
				ports += int(rg.GetEnd() - rg.GetBegin() + 1)
			}
		}
	}
	if ports != 3 {
		t.Fatalf("%d ports taken, want rpc, data and the assigned one", ports)
	}
}

func TestMesosContainerizerWithImage(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, map[string]string{"mesos.resourcemanager.tasks.container.image.name": "flink:2.0"})
	s.tms = 1
	s.start(t)
	c := taskManagerInfo(t, s).GetContainer()
	if c.GetType() != mesospb.ContainerInfo_MESOS || c.GetMesos().GetImage().GetType() != mesospb.Image_DOCKER ||
		c.GetMesos().GetImage().GetDocker().GetName() != "flink:2.0" {
		t.Fatalf("container %v", c)
	}
}

// Flink's shipped flink-conf.yaml names localhost as the JobManager, which
// no TaskManager on another agent can reach (flink-mesos-module.md §7.3,
// problem 1). The scheduler always hands out the agents' hostnames.
func TestLocalhostNeverReachesTasks(t *testing.T) {
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{
		{Hostname: "agent-a.example.com", Resources: "cpus:1;mem:4096;ports:[31000-31010]"},
		{Hostname: "agent-b.example.com", Resources: "cpus:4;mem:8192;ports:[31000-31010]"},
	}}, map[string]string{"jobmanager.rpc.address": "localhost", "rest.bind-address": "localhost", "taskmanager.bind-host": "localhost"})
	s.tms = 1
	s.start(t)
	var jmHost string
	waitFor(t, s.lm, 20*time.Second, "both launched", func(snap *localmesos.Snapshot) bool {
		n := 0
		for _, tk := range snap.Tasks {
			if tk.Task != nil {
				n++
				if strings.Contains(tk.ID, "-jm-") {
					for _, a := range snap.Agents {
						if a.ID == tk.AgentID {
							jmHost = a.Hostname
						}
					}
				}
			}
		}
		return n == 2
	})
	for _, tk := range s.lm.Tasks() {
		d := dynamic(t, tk.Task)
		for k, v := range d {
			if v == "localhost" || v == "127.0.0.1" {
				t.Errorf("task %s gets %s=%s", tk.ID, k, v)
			}
		}
		if d["jobmanager.rpc.address"] != jmHost {
			t.Errorf("task %s gets jobmanager.rpc.address=%q, want the JobManager's agent %q", tk.ID, d["jobmanager.rpc.address"], jmHost)
		}
	}
}

// Offers are never held (problem 3: hoarding under quota): whatever is not
// used is declined in the same event, and with nothing to launch the
// framework is suppressed.
func TestNoOfferIsHeld(t *testing.T) {
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{{}, {}, {}}}, nil)
	s.tms = 1
	s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up, no offer outstanding, offers suppressed", func(snap *localmesos.Snapshot) bool {
		jm, tm := running(snap)
		if jm != 1 || tm != 1 || len(snap.Offers) != 0 || len(snap.Frameworks) != 1 {
			return false
		}
		return len(snap.Frameworks[0].Suppressed) > 0
	})
	// And nothing is offered while suppressed.
	time.Sleep(300 * time.Millisecond)
	snapOffers := 0
	s.lm.WaitFor(t.Context(), func(snap *localmesos.Snapshot) bool { snapOffers = len(snap.Offers); return true })
	if snapOffers != 0 {
		t.Fatalf("%d offers outstanding while nothing is pending", snapOffers)
	}
}

// GPU agents are offered only to frameworks with GPU_RESOURCES (problem
// 15: Flink 1.13 never set it, so GPU TaskManagers never started).
func TestGPUTaskManagers(t *testing.T) {
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{
		{Resources: "cpus:4;mem:8192;ports:[31000-31099]"},
		{Resources: "cpus:4;mem:8192;gpus:2;ports:[31000-31099]"},
	}}, map[string]string{"mesos.resourcemanager.tasks.gpus": "1"})
	s.tms = 2
	s.start(t)
	waitFor(t, s.lm, 20*time.Second, "2 GPU TaskManagers running", func(snap *localmesos.Snapshot) bool { _, tm := running(snap); return tm == 2 })
	for _, f := range s.lm.Frameworks() {
		if !slices.Contains(f.Capabilities, mesospb.FrameworkInfo_Capability_GPU_RESOURCES) {
			t.Fatalf("capabilities %v lack GPU_RESOURCES", f.Capabilities)
		}
	}
	for _, tk := range s.lm.Tasks() {
		if !strings.Contains(tk.ID, "-tm-") {
			continue
		}
		gpus := 0.0
		for _, r := range tk.Task.GetResources() {
			if r.GetName() == "gpus" {
				gpus += r.GetScalar().GetValue()
			}
		}
		if gpus != 1 {
			t.Fatalf("TaskManager %s has %v gpus", tk.ID, gpus)
		}
	}
}
