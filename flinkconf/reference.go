package flinkconf

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Where an option comes from.
const (
	OriginFlink113 = "Flink 1.13"
	OriginAdded    = "added by this project"
)

// Groups, in the order the reference lists them.
const (
	GroupFramework   = "Mesos master and framework"
	GroupTaskManager = "TaskManager tasks"
	GroupJobManager  = "JobManager task"
	GroupContainers  = "Containers"
	GroupPlacement   = "Placement"
	GroupHTTP        = "Scheduler HTTP server"
	GroupHA          = "High availability"
	GroupLocal       = "Local mode"
	GroupFlink       = "Flink keys read"
)

var groupOrder = []string{GroupFramework, GroupTaskManager, GroupJobManager, GroupContainers, GroupPlacement, GroupHTTP, GroupHA, GroupLocal, GroupFlink}

// OptionDoc documents one configuration key.
type OptionDoc struct {
	Key        string
	Type       string   // "string", "int", "double", "boolean", "duration", "memory size", "map", "list", ...
	Default    string   // as shown to users; "(none)" when unset
	Deprecated []string // older keys read when Key is not set, in order
	Group      string
	Origin     string // OriginFlink113 or OriginAdded
	Meaning    string
	// Prefix marks a key family: Key is a prefix completed by a name, such
	// as containerized.taskmanager.env.PATH.
	Prefix bool
}

// option is a registry row: the documentation plus the raw default the
// parser reads when the key is unset (so the two cannot drift apart).
type option struct {
	OptionDoc
	raw string // default fed to the parser; "" = none
}

func opt(group, origin, key, typ, raw, shown string, deprecated []string, meaning string) option {
	if shown == "" {
		shown = raw
		if typ == "string" && raw != "" {
			shown = fmt.Sprintf("%q", raw)
		}
	}
	if shown == "" {
		shown = "(none)"
	}
	return option{OptionDoc: OptionDoc{Key: key, Type: typ, Default: shown, Deprecated: deprecated, Group: group, Origin: origin, Meaning: meaning}, raw: raw}
}

func prefixOpt(group, origin, key, typ, meaning string) option {
	o := opt(group, origin, key, typ, "", "(none)", nil, meaning)
	o.Prefix = true
	return o
}

const (
	f113  = OriginFlink113
	added = OriginAdded
)

