package flinkconf_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

func testEnv(vars map[string]string) flinkconf.Env {
	return flinkconf.Env{
		Getenv:      func(k string) string { return vars[k] },
		CurrentUser: func() (string, error) { return "alice", nil },
		Hostname:    func() (string, error) { return "host1", nil },
		Getwd:       func() (string, error) { return "/srv/flink", nil },
	}
}

// base is the smallest valid configuration.
func base() map[string]string {
	return map[string]string{
		"mesos.master":                    "m1:5050",
		"taskmanager.memory.process.size": "1728m",
	}
}

func options(t *testing.T, extra map[string]string, vars map[string]string) (*flinkconf.Options, error) {
	t.Helper()
	m := base()
	for k, v := range extra {
		if v == "<unset>" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return flinkconf.FromMap(m).Options(testEnv(vars))
}

type optCase struct {
	key   string
	get   func(*flinkconf.Options) any
	def   any
	set   string // a good value
	want  any
	bad   string // a bad value; "" when the key takes any string
	kind  error
	extra map[string]string // other keys the good value needs
}

func optionCases(dir string) []optCase {
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			panic(err)
		}
		return p
	}
	master := file("master", "zk://z1:2181/mesos\n")
	secret := file("secret", "s3cret\n")
	token := file("token", "tok\n")
	pem := file("pem", "-----BEGIN-----\n")
	missing := filepath.Join(dir, "missing")
	return []optCase{
		{key: "mesos.master", get: func(o *flinkconf.Options) any { return o.Master.String() }, def: "http://m1:5050",
			set: "file://" + master, want: "zk://z1:2181/mesos", bad: "m1", kind: flinkconf.ErrInvalid},
		{key: "mesos.master.encoding", get: func(o *flinkconf.Options) any { return o.Encoding }, def: "protobuf", set: "json", want: "json", bad: "xml", kind: flinkconf.ErrInvalid},
		{key: "mesos.master.tls.ca-file", get: func(o *flinkconf.Options) any { return o.MasterTLS.CAFile }, def: "", set: pem, want: pem, bad: missing, kind: flinkconf.ErrFile},
		{key: "mesos.master.tls.cert-file", get: func(o *flinkconf.Options) any { return o.MasterTLS.CertFile }, def: "", set: pem, want: pem, bad: missing, kind: flinkconf.ErrFile,
			extra: map[string]string{"mesos.master.tls.key-file": pem}},
		{key: "mesos.master.tls.key-file", get: func(o *flinkconf.Options) any { return o.MasterTLS.KeyFile }, def: "", set: pem, want: pem, bad: missing, kind: flinkconf.ErrFile,
			extra: map[string]string{"mesos.master.tls.cert-file": pem}},
		{key: "mesos.failover-timeout", get: func(o *flinkconf.Options) any { return o.FailoverTimeout }, def: 7 * 24 * time.Hour, set: "600", want: 10 * time.Minute, bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.framework.name", get: func(o *flinkconf.Options) any { return o.Framework.Name }, def: "Flink", set: "flink-prod", want: "flink-prod", bad: " ", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.framework.role", get: func(o *flinkconf.Options) any { return o.Framework.Role }, def: "*", set: "flink", want: "flink", bad: "", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.framework.principal", get: func(o *flinkconf.Options) any { return o.Framework.Principal }, def: "", set: "p", want: "p", bad: "a:b", kind: flinkconf.ErrInvalid,
			extra: map[string]string{"mesos.resourcemanager.framework.secret": "s"}},
		{key: "mesos.resourcemanager.framework.secret", get: func(o *flinkconf.Options) any { return o.Framework.Secret.Reveal() }, def: "", set: "s", want: "s", bad: "a:b", kind: flinkconf.ErrInvalid,
			extra: map[string]string{"mesos.resourcemanager.framework.principal": "p"}},
		{key: "mesos.resourcemanager.framework.secret-file", get: func(o *flinkconf.Options) any { return o.Framework.Secret.Reveal() }, def: "", set: secret, want: "s3cret", bad: missing, kind: flinkconf.ErrFile,
			extra: map[string]string{"mesos.resourcemanager.framework.principal": "p"}},
		{key: "mesos.resourcemanager.framework.user", get: func(o *flinkconf.Options) any { return o.Framework.User }, def: "alice", set: "flink", want: "flink"},
		{key: "mesos.resourcemanager.framework.hostname", get: func(o *flinkconf.Options) any { return o.Framework.Hostname }, def: "host1", set: "sched.example", want: "sched.example"},
		{key: "mesos.resourcemanager.framework.webui-url", get: func(o *flinkconf.Options) any { return o.Framework.WebUIURL }, def: "", set: "https://flink.example/ui", want: "https://flink.example/ui", bad: "flink.example", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.declined-offer-refuse-duration", get: func(o *flinkconf.Options) any { return o.DeclinedOfferRefuse }, def: 5 * time.Second, set: "60 s", want: time.Minute, bad: "5x", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.unused-offer-expiration", get: func(o *flinkconf.Options) any { return o.UnusedOfferExpiration }, def: 2 * time.Minute, set: "1000", want: time.Second, bad: "-1", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.reconciliation-interval", get: func(o *flinkconf.Options) any { return o.ReconciliationInterval }, def: 15 * time.Minute, set: "1 h", want: time.Hour, bad: "0", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.initial-tasks", get: func(o *flinkconf.Options) any { return o.InitialTasks }, def: 1, set: "4", want: 4, bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.maximum-failed-tasks", get: func(o *flinkconf.Options) any { return o.MaxFailedTasks }, def: -1, set: "10", want: 10, bad: "-2", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.checkpoint-dir", get: func(o *flinkconf.Options) any { return o.CheckpointDir }, def: "/srv/flink/flink-mesos-state", set: "file:///var/lib/fm", want: "/var/lib/fm", bad: "hdfs:///fm", kind: flinkconf.ErrUnsupported},

		{key: "mesos.resourcemanager.tasks.cpus", get: func(o *flinkconf.Options) any { return o.TaskManager.CPUs }, def: 1.0, set: "2.5", want: 2.5, bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.tasks.gpus", get: func(o *flinkconf.Options) any { return o.TaskManager.GPUs }, def: 0, set: "2", want: 2, bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.tasks.disk", get: func(o *flinkconf.Options) any { return o.TaskManager.DiskMB }, def: 0, set: "1024", want: 1024, bad: "1 gb", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.network.bandwidth", get: func(o *flinkconf.Options) any { return o.TaskManager.NetworkMbps }, def: 0, set: "100", want: 100, bad: "-5", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.network.resource.name", get: func(o *flinkconf.Options) any { return o.TaskManager.NetworkResourceName }, def: "network", set: "net", want: "net", bad: " ", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.hostname", get: func(o *flinkconf.Options) any { return o.TaskHostname("taskmanager-00001") }, def: "", set: "_TASK_.flink.mesos", want: "taskmanager-00001.flink.mesos"},
		{key: "mesos.resourcemanager.tasks.taskmanager-cmd", get: func(o *flinkconf.Options) any { return o.TaskManager.Cmd }, def: "$FLINK_HOME/bin/taskmanager.sh start-foreground", set: "/opt/flink/bin/taskmanager.sh start-foreground", want: "/opt/flink/bin/taskmanager.sh start-foreground", bad: "bin/taskmanager.sh", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.bootstrap-cmd", get: func(o *flinkconf.Options) any { return o.TaskManager.BootstrapCmd }, def: "", set: "ulimit -n 65536", want: "ulimit -n 65536"},
		{key: "mesos.resourcemanager.tasks.uris", get: func(o *flinkconf.Options) any { return o.TaskManager.URIs }, def: []string(nil), set: "http://a/b.tgz, file:///c", want: []string{"http://a/b.tgz", "file:///c"}, bad: "a,,b", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.user", get: func(o *flinkconf.Options) any { return o.TaskManager.User }, def: "", set: "flink", want: "flink"},
		{key: "mesos.resourcemanager.tasks.labels", get: func(o *flinkconf.Options) any { return o.TaskManager.Labels }, def: []flinkconf.Label(nil), set: "a:1,b:2", want: []flinkconf.Label{{"a", "1"}, {"b", "2"}}, bad: "a", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.port-assignments", get: func(o *flinkconf.Options) any { return o.TaskManager.PortKeys }, def: []string{"taskmanager.rpc.port", "taskmanager.data.port"},
			set: "metrics.reporter.prom.port, taskmanager.rpc.port", want: []string{"taskmanager.rpc.port", "taskmanager.data.port", "metrics.reporter.prom.port"}},
		{key: "mesos.resourcemanager.tasks.flink-home", get: func(o *flinkconf.Options) any { return o.TaskManager.FlinkHome }, def: "", set: "/opt/flink", want: "/opt/flink"},
		{key: "mesos.resourcemanager.tasks.taskexecutor-path", get: func(o *flinkconf.Options) any { return o.TaskManager.TaskExecutorPath }, def: "", set: "/usr/bin/flink-mesos-taskexecutor", want: "/usr/bin/flink-mesos-taskexecutor", bad: "bin/te", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.kill-grace-period", get: func(o *flinkconf.Options) any { return o.TaskManager.KillGracePeriod }, def: 30 * time.Second, set: "1 min", want: time.Minute, bad: "soon", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.mem", get: func(o *flinkconf.Options) any { return nil }, def: nil, bad: "1024", kind: flinkconf.ErrRemoved},
		{key: "containerized.taskmanager.env.", get: func(o *flinkconf.Options) any { return o.TaskManager.Env }, def: map[string]string{}},

		{key: "mesos.resourcemanager.jobmanager.cpus", get: func(o *flinkconf.Options) any { return o.JobManager.CPUs }, def: 1.0, set: "0.5", want: 0.5, bad: "0", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.jobmanager.disk", get: func(o *flinkconf.Options) any { return o.JobManager.DiskMB }, def: 0, set: "512", want: 512, bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.jobmanager.cmd", get: func(o *flinkconf.Options) any { return o.JobManager.Command(true) }, def: "$FLINK_HOME/bin/standalone-job.sh start-foreground", set: "${FLINK_HOME}/bin/x.sh", want: "${FLINK_HOME}/bin/x.sh", bad: "./x.sh", kind: flinkconf.ErrInvalid},
		{key: "containerized.master.env.", get: func(o *flinkconf.Options) any { return o.JobManager.Env }, def: map[string]string{}},

		{key: "mesos.resourcemanager.tasks.container.type", get: func(o *flinkconf.Options) any { return o.Container.Type }, def: "mesos", set: "docker", want: "docker", bad: "Docker", kind: flinkconf.ErrInvalid,
			extra: map[string]string{"mesos.resourcemanager.tasks.container.image.name": "flink:1.13"}},
		{key: "mesos.resourcemanager.tasks.container.image.name", get: func(o *flinkconf.Options) any { return o.Container.Image }, def: "", set: "flink:2.0", want: "flink:2.0"},
		{key: "mesos.resourcemanager.tasks.container.volumes", get: func(o *flinkconf.Options) any { return o.Container.Volumes }, def: []flinkconf.Volume(nil), set: "/h:/c:ro", want: []flinkconf.Volume{{HostPath: "/h", ContainerPath: "/c", Mode: flinkconf.VolumeRO}}, bad: "/a:/b:xx", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.container.docker.parameters", get: func(o *flinkconf.Options) any { return o.Container.DockerParameters }, def: []flinkconf.Parameter(nil), set: "ulimit=nofile=65536", want: []flinkconf.Parameter{{"ulimit", "nofile=65536"}}, bad: "privileged", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.container.docker.force-pull-image", get: func(o *flinkconf.Options) any { return o.Container.ForcePullImage }, def: false, set: "TRUE", want: true, bad: "yes", kind: flinkconf.ErrInvalid},

		{key: "mesos.constraints.hard.hostattribute", get: func(o *flinkconf.Options) any { return o.Placement.Constraints }, def: []flinkconf.Constraint(nil), set: "az:a", want: []flinkconf.Constraint{{"az", "a"}}, bad: "az", kind: flinkconf.ErrInvalid},
		{key: "mesos.resourcemanager.tasks.max-per-host", get: func(o *flinkconf.Options) any { return o.Placement.MaxPerHost }, def: 0, set: "2", want: 2, bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.placement-strategy", get: func(o *flinkconf.Options) any { return o.Placement.Strategy }, def: "binpack", set: "spread", want: "spread", bad: "random", kind: flinkconf.ErrInvalid},

		{key: "mesos.scheduler.http.address", get: func(o *flinkconf.Options) any { return o.HTTP.Address + " " + o.HTTP.AdvertisedHost }, def: "127.0.0.1:0 127.0.0.1", set: "0.0.0.0:8090", want: "0.0.0.0:8090 host1", bad: "8090", kind: flinkconf.ErrInvalid},
		{key: "mesos.scheduler.http.advertised-address", get: func(o *flinkconf.Options) any { return fmt.Sprint(o.HTTP.AdvertisedHost, ":", o.HTTP.AdvertisedPort) }, def: "127.0.0.1:0", set: "sched.example:443", want: "sched.example:443", bad: "0.0.0.0", kind: flinkconf.ErrInvalid},
		{key: "mesos.scheduler.http.token", get: func(o *flinkconf.Options) any { return o.HTTP.Token.Reveal() }, def: "", set: "t0k", want: "t0k", bad: " ", kind: flinkconf.ErrInvalid},
		{key: "mesos.scheduler.http.token-file", get: func(o *flinkconf.Options) any { return o.HTTP.Token.Reveal() }, def: "", set: token, want: "tok", bad: missing, kind: flinkconf.ErrFile},
		{key: "mesos.scheduler.http.tls.cert-file", get: func(o *flinkconf.Options) any { return o.HTTP.TLS() }, def: false, set: pem, want: true, bad: missing, kind: flinkconf.ErrFile,
			extra: map[string]string{"mesos.scheduler.http.tls.key-file": pem}},
		{key: "mesos.scheduler.http.tls.key-file", get: func(o *flinkconf.Options) any { return o.HTTP.KeyFile }, def: "", set: pem, want: pem, bad: missing, kind: flinkconf.ErrFile,
			extra: map[string]string{"mesos.scheduler.http.tls.cert-file": pem}},
		{key: "mesos.resourcemanager.artifactserver.port", get: func(o *flinkconf.Options) any { return o.HTTP.Address }, def: "127.0.0.1:0", set: "8090", want: "127.0.0.1:8090", bad: "65536", kind: flinkconf.ErrOutOfRange},
		{key: "mesos.resourcemanager.artifactserver.ssl.enabled", get: func(o *flinkconf.Options) any { return o.HTTP.TLS() }, def: false, set: "false", want: false, bad: "maybe", kind: flinkconf.ErrInvalid},
		{key: "mesos.scheduler.log.format", get: func(o *flinkconf.Options) any { return o.LogFormat }, def: "text", set: "json", want: "json", bad: "xml", kind: flinkconf.ErrInvalid},

		{key: "high-availability", get: func(o *flinkconf.Options) any { return o.HA.Mode }, def: "NONE", set: "ZooKeeper", want: "zookeeper", bad: "org.example.MyHAFactory", kind: flinkconf.ErrUnsupported,
			extra: map[string]string{"high-availability.zookeeper.quorum": "z:2181", "high-availability.storageDir": "hdfs:///flink/ha"}},
		{key: "high-availability.storageDir", get: func(o *flinkconf.Options) any { return o.CheckpointDir }, def: "/srv/flink/flink-mesos-state", set: "file:///data/ha", want: "/data/ha/default/mesos-scheduler"},
		{key: "high-availability.cluster-id", get: func(o *flinkconf.Options) any { return o.HA.ClusterID }, def: "/default", set: "/prod", want: "/prod"},
		{key: "high-availability.zookeeper.quorum", get: func(o *flinkconf.Options) any { return o.HA.Quorum }, def: "", set: "z1:2181,z2:2181", want: "z1:2181,z2:2181"},
		{key: "high-availability.zookeeper.path.root", get: func(o *flinkconf.Options) any { return o.HA.Root }, def: "/flink", set: "/f", want: "/f"},
		{key: "high-availability.zookeeper.path.mesos-workers", get: func(o *flinkconf.Options) any { return o.HA.MesosWorkersPath }, def: "/mesos-workers", set: "/w", want: "/w"},
		{key: "high-availability.zookeeper.client.session-timeout", get: func(o *flinkconf.Options) any { return o.HA.SessionTimeout }, def: time.Minute, set: "30 s", want: 30 * time.Second, bad: "0", kind: flinkconf.ErrOutOfRange},
		{key: "high-availability.zookeeper.client.connection-timeout", get: func(o *flinkconf.Options) any { return o.HA.ConnectionTimeout }, def: 15 * time.Second, set: "5000", want: 5 * time.Second, bad: "x", kind: flinkconf.ErrInvalid},

		{key: "mesos.local.agent-resources", get: func(o *flinkconf.Options) any { return o.Local.AgentResources }, def: []flinkconf.Resource(nil), set: "cpus:2", want: []flinkconf.Resource{{Name: "cpus", Scalar: 2}}, bad: "cpus", kind: flinkconf.ErrInvalid},
		{key: "mesos.local.work-dir", get: func(o *flinkconf.Options) any { return o.Local.WorkDir }, def: "", set: "/tmp/m", want: "/tmp/m"},

		{key: "taskmanager.cpu.cores", get: func(o *flinkconf.Options) any { return o.TaskManager.CPUs }, def: 1.0, set: "3", want: 3.0, bad: "0", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.numberOfTaskSlots", get: func(o *flinkconf.Options) any { return o.TaskManager.Slots }, def: 1, set: "4", want: 4, bad: "0", kind: flinkconf.ErrOutOfRange},
		{key: "parallelism.default", get: func(o *flinkconf.Options) any { return o.Parallelism }, def: 1, set: "8", want: 8, bad: "x", kind: flinkconf.ErrInvalid},
		{key: "taskmanager.memory.process.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "4 gb", want: int64(4096), bad: "4.5g", kind: flinkconf.ErrInvalid},
		{key: "taskmanager.memory.flink.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "1280m", want: int64(1728), bad: "1600m", kind: flinkconf.ErrConflict},
		{key: "taskmanager.memory.task.heap.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "256m", want: int64(1728), bad: "2g", kind: flinkconf.ErrConflict},
		{key: "taskmanager.memory.managed.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "0", want: int64(1728), bad: "2g", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.memory.managed.fraction", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "0.5", want: int64(1728), bad: "1", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.memory.framework.heap.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "64m", want: int64(1728), bad: "1g", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.memory.framework.off-heap.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "64m", want: int64(1728), bad: "-1", kind: flinkconf.ErrInvalid},
		{key: "taskmanager.memory.task.off-heap.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "10m", want: int64(1728), bad: "1t", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.memory.network.min", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "32m", want: int64(1728), bad: "2g", kind: flinkconf.ErrConflict},
		{key: "taskmanager.memory.network.max", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "512m", want: int64(1728), bad: "1m", kind: flinkconf.ErrConflict},
		{key: "taskmanager.memory.network.fraction", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "0.2", want: int64(1728), bad: "-0.1", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.network.numberOfBuffers", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "4096", want: int64(1728), bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.memory.segment-size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "16kb", want: int64(1728), bad: "x", kind: flinkconf.ErrInvalid},
		{key: "taskmanager.memory.jvm-metaspace.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "128m", want: int64(1728), bad: "2g", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.memory.jvm-overhead.min", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "100m", want: int64(1728), bad: "2g", kind: flinkconf.ErrConflict},
		{key: "taskmanager.memory.jvm-overhead.max", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "2g", want: int64(1728), bad: "100m", kind: flinkconf.ErrConflict},
		{key: "taskmanager.memory.jvm-overhead.fraction", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "0.2", want: int64(1728), bad: "1.5", kind: flinkconf.ErrOutOfRange},
		{key: "taskmanager.heap.size", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "2g", want: int64(2048), bad: "2 pages", kind: flinkconf.ErrInvalid,
			extra: map[string]string{"taskmanager.memory.process.size": "<unset>"}},
		{key: "taskmanager.heap.mb", get: func(o *flinkconf.Options) any { return o.TaskManager.MemMiB }, def: int64(1728), set: "1024", want: int64(1024), bad: "-1", kind: flinkconf.ErrOutOfRange,
			extra: map[string]string{"taskmanager.memory.process.size": "<unset>"}},
		{key: "jobmanager.memory.process.size", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "2g", want: int64(2048), bad: "100m", kind: flinkconf.ErrOutOfRange},
		{key: "jobmanager.memory.flink.size", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "1152m", want: int64(1600), bad: "64m", kind: flinkconf.ErrConflict},
		{key: "jobmanager.memory.heap.size", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "1024m", want: int64(1600), bad: "1 x", kind: flinkconf.ErrInvalid},
		{key: "jobmanager.memory.off-heap.size", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "64m", want: int64(1600), bad: "2g", kind: flinkconf.ErrOutOfRange},
		{key: "jobmanager.memory.jvm-metaspace.size", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "128m", want: int64(1600), bad: "2g", kind: flinkconf.ErrOutOfRange},
		{key: "jobmanager.memory.jvm-overhead.min", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "100m", want: int64(1600), bad: "2g", kind: flinkconf.ErrConflict},
		{key: "jobmanager.memory.jvm-overhead.max", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "2g", want: int64(1600), bad: "1m", kind: flinkconf.ErrConflict},
		{key: "jobmanager.memory.jvm-overhead.fraction", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "0.2", want: int64(1600), bad: "x", kind: flinkconf.ErrInvalid},
		{key: "jobmanager.heap.size", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "1024m", want: int64(1600), bad: "lots", kind: flinkconf.ErrInvalid},
		{key: "jobmanager.heap.mb", get: func(o *flinkconf.Options) any { return o.JobManager.MemMiB }, def: int64(1600), set: "1024", want: int64(1600), bad: "-1", kind: flinkconf.ErrOutOfRange},
		{key: "jobmanager.rpc.address", get: func(o *flinkconf.Options) any { return len(o.Warnings) }, def: 0, set: "jm", want: 1},
		{key: "jobmanager.rpc.port", get: func(o *flinkconf.Options) any { return len(o.Warnings) }, def: 0, set: "7000", want: 1},
		{key: "rest.port", get: func(o *flinkconf.Options) any { return len(o.Warnings) }, def: 0, set: "8082", want: 1},
		{key: "blob.server.port", get: func(o *flinkconf.Options) any { return len(o.Warnings) }, def: 0, set: "6124", want: 1},
		{key: "taskmanager.rpc.port", get: func(o *flinkconf.Options) any { return len(o.Warnings) }, def: 0, set: "6122", want: 1},
		{key: "taskmanager.data.port", get: func(o *flinkconf.Options) any { return len(o.Warnings) }, def: 0, set: "6121", want: 1},
	}
}

// TestEveryOption checks, for every key in Reference, its default, a good
// value and a bad one.
func TestEveryOption(t *testing.T) {
	cases := optionCases(t.TempDir())
	byKey := map[string]optCase{}
	for _, c := range cases {
		byKey[c.key] = c
	}
	for _, d := range flinkconf.Reference() {
		if _, ok := byKey[d.Key]; !ok {
			t.Errorf("no test case for %s", d.Key)
		}
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			o, err := options(t, nil, nil)
			if err != nil {
				t.Fatalf("base configuration: %v", err)
			}
			if got := c.get(o); !reflect.DeepEqual(got, c.def) {
				t.Errorf("default = %#v, want %#v", got, c.def)
			}
			if c.set != "" {
				extra := map[string]string{c.key: c.set}
				if strings.HasSuffix(c.key, ".") {
					extra = map[string]string{c.key + "NAME": c.set}
				}
				for k, v := range c.extra {
					extra[k] = v
				}
				o, err := options(t, extra, nil)
				if err != nil {
					t.Fatalf("%s=%q: %v", c.key, c.set, err)
				}
				if got := c.get(o); !reflect.DeepEqual(got, c.want) {
					t.Errorf("%s=%q gives %#v, want %#v", c.key, c.set, got, c.want)
				}
			}
			if c.kind != nil {
				extra := map[string]string{c.key: c.bad}
				for k, v := range c.extra {
					if _, clash := extra[k]; !clash {
						extra[k] = v
					}
				}
				_, err := options(t, extra, nil)
				if !errors.Is(err, c.kind) {
					t.Fatalf("%s=%q: error = %v, want %v", c.key, c.bad, err, c.kind)
				}
				var ke *flinkconf.KeyError
				if !errors.As(err, &ke) || !strings.Contains(err.Error(), "(map)") {
					t.Errorf("error %q does not name the source", err)
				}
			}
		})
	}
}

func TestEnvMaps(t *testing.T) {
	o, err := options(t, map[string]string{
		"containerized.taskmanager.env.HADOOP_CLASSPATH": "/h",
		"containerized.taskmanager.env.A":                "a=b",
		"containerized.master.env.JVM_ARGS":              "-Xss1m",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"HADOOP_CLASSPATH": "/h", "A": "a=b"}; !reflect.DeepEqual(o.TaskManager.Env, want) {
		t.Errorf("TaskManager.Env = %v, want %v", o.TaskManager.Env, want)
	}
	if want := map[string]string{"JVM_ARGS": "-Xss1m"}; !reflect.DeepEqual(o.JobManager.Env, want) {
		t.Errorf("JobManager.Env = %v, want %v", o.JobManager.Env, want)
	}
}
