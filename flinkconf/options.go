package flinkconf

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Env is what Options needs from the process beyond the configuration.
// Nil fields mean the real thing.
type Env struct {
	Getenv      func(string) string    // os.Getenv; read: FLINK_MESOS_FRAMEWORK_SECRET
	CurrentUser func() (string, error) // the OS user name running the scheduler
	Hostname    func() (string, error) // os.Hostname
	Getwd       func() (string, error) // os.Getwd
}

func (e Env) withDefaults() Env {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.CurrentUser == nil {
		e.CurrentUser = func() (string, error) {
			u, err := user.Current()
			if err != nil {
				return "", err
			}
			return u.Username, nil
		}
	}
	if e.Hostname == nil {
		e.Hostname = os.Hostname
	}
	if e.Getwd == nil {
		e.Getwd = os.Getwd
	}
	return e
}

// Values of the enumerated options.
const (
	ContainerMesos  = "mesos"
	ContainerDocker = "docker"

	EncodingProtobuf = "protobuf"
	EncodingJSON     = "json"

	PlacementBinPack = "binpack"
	PlacementSpread  = "spread"

	HANone      = "NONE"
	HAZooKeeper = "zookeeper"

	LogText = "text"
	LogJSON = "json"
)

// Options are the typed, validated values the schedulers use. Options()
// fills every field; the defaults are in Reference.
type Options struct {
	Master                 Master
	Encoding               string // EncodingProtobuf or EncodingJSON
	MasterTLS              TLSFiles
	FailoverTimeout        time.Duration
	Framework              Framework
	DeclinedOfferRefuse    time.Duration
	UnusedOfferExpiration  time.Duration
	ReconciliationInterval time.Duration
	InitialTasks           int
	MaxFailedTasks         int    // -1: unlimited
	CheckpointDir          string // absolute, local

	TaskManager TaskManager
	JobManager  JobManager
	Container   Container
	Placement   Placement
	HTTP        HTTPServer
	LogFormat   string // LogText or LogJSON
	HA          HighAvailability
	Local       Local
	Parallelism int

	// Warnings are worth logging but did not stop start-up.
	Warnings []Warning
}

// TLSFiles are PEM file paths; "" when not configured.
type TLSFiles struct{ CAFile, CertFile, KeyFile string }

// Framework is what goes into FrameworkInfo and the credential.
type Framework struct {
	Name, Role, Principal string
	Secret                Secret
	User                  string // never empty: the OS user when not configured
	Hostname              string // never empty: the machine's hostname when not configured
	WebUIURL              string // "" means the HTTP server's advertised URL
}

// TaskManager describes every TaskManager task.
type TaskManager struct {
	CPUs                float64
	GPUs                int
	MemBytes            int64 // total process memory
	MemMiB              int64 // MemBytes in whole MiB: the Mesos mem resource
	DiskMB              int
	NetworkMbps         int
	NetworkResourceName string
	Slots               int
	Hostname            string // may contain _TASK_; see Options.TaskHostname
	Cmd                 string
	BootstrapCmd        string
	URIs                []string
	User                string // "" means the framework user
	Labels              []Label
	// PortKeys are the Flink keys that each get a port from the offer:
	// taskmanager.rpc.port, taskmanager.data.port, then the configured ones.
	PortKeys         []string
	FlinkHome        string
	TaskExecutorPath string
	KillGracePeriod  time.Duration
	Env              map[string]string
}

// JobManager describes the JobManager task.
type JobManager struct {
	CPUs     float64
	MemBytes int64
	MemMiB   int64
	DiskMB   int
	Cmd      string // "" means the default of Command
	Env      map[string]string
}

// Default JobManager commands.
const (
	SessionJobManagerCmd = "$FLINK_HOME/bin/jobmanager.sh start-foreground"
	PerJobJobManagerCmd  = "$FLINK_HOME/bin/standalone-job.sh start-foreground"
)

// Command returns the JobManager command: the configured one, else Flink's
// session or per-job start script.
func (j JobManager) Command(perJob bool) string {
	switch {
	case j.Cmd != "":
		return j.Cmd
	case perJob:
		return PerJobJobManagerCmd
	}
	return SessionJobManagerCmd
}