var registry = []option{
	// Mesos master and framework.
	opt(GroupFramework, f113, keyMaster, "string", "", "(none)", nil,
		"Where the Mesos master is; required (local[N] runs one in-process). Forms: host:port, http://host:port, https://host:port, mesos://host:port, a comma-separated list of these (tried in order), zk://[user:pass@]host:port[,host:port]/path or mesos://zk://..., file:///path (a file holding one of these, read at start-up), local or local[N] (an in-process master with N agents). Changed: Flink 1.13 took one master or zk:// through libmesos; lists, http(s):// and local are new."),
	opt(GroupFramework, added, keyMasterEncoding, "enum", "protobuf", "", nil,
		"Encoding of the scheduler API calls and events: protobuf or json."),
	opt(GroupFramework, added, keyMasterTLSCA, "path", "", "(system roots)", nil,
		"PEM file of the CA that signs the master's certificate, for https:// masters. Must be readable at start-up."),
	opt(GroupFramework, added, keyMasterTLSCert, "path", "", "(none)", nil,
		"PEM client certificate for TLS to the master; needs mesos.master.tls.key-file. Must be readable at start-up."),
	opt(GroupFramework, added, keyMasterTLSKey, "path", "", "(none)", nil,
		"PEM private key of mesos.master.tls.cert-file. Must be readable at start-up."),
	opt(GroupFramework, f113, keyFailoverTimeout, "int (seconds)", "604800", "604800 (7 days)", nil,
		"FrameworkInfo.failover_timeout: how long Mesos keeps the tasks running after the scheduler disconnects."),
	opt(GroupFramework, f113, keyFrameworkName, "string", "Flink", "", nil,
		"FrameworkInfo.name."),
	opt(GroupFramework, f113, keyFrameworkRole, "string", "*", "", nil,
		"FrameworkInfo role; with a role other than *, resources reserved for it are used."),
	opt(GroupFramework, f113, keyFrameworkPrincipal, "string", "", "(none)", nil,
		"Principal for authentication with the master (and FrameworkInfo.principal)."),
	opt(GroupFramework, f113, keyFrameworkSecret, "string (secret)", "", "(none)", nil,
		"Secret for authentication with the master (HTTP basic authentication). Needs a principal. At most one of this key, mesos.resourcemanager.framework.secret-file and the environment variable FLINK_MESOS_FRAMEWORK_SECRET may be set. Must not contain ':' (nor may the principal): the master splits the decoded Basic credentials at every ':' and needs exactly two parts (libprocess src/authenticator.cpp). Never logged, never passed to tasks."),
	opt(GroupFramework, added, keyFrameworkSecretFile, "path", "", "(none)", nil,
		"File holding the framework secret (one trailing newline is removed); an alternative to mesos.resourcemanager.framework.secret."),
	opt(GroupFramework, f113, keyFrameworkUser, "string", "", "(the OS user running the scheduler)", nil,
		"FrameworkInfo.user, the Unix user tasks run as unless mesos.resourcemanager.tasks.user says otherwise. Empty means the user running the scheduler (libmesos filled this in for Flink 1.13; the HTTP API does not, so the scheduler does)."),
	opt(GroupFramework, added, keyFrameworkHostname, "string", "", "(the machine's hostname)", nil,
		"FrameworkInfo.hostname shown by Mesos."),
	opt(GroupFramework, added, keyFrameworkWebUIURL, "string", "", "(the scheduler HTTP server's advertised URL)", nil,
		"FrameworkInfo.webui_url, the link the Mesos UI shows for this framework."),
	opt(GroupFramework, f113, keyRefuseDuration, "duration", "5000", "5000 ms", nil,
		"How long Mesos should hold back a declined offer (Filters.refuse_seconds). A plain number is milliseconds, as in Flink 1.13; Flink duration syntax (\"5 s\") is accepted too."),
	opt(GroupFramework, f113, keyOfferExpiration, "duration", "120000", "120000 ms", nil,
		"Unused offers held longer than this are declined. A plain number is milliseconds, as in Flink 1.13; Flink duration syntax is accepted too."),
	opt(GroupFramework, added, keyReconciliationInterval, "duration", "15 min", "", nil,
		"Interval of the periodic implicit task reconciliation with the master."),
	opt(GroupFramework, added, keyInitialTasks, "int", "1", "", nil,
		"Number of TaskManagers a session cluster starts with (>= 0). Flink up to 1.7 had a key of this name with a similar meaning for its legacy mode."),
	opt(GroupFramework, added, keyMaxFailedTasks, "int", "-1", "-1 (unlimited)", nil,
		"Failed task launches and replacements tolerated before the scheduler stops replacing failed TaskManagers; -1 means unlimited. A launch the master refuses because its offer was rescinded on the way does not count. Flink up to 1.7 had a key of this name."),
	opt(GroupFramework, added, keyCheckpointDir, "path", "", "(see meaning)", nil,
		"Where the scheduler keeps its framework ID and worker records. Default: <high-availability.storageDir>/<high-availability.cluster-id>/mesos-scheduler when the storage directory is a local path (plain or file://), else flink-mesos-state under the working directory. Must be a local path (plain or file://)."),

	// TaskManager tasks.
	opt(GroupTaskManager, f113, keyTasksCPUs, "double", "0.0", "", nil,
		"CPUs of a TaskManager task, used only when taskmanager.cpu.cores is not set. 0 (the default) falls back to taskmanager.numberOfTaskSlots; negative values are errors."),
	opt(GroupTaskManager, f113, keyTasksGPUs, "int", "0", "", nil,
		"GPUs of a TaskManager task (>= 0)."),
	opt(GroupTaskManager, f113, keyTasksDisk, "int (MB)", "0", "", nil,
		"Disk of a TaskManager task in MB; 0 requests none (>= 0)."),
	opt(GroupTaskManager, f113, keyTasksNetwork, "int (MB/s)", "0", "", nil,
		"Network bandwidth of a TaskManager task in MB/s; 0 requests none (>= 0)."),
	opt(GroupTaskManager, f113, keyNetworkResource, "string", "network", "", nil,
		"Name of the Mesos scalar resource that holds network bandwidth."),
	opt(GroupTaskManager, f113, keyTasksHostname, "string", "", "(none)", nil,
		"Hostname a TaskManager announces (taskmanager.host); every _TASK_ is replaced by the Mesos task ID, e.g. _TASK_.flink.mesos for Mesos-DNS."),
	opt(GroupTaskManager, f113, keyTasksCmd, "string", "$FLINK_HOME/bin/taskmanager.sh start-foreground", "", nil,
		"The Flink command the task executor runs inside a TaskManager task. Must be absolute or start with $FLINK_HOME (a relative command breaks in Docker images, a common Flink 1.13 problem). Changed: Flink 1.13's default was $FLINK_HOME/bin/mesos-taskmanager.sh, which no longer exists."),
	opt(GroupTaskManager, f113, keyTasksBootstrap, "string", "", "(none)", nil,
		"Shell command run before the TaskManager starts (prepended as \"<cmd> && \")."),
	opt(GroupTaskManager, f113, keyTasksURIs, "list", "", "(none)", nil,
		"Comma-separated URIs the Mesos fetcher downloads (and extracts) into every task's sandbox, e.g. Docker credentials. Entries are trimmed. Changed: an empty entry is an error (Flink 1.13 fetched an empty URI)."),
	opt(GroupTaskManager, f113, keyTasksUser, "string", "", "(the framework user)", nil,
		"Unix user the TaskManager tasks run as (CommandInfo.user)."),
	opt(GroupTaskManager, f113, keyTasksLabels, "map", "", "(none)", nil,
		"Labels on TaskManager tasks: k1:v1,k2:v2 (quote with ' or \" to include , or :), the YAML form {k1: v1}, or one key per label as mesos.resourcemanager.tasks.labels.<k1>: v1."),
	opt(GroupTaskManager, f113, keyTasksPorts, "list", "", "(none)", nil,
		"Comma-separated Flink keys that each get a port from the offer, in addition to taskmanager.rpc.port and taskmanager.data.port, e.g. metrics.reporter.prom.port."),
	opt(GroupTaskManager, added, keyTasksFlinkHome, "string", "", "(see meaning)", nil,
		"Where Flink is inside the task. Empty means $FLINK_HOME of the task's environment, else the single flink-* directory the fetcher extracted into the sandbox."),
	opt(GroupTaskManager, added, keyTasksExecutorPath, "path", "", "(fetched)", nil,
		"Absolute path of the flink-mesos-taskexecutor binary inside the task (e.g. in a Docker image). Empty means it is fetched from the scheduler's HTTP server into the sandbox."),
	opt(GroupTaskManager, added, keyTasksKillGrace, "duration", "30 s", "", nil,
		"Grace period between SIGTERM and SIGKILL when a task is killed (KillPolicy)."),
	opt(GroupTaskManager, f113, keyTasksMem, "removed", "", "(none)", nil,
		"Removed in Flink 1.11 and silently ignored by later versions: setting it is an error here. Set taskmanager.memory.process.size instead."),
	prefixOpt(GroupTaskManager, f113, keyTaskManagerEnv, "string",
		"containerized.taskmanager.env.NAME: value sets the environment variable NAME in TaskManager tasks."),

	// JobManager task.
	opt(GroupJobManager, added, keyJobManagerCPUs, "double", "1.0", "", nil,
		"CPUs of the JobManager task (> 0)."),
	opt(GroupJobManager, added, keyJobManagerDisk, "int (MB)", "0", "", nil,
		"Disk of the JobManager task in MB; 0 requests none (>= 0)."),
	opt(GroupJobManager, added, keyJobManagerCmd, "string", "", "(see meaning)", nil,
		"The Flink command the task executor runs inside the JobManager task. Empty means $FLINK_HOME/bin/jobmanager.sh start-foreground for a session cluster and $FLINK_HOME/bin/standalone-job.sh start-foreground for a per-job cluster. Must be absolute or start with $FLINK_HOME."),
	prefixOpt(GroupJobManager, f113, keyMasterEnv, "string",
		"containerized.master.env.NAME: value sets the environment variable NAME in the JobManager task."),

	// Containers.
	opt(GroupContainers, f113, keyContainerType, "enum", "mesos", "", nil,
		"Containerizer of the tasks: mesos or docker."),
	opt(GroupContainers, f113, keyContainerImage, "string", "", "(none)", nil,
		"Image of the tasks. Required for docker; with mesos it becomes a Mesos-containerizer image of type DOCKER."),
	opt(GroupContainers, f113, keyContainerVolumes, "list", "", "(none)", nil,
		"Comma-separated [host_path:]container_path[:RO|RW] (default RW, mode case-insensitive). Changed: whitespace around entries is ignored, and empty paths, a bad mode or more than three parts are errors; so is an entry without a host path, which Flink accepted but Mesos refuses (every task would end in TASK_ERROR)."),
	opt(GroupContainers, f113, keyDockerParameters, "list", "", "(none)", nil,
		"Comma-separated key=value parameters for docker run; the value may contain =. An entry without = or with an empty key is an error."),
	opt(GroupContainers, f113, keyDockerForcePull, "boolean", "false", "", nil,
		"Make Docker pull the image even if it is cached."),

	// Placement.
	opt(GroupPlacement, f113, keyConstraints, "list", "", "(none)", nil,
		"Comma-separated attribute:value hard constraints; a TaskManager goes only to agents whose text attribute has that value (hostname compares the agent's hostname). Changed: malformed entries are errors (Flink 1.13 ignored them)."),
	opt(GroupPlacement, added, keyMaxPerHost, "int", "0", "0 (unlimited)", nil,
		"At most this many TaskManagers per agent; 0 means no limit."),
	opt(GroupPlacement, added, keyPlacementStrategy, "enum", "binpack", "", nil,
		"binpack fills agents one by one; spread puts TaskManagers on the emptiest agents."),

	// Scheduler HTTP server.
	opt(GroupHTTP, added, keyHTTPAddress, "host:port", "", "127.0.0.1:<mesos.resourcemanager.artifactserver.port>", nil,
		"Where the scheduler's HTTP server (artifacts for the fetcher, status, scaling) listens. The default is loopback only; agents need a reachable address."),
	opt(GroupHTTP, added, keyHTTPAdvertised, "host[:port]", "", "(see meaning)", nil,
		"Address agents and the Mesos UI use to reach the HTTP server. Default: the listen host unless it is a wildcard, else the machine's hostname; the port defaults to the one the server listens on."),
	opt(GroupHTTP, added, keyHTTPToken, "string (secret)", "", "(none)", nil,
		"Bearer token required on mutating HTTP calls. At most one of this key and mesos.scheduler.http.token-file. Never logged, never passed to tasks."),
	opt(GroupHTTP, added, keyHTTPTokenFile, "path", "", "(none)", nil,
		"File holding the bearer token (one trailing newline is removed)."),
	opt(GroupHTTP, added, keyHTTPTLSCert, "path", "", "(none)", nil,
		"PEM certificate of the HTTP server; with mesos.scheduler.http.tls.key-file the server speaks HTTPS."),
	opt(GroupHTTP, added, keyHTTPTLSKey, "path", "", "(none)", nil,
		"PEM private key of mesos.scheduler.http.tls.cert-file."),
	opt(GroupHTTP, f113, keyArtifactPort, "int", "0", "0 (any free port)", nil,
		"Port of the HTTP server when mesos.scheduler.http.address gives none (0..65535)."),
	opt(GroupHTTP, f113, keyArtifactSSL, "boolean", "true", "", nil,
		"Kept so existing configurations stay valid (true or false); it has no effect. Changed: HTTPS is used exactly when mesos.scheduler.http.tls.cert-file and key-file are set."),
	opt(GroupHTTP, added, keyLogFormat, "enum", "text", "", nil,
		"Log format of the scheduler: text or json. The --log-format flag wins."),

	// High availability.
	opt(GroupHA, f113, keyHAMode, "enum", "NONE", "", []string{"recovery.mode"},
		"NONE or zookeeper (case-insensitive; the old value standalone means NONE). With zookeeper the schedulers of one cluster elect a leader under <path.root>/<cluster-id>/mesos-scheduler-leader; only the leader subscribes and writes the checkpoint, the others wait as standbys. Class names of custom high-availability factories are not supported."),
	opt(GroupHA, f113, keyHAStorageDir, "string", "", "(none)", []string{"high-availability.zookeeper.storageDir", "recovery.zookeeper.storageDir"},
		"File system path (URI) where Flink keeps HA metadata. Required with zookeeper. When it is a local path (plain or file://) the scheduler keeps its own state under it too."),
	opt(GroupHA, f113, keyHAClusterID, "string", "/default", "", []string{"high-availability.zookeeper.path.namespace", "recovery.zookeeper.path.namespace"},
		"ID of the Flink cluster; give each cluster on one ZooKeeper or storage directory its own."),
	opt(GroupHA, f113, keyHAQuorum, "string", "", "(none)", []string{"recovery.zookeeper.quorum"},
		"ZooKeeper quorum (host:port,host:port) of the schedulers' leader election. Required with zookeeper."),
	opt(GroupHA, f113, keyHARoot, "string", "/flink", "", []string{"recovery.zookeeper.path.root"},
		"Root znode of Flink's HA data; the schedulers' election is <path.root>/<cluster-id>/mesos-scheduler-leader."),
	opt(GroupHA, f113, keyHAMesosWorkers, "string", "/mesos-workers", "", []string{"recovery.zookeeper.path.mesos-workers"},
		"Znode of Flink 1.13's Mesos worker store. Kept so existing configurations stay valid; this project keeps its worker records in mesos.resourcemanager.checkpoint-dir."),
	opt(GroupHA, f113, keyHASessionTimeout, "duration", "60000", "60000 ms", []string{"recovery.zookeeper.client.session-timeout"},
		"ZooKeeper session timeout of the leader election and of zk:// master detection: a standby takes over this long after the leader's last contact with ZooKeeper, and a leader cut off from ZooKeeper this long stops (exit code 1). The server clamps it to its minSessionTimeout..maxSessionTimeout. A plain number is milliseconds (the only form Flink 1.13 itself accepts); duration syntax is accepted too."),
	opt(GroupHA, f113, keyHAConnTimeout, "duration", "15000", "15000 ms", []string{"recovery.zookeeper.client.connection-timeout"},
		"ZooKeeper connection timeout. Kept so existing configurations stay valid; it has no effect: the client gives each connection attempt 1 s and keeps trying the servers until the session timeout decides. A plain number is milliseconds (the only form Flink 1.13 itself accepts); duration syntax is accepted too."),

	// Local mode.
	opt(GroupLocal, added, keyLocalResources, "string", "", "(sized from the machine)", nil,
		"Resources of each in-process agent for mesos.master: local[N], in Mesos agent --resources syntax, e.g. cpus:4;mem:8192;disk:10240;ports:[31000-31999]; ranges are split among the N agents. By default each agent offers all CPUs, a share of 80 % of the memory and its slice of ports 31000-32767 (10000-32767 above 17 agents), below Linux's ephemeral port range. N is at most 1000."),
	opt(GroupLocal, added, keyLocalWorkDir, "path", "", "(a new temporary directory)", nil,
		"Work directory of the in-process master and agents."),

	// Flink keys read.
	opt(GroupFlink, f113, keyTMCPUCores, "double", "", "(none)", nil,
		"CPUs of a TaskManager; first in the chain taskmanager.cpu.cores > mesos.resourcemanager.tasks.cpus (if > 0) > taskmanager.numberOfTaskSlots. The result must be > 0."),
	opt(GroupFlink, f113, keyTMSlots, "int", "1", "", nil,
		"Task slots per TaskManager (>= 1)."),
	opt(GroupFlink, f113, keyParallelism, "int", "1", "", nil,
		"Default parallelism of jobs (>= 1); a per-job cluster sizes itself from it."),
	opt(GroupFlink, f113, keyTMProcessSize, "memory size", "", "(none)", nil,
		"Total memory of a TaskManager process; the task's mem resource (in MiB). One of this, taskmanager.memory.flink.size, both taskmanager.memory.task.heap.size and managed.size, or the deprecated taskmanager.heap.size/.mb must be set."),
	opt(GroupFlink, f113, keyTMFlinkSize, "memory size", "", "(none)", nil,
		"Total Flink memory of a TaskManager; the process size adds JVM metaspace and overhead, as Flink derives it."),
	opt(GroupFlink, f113, keyTMTaskHeap, "memory size", "", "(none)", nil, "Task heap of a TaskManager (fine-grained sizing with managed.size)."),
	opt(GroupFlink, f113, keyTMManaged, "memory size", "", "(none)", []string{"taskmanager.memory.size"}, "Managed memory of a TaskManager (fine-grained sizing with task.heap.size)."),
	opt(GroupFlink, f113, keyTMManagedFraction, "float", "0.4", "", nil, "Managed memory as a fraction of total Flink memory when managed.size is not set."),
	opt(GroupFlink, f113, keyTMFrameworkHeap, "memory size", "128m", "", nil, "Framework heap of a TaskManager."),
	opt(GroupFlink, f113, keyTMFrameworkOffHeap, "memory size", "128m", "", nil, "Framework off-heap memory of a TaskManager."),
	opt(GroupFlink, f113, keyTMTaskOffHeap, "memory size", "0", "0 bytes", nil, "Task off-heap memory of a TaskManager."),
	opt(GroupFlink, f113, keyTMNetworkMin, "memory size", "64m", "", []string{"taskmanager.network.memory.min"}, "Lower bound of a TaskManager's network memory."),
	opt(GroupFlink, f113, keyTMNetworkMax, "memory size", "1g", "", []string{"taskmanager.network.memory.max"}, "Upper bound of a TaskManager's network memory."),
	opt(GroupFlink, f113, keyTMNetworkFraction, "float", "0.1", "", []string{"taskmanager.network.memory.fraction"}, "Network memory as a fraction of total Flink memory."),
	opt(GroupFlink, f113, keyTMNetworkBuffers, "int", "2048", "", nil, "Deprecated number of network buffers; used for network memory only when no taskmanager.memory.network.* key is set."),
	opt(GroupFlink, f113, keyTMSegmentSize, "memory size", "32kb", "", nil, "Size of a network buffer, for taskmanager.network.numberOfBuffers."),
	opt(GroupFlink, f113, keyTMMetaspace, "memory size", "256m", "", nil, "JVM metaspace of a TaskManager."),
	opt(GroupFlink, f113, keyTMOverheadMin, "memory size", "192m", "", nil, "Lower bound of a TaskManager's JVM overhead."),
	opt(GroupFlink, f113, keyTMOverheadMax, "memory size", "1g", "", nil, "Upper bound of a TaskManager's JVM overhead."),
	opt(GroupFlink, f113, keyTMOverheadFraction, "float", "0.1", "", nil, "JVM overhead as a fraction of the process size."),
	opt(GroupFlink, f113, keyTMHeapSize, "memory size", "", "(none)", nil, "Deprecated; read as taskmanager.memory.process.size when that is not set (Flink 1.13's active resource managers do the same)."),
	opt(GroupFlink, f113, keyTMHeapMB, "int (MB)", "", "(none)", nil, "Deprecated; as taskmanager.heap.size, in MB."),
	opt(GroupFlink, f113, keyJMProcessSize, "memory size", "", "1600m (when no JobManager memory key is set)", nil,
		"Total memory of the JobManager process; the JobManager task's mem resource (in MiB). 1600m is the value Flink's shipped flink-conf.yaml sets."),
	opt(GroupFlink, f113, keyJMFlinkSize, "memory size", "", "(none)", nil, "Total Flink memory of the JobManager; the process size adds JVM metaspace and overhead."),
	opt(GroupFlink, f113, keyJMHeap, "memory size", "", "(none)", nil, "JVM heap of the JobManager (fine-grained sizing)."),
	opt(GroupFlink, f113, keyJMOffHeap, "memory size", "128m", "", nil, "Off-heap memory of the JobManager."),
	opt(GroupFlink, f113, keyJMMetaspace, "memory size", "256m", "", nil, "JVM metaspace of the JobManager."),
	opt(GroupFlink, f113, keyJMOverheadMin, "memory size", "192m", "", nil, "Lower bound of the JobManager's JVM overhead."),
	opt(GroupFlink, f113, keyJMOverheadMax, "memory size", "1g", "", nil, "Upper bound of the JobManager's JVM overhead."),
	opt(GroupFlink, f113, keyJMOverheadFraction, "float", "0.1", "", nil, "JVM overhead as a fraction of the process size."),
	opt(GroupFlink, f113, keyJMHeapSize, "memory size", "", "(none)", nil, "Deprecated; read as jobmanager.memory.heap.size when that is not set (as Flink 1.13's start scripts do)."),
	opt(GroupFlink, f113, keyJMHeapMB, "int (MB)", "", "(none)", nil, "Deprecated; as jobmanager.heap.size, in MB."),
	opt(GroupFlink, f113, keyJMAddress, "string", "", "(set by the scheduler)", nil, "The scheduler sets it to the JobManager task's host; a configured value is ignored with a warning."),
	opt(GroupFlink, f113, keyJMPort, "port", "6123", "", nil, "The scheduler assigns it from the offer; a configured value is ignored with a warning."),
	opt(GroupFlink, f113, keyRestPort, "port", "8081", "", nil, "The scheduler assigns it from the offer; a configured value is ignored with a warning."),
	opt(GroupFlink, f113, keyBlobPort, "port", "0", "", nil, "The scheduler assigns it from the offer; a configured value is ignored with a warning."),
	opt(GroupFlink, f113, keyTMRPCPort, "port", "0", "", nil, "The scheduler assigns it from the offer; a configured value is ignored with a warning."),
	opt(GroupFlink, f113, keyTMDataPort, "port", "0", "", nil, "The scheduler assigns it from the offer; a configured value is ignored with a warning."),
}

