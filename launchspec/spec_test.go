package launchspec_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestRoundTrip(t *testing.T) {
	specs := []launchspec.Spec{
		{Role: launchspec.TaskManager, Host: "agent-1"},
		{
			Role: launchspec.JobManager, Host: "10.0.0.7",
			Command:    "$FLINK_HOME/bin/standalone-job.sh start-foreground",
			Bootstrap:  "ulimit -n 65536 && echo 'quoted; stuff' > /dev/null",
			FlinkHome:  "/opt/flink 2.0",
			ConfigFile: "flink-mesos/flink-conf.yaml",
			Dynamic: []launchspec.KV{
				{"jobmanager.rpc.port", "31001"}, {"env.java.opts", "-Da=b -Dc=\"d e\""}, {"empty", ""}, {"k", "v=w"},
			},
			Secrets: []launchspec.SecretEnv{{Env: "FLINK_MESOS_SECRET_0", Key: "s3.secret-key"}, {Env: "_x9", Key: "odd=key with spaces"}},
			Program: []string{"--job-classname", "com.example.Job", "--", "-D", "--input", "a b"},
		},
	}
	for _, want := range specs {
		got, err := launchspec.Parse(want.Args())
		if err != nil {
			t.Fatalf("Parse(%q): %v", want.Args(), err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, want)
		}
		ci := want.CommandInfo("./flink-mesos-taskexecutor", nil, nil, "")
		if ci.GetShell() || ci.GetArguments()[0] != launchspec.Argv0 {
			t.Fatalf("CommandInfo must run without a shell with argv0 %s: %v", launchspec.Argv0, ci)
		}
		back, err := launchspec.FromCommandInfo(ci)
		if err != nil || !reflect.DeepEqual(back, want) {
			t.Fatalf("FromCommandInfo: %+v, %v", back, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "--launchspec is missing"},
		{"future version", []string{"--launchspec", "2", "--role", "taskmanager", "--host", "h"}, "format version 2 is not supported"},
		{"no role", []string{"--launchspec", "1", "--host", "h"}, "role is missing"},
		{"bad role", []string{"--launchspec", "1", "--role", "worker", "--host", "h"}, `role "worker" is unknown`},
		{"no host", []string{"--launchspec", "1", "--role", "jobmanager"}, "host is missing"},
		{"unknown flag", []string{"--launchspec", "1", "--frobnicate", "x"}, `unknown argument "--frobnicate"`},
		{"missing value", []string{"--launchspec", "1", "--role"}, "--role needs a value"},
		{"bad -D", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "-D", "novalue"}, `-D "novalue" is not key=value`},
		{"secret-env without =", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "--secret-env", "X"}, `--secret-env "X" is not VARIABLE=key`},
		{"secret-env bad name", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "--secret-env", "1X=k"}, `"1X" is not an environment variable name`},
		{"secret-env empty name", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "--secret-env", "=k"}, `"" is not an environment variable name`},
		{"secret-env name with dash", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "--secret-env", "A-B=k"}, `"A-B" is not an environment variable name`},
		{"secret-env empty key", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "--secret-env", "X="}, "the configuration key is empty"},
		{"secret-env variable twice", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "--secret-env", "X=a", "--secret-env", "X=b"}, "variable X is named twice"},
		{"secret-env key twice", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "--secret-env", "X=a", "--secret-env", "Y=a"}, `key "a" is named twice`},
		{"secret also -D", []string{"--launchspec", "1", "--role", "jobmanager", "--host", "h", "-D", "a=1", "--secret-env", "X=a"}, `key "a" is both a secret and a -D override`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := launchspec.Parse(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestShellCommandIsRefused(t *testing.T) {
	spec := launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}
	ci := spec.CommandInfo("x", nil, nil, "")
	ci.Shell = nil // proto default is true
	if _, err := launchspec.FromCommandInfo(ci); err == nil {
		t.Fatal("a shell command was accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("--launchspec\x001\x00--role\x00taskmanager\x00--host\x00h\x00-D\x00a=b\x00--\x00x")
	f.Add("--launchspec\x001\x00--role\x00taskmanager\x00--host\x00h\x00--secret-env\x00FLINK_MESOS_SECRET_0=s3.secret-key\x00--secret-env\x00Y=a=b")
	f.Add("--launchspec\x001\x00--role\x00jobmanager")
	f.Fuzz(func(t *testing.T, joined string) {
		s, err := launchspec.Parse(strings.Split(joined, "\x00"))
		if err != nil {
			return
		}
		again, err := launchspec.Parse(s.Args())
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("re-encoding %+v gave %+v, %v", s, again, err)
		}
	})
}

// AddSecrets puts each value into a SECRET variable of type VALUE (the only
// kind Mesos' default secret resolver resolves: src/secret/resolver.cpp) and
// only the key names into the arguments; the task side reads the values
// back from the resolved environment and drops the variables.
func TestSecretsThroughTheEnvironment(t *testing.T) {
	const value = "p@ss word=with#hash"
	spec := launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}
	vars := spec.AddSecrets(map[string]string{"security.ssl.keystore-password": "ks-Value-1", "s3.secret-key": value}, true)
	ci := spec.CommandInfo("./x", nil, vars, "")
	for _, a := range ci.GetArguments() {
		if strings.Contains(a, value) || strings.Contains(a, "ks-Value-1") {
			t.Errorf("argument %q holds a secret value", a)
		}
	}
	want := []launchspec.SecretEnv{{Env: "FLINK_MESOS_SECRET_0", Key: "s3.secret-key"}, {Env: "FLINK_MESOS_SECRET_1", Key: "security.ssl.keystore-password"}}
	if !reflect.DeepEqual(spec.Secrets, want) {
		t.Fatalf("Secrets = %+v, want %+v", spec.Secrets, want)
	}
	var environ []string
	for i, v := range ci.GetEnvironment().GetVariables() {
		if v.GetType() != mesospb.Environment_Variable_SECRET || v.Value != nil ||
			v.GetSecret().GetType() != mesospb.Secret_VALUE || v.GetSecret().Reference != nil || v.GetName() != want[i].Env {
			t.Fatalf("variable %d: got %v, want %s of type SECRET with a VALUE secret", i, v, want[i].Env)
		}
		// What the agent gives the task after resolving the secret.
		environ = append(environ, v.GetName()+"="+string(v.GetSecret().GetValue().GetData()))
	}
	back, err := launchspec.FromCommandInfo(ci)
	if err != nil || !reflect.DeepEqual(back, spec) {
		t.Fatalf("FromCommandInfo: %+v, %v; want %+v", back, err, spec)
	}
	environ = append([]string{"PATH=/bin", "FLINK_MESOS_SECRET_0=overridden"}, environ...)
	environ = append(environ, "HOME=/h")
	kvs, rest, err := back.ResolveSecrets(environ)
	if err != nil {
		t.Fatal(err)
	}
	wantKV := []launchspec.KV{{Key: "s3.secret-key", Value: value}, {Key: "security.ssl.keystore-password", Value: "ks-Value-1"}}
	if !reflect.DeepEqual(kvs, wantKV) {
		t.Errorf("values = %q, want %q", kvs, wantKV)
	}
	if wantRest := []string{"PATH=/bin", "HOME=/h"}; !reflect.DeepEqual(rest, wantRest) {
		t.Errorf("rest = %q, want %q", rest, wantRest)
	}
}

func TestResolveSecrets(t *testing.T) {
	spec := launchspec.Spec{Role: launchspec.JobManager, Host: "h", Secrets: []launchspec.SecretEnv{{Env: "A", Key: "a.password"}}}
	tests := []struct {
		name    string
		environ []string
		want    []launchspec.KV
		rest    []string
		err     error
	}{
		{"present", []string{"X=1", "A=s"}, []launchspec.KV{{"a.password", "s"}}, []string{"X=1"}, nil},
		{"empty value", []string{"A="}, []launchspec.KV{{"a.password", ""}}, []string{}, nil},
		{"value with =", []string{"A=b=c"}, []launchspec.KV{{"a.password", "b=c"}}, []string{}, nil},
		{"last wins", []string{"A=1", "A=2"}, []launchspec.KV{{"a.password", "2"}}, []string{}, nil},
		{"missing", []string{"X=1", "AA=1", "a=1"}, nil, nil, launchspec.ErrSecretMissing},
		{"name without =", []string{"A"}, []launchspec.KV{{"a.password", ""}}, []string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, err := spec.ResolveSecrets(tt.environ)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), `A (the value of "a.password")`) {
					t.Errorf("error %q does not name the variable and the key", err)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(rest, tt.rest) {
				t.Errorf("got %q, %q; want %q, %q", got, rest, tt.want, tt.rest)
			}
		})
	}
	// Without secrets the environment comes back as it was.
	environ := []string{"A=1"}
	if kvs, rest, err := (launchspec.Spec{}).ResolveSecrets(environ); kvs != nil || err != nil || !reflect.DeepEqual(rest, environ) {
		t.Errorf("no secrets: got %q, %q, %v", kvs, rest, err)
	}
}