// Container describes how tasks are containerized.
type Container struct {
	Type             string // ContainerMesos or ContainerDocker
	Image            string
	Volumes          []Volume
	DockerParameters []Parameter
	ForcePullImage   bool
}

// Placement constrains where TaskManagers go.
type Placement struct {
	Constraints []Constraint
	MaxPerHost  int    // 0: unlimited
	Strategy    string // PlacementBinPack or PlacementSpread
}

// HTTPServer configures the scheduler's HTTP server.
type HTTPServer struct {
	Address        string // host:port to listen on; port 0 means any
	AdvertisedHost string
	AdvertisedPort int // 0: the port the server ends up listening on
	Token          Secret
	CertFile       string
	KeyFile        string
}

// TLS reports whether the server speaks HTTPS.
func (h HTTPServer) TLS() bool { return h.CertFile != "" }

// HighAvailability are the Flink HA keys the scheduler checks.
type HighAvailability struct {
	Mode              string // HANone or HAZooKeeper
	StorageDir        string // raw, as configured
	ClusterID         string
	Quorum            string
	Root              string
	MesosWorkersPath  string
	SessionTimeout    time.Duration
	ConnectionTimeout time.Duration
}

// Local configures mesos.master: local[N].
type Local struct {
	AgentResources []Resource // nil: sized from the machine
	WorkDir        string     // "": a new temporary directory
}

// TaskHostname returns the hostname a TaskManager announces: the configured
// mesos.resourcemanager.tasks.hostname with every _TASK_ replaced by
// taskID, or "" when none is configured.
func (o *Options) TaskHostname(taskID string) string {
	return strings.ReplaceAll(o.TaskManager.Hostname, "_TASK_", taskID)
}

// DefaultTaskManagerCmd is the Flink command run inside TaskManager tasks.
const DefaultTaskManagerCmd = "$FLINK_HOME/bin/taskmanager.sh start-foreground"

// Options parses and validates every key this package knows, all at once.
// It reads the files the configuration names (a file:// master, secret and
// token files, TLS files), and env for the framework secret variable, the
// OS user, the hostname and the working directory. All problems come back
// together as a *ValidationError.
func (c *Config) Options(env Env) (*Options, error) {
	r := &reader{c: c, env: env.withDefaults()}
	o := &Options{}
	r.unknownKeys()
	r.typeCheck()
	r.deprecations()
	r.framework(o)
	r.taskManager(o)
	r.jobManager(o)
	r.container(o)
	r.placement(o)
	r.http(o)
	r.highAvailability(o)
	r.local(o)
	r.ignoredPorts()
	o.Warnings = append(slices.Clone(c.warnings), r.warns...)
	if len(r.probs) > 0 {
		return nil, &ValidationError{Problems: dedupe(r.probs)}
	}
	return o, nil
}

// typeCheck parses every set key by its type, used or not, so a bad value
// is reported even where the option it belongs to does not apply.
func (r *reader) typeCheck() {
	for _, o := range registry {
		if o.Prefix || !r.isSet(o.Key) {
			continue
		}
		switch {
		case o.Type == "memory size":
			r.size(o.Key)
		case o.Type == "float":
			parse(r, o.Key, parseFloat32, "a number")
		case o.Type == "double":
			r.double(o.Key)
		case strings.HasPrefix(o.Type, "int"):
			r.integer(o.Key)
		case o.Type == "boolean":
			r.boolean(o.Key)
		case o.Type == "duration":
			r.duration(o.Key, 0)
		}
	}
}

// dedupe drops repeated reports of one problem (a key checked by its type
// and again where it is used).
func dedupe(probs []*KeyError) []*KeyError {
	seen := map[string]bool{}
	out := probs[:0:0]
	for _, p := range probs {
		if s := p.Error(); !seen[s] {
			seen[s] = true
			out = append(out, p)
		}
	}
	return out
}

