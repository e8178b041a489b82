package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/internal/entry"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/zkelect"
)

// Invocation is one run of a scheduler binary, as its command line and
// environment describe it.
type Invocation struct {
	Mode      Mode
	Job       JobSpec
	ConfigDir string         // "" means no file, only Dynamic
	Dynamic   []flinkconf.KV // -D overrides, in order
	Getenv    func(string) string
	Stdout    io.Writer // where the HTTP address and the framework ID are printed
	Logger    *slog.Logger
	// Stderr, LogLevel and LogFormatSet let mesos.scheduler.log.format
	// switch the log to JSON when --log-format did not say.
	Stderr       io.Writer
	LogLevel     slog.Level
	LogFormatSet bool
	// TaskExecutorBinary is served to the tasks; "" means the
	// flink-mesos-taskexecutor next to the running binary, else on PATH.
	TaskExecutorBinary string
}

// InvocationFrom reads what the shared start-up parsed.
func InvocationFrom(env *entry.Env, mode Mode) Invocation {
	dyn := make([]flinkconf.KV, len(env.Dynamic))
	for i, d := range env.Dynamic {
		dyn[i] = flinkconf.KV{Key: d.Key, Value: d.Value}
	}
	return Invocation{
		Mode: mode, ConfigDir: env.ConfigDir, Dynamic: dyn, Getenv: env.Getenv,
		Stdout: env.Stdout, Stderr: env.Stderr, Logger: env.Logger, LogLevel: env.LogLevel, LogFormatSet: env.LogFormat != "",
	}
}

// ConfigError is bad configuration: exit code 2, nothing registered.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// ExitCode is read by the binaries' start-up code.
func (e *ConfigError) ExitCode() int { return 2 }

