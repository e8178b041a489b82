package taskexec_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/taskexec"
)

const secretValue = "Known Secret=Value-5e0c"

// A secret Flink key's value comes from the variable --secret-env names,
// lands in the configuration file only (mode 0600), and neither Flink nor
// the bootstrap command sees the variable or the value anywhere else.
func TestSecretsGoIntoTheConfigurationFile(t *testing.T) {
	tests := []struct {
		name     string
		standard bool // the distribution reads config.yaml (Flink 1.19+)
		file     string
		line     string
	}{
		{"flink-conf.yaml", false, "flink-conf.yaml", "s3.secret-key: " + secretValue},
		{"config.yaml", true, "config.yaml", `"s3.secret-key": "` + secretValue + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := fakeFlink(t, `env > "$MESOS_SANDBOX/flink.environ"`, tt.standard)
			sandbox := t.TempDir()
			os.WriteFile(filepath.Join(sandbox, "config.yaml"), []byte("state.backend.type: rocksdb\n"), 0o644)
			spec := launchspec.Spec{Role: launchspec.TaskManager, Host: "h", ConfigFile: "config.yaml",
				Bootstrap: `env > "$MESOS_SANDBOX/bootstrap.environ"`,
				Secrets:   []launchspec.SecretEnv{{Env: "FLINK_MESOS_SECRET_0", Key: "s3.secret-key"}}}
			e := env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "tm", "FLINK_HOME": home, "FLINK_MESOS_SECRET_0": secretValue}
			if err := run(t, spec, e, nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(sandbox, "flink-conf", tt.file)
			conf, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(conf), tt.line+"\n") || !strings.Contains(string(conf), "rocksdb") {
				t.Errorf("%s is\n%s\nwant the line %s and the served keys", tt.file, conf, tt.line)
			}
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, %v; want 0600 with a secret in it", tt.file, st.Mode().Perm(), err)
			}
			for _, f := range []string{"record.args", "flink.environ", "bootstrap.environ"} {
				b, err := os.ReadFile(filepath.Join(sandbox, f))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), "Value-5e0c") || strings.Contains(string(b), "FLINK_MESOS_SECRET_0") {
					t.Errorf("%s shows the secret or its variable:\n%s", f, b)
				}
			}
		})
	}
}

// Without secrets the file keeps its usual mode.
func TestConfigurationFileModeWithoutSecrets(t *testing.T) {
	home := fakeFlink(t, "exit 0", false)
	sandbox := t.TempDir()
	spec := launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}
	if err := run(t, spec, env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "tm", "FLINK_HOME": home}, nil); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(sandbox, "flink-conf", "flink-conf.yaml"))
	if err != nil || st.Mode().Perm()&0o044 == 0 {
		t.Fatalf("mode %v, %v; want readable by others (umask permitting) without a secret", st.Mode().Perm(), err)
	}
}

func TestSecretErrors(t *testing.T) {
	sandbox := t.TempDir()
	legacy := fakeFlink(t, "exit 0", false)
	secret := []launchspec.SecretEnv{{Env: "FLINK_MESOS_SECRET_0", Key: "s3.secret-key"}}
	tests := []struct {
		name    string
		spec    launchspec.Spec
		env     env
		wantMsg string
	}{
		{"variable not set", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Secrets: secret},
			env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": legacy},
			`FLINK_MESOS_SECRET_0 (the value of "s3.secret-key")`},
		{"value flink-conf.yaml cannot hold", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Secrets: secret},
			env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": legacy, "FLINK_MESOS_SECRET_0": "Known#Value"},
			"the value of s3.secret-key cannot be written to flink-conf.yaml"},
		{"empty value in flink-conf.yaml", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Secrets: secret},
			env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": legacy, "FLINK_MESOS_SECRET_0": ""},
			"the value of s3.secret-key cannot be written to flink-conf.yaml"},
		{"command names the variable", launchspec.Spec{Role: launchspec.TaskManager, Host: "h", Secrets: secret,
			Command: "$FLINK_HOME/bin/taskmanager.sh start-foreground -Ds3.secret-key=$FLINK_MESOS_SECRET_0"},
			env{"MESOS_SANDBOX": sandbox, "MESOS_TASK_ID": "t", "FLINK_HOME": legacy, "FLINK_MESOS_SECRET_0": "Known-Value"},
			"names $FLINK_MESOS_SECRET_0, which carries a secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := taskexec.Run(t.Context(), taskexec.Config{Args: tt.spec.Args(), Getenv: tt.env.get, Environ: tt.env.environ()})
			var e *taskexec.Error
			if !errors.As(err, &e) || e.Code != 2 || !strings.Contains(e.Msg, tt.wantMsg) {
				t.Fatalf("got %v, want exit 2 with %q", err, tt.wantMsg)
			}
			if strings.Contains(e.Msg, "Known") {
				t.Errorf("the error shows the value: %s", e.Msg)
			}
		})
	}
}