func (r *reader) unknownKeys() {
	for _, k := range r.c.Keys() {
		if !strings.HasPrefix(k, "mesos.") || known(k) {
			continue
		}
		ke := &KeyError{Key: k, Source: r.c.Source(k), Err: newProblem(ErrUnknownKey, "unknown key")}
		if s := suggest(k); s != "" {
			ke.Hint = "did you mean " + s + "?"
		}
		r.probs = append(r.probs, ke)
	}
	if e, ok := r.c.entries[keyTasksMem]; ok {
		r.probs = append(r.probs, &KeyError{Key: keyTasksMem, Value: e.value, HasValue: true, Source: e.source,
			Err:  newProblem(ErrRemoved, "removed in Flink 1.11; later versions ignore it silently"),
			Hint: "set " + keyTMProcessSize + " (the total TaskManager memory, e.g. 1728m) instead"})
	}
}

// deprecations warns about deprecated keys, and about ones shadowed by
// their current key.
func (r *reader) deprecations() {
	for _, o := range registry {
		_, current := r.c.entries[o.Key]
		for i, d := range o.Deprecated {
			e, ok := r.c.entries[d]
			if !ok {
				continue
			}
			shadowed := current
			for _, earlier := range o.Deprecated[:i] {
				if _, set := r.c.entries[earlier]; set {
					shadowed = true
				}
			}
			if shadowed {
				r.warn(d, e.source, "ignored: deprecated, and %s takes precedence", o.Key)
			} else {
				r.warn(d, e.source, "deprecated; use %s", o.Key)
			}
		}
	}
}

func (r *reader) ignoredPorts() {
	for _, k := range []string{keyJMAddress, keyJMPort, keyRestPort, keyBlobPort, keyTMRPCPort, keyTMDataPort} {
		if e, ok := r.c.entries[k]; ok {
			r.warn(k, e.source, "ignored: the scheduler sets it for every task (ports come from Mesos offers)")
		}
	}
}

func (r *reader) framework(o *Options) {
	o.Master = r.master()
	o.Encoding = r.enum(keyMasterEncoding, EncodingProtobuf, EncodingJSON)
	o.MasterTLS = TLSFiles{
		CAFile:   r.readableFile(keyMasterTLSCA),
		CertFile: r.readableFile(keyMasterTLSCert),
		KeyFile:  r.readableFile(keyMasterTLSKey),
	}
	r.pair(keyMasterTLSCert, keyMasterTLSKey)
	secs := r.intMin(keyFailoverTimeout, 0)
	o.FailoverTimeout = time.Duration(secs) * time.Second
	f := &o.Framework
	f.Name = r.str(keyFrameworkName)
	if strings.TrimSpace(f.Name) == "" {
		r.rejectf(keyFrameworkName, ErrInvalid, "", "must not be empty")
	}
	f.Role = r.str(keyFrameworkRole)
	if strings.TrimSpace(f.Role) == "" {
		r.rejectf(keyFrameworkRole, ErrInvalid, "\"*\" or a role name", "must not be empty")
	}
	f.Principal = r.str(keyFrameworkPrincipal)
	f.Secret = r.frameworkSecret(f.Principal)
	f.User = r.str(keyFrameworkUser)
	if f.User == "" {
		u, err := r.env.CurrentUser()
		if err != nil || u == "" {
			r.probs = append(r.probs, &KeyError{Key: keyFrameworkUser, Source: SourceDefault,
				Err: &problem{kind: ErrRequired, msg: "not set, and the OS user running the scheduler cannot be determined", cause: err}})
		}
		f.User = u
	}
	f.Hostname = r.str(keyFrameworkHostname)
	if f.Hostname == "" {
		f.Hostname = r.machineHostname(keyFrameworkHostname)
	}
	f.WebUIURL = r.str(keyFrameworkWebUIURL)
	if f.WebUIURL != "" {
		if u, err := url.Parse(f.WebUIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.rejectf(keyFrameworkWebUIURL, ErrInvalid, "an http:// or https:// URL", "not an http(s) URL")
		}
	}
	o.DeclinedOfferRefuse = r.duration(keyRefuseDuration, 0)
	o.UnusedOfferExpiration = r.duration(keyOfferExpiration, 0)
	o.ReconciliationInterval = r.duration(keyReconciliationInterval, time.Second)
	o.InitialTasks = r.intMin(keyInitialTasks, 0)
	o.MaxFailedTasks = r.intMin(keyMaxFailedTasks, -1)
}

