package taskexec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/launchspec"
)

// ConfDirName is the directory in the sandbox that becomes FLINK_CONF_DIR.
const ConfDirName = "flink-conf"

// Config is what Run needs from the process around it.
type Config struct {
	Args    []string            // the task executor's arguments, without argv[0]
	Getenv  func(string) string // nil means os.Getenv
	Environ []string            // the Flink process's base environment; nil means os.Environ()
	Stdout  io.Writer           // the Flink process's stdout; nil means os.Stdout
	Stderr  io.Writer           // likewise
	Logger  *slog.Logger        // nil discards
	// Signals delivers the signals to forward; the first goes to the Flink
	// process group as is, a second one becomes SIGKILL.
	Signals <-chan os.Signal
}

// Error is a failure with the exit code the task should end with.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// ExitCode lets internal/entry exit with Code.
func (e *Error) ExitCode() int { return e.Code }

func usageErr(format string, args ...any) error {
	return &Error{Code: 2, Msg: fmt.Sprintf(format, args...)}
}

// Run prepares and runs the Flink process and returns nil when it exited 0,
// else an *Error with its exit status.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Environ == nil {
		cfg.Environ = os.Environ()
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := prepare(cfg)
	if err != nil {
		return err
	}
	log := cfg.Logger.With("role", string(p.spec.Role), "task", p.taskID)
	if p.spec.Bootstrap != "" {
		log.Info("running bootstrap command", "command", p.spec.Bootstrap)
		cmd := exec.Command("/bin/sh", "-c", p.spec.Bootstrap)
		if err := p.run(ctx, cfg, cmd); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code != 2 {
				e.Msg = fmt.Sprintf("bootstrap command %q failed: %s", p.spec.Bootstrap, e.Msg)
			}
			return err
		}
	}
	log.Info("starting Flink", "command", strings.Join(p.argv, " "), "flink_home", p.flinkHome, "conf_dir", p.confDir)
	return p.run(ctx, cfg, exec.Command(p.argv[0], p.argv[1:]...))
}

// prepared is everything worked out before the first process starts.
type prepared struct {
	spec      launchspec.Spec
	sandbox   string
	taskID    string
	flinkHome string
	confDir   string
	argv      []string
	env       []string
}

