package cluster

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
	"github.com/flink-mesos/flink-mesos/offers"
)

// The JobManager's ports, in the order they are taken from its offer.
var jobManagerPortKeys = []string{"jobmanager.rpc.port", "rest.port", "blob.server.port"}

// onOffers places what is pending on the offers of one OFFERS event and
// declines the rest at once: no offer is held past the event that brought
// it. The JobManager is placed first; TaskManagers need its address.
func (m *Manager) onOffers(list []*mesospb.Offer, now time.Time) {
	byID := make(map[string]*mesospb.Offer, len(list))
	for _, o := range list {
		byID[o.GetId().GetValue()] = o
	}
	jm, tms := m.pending(now)
	if jm == nil && len(tms) == 0 || m.stopping != nil {
		m.decline(list)
		return
	}
	var converted []offers.Offer
	var bad []*mesospb.Offer
	for _, o := range list {
		c, err := offers.FromMesos(o)
		if err != nil {
			m.log.Warn("declining a malformed offer", "offer", o.GetId().GetValue(), "agent", o.GetAgentId().GetValue(), "error", err)
			bad = append(bad, o)
			continue
		}
		converted = append(converted, c)
	}
	var reasons []string
	if jm != nil {
		plan, err := m.place(converted, []offers.Task{m.demand(jm)})
		if err != nil {
			m.log.Error("placement failed", "error", err)
			m.decline(list)
			return
		}
		m.launch(plan, byID, now)
		reasons = append(reasons, unplacedReasons(plan)...)
		converted = remaining(converted, plan)
		if len(plan.Launches) > 0 {
			_, tms = m.pending(now)
		}
	}
	if len(tms) > 0 && len(converted) > 0 {
		tasks := make([]offers.Task, len(tms))
		for i, w := range tms {
			tasks[i] = m.demand(w)
		}
		plan, err := m.place(converted, tasks)
		if err != nil {
			m.log.Error("placement failed", "error", err)
		} else {
			m.launch(plan, byID, now)
			reasons = append(reasons, unplacedReasons(plan)...)
			converted = remaining(converted, plan)
		}
	}
	var rest []*mesospb.Offer
	for _, o := range converted {
		rest = append(rest, byID[o.ID])
	}
	m.decline(append(rest, bad...))
	m.noteUnplaced(reasons, now)
}

func (m *Manager) place(offerList []offers.Offer, tasks []offers.Task) (offers.Plan, error) {
	strategy := offers.Binpack
	if m.cfg.Options.Placement.Strategy == flinkconf.PlacementSpread {
		strategy = offers.Spread
	}
	running := map[string]int{}
	for _, w := range m.workers {
		if w.rec.Role == RoleTaskManager && w.rec.State == hastore.WorkerLaunched {
			running[w.rec.Hostname]++
		}
	}
	var rs []offers.Running
	for host, n := range running {
		rs = append(rs, offers.Running{Hostname: host, Group: string(RoleTaskManager), Count: n})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].Hostname < rs[j].Hostname })
	start := time.Now()
	plan, err := offers.Place(offers.Input{
		Offers:   offerList,
		Tasks:    tasks,
		Roles:    []string{m.cfg.Options.Framework.Role},
		Strategy: strategy,
		Running:  rs,
	})
	m.metrics.placement.observe(time.Since(start))
	return plan, err
}