func (r *reader) machineHostname(key string) string {
	h, err := r.env.Hostname()
	if err != nil || h == "" {
		r.probs = append(r.probs, &KeyError{Key: key, Source: SourceDefault,
			Err: &problem{kind: ErrRequired, msg: "not set, and the machine's hostname cannot be determined", cause: err}})
	}
	return h
}

func (r *reader) master() Master {
	e, _, ok := r.lookup(keyMaster)
	if !ok || strings.TrimSpace(e.value) == "" {
		r.probs = append(r.probs, &KeyError{Key: keyMaster, Source: r.c.Source(keyMaster), HasValue: ok, Value: e.value,
			Err: newProblem(ErrRequired, "required"), Allowed: MasterForms})
		return Master{}
	}
	v := strings.TrimSpace(e.value)
	if strings.HasPrefix(v, "file://") {
		path := strings.TrimPrefix(v, "file://")
		data, err := readSmallFile(path)
		if err != nil {
			r.reject(keyMaster, err, "")
			return Master{}
		}
		m, err := ParseMaster(string(data))
		if err != nil {
			r.reject(keyMaster, &problem{kind: kindOf(err), msg: fmt.Sprintf("the file %s: %v", path, err), cause: err}, MasterForms)
			return Master{}
		}
		return m
	}
	m, err := ParseMaster(v)
	if err != nil {
		r.reject(keyMaster, err, MasterForms)
	}
	return m
}

func kindOf(err error) error {
	for _, k := range []error{ErrRequired, ErrInvalid, ErrOutOfRange, ErrFile} {
		if errors.Is(err, k) {
			return k
		}
	}
	return ErrInvalid
}