// Main loads the configuration, opens the checkpoint, starts the in-process
// Mesos for local mode, and runs the cluster until ctx ends or the cluster
// does.
func Main(ctx context.Context, inv Invocation) error {
	if inv.Getenv == nil {
		inv.Getenv = os.Getenv
	}
	if inv.Stdout == nil {
		inv.Stdout = io.Discard
	}
	log := inv.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conf, err := flinkconf.Load(inv.ConfigDir, inv.Dynamic)
	if err != nil {
		return &ConfigError{Err: err}
	}
	opts, err := conf.Options(flinkconf.Env{Getenv: inv.Getenv})
	if err != nil {
		return &ConfigError{Err: err}
	}
	if !inv.LogFormatSet && opts.LogFormat == flinkconf.LogJSON && inv.Stderr != nil {
		if log, err = entry.NewLogger(inv.Stderr, "json", inv.LogLevel); err != nil {
			return &ConfigError{Err: err}
		}
	}
	for _, w := range opts.Warnings {
		log.Warn("configuration: " + w.String())
	}
	tms := opts.InitialTasks
	if inv.Mode == PerJob {
		if inv.Job.ClassName == "" {
			return &ConfigError{Err: errors.New("a per-job cluster needs --job-classname CLASS")}
		}
		if _, explicit := conf.Get("mesos.initial-tasks"); !explicit {
			// As many TaskManagers as the job's parallelism needs slots.
			tms = int(math.Ceil(float64(opts.Parallelism) / float64(opts.TaskManager.Slots)))
		}
	}
	exe := inv.TaskExecutorBinary
	if exe == "" && opts.TaskManager.TaskExecutorPath == "" {
		if exe, err = findTaskExecutor(); err != nil {
			return &ConfigError{Err: err}
		}
	}

	// With ZooKeeper HA, the schedulers of a cluster elect a leader; only
	// the leader opens the checkpoint and subscribes. Without it, the
	// checkpoint directory's lock is the single-writer guard.
	var store *hastore.FileStore
	runCtx := ctx
	var lead *zkelect.Leadership
	var ln net.Listener
	var advertised string
	openHTTP := func() error {
		var err error
		if ln, advertised, err = listen(opts); err != nil {
			return &ConfigError{Err: err}
		}
		fmt.Fprintf(inv.Stdout, "scheduler HTTP server: %s\n", advertised)
		return nil
	}
	defer func() {
		if ln != nil {
			ln.Close()
		}
	}()
	if opts.HA.Mode == flinkconf.HAZooKeeper {
		// The standby serves its state from the start.
		if err := openHTTP(); err != nil {
			return err
		}
		if lead, ln, err = standby(ctx, opts, ln, advertised, log); err != nil {
			return err
		}
		defer lead.Resign()
		fmt.Fprintf(inv.Stdout, "elected leader: %s\n", lead.Node())
		var cancel context.CancelCauseFunc
		runCtx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		go func() {
			select {
			case <-lead.Lost():
				if runCtx.Err() != nil {
					return // resigned on the way out
				}
				log.Error("lost the leadership of the cluster in ZooKeeper; stopping without touching Flink so that the new leader alone runs the cluster", "err", lead.Err())
				cancel(fmt.Errorf("%w: %w", ErrLeadershipLost, lead.Err()))
			case <-runCtx.Done():
			}
		}()
		store, err = openStoreAsLeader(runCtx, opts.CheckpointDir, lead, log)
	} else {
		store, err = hastore.Open(opts.CheckpointDir, hastore.Options{Logger: log.With("subsystem", "checkpoint")})
	}
	if err != nil {
		if errors.Is(err, ErrLeadershipLost) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, hastore.ErrLocked) {
			return &ConfigError{Err: fmt.Errorf("another scheduler runs this cluster: %w", err)}
		}
		return &ConfigError{Err: fmt.Errorf("opening the checkpoint directory %s (mesos.resourcemanager.checkpoint-dir): %w", opts.CheckpointDir, err)}
	}
	defer store.Close()
	if ln == nil {
		if err := openHTTP(); err != nil {
			return err
		}
	}

	masters := opts.Master.URLs
	var detector mesoshttp.Detector
	switch opts.Master.Kind {
	case flinkconf.MasterLocal:
		lm, err := startLocal(opts, log)
		if err != nil {
			return err
		}
		defer lm.Close()
		masters = []string{lm.URL()}
		fmt.Fprintf(inv.Stdout, "local Mesos master: %s (%d agents)\n", lm.URL(), opts.Master.LocalAgents)
	case flinkconf.MasterZooKeeper:
		d, err := masterDetector(opts, log)
		if err != nil {
			return &ConfigError{Err: fmt.Errorf("mesos.master %s: %w", opts.Master, err)}
		}
		defer d.Close()
		detector = d
		masters = nil
	}

	var tlsConf *tls.Config
	if f := opts.MasterTLS; f.CAFile != "" || f.CertFile != "" {
		if tlsConf, err = mesoshttp.LoadTLS(f.CAFile, f.CertFile, f.KeyFile); err != nil {
			return &ConfigError{Err: err}
		}
	}
	enc := mesoshttp.Protobuf
	if opts.Encoding == flinkconf.EncodingJSON {
		enc = mesoshttp.JSON
	}
	client, err := mesoshttp.New(mesoshttp.Config{
		Masters: masters, Detector: detector, Encoding: enc, TLS: tlsConf,
		Principal: opts.Framework.Principal, Secret: opts.Framework.Secret.Reveal(),
		Logger: log.With("subsystem", "mesos"),
	})
	if err != nil {
		return &ConfigError{Err: err}
	}
	defer client.Close()

	m, err := New(Config{
		Mode: inv.Mode, Job: inv.Job, Options: opts, Flink: conf.PassThrough(), Store: store, Client: client,
		Listener: ln, AdvertisedURL: advertised, TaskExecutorBinary: exe, TaskManagers: tms,
		Logger: log, OnRegistered: func(id string) { fmt.Fprintf(inv.Stdout, "framework ID: %s\n", id) },
		OnEnded: func(code int, why string) { fmt.Fprintf(inv.Stdout, "cluster ended (exit code %d): %s\n", code, why) },
	})
	if err != nil {
		return &ConfigError{Err: err}
	}
	err = m.Run(runCtx)
	if lead != nil && ctx.Err() == nil {
		if lerr := context.Cause(runCtx); errors.Is(lerr, ErrLeadershipLost) {
			return lerr
		}
	}
	return err
}

// findTaskExecutor looks for flink-mesos-taskexecutor next to the running
// binary (build.sh puts the three side by side), then on PATH.
func findTaskExecutor() (string, error) {
	const name = "flink-mesos-taskexecutor"
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return filepath.Abs(p)
	}
	return "", fmt.Errorf("%s is neither next to this binary nor on PATH: the tasks fetch it from the scheduler; install it, or set mesos.resourcemanager.tasks.taskexecutor-path to its path inside the tasks (e.g. in a Docker image)", name)
}