// demand is what a worker asks of an offer.
func (m *Manager) demand(w *worker) offers.Task {
	o := m.cfg.Options
	if w.rec.Role == RoleJobManager {
		return offers.Task{ID: w.rec.TaskID, Group: string(RoleJobManager), CPUs: o.JobManager.CPUs,
			MemMB: float64(o.JobManager.MemMiB), DiskMB: float64(o.JobManager.DiskMB), Ports: len(jobManagerPortKeys)}
	}
	t := offers.Task{
		ID: w.rec.TaskID, Group: string(RoleTaskManager),
		CPUs: o.TaskManager.CPUs, MemMB: float64(o.TaskManager.MemMiB), DiskMB: float64(o.TaskManager.DiskMB),
		GPUs: float64(o.TaskManager.GPUs), Ports: len(o.TaskManager.PortKeys), MaxPerHost: o.Placement.MaxPerHost,
	}
	if o.TaskManager.NetworkMbps > 0 {
		t.Scalars = map[string]float64{o.TaskManager.NetworkResourceName: float64(o.TaskManager.NetworkMbps)}
	}
	for _, c := range o.Placement.Constraints {
		t.Constraints = append(t.Constraints, offers.Constraint{Attribute: c.Attribute, Value: c.Value})
	}
	return t
}

// launch records every placed worker as Launched - saved before the ACCEPT
// leaves, through the outbox - and queues one ACCEPT per agent and role.
func (m *Manager) launch(plan offers.Plan, byID map[string]*mesospb.Offer, now time.Time) {
	for _, l := range plan.Launches {
		var infos []*mesospb.TaskInfo
		for _, pl := range l.Tasks {
			w := m.workers[pl.TaskID]
			if w == nil || w.rec.State != hastore.WorkerNew {
				continue
			}
			res, err := offers.TaskResources(pl, byID)
			if err != nil {
				m.log.Error("placement does not match its offers; not launching", "task", pl.TaskID, "agent", l.AgentID, "error", err)
				continue
			}
			keys := jobManagerPortKeys
			if w.rec.Role == RoleTaskManager {
				keys = m.cfg.Options.TaskManager.PortKeys
			}
			ports := make(map[string]uint32, len(keys))
			for i, k := range keys {
				if i < len(pl.Ports) {
					ports[k] = uint32(pl.Ports[i])
				}
			}
			w.rec.State = hastore.WorkerLaunched
			w.rec.AgentID, w.rec.Hostname, w.rec.Ports, w.rec.LaunchedAt = l.AgentID, l.Hostname, ports, now.UTC()
			w.launchSent = now
			m.dirty = true
			infos = append(infos, m.taskInfo(w, res))
			m.metrics.launches[w.rec.Role]++
			m.log.Info("launching", "task", w.rec.TaskID, "role", string(w.rec.Role), "agent", l.AgentID, "host", l.Hostname,
				"ports", portList(ports), "attempt", w.rec.Attempt)
		}
		if len(infos) == 0 {
			continue
		}
		ids := make([]*mesospb.OfferID, len(l.OfferIDs))
		for i, id := range l.OfferIDs {
			ids[i] = &mesospb.OfferID{Value: proto.String(id)}
		}
		op := &mesospb.Offer_Operation{Type: mesospb.Offer_Operation_LAUNCH.Enum(),
			Launch: &mesospb.Offer_Operation_Launch{TaskInfos: infos}}
		m.metrics.offersAccepted += uint64(len(ids))
		m.send(mesoshttp.Accept(ids, []*mesospb.Offer_Operation{op}, m.refuseFilter()))
	}
}

func (m *Manager) refuseFilter() *mesospb.Filters {
	return &mesospb.Filters{RefuseSeconds: proto.Float64(m.cfg.Options.DeclinedOfferRefuse.Seconds())}
}

func (m *Manager) decline(list []*mesospb.Offer) {
	if len(list) == 0 {
		return
	}
	m.metrics.offersDeclined += uint64(len(list))
	m.send(mesoshttp.Decline(mesoshttp.OfferIDs(list...), m.refuseFilter()))
}

// remaining returns the offers a plan declined (the ones it did not use).
func remaining(list []offers.Offer, plan offers.Plan) []offers.Offer {
	used := map[string]bool{}
	for _, l := range plan.Launches {
		for _, id := range l.OfferIDs {
			used[id] = true
		}
	}
	var out []offers.Offer
	for _, o := range list {
		if !used[o.ID] {
			out = append(out, o)
		}
	}
	return out
}

