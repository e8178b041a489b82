package launchspec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is the argument format this package writes and reads.
const Version = 1

// Role is what a task runs.
type Role string

// The roles.
const (
	JobManager  Role = "jobmanager"
	TaskManager Role = "taskmanager"
)

// KV is one Flink configuration override.
type KV struct {
	Key, Value string
}

// SecretEnv says which environment variable of the task carries the value
// of a Flink key whose value is secret.
type SecretEnv struct {
	Env, Key string
}

// SecretEnvPrefix starts the name of every variable AddSecrets creates; the
// scheduler refuses user-defined task variables with this prefix.
const SecretEnvPrefix = "FLINK_MESOS_SECRET_"

// Spec is everything the task executor needs from the scheduler.
type Spec struct {
	Role Role
	// Host is the agent's hostname from the offer: the address Flink binds
	// to and advertises (never "localhost").
	Host string
	// Command is the Flink command line, with $FLINK_HOME expanded by the
	// task executor; "" means the role's default start-foreground script.
	Command string
	// Bootstrap is a shell command run before Command; "" for none.
	Bootstrap string
	// FlinkHome is where Flink is inside the task; "" means $FLINK_HOME of
	// the task's environment, else a flink-* directory in the sandbox.
	FlinkHome string
	// ConfigFile is the sandbox-relative path of the Flink configuration
	// the task fetched from the scheduler; "" for none.
	ConfigFile string
	// Dynamic are the -D overrides the scheduler computed (ports,
	// addresses, resources), applied after the configuration file.
	Dynamic []KV
	// Secrets name the environment variables that carry the values of
	// secret Flink keys; the task executor writes those keys into the
	// configuration file and never onto a command line.
	Secrets []SecretEnv
	// Program are arguments appended to the Flink command (the job's class
	// and arguments in application mode).
	Program []string
}

// Validate reports the first problem that would make the spec unusable.
func (s Spec) Validate() error {
	switch s.Role {
	case JobManager, TaskManager:
	case "":
		return fmt.Errorf("launchspec: the role is missing (allowed: %s, %s)", JobManager, TaskManager)
	default:
		return fmt.Errorf("launchspec: role %q is unknown (allowed: %s, %s)", s.Role, JobManager, TaskManager)
	}
	if s.Host == "" {
		return fmt.Errorf("launchspec: the host is missing")
	}
	dynamic := map[string]bool{}
	for _, d := range s.Dynamic {
		if d.Key == "" || strings.ContainsAny(d.Key, "=\n") {
			return fmt.Errorf("launchspec: bad configuration key %q", d.Key)
		}
		dynamic[d.Key] = true
	}
	envs, keys := map[string]bool{}, map[string]bool{}
	for _, se := range s.Secrets {
		switch {
		case !validEnvName(se.Env):
			return fmt.Errorf("launchspec: --secret-env: %q is not an environment variable name (allowed: letters, digits and '_', not starting with a digit)", se.Env)
		case se.Key == "" || strings.Contains(se.Key, "\x00"):
			return fmt.Errorf("launchspec: --secret-env %s: the configuration key is empty or holds a NUL byte", se.Env)
		case envs[se.Env]:
			return fmt.Errorf("launchspec: --secret-env: variable %s is named twice", se.Env)
		case keys[se.Key]:
			return fmt.Errorf("launchspec: --secret-env: key %q is named twice", se.Key)
		case dynamic[se.Key]:
			return fmt.Errorf("launchspec: key %q is both a secret and a -D override", se.Key)
		}
		envs[se.Env], keys[se.Key] = true, true
	}
	return nil
}