var registryByKey = func() map[string]*option {
	m := make(map[string]*option, len(registry))
	for i := range registry {
		m[registry[i].Key] = &registry[i]
	}
	return m
}()

// deprecatedOf maps every deprecated key to its current key.
var deprecatedOf = func() map[string]string {
	m := map[string]string{}
	for _, o := range registry {
		for _, d := range o.Deprecated {
			m[d] = o.Key
		}
	}
	return m
}()

// known reports whether key is a key (or deprecated key, or a member of a
// key family) this package reads.
func known(key string) bool {
	if _, ok := registryByKey[key]; ok {
		return true
	}
	if _, ok := deprecatedOf[key]; ok {
		return true
	}
	for _, o := range registry {
		if o.Prefix && strings.HasPrefix(key, o.Key) && len(key) > len(o.Key) {
			return true
		}
	}
	return strings.HasPrefix(key, keyTasksLabels+".") && len(key) > len(keyTasksLabels)+1
}

// isOurs reports whether a malformed line for key would lose a setting this
// package cares about.
func isOurs(key string) bool {
	return strings.HasPrefix(key, "mesos.") || known(key)
}

// Reference returns the documentation of every key this package reads, in
// group order.
func Reference() []OptionDoc {
	out := make([]OptionDoc, 0, len(registry))
	for _, g := range groupOrder {
		for _, o := range registry {
			if o.Group == g {
				d := o.OptionDoc
				d.Deprecated = slices.Clone(d.Deprecated)
				out = append(out, d)
			}
		}
	}
	return out
}