func unplacedReasons(plan offers.Plan) []string {
	seen := map[string]bool{}
	var out []string
	for _, u := range plan.Unplaced {
		if s := u.Reason.Error(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// noteUnplaced logs once per offer cycle why work is still waiting, and
// does not repeat the same words more than once a minute.
func (m *Manager) noteUnplaced(reasons []string, now time.Time) {
	if len(reasons) == 0 {
		m.unplaced = ""
		return
	}
	text := strings.Join(reasons, "; ")
	if text == m.unplaced && now.Sub(m.unplacedAt) < unplacedLogRepeat {
		return
	}
	m.unplaced, m.unplacedAt = text, now
	m.log.Warn("offers too small or unsuitable; waiting for more", "why", text)
}

func portList(ports map[string]uint32) string {
	keys := make([]string, 0, len(ports))
	for k := range ports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.FormatUint(uint64(ports[k]), 10)
	}
	return strings.Join(parts, ",")
}

// Artifact names the tasks fetch from the scheduler's HTTP server.
const (
	artifactTaskExecutor = "flink-mesos-taskexecutor"
	artifactConfig       = "config.yaml"
	sandboxConfig        = "flink-mesos/config.yaml"
)

// taskInfo builds the TaskInfo of a worker placed on an agent. Every
// setting of flink-mesos-module.md §2 keeps Flink 1.13's meaning here.
func (m *Manager) taskInfo(w *worker, res []*mesospb.Resource) *mesospb.TaskInfo {
	o := m.cfg.Options
	spec := launchspec.Spec{
		Role:       launchspec.Role(w.rec.Role),
		Host:       w.rec.Hostname,
		FlinkHome:  o.TaskManager.FlinkHome,
		ConfigFile: sandboxConfig,
		Bootstrap:  o.TaskManager.BootstrapCmd,
	}
	d := func(k, v string) { spec.Dynamic = append(spec.Dynamic, launchspec.KV{Key: k, Value: v}) }
	env := o.TaskManager.Env
	if w.rec.Role == RoleJobManager {
		env = o.JobManager.Env
		spec.Command = o.JobManager.Command(m.cfg.Mode == PerJob)
		// Flink's shipped configuration binds to localhost (1.19+) and
		// names localhost as the JobManager: neither works across agents.
		d("jobmanager.rpc.address", w.rec.Hostname)
		d("rest.address", w.rec.Hostname)
		d("jobmanager.bind-host", "0.0.0.0")
		d("rest.bind-address", "0.0.0.0")
		for _, k := range jobManagerPortKeys {
			d(k, strconv.FormatUint(uint64(w.rec.Ports[k]), 10))
		}
		d("jobmanager.memory.process.size", fmt.Sprintf("%db", o.JobManager.MemBytes))
		if m.cfg.Mode == PerJob {
			spec.Program = m.jobProgram()
		}
	} else {
		spec.Command = o.TaskManager.Cmd
		if spec.Command == "" {
			spec.Command = flinkconf.DefaultTaskManagerCmd
		}
		if jm := m.jobManager(); jm != nil && jm.rec.State == hastore.WorkerLaunched {
			d("jobmanager.rpc.address", jm.rec.Hostname)
			d("jobmanager.rpc.port", strconv.FormatUint(uint64(jm.rec.Ports["jobmanager.rpc.port"]), 10))
		}
		host := w.rec.Hostname
		if h := m.cfg.Options.TaskHostname(w.rec.TaskID); h != "" {
			host = h
		}
		d("taskmanager.resource-id", w.rec.TaskID)
		d("taskmanager.host", host)
		d("taskmanager.bind-host", "0.0.0.0")
		for _, k := range o.TaskManager.PortKeys {
			d(k, strconv.FormatUint(uint64(w.rec.Ports[k]), 10))
		}
		d("taskmanager.memory.process.size", fmt.Sprintf("%db", o.TaskManager.MemBytes))
		d("taskmanager.cpu.cores", strconv.FormatFloat(o.TaskManager.CPUs, 'f', -1, 64))
		d("taskmanager.numberOfTaskSlots", strconv.Itoa(o.TaskManager.Slots))
	}

	exe := "./" + artifactTaskExecutor
	var uris []*mesospb.CommandInfo_URI
	if o.TaskManager.TaskExecutorPath != "" {
		exe = o.TaskManager.TaskExecutorPath
	} else {
		uris = append(uris, &mesospb.CommandInfo_URI{
			Value: proto.String(m.cfg.AdvertisedURL + "/artifacts/" + artifactTaskExecutor), Executable: proto.Bool(true),
			Extract: proto.Bool(false), Cache: proto.Bool(false), OutputFile: proto.String(artifactTaskExecutor),
		})
	}
	uris = append(uris, &mesospb.CommandInfo_URI{
		Value: proto.String(m.cfg.AdvertisedURL + "/artifacts/" + artifactConfig), Extract: proto.Bool(false),
		Cache: proto.Bool(false), OutputFile: proto.String(sandboxConfig),
	})
	for _, j := range m.cfg.Job.Jars {
		uris = append(uris, &mesospb.CommandInfo_URI{Value: proto.String(j), Extract: proto.Bool(false),
			OutputFile: proto.String("usrlib/" + path.Base(j))})
	}
	for _, u := range o.TaskManager.URIs {
		// Like Flink: the user's URIs keep the protobuf defaults (extract).
		uris = append(uris, &mesospb.CommandInfo_URI{Value: proto.String(u)})
	}
	mesosSecrets := o.Container.Type != flinkconf.ContainerDocker
	var vars []*mesospb.Environment_Variable
	for _, k := range sortedKeys(env) {
		v := &mesospb.Environment_Variable{Name: proto.String(k), Value: proto.String(env[k])}
		// A variable named like a credential (AWS_SECRET_ACCESS_KEY) is
		// marked secret too, where the containerizer resolves secrets. Its
		// key (containerized.*.env.NAME) is sensitive as well, so
		// splitSecrets has refused a NUL byte in it.
		if mesosSecrets && flinkconf.IsSensitive(k) {
			v = &mesospb.Environment_Variable{Name: proto.String(k), Type: mesospb.Environment_Variable_SECRET.Enum(),
				Secret: &mesospb.Secret{Type: mesospb.Secret_VALUE.Enum(), Value: &mesospb.Secret_Value{Data: []byte(env[k])}}}
		}
		vars = append(vars, v)
	}
	// New checked the configuration with splitSecrets already.
	_, secrets, _ := splitSecrets(m.cfg)
	vars = append(vars, spec.AddSecrets(secrets, mesosSecrets)...)
	user := o.TaskManager.User

	labels := []*mesospb.Label{
		{Key: proto.String("flink.framework"), Value: proto.String(o.Framework.Name)},
		{Key: proto.String("flink.role"), Value: proto.String(string(w.rec.Role))},
		{Key: proto.String("flink.worker"), Value: proto.String(strconv.Itoa(w.rec.Index))},
		{Key: proto.String("flink.attempt"), Value: proto.String(strconv.Itoa(w.rec.Attempt))},
	}
	for _, l := range o.TaskManager.Labels {
		labels = append(labels, &mesospb.Label{Key: proto.String(l.Key), Value: proto.String(l.Value)})
	}
	return &mesospb.TaskInfo{
		Name:      proto.String(taskName(o.Framework.Name, w.rec.Role, w.rec.Index, w.rec.Attempt)),
		TaskId:    &mesospb.TaskID{Value: proto.String(w.rec.TaskID)},
		AgentId:   &mesospb.AgentID{Value: proto.String(w.rec.AgentID)},
		Resources: res,
		Command:   spec.CommandInfo(exe, uris, vars, user),
		Container: m.container(),
		Labels:    &mesospb.Labels{Labels: labels},
		KillPolicy: &mesospb.KillPolicy{GracePeriod: &mesospb.DurationInfo{
			Nanoseconds: proto.Int64(o.TaskManager.KillGracePeriod.Nanoseconds())}},
	}
}

// splitSecrets divides the Flink configuration the tasks get into what the
// served configuration file may hold and the keys whose values are secret
// (flinkconf.IsSensitive): those reach a task only through SECRET variables
// of its environment (package launchspec), never the served file, which any
// agent can fetch without credentials, nor the task's arguments. Values
// Mesos cannot carry there, and task variables that would collide with the
// ones launchspec names, are an error naming the key, never the value.
func splitSecrets(cfg Config) (plain, secret map[string]string, err error) {
	plain = make(map[string]string, len(cfg.Flink))
	secret = map[string]string{}
	for k, v := range cfg.Flink {
		if !flinkconf.IsSensitive(k) {
			plain[k] = v
			continue
		}
		if strings.ContainsRune(v, 0) {
			// src/common/validation.cpp validateEnvironment refuses it.
			return nil, nil, fmt.Errorf("cluster: the value of %s holds a NUL byte, which a secret in a Mesos task's environment cannot carry", k)
		}
		secret[k] = v
	}
	for _, env := range []map[string]string{cfg.Options.JobManager.Env, cfg.Options.TaskManager.Env} {
		for name := range env {
			if strings.HasPrefix(name, launchspec.SecretEnvPrefix) {
				return nil, nil, fmt.Errorf("cluster: the task environment variable %s is reserved: names starting with %s carry the values of secret Flink keys", name, launchspec.SecretEnvPrefix)
			}
		}
	}
	return plain, secret, nil
}

// jobProgram is the application-mode arguments of standalone-job.sh.
func (m *Manager) jobProgram() []string {
	j := m.cfg.Job
	args := []string{"--job-classname", j.ClassName}
	if id := m.meta[metaJobID]; id != "" {
		args = append(args, "--job-id", id)
	}
	if j.FromSavepoint != "" {
		args = append(args, "--fromSavepoint", j.FromSavepoint)
	}
	if j.AllowNonRestoredState {
		args = append(args, "--allowNonRestoredState")
	}
	return append(args, j.Args...)
}

// container is the ContainerInfo of every task (Flink 1.13 always set one).
func (m *Manager) container() *mesospb.ContainerInfo {
	c := m.cfg.Options.Container
	var vols []*mesospb.Volume
	for _, v := range c.Volumes {
		mode := mesospb.Volume_RW
		if v.Mode == flinkconf.VolumeRO {
			mode = mesospb.Volume_RO
		}
		vol := &mesospb.Volume{Mode: mode.Enum(), ContainerPath: proto.String(v.ContainerPath)}
		if v.HostPath != "" {
			vol.HostPath = proto.String(v.HostPath)
		}
		vols = append(vols, vol)
	}
	if c.Type == flinkconf.ContainerDocker {
		var params []*mesospb.Parameter
		for _, p := range c.DockerParameters {
			params = append(params, &mesospb.Parameter{Key: proto.String(p.Key), Value: proto.String(p.Value)})
		}
		return &mesospb.ContainerInfo{
			Type:    mesospb.ContainerInfo_DOCKER.Enum(),
			Volumes: vols,
			Docker: &mesospb.ContainerInfo_DockerInfo{
				Image:          proto.String(c.Image),
				Network:        mesospb.ContainerInfo_DockerInfo_HOST.Enum(),
				Parameters:     params,
				ForcePullImage: proto.Bool(c.ForcePullImage),
			},
		}
	}
	ci := &mesospb.ContainerInfo{Type: mesospb.ContainerInfo_MESOS.Enum(), Volumes: vols}
	if c.Image != "" {
		ci.Mesos = &mesospb.ContainerInfo_MesosInfo{Image: &mesospb.Image{
			Type: mesospb.Image_DOCKER.Enum(), Docker: &mesospb.Image_Docker{Name: proto.String(c.Image)}}}
	}
	return ci
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