// listen opens the HTTP server's listener and works out the URL agents and
// browsers use.
func listen(opts *flinkconf.Options) (net.Listener, string, error) {
	h := opts.HTTP
	ln, err := net.Listen("tcp", h.Address)
	if err != nil {
		return nil, "", fmt.Errorf("mesos.scheduler.http.address %s: %w", h.Address, err)
	}
	scheme := "http"
	if h.TLS() {
		cert, err := tls.LoadX509KeyPair(h.CertFile, h.KeyFile)
		if err != nil {
			ln.Close()
			return nil, "", fmt.Errorf("mesos.scheduler.http.tls.cert-file/key-file: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	port := h.AdvertisedPort
	if port == 0 {
		_, p, _ := net.SplitHostPort(ln.Addr().String())
		port, _ = strconv.Atoi(p)
	}
	return ln, fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(h.AdvertisedHost, strconv.Itoa(port))), nil
}

// startLocal starts the in-process Mesos of mesos.master: local[N] with N
// agents that run tasks as real processes on this machine.
func startLocal(opts *flinkconf.Options, log *slog.Logger) (*localmesos.Master, error) {
	n := opts.Master.LocalAgents
	agents := make([]localmesos.AgentConfig, n)
	for i := range agents {
		agents[i] = localmesos.AgentConfig{Processes: true, Resources: localResources(opts.Local.AgentResources, i, n)}
	}
	lm, err := localmesos.New(localmesos.Config{
		Agents:  agents,
		WorkDir: opts.Local.WorkDir,
		Logger:  log.With("subsystem", "localmesos"),
	})
	if err != nil {
		return nil, &ConfigError{Err: fmt.Errorf("starting the local Mesos: %w", err)}
	}
	return lm, nil
}

// localResources is agent i's --resources text: the configured resources,
// or a share of this machine, with its own slice of the port range so that
// agents on one machine never hand out the same port.
func localResources(conf []flinkconf.Resource, i, n int) string {
	if conf == nil {
		// Local agents share one machine and run few, mostly idle
		// processes, so each offers all of its CPUs (at least 2, so that
		// a JobManager and a TaskManager fit on the smallest machine).
		cpus := max(2, runtime.NumCPU())
		mem := max(1024, machineMemMiB()*8/10/int64(n))
		lo, hi := localPorts(i, n)
		return fmt.Sprintf("cpus:%d;mem:%d;disk:%d;ports:[%d-%d]", cpus, mem, 20480, lo, hi)
	}
	var parts []string
	for _, r := range conf {
		name := r.Name
		if r.Role != "" {
			name += "(" + r.Role + ")"
		}
		switch {
		case r.Ranges != nil:
			var rs []string
			for _, rg := range splitRanges(r.Ranges, i, n) {
				rs = append(rs, fmt.Sprintf("%d-%d", rg.Begin, rg.End))
			}
			if len(rs) == 0 {
				continue
			}
			parts = append(parts, name+":["+strings.Join(rs, ",")+"]")
		case r.Set != nil:
			parts = append(parts, name+":{"+strings.Join(r.Set, ",")+"}")
		default:
			parts = append(parts, name+":"+strconv.FormatFloat(r.Scalar, 'f', -1, 64))
		}
	}
	return strings.Join(parts, ";")
}

// localPorts is agent i of n's slice of the ports local agents offer. The
// ports lie below Linux's ephemeral range (32768-60999 by default), as
// Mesos' own default [31000-32000] does: a port in that range may be held
// by any outgoing connection on the machine when a task binds it. Mesos'
// range serves up to 17 agents with 100 ports each; more agents share
// 10000-32767.
func localPorts(i, n int) (lo, hi int) {
	begin, end := 31000, 32767
	if n > 17 {
		begin = 10000
	}
	slice := (end - begin + 1) / n
	lo = begin + i*slice
	return lo, lo + slice - 1
}

// splitRanges gives agent i of n its share of the numbers in rs.
func splitRanges(rs []flinkconf.Range, i, n int) []flinkconf.Range {
	var total uint64
	for _, r := range rs {
		total += r.End - r.Begin + 1
	}
	per := total / uint64(n)
	if per == 0 {
		return nil
	}
	lo, hi := uint64(i)*per, uint64(i+1)*per-1 // offsets into the concatenated ranges
	var out []flinkconf.Range
	var off uint64
	for _, r := range rs {
		size := r.End - r.Begin + 1
		a, b := max(lo, off), min(hi, off+size-1)
		if a <= b {
			out = append(out, flinkconf.Range{Begin: r.Begin + (a - off), End: r.Begin + (b - off)})
		}
		off += size
	}
	return out
}

// machineMemMiB reads MemTotal from /proc/meminfo; 8 GiB if it cannot.
func machineMemMiB() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					return kb / 1024
				}
			}
		}
	}
	return 8192
}