// WriteReference writes the user documentation (the Configuration section of README.md):
// file formats, precedence, the mesos.master forms and one table per group.
func WriteReference(w io.Writer) error {
	var b strings.Builder
	b.WriteString(referenceIntro)
	docs := Reference()
	for _, g := range groupOrder {
		fmt.Fprintf(&b, "\n## %s\n\n", g)
		b.WriteString("| key | type | default | meaning | origin |\n|---|---|---|---|---|\n")
		for _, d := range docs {
			if d.Group != g {
				continue
			}
			key := "`" + d.Key + "`"
			if d.Prefix {
				key = "`" + d.Key + "<NAME>`"
			}
			meaning := d.Meaning
			if len(d.Deprecated) > 0 {
				meaning += " Deprecated keys, read when this one is not set: `" + strings.Join(d.Deprecated, "`, `") + "`."
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", key, cell(d.Type), cell(d.Default), cell(meaning), d.Origin)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

const referenceIntro = `# Configuration

<!-- Generated by flinkconf.WriteReference; do not edit. Regenerate with: go test ./flinkconf -update -->

The schedulers read Flink's own configuration: the keys of Flink 1.13's Mesos
module keep their names, defaults and meanings (changes are marked "Changed"
below), the Flink keys they need are read with Flink's rules, and the keys
this project adds start with ` + "`mesos.`" + `. Every other key is passed untouched
to the JobManager and TaskManagers.

## Files

The configuration directory is ` + "`--configDir DIR`" + `, else ` + "`$FLINK_CONF_DIR`" + `. In it the
schedulers read ` + "`config.yaml`" + ` if it exists, else ` + "`flink-conf.yaml`" + ` (as Flink 2 does);
a directory with neither is an error.

- ` + "`flink-conf.yaml`" + ` is Flink's flat format, read exactly as Flink reads it: one
  ` + "`key: value`" + ` per line, split at the first colon followed by a space; ` + "`#`" + `
  starts a comment anywhere on a line (there is no quoting); key and value are
  trimmed; a later line wins. Lines Flink would skip (no ` + "`: `" + `, empty key
  or value) are skipped with a warning, except that ` + "`key:value`" + ` for a key
  listed here is an error, because it would silently lose that setting.
- ` + "`config.yaml`" + ` (Flink 1.19+) is standard YAML and must be a map. Nested maps
  flatten to dotted keys (` + "`taskmanager: {numberOfTaskSlots: 2}`" + ` is
  ` + "`taskmanager.numberOfTaskSlots: 2`" + `), a list becomes its YAML flow form
  (` + "`[a, b]`" + `) as in Flink, quoted scalars keep their text, unquoted ones follow
  YAML 1.1 as in Flink (` + "`yes`" + ` is ` + "`true`" + `, ` + "`0x10`" + ` is ` + "`16`" + `). A key without
  a value, a duplicate key, or one key spelled both nested and dotted is an
  error. List-valued keys below also accept a YAML list.

## Precedence

` + "`-D key=value`" + ` (or ` + "`-Dkey=value`" + `; repeatable, the last one wins) over the file,
over the defaults below. A deprecated key is read only when its current key is
not set.

Every problem is reported at once, each with the key, the value, where it was
set and what is allowed, and the binaries exit with code 2. Unknown keys
starting with ` + "`mesos.`" + ` are errors (with the closest known key suggested);
other unknown keys belong to Flink and are passed through.

## ` + "`mesos.master`" + `

| form | meaning |
|---|---|
| ` + "`host:port`" + `, ` + "`mesos://host:port`" + ` | one master, plain HTTP |
| ` + "`http://host:port`" + `, ` + "`https://host:port[/path]`" + ` | one master; the port may be left out, a path prefix is kept |
| ` + "`m1:5050,m2:5050`" + ` | several masters, tried in order until the leader answers |
| ` + "`zk://[user:pass@]h1:2181,h2:2181/mesos`" + `, ` + "`mesos://zk://...`" + ` | leader detection through ZooKeeper (port 2181 if left out; the path must not be ` + "`/`" + `) |
| ` + "`file:///path`" + ` | a file holding one of the other forms, read at start-up |
| ` + "`local`" + `, ` + "`local[N]`" + ` | an in-process Mesos master with 1 or N agents (see Local mode) |

Sizes use Flink's syntax: a whole number and an optional unit ` + "`b`" + `, ` + "`k`" + `/` + "`kb`" + `,
` + "`m`" + `/` + "`mb`" + `, ` + "`g`" + `/` + "`gb`" + `, ` + "`t`" + `/` + "`tb`" + ` (case-insensitive, spaces allowed: ` + "`1728m`" + `,
` + "`2 gb`" + `). Durations use Flink's syntax: a whole number and a unit ` + "`d`" + `, ` + "`h`" + `,
` + "`min`" + `/` + "`m`" + `, ` + "`s`" + `, ` + "`ms`" + `, ` + "`µs`" + `/` + "`us`" + `, ` + "`ns`" + ` or their long forms (` + "`30 s`" + `, ` + "`1 min`" + `); a
plain number is milliseconds.
`