// FuzzSecrets: whatever the keys and values (Mesos refuses NUL bytes in a
// secret environment variable, src/common/validation.cpp
// validateEnvironment, so none are sent), the task reads back exactly what
// the scheduler sent.
func FuzzSecrets(f *testing.F) {
	f.Add("s3.secret-key", "v", "a=b", "", true)
	f.Add("x.password", "=", "y.token", "a\nb", false)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string, mesosSecrets bool) {
		values := map[string]string{k1: v1, k2: v2}
		for k, v := range values {
			if k == "" || strings.ContainsRune(k, 0) || strings.ContainsRune(v, 0) {
				return
			}
		}
		spec := launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}
		vars := spec.AddSecrets(values, mesosSecrets)
		back, err := launchspec.FromCommandInfo(spec.CommandInfo("./x", nil, vars, ""))
		if err != nil {
			t.Fatalf("FromCommandInfo: %v", err)
		}
		var environ []string
		for _, v := range vars {
			value := v.GetValue()
			if v.GetType() == mesospb.Environment_Variable_SECRET {
				value = string(v.GetSecret().GetValue().GetData())
			}
			environ = append(environ, v.GetName()+"="+value)
		}
		kvs, rest, err := back.ResolveSecrets(environ)
		if err != nil || len(rest) != 0 {
			t.Fatalf("ResolveSecrets: %v, rest %q", err, rest)
		}
		got := map[string]string{}
		for _, kv := range kvs {
			got[kv.Key] = kv.Value
		}
		if !reflect.DeepEqual(got, values) {
			t.Fatalf("got %q, want %q", got, values)
		}
	})
}

// For the Docker containerizer, which never resolves a SECRET variable
// (src/docker/docker.cpp copies the value field), the values travel as
// plain variables, still never as arguments.
func TestSecretsAsPlainVariables(t *testing.T) {
	spec := launchspec.Spec{Role: launchspec.TaskManager, Host: "h"}
	vars := spec.AddSecrets(map[string]string{"b.token": "2", "a.password": "1"}, false)
	want := map[string]string{"FLINK_MESOS_SECRET_0": "1", "FLINK_MESOS_SECRET_1": "2"}
	if len(vars) != len(want) {
		t.Fatalf("got %d variables, want %d", len(vars), len(want))
	}
	for _, v := range vars {
		if v.GetType() != mesospb.Environment_Variable_VALUE || v.Secret != nil || v.Value == nil || want[v.GetName()] != v.GetValue() {
			t.Errorf("got %v, want a VALUE variable %s=%q", v, v.GetName(), want[v.GetName()])
		}
	}
	if spec.Secrets[1] != (launchspec.SecretEnv{Env: "FLINK_MESOS_SECRET_1", Key: "b.token"}) {
		t.Errorf("Secrets = %+v", spec.Secrets)
	}
}
