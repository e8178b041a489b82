package localmesos_test

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func secretVar(name string, sec *mesospb.Secret) *mesospb.Environment_Variable {
	return &mesospb.Environment_Variable{Name: proto.String(name), Type: mesospb.Environment_Variable_SECRET.Enum(), Secret: sec}
}

func valueSecret(data string) *mesospb.Secret {
	return &mesospb.Secret{Type: mesospb.Secret_VALUE.Enum(), Value: &mesospb.Secret_Value{Data: []byte(data)}}
}

func refSecret(name string) *mesospb.Secret {
	return &mesospb.Secret{Type: mesospb.Secret_REFERENCE.Enum(), Reference: &mesospb.Secret_Reference{Name: proto.String(name)}}
}

// The master refuses a task whose environment breaks the rules of
// src/common/validation.cpp validateEnvironment and validateSecret (called
// from src/master/validation.cpp validateCommandInfo), with Mesos' texts:
// TASK_ERROR, REASON_TASK_INVALID.
func TestValidateEnvironmentSecrets(t *testing.T) {
	tests := []struct {
		name string
		v    *mesospb.Environment_Variable
		want string // "" means valid
	}{
		{"secret value", secretVar("S", valueSecret("x")), ""},
		{"secret reference", secretVar("S", refSecret("/db/pw")), ""},
		{"secret of unknown type", secretVar("S", &mesospb.Secret{Type: mesospb.Secret_UNKNOWN.Enum()}), ""},
		{"SECRET without a secret", secretVar("S", nil), "Environment variable 'S' of type 'SECRET' must have a secret set"},
		{"SECRET with a value", &mesospb.Environment_Variable{Name: proto.String("S"), Type: mesospb.Environment_Variable_SECRET.Enum(),
			Value: proto.String("v"), Secret: valueSecret("x")}, "Environment variable 'S' of type 'SECRET' must not have a value set"},
		{"VALUE secret without value", secretVar("S", &mesospb.Secret{Type: mesospb.Secret_VALUE.Enum()}),
			"Environment variable 'S' specifies an invalid secret: Secret of type VALUE must have the 'value' field set"},
		{"VALUE secret with a reference", secretVar("S", &mesospb.Secret{Type: mesospb.Secret_VALUE.Enum(),
			Value: &mesospb.Secret_Value{Data: []byte("x")}, Reference: &mesospb.Secret_Reference{Name: proto.String("r")}}),
			"Environment variable 'S' specifies an invalid secret: Secret of type VALUE must not have the 'reference' field set"},
		{"REFERENCE secret without reference", secretVar("S", &mesospb.Secret{Type: mesospb.Secret_REFERENCE.Enum()}),
			"Environment variable 'S' specifies an invalid secret: Secret of type REFERENCE must have the 'reference' field set"},
		{"REFERENCE secret with a value", secretVar("S", &mesospb.Secret{Type: mesospb.Secret_REFERENCE.Enum(),
			Reference: &mesospb.Secret_Reference{Name: proto.String("r")}, Value: &mesospb.Secret_Value{Data: []byte("x")}}),
			"Environment variable 'S' specifies an invalid secret: Secret 'r' of type REFERENCE must not have the 'value' field set"},
		{"NUL in a secret", secretVar("S", valueSecret("a\x00b")),
			"Environment variable 'S' specifies a secret containing null bytes, which is not allowed in the environment"},
		{"VALUE with a secret", &mesospb.Environment_Variable{Name: proto.String("V"), Value: proto.String("v"), Secret: valueSecret("x")},
			"Environment variable 'V' of type 'VALUE' must not have a secret set"},
		{"VALUE without value", &mesospb.Environment_Variable{Name: proto.String("V"), Type: mesospb.Environment_Variable_VALUE.Enum()},
			"Environment variable 'V' of type 'VALUE' must have a value set"},
		{"UNKNOWN type", &mesospb.Environment_Variable{Name: proto.String("U"), Type: mesospb.Environment_Variable_UNKNOWN.Enum(), Value: proto.String("v")},
			"Environment variable of type 'UNKNOWN' is not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, s := start(t, localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:1;mem:128"}}}, frameworkInfo())
			cmd := sh("exit 0")
			cmd.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{tt.v}}
			s.launch(s.offers()[0], "t1", "cpus:0.1;mem:16", cmd)
			st := s.update()
			if tt.want == "" {
				if st.GetState() == mesospb.TaskState_TASK_ERROR {
					t.Fatalf("a valid environment was refused: %v", st)
				}
				return
			}
			want := "Task's `CommandInfo` is invalid: " + tt.want
			if st.GetState() != mesospb.TaskState_TASK_ERROR || st.GetMessage() != want ||
				st.GetReason() != mesospb.TaskStatus_REASON_TASK_INVALID || st.GetSource() != mesospb.TaskStatus_SOURCE_MASTER {
				t.Errorf("got %v\nwant TASK_ERROR %q", st, want)
			}
		})
	}
}

