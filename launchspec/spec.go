package launchspec

import (
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
	for _, d := range s.Dynamic {
		if d.Key == "" || strings.ContainsAny(d.Key, "=\n") {
			return fmt.Errorf("launchspec: bad configuration key %q", d.Key)
		}
	}
	return nil
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