func prepare(cfg Config) (*prepared, error) {
	spec, err := launchspec.Parse(cfg.Args)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	p := &prepared{spec: spec}
	// The secrets leave the environment here, so neither the bootstrap
	// command nor Flink ever sees them; they reach Flink only through the
	// configuration file.
	secrets, environ, err := spec.ResolveSecrets(cfg.Environ)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	p.sandbox = cfg.Getenv("MESOS_SANDBOX")
	if p.sandbox == "" {
		if p.sandbox, err = os.Getwd(); err != nil {
			return nil, usageErr("MESOS_SANDBOX is not set and the working directory is unknown: %v", err)
		}
	}
	// Mesos' command executor does not export the task ID, but it runs
	// each task under an executor of the same ID (MESOS_EXECUTOR_ID).
	p.taskID = cfg.Getenv("MESOS_TASK_ID")
	if p.taskID == "" {
		p.taskID = cfg.Getenv("MESOS_EXECUTOR_ID")
	}
	if p.taskID == "" {
		return nil, usageErr("neither MESOS_TASK_ID nor MESOS_EXECUTOR_ID is set: the task executor runs inside a Mesos task started by a flink-mesos scheduler")
	}
	command := spec.Command
	if command == "" {
		command = DefaultCommand(spec.Role, false)
	}
	// Flink's directory is needed for Flink's scripts and conf files; a
	// custom command that never names $FLINK_HOME runs without one.
	p.flinkHome, err = findFlinkHome(spec.FlinkHome, cfg.Getenv("FLINK_HOME"), p.sandbox)
	if err != nil && (strings.Contains(command, "FLINK_HOME") || spec.FlinkHome != "") {
		return nil, err
	}
	if p.flinkHome != "" {
		if p.flinkHome, err = overlayHome(p.flinkHome, p.sandbox); err != nil {
			return nil, usageErr("adding the fetched user jars to Flink's usrlib: %v", err)
		}
	}

	served := map[string]string{}
	if spec.ConfigFile != "" {
		path := spec.ConfigFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.sandbox, path)
		}
		c, err := readServed(path)
		if err != nil {
			return nil, usageErr("reading the configuration the scheduler served: %v", err)
		}
		for _, k := range c.Keys() {
			served[k], _ = c.Get(k)
		}
	}
	secretKeys := make(map[string]bool, len(secrets))
	for _, kv := range secrets {
		served[kv.Key] = kv.Value
		secretKeys[kv.Key] = true
	}

	dynamic := append([]launchspec.KV{}, spec.Dynamic...)
	has := func(key string) bool {
		if _, ok := served[key]; ok {
			return true
		}
		for _, d := range dynamic {
			if d.Key == key {
				return true
			}
		}
		return false
	}
	// What only the sandbox knows. The scheduler's own values win: it may
	// have resolved a Mesos-DNS hostname for the TaskManager.
	if spec.Role == launchspec.TaskManager {
		if !has("taskmanager.resource-id") {
			dynamic = append(dynamic, launchspec.KV{Key: "taskmanager.resource-id", Value: p.taskID})
		}
		if !has("taskmanager.host") {
			dynamic = append(dynamic, launchspec.KV{Key: "taskmanager.host", Value: spec.Host})
		}
	} else if !has("jobmanager.rpc.address") {
		dynamic = append(dynamic, launchspec.KV{Key: "jobmanager.rpc.address", Value: spec.Host})
	}
	if !has("io.tmp.dirs") {
		tmp := filepath.Join(p.sandbox, "tmp")
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			return nil, usageErr("creating %s: %v", tmp, err)
		}
		dynamic = append(dynamic, launchspec.KV{Key: "io.tmp.dirs", Value: tmp})
	}

	p.confDir = filepath.Join(p.sandbox, ConfDirName)
	distConf := ""
	if p.flinkHome != "" {
		distConf = filepath.Join(p.flinkHome, "conf")
	}
	extra, err := writeConfDir(p.confDir, distConf, served, secretKeys)
	if err != nil {
		return nil, usageErr("preparing the Flink configuration directory: %v", err)
	}
	dynamic = append(extra, dynamic...)

	secretVar := ""
	words, err := SplitCommand(command, func(name string) string {
		switch name {
		case "FLINK_HOME":
			return p.flinkHome
		case "MESOS_SANDBOX":
			return p.sandbox
		}
		for _, se := range spec.Secrets {
			if se.Env == name {
				secretVar = name
				return ""
			}
		}
		return cfg.Getenv(name)
	})
	if err != nil {
		return nil, usageErr("the Flink command %q: %v", command, err)
	}
	if secretVar != "" {
		return nil, usageErr("the Flink command %q names $%s, which carries a secret: secrets never go on a command line", command, secretVar)
	}
	if len(words) == 0 {
		return nil, usageErr("the Flink command is empty")
	}
	if err := checkExecutable(words[0], p.flinkHome); err != nil {
		return nil, err
	}
	p.argv = words
	for _, d := range dynamic {
		p.argv = append(p.argv, "-D", d.Key+"="+d.Value)
	}
	p.argv = append(p.argv, spec.Program...)

	p.env = environ
	if p.flinkHome != "" {
		p.env = withEnv(p.env, "FLINK_HOME", p.flinkHome)
	}
	p.env = withEnv(p.env, "FLINK_CONF_DIR", p.confDir)
	if cfg.Getenv("FLINK_LOG_DIR") == "" && served["env.log.dir"] == "" {
		logDir := filepath.Join(p.sandbox, "log")
		if err := os.MkdirAll(logDir, 0o755); err != nil {
			return nil, usageErr("creating %s: %v", logDir, err)
		}
		p.env = withEnv(p.env, "FLINK_LOG_DIR", logDir)
	}
	return p, nil
}

// DefaultCommand is the Flink command for a role when the configuration
// names none: Flink's own scripts, in the foreground.
func DefaultCommand(role launchspec.Role, application bool) string {
	switch {
	case role == launchspec.TaskManager:
		return "$FLINK_HOME/bin/taskmanager.sh start-foreground"
	case application:
		return "$FLINK_HOME/bin/standalone-job.sh start-foreground"
	default:
		return "$FLINK_HOME/bin/jobmanager.sh start-foreground"
	}
}