// A process agent resolves secrets like the Mesos containerizer's
// environment_secret isolator with the default secret resolver
// (src/slave/containerizer/mesos/isolators/environment_secret.cpp,
// src/secret/resolver.cpp): a VALUE secret becomes the plain variable, a
// REFERENCE fails the launch (no secret resolver module), before anything
// is fetched or run.
func TestProcessAgentResolvesSecrets(t *testing.T) {
	t.Run("value", func(t *testing.T) {
		m, _, s := start(t, processAgents(1), frameworkInfo())
		cmd := sh(`printf '%s' "$PASSWORD" > pw.txt; printf '%s' "$ODD" > odd.txt`)
		cmd.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{
			secretVar("PASSWORD", valueSecret("p w=\n\"x\"")),
			// validateSecret lets type UNKNOWN through; the resolver looks
			// at the fields.
			secretVar("ODD", &mesospb.Secret{Value: &mesospb.Secret_Value{Data: []byte("unknown-typed")}}),
		}}
		s.launch(s.offers()[0], "t1", "cpus:1;mem:64", cmd)
		s.updateAck(mesospb.TaskState_TASK_STARTING)
		s.updateAck(mesospb.TaskState_TASK_RUNNING)
		s.updateAck(mesospb.TaskState_TASK_FINISHED)
		tk := m.Tasks()[0]
		if got := readFile(t, filepath.Join(tk.Sandbox, "pw.txt")); got != "p w=\n\"x\"" {
			t.Errorf("PASSWORD = %q", got)
		}
		if got := readFile(t, filepath.Join(tk.Sandbox, "odd.txt")); got != "unknown-typed" {
			t.Errorf("ODD = %q", got)
		}
	})
	tests := []struct {
		name string
		sec  *mesospb.Secret
		want string
	}{
		{"reference", refSecret("/db/pw"), "Failed to launch container: Default secret resolver cannot resolve references"},
		{"unknown type without a value", &mesospb.Secret{Type: mesospb.Secret_UNKNOWN.Enum()}, "Failed to launch container: Secret has no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, s := start(t, processAgents(1), frameworkInfo())
			cmd := sh("touch ran")
			cmd.Environment = &mesospb.Environment{Variables: []*mesospb.Environment_Variable{secretVar("S", tt.sec)}}
			s.launch(s.offers()[0], "t1", "cpus:1;mem:64", cmd)
			st := s.updateAck(mesospb.TaskState_TASK_FAILED)
			if st.GetMessage() != tt.want || st.GetReason() != mesospb.TaskStatus_REASON_CONTAINER_LAUNCH_FAILED || st.GetSource() != mesospb.TaskStatus_SOURCE_AGENT {
				t.Errorf("got %v\nwant %q", st, tt.want)
			}
			if tk := m.Tasks()[0]; tk.Sandbox != "" {
				if _, err := os.Stat(filepath.Join(tk.Sandbox, "ran")); err == nil {
					t.Error("the command ran")
				}
			}
		})
	}
}