// validEnvName is the portable shell variable name: what every shell and
// exec wrapper on an agent passes through untouched.
func validEnvName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Args encodes the spec as task executor arguments (without argv[0]).
func (s Spec) Args() []string {
	args := []string{"--launchspec", strconv.Itoa(Version), "--role", string(s.Role), "--host", s.Host}
	opt := func(name, v string) {
		if v != "" {
			args = append(args, name, v)
		}
	}
	opt("--cmd", s.Command)
	opt("--bootstrap", s.Bootstrap)
	opt("--flink-home", s.FlinkHome)
	opt("--config-file", s.ConfigFile)
	for _, d := range s.Dynamic {
		args = append(args, "-D", d.Key+"="+d.Value)
	}
	for _, se := range s.Secrets {
		args = append(args, "--secret-env", se.Env+"="+se.Key)
	}
	if len(s.Program) > 0 {
		args = append(args, "--")
		args = append(args, s.Program...)
	}
	return args
}

// Parse decodes task executor arguments (without argv[0]). Errors name the
// argument and what is allowed.
func Parse(args []string) (Spec, error) {
	var s Spec
	version := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				s.Program = append([]string{}, args[i+1:]...)
			}
			break
		}
		if i+1 >= len(args) {
			return Spec{}, fmt.Errorf("launchspec: %s needs a value", a)
		}
		v := args[i+1]
		i++
		switch a {
		case "--launchspec":
			version = v
		case "--role":
			s.Role = Role(v)
		case "--host":
			s.Host = v
		case "--cmd":
			s.Command = v
		case "--bootstrap":
			s.Bootstrap = v
		case "--flink-home":
			s.FlinkHome = v
		case "--config-file":
			s.ConfigFile = v
		case "-D":
			k, val, ok := strings.Cut(v, "=")
			if !ok || k == "" {
				return Spec{}, fmt.Errorf("launchspec: -D %q is not key=value", v)
			}
			s.Dynamic = append(s.Dynamic, KV{Key: k, Value: val})
		case "--secret-env":
			name, key, ok := strings.Cut(v, "=")
			if !ok {
				return Spec{}, fmt.Errorf("launchspec: --secret-env %q is not VARIABLE=key", v)
			}
			s.Secrets = append(s.Secrets, SecretEnv{Env: name, Key: key})
		default:
			return Spec{}, fmt.Errorf("launchspec: unknown argument %q; this task executor reads launchspec version %d, written by the scheduler of the same release", a, Version)
		}
	}
	switch version {
	case strconv.Itoa(Version):
	case "":
		return Spec{}, fmt.Errorf("launchspec: --launchspec is missing: the task was not started by a flink-mesos scheduler")
	default:
		return Spec{}, fmt.Errorf("launchspec: format version %s is not supported by this task executor (it reads version %d); use the task executor of the scheduler's release", version, Version)
	}
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// ErrSecretMissing is a variable the spec names for a secret that the
// task's environment does not hold.
var ErrSecretMissing = errors.New("launchspec: a secret's environment variable is not set")

// ResolveSecrets reads the values of s.Secrets from environ ("NAME=value"
// entries, as os.Environ returns them; the last of repeated names wins) in
// the order of s.Secrets, and returns environ without those variables, for
// the processes that must not see them. A named variable that is missing is
// an error wrapping ErrSecretMissing that names the variable and the key,
// never a value.
func (s Spec) ResolveSecrets(environ []string) ([]KV, []string, error) {
	if len(s.Secrets) == 0 {
		return nil, environ, nil
	}
	named := make(map[string]bool, len(s.Secrets))
	for _, se := range s.Secrets {
		named[se.Env] = true
	}
	found := map[string]string{}
	rest := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if named[name] {
			found[name] = value
			continue
		}
		rest = append(rest, kv)
	}
	values := make([]KV, 0, len(s.Secrets))
	for _, se := range s.Secrets {
		v, ok := found[se.Env]
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s (the value of %q); the agent must resolve the task's SECRET environment variables", ErrSecretMissing, se.Env, se.Key)
		}
		values = append(values, KV{Key: se.Key, Value: v})
	}
	return values, rest, nil
}