// findFlinkHome picks Flink's directory: explicit, else $FLINK_HOME, else
// the one flink-* directory in the sandbox.
func findFlinkHome(explicit, env, sandbox string) (string, error) {
	check := func(dir, source string) (string, error) {
		st, err := os.Stat(filepath.Join(dir, "bin"))
		if err != nil || !st.IsDir() {
			return "", usageErr("FLINK_HOME %s (from %s) has no bin/ directory: is Flink installed there?", dir, source)
		}
		return dir, nil
	}
	if explicit != "" {
		return check(explicit, "mesos.resourcemanager.tasks.flink-home")
	}
	if env != "" {
		return check(env, "$FLINK_HOME")
	}
	matches, _ := filepath.Glob(filepath.Join(sandbox, "flink-*"))
	var dirs []string
	for _, m := range matches {
		if st, err := os.Stat(filepath.Join(m, "bin")); err == nil && st.IsDir() {
			dirs = append(dirs, m)
		}
	}
	switch len(dirs) {
	case 1:
		return dirs[0], nil
	case 0:
		return "", usageErr("FLINK_HOME is not set and the sandbox %s holds no flink-* directory: install Flink on the agents, use an image that sets FLINK_HOME, set mesos.resourcemanager.tasks.flink-home, or fetch a Flink archive with mesos.resourcemanager.tasks.uris", sandbox)
	default:
		return "", usageErr("FLINK_HOME is not set and the sandbox holds several Flink directories (%s): set mesos.resourcemanager.tasks.flink-home", strings.Join(dirs, ", "))
	}
}

// checkExecutable makes a missing or relative Flink command a clear error
// at once, instead of exit 127 from a shell (a classic with custom images).
func checkExecutable(path, flinkHome string) error {
	if !filepath.IsAbs(path) {
		if _, err := exec.LookPath(path); err != nil {
			return usageErr("the Flink command %q is not an absolute path and is not on PATH; use an absolute path or $FLINK_HOME/... (FLINK_HOME is %s)", path, flinkHome)
		}
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return usageErr("the Flink command %s does not exist (FLINK_HOME is %s)", path, flinkHome)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return usageErr("the Flink command %s is not an executable file", path)
	}
	return nil
}

func withEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return append(out, key+"="+value)
}

// run starts cmd in its own process group in the sandbox, forwards signals
// and waits for it.
func (p *prepared) run(ctx context.Context, cfg Config, cmd *exec.Cmd) error {
	cmd.Dir = p.sandbox
	cmd.Env = p.env
	cmd.Stdout = cfg.Stdout
	cmd.Stderr = cfg.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return usageErr("starting %s: %v", cmd.Path, err)
	}
	pgid := cmd.Process.Pid
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	forwarded := 0
	done := ctx.Done()
	for {
		select {
		case err := <-waited:
			return exitStatus(cmd.Path, err)
		case s := <-cfg.Signals:
			sig, ok := s.(syscall.Signal)
			if !ok {
				sig = syscall.SIGTERM
			}
			if forwarded++; forwarded > 1 {
				sig = syscall.SIGKILL
			}
			cfg.Logger.Info("forwarding signal to the Flink process group", "signal", sig.String(), "pgid", pgid)
			_ = syscall.Kill(-pgid, sig)
		case <-done:
			done = nil
			forwarded++
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
		}
	}
}

func exitStatus(path string, err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &Error{Code: 128 + int(ws.Signal()), Msg: fmt.Sprintf("%s was killed by %s", filepath.Base(path), ws.Signal())}
		}
		return &Error{Code: ee.ExitCode(), Msg: fmt.Sprintf("%s exited with status %d", filepath.Base(path), ee.ExitCode())}
	}
	return &Error{Code: 1, Msg: fmt.Sprintf("waiting for %s: %v", filepath.Base(path), err)}
}

// sortedKeys returns m's keys in order, so written files are stable.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// readServed reads the configuration the scheduler served: standard YAML
// when the file is named config.yaml, Flink's flat format otherwise.
func readServed(path string) (*flinkconf.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if filepath.Base(path) == "config.yaml" {
		return flinkconf.ReadConfigYAML(data, path)
	}
	return flinkconf.ReadFlinkConf(data, path)
}