// readSmallFile reads a file a key names (a master URL, a secret, a token).
func readSmallFile(path string) ([]byte, error) {
	if path == "" {
		return nil, newProblem(ErrFile, "the file name is empty")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &problem{kind: ErrFile, msg: withCause("cannot read "+path, err), cause: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
	if err != nil {
		return nil, &problem{kind: ErrFile, msg: withCause("cannot read "+path, err), cause: err}
	}
	if len(data) > 1<<20 {
		return nil, newProblem(ErrFile, "%s is larger than 1 MiB", path)
	}
	return data, nil
}

// readableFile checks that the file key names can be opened and returns
// its path ("" when the key is unset).
func (r *reader) readableFile(key string) string {
	p := r.str(key)
	if p == "" {
		return ""
	}
	f, err := os.Open(p)
	if err != nil {
		r.reject(key, &problem{kind: ErrFile, msg: withCause("cannot be read", err), cause: err}, "")
		return p
	}
	f.Close()
	return p
}

// pair reports a certificate configured without its key, or the reverse.
func (r *reader) pair(a, b string) {
	switch sa, sb := r.isSet(a), r.isSet(b); {
	case sa && !sb:
		r.rejectf(a, ErrConflict, "", "is set but %s is not; set both or neither", b)
	case sb && !sa:
		r.rejectf(b, ErrConflict, "", "is set but %s is not; set both or neither", a)
	}
}

// secretFrom reads a credential from a key, a file key or an environment
// variable; at most one may be set.
func (r *reader) secretFrom(key, fileKey, envVar string) (Secret, string, bool) {
	var set []string
	if r.isSet(key) {
		set = append(set, key)
	}
	if r.isSet(fileKey) {
		set = append(set, fileKey)
	}
	envVal := ""
	if envVar != "" {
		envVal = r.env.Getenv(envVar)
		if envVal != "" {
			set = append(set, "$"+envVar)
		}
	}
	switch len(set) {
	case 0:
		return Secret{}, "", true
	case 1:
	default:
		r.rejectf(key, ErrConflict, "exactly one of them", "set in %d places (%s)", len(set), strings.Join(set, ", "))
		return Secret{}, "", false
	}
	switch set[0] {
	case key:
		return NewSecret(r.str(key)), key, true
	case fileKey:
		data, err := readSmallFile(r.str(fileKey))
		if err != nil {
			r.reject(fileKey, err, "")
			return Secret{}, "", false
		}
		s := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
		if s == "" {
			r.rejectf(fileKey, ErrInvalid, "", "the file is empty")
			return Secret{}, "", false
		}
		return NewSecret(s), fileKey, true
	}
	return NewSecret(envVal), "$" + envVar, true
}

func (r *reader) frameworkSecret(principal string) Secret {
	s, from, ok := r.secretFrom(keyFrameworkSecret, keyFrameworkSecretFile, EnvFrameworkSecret)
	if !ok || s.IsZero() {
		return s
	}
	fail := func(kind error, allowed, format string, args ...any) {
		if strings.HasPrefix(from, "$") {
			r.probs = append(r.probs, &KeyError{Key: EnvFrameworkSecret, Source: "environment", Allowed: allowed, Err: newProblem(kind, format, args...)})
			return
		}
		r.rejectf(from, kind, allowed, format, args...)
	}
	if strings.Contains(s.Reveal(), ":") {
		fail(ErrInvalid, "", "contains ':', which Mesos HTTP basic authentication cannot carry (libprocess src/authenticator.cpp splits the credentials at every ':')")
	}
	if principal == "" {
		fail(ErrConflict, "", "a secret needs %s", keyFrameworkPrincipal)
	} else if strings.Contains(principal, ":") {
		r.rejectf(keyFrameworkPrincipal, ErrInvalid, "", "contains ':', which Mesos HTTP basic authentication cannot carry")
	}
	return s
}

var flinkHomeCmd = regexp.MustCompile(`^(\$FLINK_HOME|\$\{FLINK_HOME\})(/|$|\s)`)

// command checks a command that must not depend on the sandbox's working
// directory (Flink 1.13's relative default broke in Docker images).
func (r *reader) command(key string) string {
	cmd := strings.TrimSpace(r.str(key))
	if cmd != "" && !strings.HasPrefix(cmd, "/") && !flinkHomeCmd.MatchString(cmd) {
		r.rejectf(key, ErrInvalid, "", "must be absolute or start with $FLINK_HOME")
	}
	return cmd
}

func (r *reader) envMap(prefix string) map[string]string {
	m := map[string]string{}
	for k, e := range r.c.entries {
		if name, ok := strings.CutPrefix(k, prefix); ok && name != "" {
			m[name] = e.value
		}
	}
	return m
}

func (r *reader) taskManager(o *Options) {
	t := &o.TaskManager
	t.Slots = r.intMin(keyTMSlots, 1)
	o.Parallelism = r.intMin(keyParallelism, 1)
	t.CPUs = r.cpus(t.Slots)
	t.GPUs = r.intMin(keyTasksGPUs, 0)
	t.DiskMB = r.intMin(keyTasksDisk, 0)
	t.NetworkMbps = r.intMin(keyTasksNetwork, 0)
	t.NetworkResourceName = r.str(keyNetworkResource)
	if strings.TrimSpace(t.NetworkResourceName) == "" {
		r.rejectf(keyNetworkResource, ErrInvalid, "", "must not be empty")
	}
	if mem, ok := r.taskManagerMemory(); ok {
		t.MemBytes, t.MemMiB = mem, mem>>20
		r.atLeastOneMiB(mem, tmMemKeys)
	}
	t.Hostname = r.str(keyTasksHostname)
	t.Cmd = r.command(keyTasksCmd)
	t.BootstrapCmd = r.str(keyTasksBootstrap)
	if uris, ok := r.list(keyTasksURIs, ParseURIs); ok {
		for i, u := range uris {
			if strings.TrimSpace(u) == "" {
				r.rejectf(keyTasksURIs, ErrInvalid, "", "entry %d is empty", i+1)
			}
		}
		t.URIs = uris
	}
	t.User = r.str(keyTasksUser)
	t.Labels = r.labels()
	t.PortKeys = []string{keyTMRPCPort, keyTMDataPort}
	if extra, ok := r.list(keyTasksPorts, func(s string) ([]string, error) { return splitList(s), nil }); ok {
		for _, k := range extra {
			if k = strings.TrimSpace(k); k != "" && !slices.Contains(t.PortKeys, k) {
				t.PortKeys = append(t.PortKeys, k)
			}
		}
	}
	t.FlinkHome = r.str(keyTasksFlinkHome)
	t.TaskExecutorPath = r.str(keyTasksExecutorPath)
	if t.TaskExecutorPath != "" && !filepath.IsAbs(t.TaskExecutorPath) {
		r.rejectf(keyTasksExecutorPath, ErrInvalid, "an absolute path", "must be absolute")
	}
	t.KillGracePeriod = r.duration(keyTasksKillGrace, 0)
	t.Env = r.envMap(keyTaskManagerEnv)
}

// cpus applies Flink's chain: taskmanager.cpu.cores, else
// mesos.resourcemanager.tasks.cpus if > 0, else the slots
// (TaskExecutorProcessUtils.getCpuCoresWithFallback).
func (r *reader) cpus(slots int) float64 {
	tasks, ok := r.double(keyTasksCPUs)
	if ok && tasks < 0 {
		r.rejectf(keyTasksCPUs, ErrOutOfRange, "", "must be > 0")
	}
	if r.isSet(keyTMCPUCores) {
		cores, ok := r.double(keyTMCPUCores)
		if ok && cores <= 0 {
			r.rejectf(keyTMCPUCores, ErrOutOfRange, "", "must be > 0")
		}
		return cores
	}
	if tasks > 0 {
		return tasks
	}
	return float64(slots)
}

func (r *reader) labels() []Label {
	prefixed := map[string]string{}
	for k, e := range r.c.entries {
		if name, ok := strings.CutPrefix(k, keyTasksLabels+"."); ok && name != "" {
			prefixed[name] = e.value
		}
	}
	if !r.isSet(keyTasksLabels) {
		if len(prefixed) == 0 {
			return nil
		}
		return sortedLabels(prefixed)
	}
	if len(prefixed) > 0 {
		r.rejectf(keyTasksLabels, ErrConflict, "", "is set together with %s.<key> keys; use one form", keyTasksLabels)
		return nil
	}
	ls, err := ParseLabels(r.str(keyTasksLabels))
	if err != nil {
		r.reject(keyTasksLabels, err, "k1:v1,k2:v2")
	}
	return ls
}

// atLeastOneMiB rejects a process smaller than the unit of the Mesos mem
// resource.
func (r *reader) atLeastOneMiB(mem int64, k memKeys) {
	if mem < mib {
		r.rejectf(r.blame(k.process, k.flink), ErrOutOfRange, "", "gives a process of %s; the Mesos mem resource needs at least 1 MiB", fmtSize(mem))
	}
}

func (r *reader) jobManager(o *Options) {
	j := &o.JobManager
	cpus, ok := r.double(keyJobManagerCPUs)
	if ok && cpus <= 0 {
		r.rejectf(keyJobManagerCPUs, ErrOutOfRange, "", "must be > 0")
	}
	j.CPUs = cpus
	j.DiskMB = r.intMin(keyJobManagerDisk, 0)
	j.Cmd = r.command(keyJobManagerCmd)
	if mem, ok := r.jobManagerMemory(); ok {
		j.MemBytes, j.MemMiB = mem, mem>>20
		r.atLeastOneMiB(mem, jmMemKeys)
	}
	j.Env = r.envMap(keyMasterEnv)
}

// eachItem parses a list-valued key with a parser for its string form,
// feeding config.yaml list elements one by one.
func eachItem[T any](r *reader, key string, p func(string) ([]T, error), allowed string) []T {
	e, _, ok := r.lookup(key)
	if !ok {
		return nil
	}
	items := []string{e.value}
	if e.list != nil {
		items = e.list
	}
	var out []T
	for _, it := range items {
		v, err := p(it)
		if err != nil {
			r.reject(key, err, allowed)
			return nil
		}
		out = append(out, v...)
	}
	return out
}

func (r *reader) container(o *Options) {
	c := &o.Container
	c.Type = r.enum(keyContainerType, ContainerMesos, ContainerDocker)
	c.Image = r.str(keyContainerImage)
	if c.Type == ContainerDocker && strings.TrimSpace(c.Image) == "" {
		r.probs = append(r.probs, &KeyError{Key: keyContainerImage, Source: r.c.Source(keyContainerImage),
			Err: newProblem(ErrRequired, "required when %s is docker", keyContainerType)})
	}
	c.Volumes = eachItem(r, keyContainerVolumes, ParseVolumes, "[host_path:]container_path[:RO|RW],...")
	for _, v := range c.Volumes {
		if v.HostPath == "" {
			// Flink 1.13 sent such a volume; Mesos refuses it (validateVolume
			// in src/common/validation.cpp wants exactly one of host_path,
			// image or source), so every task would end in TASK_ERROR.
			r.probs = append(r.probs, &KeyError{Key: keyContainerVolumes, Value: r.str(keyContainerVolumes), HasValue: true,
				Source:  r.c.Source(keyContainerVolumes),
				Err:     newProblem(ErrInvalid, "volume %s has no host path, which Mesos refuses", v.ContainerPath),
				Allowed: "host_path:container_path[:RO|RW]"})
		}
	}
	c.DockerParameters = eachItem(r, keyDockerParameters, ParseDockerParameters, "key=value,...")
	c.ForcePullImage = r.boolean(keyDockerForcePull)
}

func (r *reader) placement(o *Options) {
	p := &o.Placement
	p.Constraints = eachItem(r, keyConstraints, ParseConstraints, "attribute:value,...")
	p.MaxPerHost = r.intMin(keyMaxPerHost, 0)
	p.Strategy = r.enum(keyPlacementStrategy, PlacementBinPack, PlacementSpread)
}

func isWildcard(host string) bool {
	switch host {
	case "", "0.0.0.0", "::":
		return true
	}
	return false
}

func (r *reader) http(o *Options) {
	h := &o.HTTP
	port := r.intMin(keyArtifactPort, 0)
	if port > 65535 {
		r.rejectf(keyArtifactPort, ErrOutOfRange, "0..65535", "not a port number")
		port = 0 // reported once, not again through the default address
	}
	r.boolean(keyArtifactSSL)
	h.Address = r.str(keyHTTPAddress)
	if h.Address == "" {
		h.Address = net.JoinHostPort("127.0.0.1", strconv.Itoa(max(port, 0)))
	}
	host, p, err := net.SplitHostPort(h.Address)
	listenPort, perr := strconv.Atoi(p)
	if err != nil || perr != nil || listenPort < 0 || listenPort > 65535 {
		r.rejectf(keyHTTPAddress, ErrInvalid, "host:port with a port 0..65535, e.g. 0.0.0.0:8090", "not host:port")
	}
	adv := r.str(keyHTTPAdvertised)
	switch {
	case adv != "":
		ah, ap, err := net.SplitHostPort(adv)
		if err != nil {
			ah, ap = strings.Trim(adv, "[]"), ""
		}
		n := 0
		if ap != "" {
			var perr error
			n, perr = strconv.Atoi(ap)
			if perr != nil || n < 1 || n > 65535 {
				r.rejectf(keyHTTPAdvertised, ErrInvalid, "host or host:port with a port 1..65535", "bad port")
			}
		}
		if ah == "" || strings.ContainsAny(ah, " /@") || isWildcard(ah) {
			r.rejectf(keyHTTPAdvertised, ErrInvalid, "a host name or address agents can reach", "not a reachable host")
		}
		h.AdvertisedHost, h.AdvertisedPort = ah, n
	case !isWildcard(host):
		h.AdvertisedHost = host
	default:
		h.AdvertisedHost = r.machineHostname(keyHTTPAdvertised)
	}
	h.Token, _, _ = r.secretFrom(keyHTTPToken, keyHTTPTokenFile, "")
	if r.isSet(keyHTTPToken) && strings.TrimSpace(h.Token.Reveal()) == "" {
		r.rejectf(keyHTTPToken, ErrInvalid, "", "must not be empty")
	}
	h.CertFile = r.readableFile(keyHTTPTLSCert)
	h.KeyFile = r.readableFile(keyHTTPTLSKey)
	r.pair(keyHTTPTLSCert, keyHTTPTLSKey)
	o.LogFormat = r.enum(keyLogFormat, LogText, LogJSON)
}

func (r *reader) highAvailability(o *Options) {
	ha := &o.HA
	mode := strings.TrimSpace(r.str(keyHAMode))
	switch strings.ToLower(mode) {
	case "none", "standalone":
		ha.Mode = HANone
	case "zookeeper":
		ha.Mode = HAZooKeeper
	default:
		r.rejectf(keyHAMode, ErrUnsupported, "NONE, zookeeper", "custom high-availability services (factory class names) are not supported")
	}
	ha.StorageDir = r.str(keyHAStorageDir)
	ha.ClusterID = r.str(keyHAClusterID)
	ha.Quorum = r.str(keyHAQuorum)
	ha.Root = r.str(keyHARoot)
	ha.MesosWorkersPath = r.str(keyHAMesosWorkers)
	ha.SessionTimeout = r.duration(keyHASessionTimeout, time.Millisecond)
	ha.ConnectionTimeout = r.duration(keyHAConnTimeout, time.Millisecond)
	if ha.Mode == HAZooKeeper {
		for _, k := range []string{keyHAQuorum, keyHAStorageDir} {
			if strings.TrimSpace(r.str(k)) == "" {
				r.probs = append(r.probs, &KeyError{Key: k, Source: r.c.Source(k),
					Err: newProblem(ErrRequired, "required when %s is zookeeper", keyHAMode)})
			}
		}
	}
	o.CheckpointDir = r.checkpointDir(ha)
}

// localPath returns the local path of a plain path or file:// URI, and
// false for any other scheme.
func localPath(s string) (string, bool) {
	if u, err := url.Parse(s); err == nil && len(u.Scheme) > 1 {
		if !strings.EqualFold(u.Scheme, "file") || (u.Host != "" && u.Host != "localhost") {
			return "", false
		}
		return u.Path, u.Path != ""
	}
	return s, s != ""
}

func (r *reader) checkpointDir(ha *HighAvailability) string {
	wd := func() string {
		d, err := r.env.Getwd()
		if err != nil {
			r.probs = append(r.probs, &KeyError{Key: keyCheckpointDir, Source: SourceDefault,
				Err: &problem{kind: ErrRequired, msg: "the working directory cannot be determined; set an absolute path", cause: err}})
		}
		return d
	}
	if v := strings.TrimSpace(r.str(keyCheckpointDir)); v != "" {
		p, ok := localPath(v)
		if !ok {
			r.rejectf(keyCheckpointDir, ErrUnsupported, "a local path or file:// URI", "must be on a local or mounted file system")
			return ""
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(wd(), p)
		}
		return filepath.Clean(p)
	}
	if p, ok := localPath(strings.TrimSpace(ha.StorageDir)); ok {
		if !filepath.IsAbs(p) {
			p = filepath.Join(wd(), p)
		}
		return filepath.Join(p, ha.ClusterID, "mesos-scheduler")
	}
	return filepath.Join(wd(), "flink-mesos-state")
}

func (r *reader) local(o *Options) {
	if v := r.str(keyLocalResources); v != "" {
		res, err := ParseAgentResources(v)
		if err != nil {
			r.reject(keyLocalResources, err, "name:value;... e.g. cpus:4;mem:8192;ports:[31000-31999]")
		}
		o.Local.AgentResources = res
	}
	o.Local.WorkDir = r.str(keyLocalWorkDir)
}
