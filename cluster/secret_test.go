package cluster_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Values of Flink keys flinkconf.IsSensitive names, and of a task variable
// named like a credential.
var secretConf = map[string]string{
	"s3.secret-key":                                       "S3-Known-Value-9d1e",
	"security.ssl.keystore-password":                      "KS-Known-Value-27b4",
	"containerized.taskmanager.env.AWS_SECRET_ACCESS_KEY": "AWS-Known-Value-c3f0",
	"state.backend.type":                                  "rocksdb",
}

var secretValues = []string{"S3-Known-Value-9d1e", "KS-Known-Value-27b4", "AWS-Known-Value-c3f0"}

// secretVars returns a TaskInfo's environment by name, and the launch spec.
func secretVars(t *testing.T, info *mesospb.TaskInfo) (map[string]*mesospb.Environment_Variable, launchspec.Spec) {
	t.Helper()
	vars := map[string]*mesospb.Environment_Variable{}
	for _, v := range info.GetCommand().GetEnvironment().GetVariables() {
		vars[v.GetName()] = v
	}
	spec, err := launchspec.FromCommandInfo(info.GetCommand())
	if err != nil {
		t.Fatal(err)
	}
	return vars, spec
}

// Secret Flink keys reach the tasks only as SECRET variables of type VALUE
// (what the Mesos containerizer resolves), named by --secret-env; the
// served configuration, the arguments, the logs, the overview, the status
// page and the metrics never show them.
func TestSecretKeysTravelAsSecretVariables(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, secretConf)
	s.tms = 1
	sc := s.start(t)
	var jm, tm *mesospb.TaskInfo
	waitFor(t, s.lm, 20*time.Second, "both launches", func(snap *localmesos.Snapshot) bool {
		for _, tk := range snap.Tasks {
			switch {
			case strings.Contains(tk.ID, "-jm-") && tk.Task != nil:
				jm = tk.Task
			case strings.Contains(tk.ID, "-tm-") && tk.Task != nil:
				tm = tk.Task
			}
		}
		return jm != nil && tm != nil
	})
	want := map[string]string{"s3.secret-key": "S3-Known-Value-9d1e", "security.ssl.keystore-password": "KS-Known-Value-27b4",
		"containerized.taskmanager.env.AWS_SECRET_ACCESS_KEY": "AWS-Known-Value-c3f0"}
	var seen strings.Builder
	for _, info := range []*mesospb.TaskInfo{jm, tm} {
		vars, spec := secretVars(t, info)
		got := map[string]string{}
		for _, se := range spec.Secrets {
			v := vars[se.Env]
			if v.GetType() != mesospb.Environment_Variable_SECRET || v.Value != nil || v.GetSecret().GetType() != mesospb.Secret_VALUE {
				t.Errorf("%s: variable %s for %s is %v, want type SECRET with a VALUE secret", info.GetTaskId().GetValue(), se.Env, se.Key, v)
			}
			got[se.Key] = string(v.GetSecret().GetValue().GetData())
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: the secret of %s is %q, want %q", info.GetTaskId().GetValue(), k, got[k], v)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: secrets for %d keys, want %d", info.GetTaskId().GetValue(), len(got), len(want))
		}
		if strings.Contains(info.GetTaskId().GetValue(), "-tm-") {
			aws := vars["AWS_SECRET_ACCESS_KEY"]
			if aws.GetType() != mesospb.Environment_Variable_SECRET || string(aws.GetSecret().GetValue().GetData()) != "AWS-Known-Value-c3f0" {
				t.Errorf("AWS_SECRET_ACCESS_KEY is %v, want a SECRET variable", aws)
			}
		}
		seen.WriteString(strings.Join(info.GetCommand().GetArguments(), " "))
		// Everything of the TaskInfo but the SECRET variables.
		stripped := proto.Clone(info).(*mesospb.TaskInfo)
		var kept []*mesospb.Environment_Variable
		for _, v := range stripped.GetCommand().GetEnvironment().GetVariables() {
			if v.GetType() != mesospb.Environment_Variable_SECRET {
				kept = append(kept, v)
			}
		}
		stripped.Command.Environment.Variables = kept
		b, err := protojson.Marshal(stripped)
		if err != nil {
			t.Fatal(err)
		}
		seen.Write(b)
	}
	_, served := getOK(t, sc.url+"/artifacts/config.yaml")
	if !strings.Contains(served, `"state.backend.type": "rocksdb"`) {
		t.Errorf("the served configuration lost a plain key:\n%s", served)
	}
	for _, k := range []string{"s3.secret-key", "security.ssl.keystore-password", "AWS_SECRET_ACCESS_KEY"} {
		if strings.Contains(served, k) {
			t.Errorf("the served configuration names %s:\n%s", k, served)
		}
	}
	seen.WriteString(served)
	for _, path := range []string{"/api/v1/overview", "/", "/metrics"} {
		_, body := getOK(t, sc.url+path)
		seen.WriteString(body)
	}
	if err := sc.stop(); err != nil {
		t.Fatal(err)
	}
	seen.WriteString(sc.logs.String())
	for _, v := range secretValues {
		if i := strings.Index(seen.String(), v); i >= 0 {
			text := seen.String()
			t.Errorf("a secret shows outside the SECRET variables: ...%s...", text[max(0, i-200):min(len(text), i+len(v)+50)])
		}
	}
}

// The Docker containerizer copies only a variable's value field into
// `docker run -e` (src/docker/docker.cpp), so with a Docker container the
// secrets travel as plain variables, still out of the arguments and the
// served configuration.
func TestSecretKeysInDockerContainers(t *testing.T) {
	conf := map[string]string{
		"mesos.resourcemanager.tasks.container.type":       "docker",
		"mesos.resourcemanager.tasks.container.image.name": "flink:1.13",
		"mesos.resourcemanager.tasks.taskexecutor-path":    "/opt/flink-mesos/flink-mesos-taskexecutor",
	}
	for k, v := range secretConf {
		conf[k] = v
	}
	s := newSetup(t, localmesos.Config{}, conf)
	s.tms = 1
	s.exe = ""
	sc := s.start(t)
	info := taskManagerInfo(t, s)
	vars, spec := secretVars(t, info)
	if len(spec.Secrets) != 3 {
		t.Fatalf("secrets %+v, want 3", spec.Secrets)
	}
	for _, se := range spec.Secrets {
		if v := vars[se.Env]; v.GetType() != mesospb.Environment_Variable_VALUE || v.Secret != nil || v.GetValue() != secretConf[se.Key] {
			t.Errorf("variable %s for %s is %v, want a VALUE variable", se.Env, se.Key, v)
		}
	}
	if v := vars["AWS_SECRET_ACCESS_KEY"]; v.GetType() != mesospb.Environment_Variable_VALUE || v.GetValue() != "AWS-Known-Value-c3f0" {
		t.Errorf("AWS_SECRET_ACCESS_KEY is %v, want a VALUE variable", v)
	}
	_, served := getOK(t, sc.url+"/artifacts/config.yaml")
	text := strings.Join(info.GetCommand().GetArguments(), " ") + served
	for _, v := range secretValues {
		if strings.Contains(text, v) {
			t.Errorf("%s is in the arguments or the served configuration", v)
		}
	}
}

// Configuration that cannot travel as task secrets fails New (exit code 2
// from the binaries) with the key named and the value not shown.
func TestSecretConfigurationErrors(t *testing.T) {
	tests := []struct {
		name string
		conf map[string]string
		want string
	}{
		{"reserved variable", map[string]string{"containerized.taskmanager.env.FLINK_MESOS_SECRET_0": "x"},
			"the task environment variable FLINK_MESOS_SECRET_0 is reserved"},
		{"reserved variable of the JobManager", map[string]string{"containerized.master.env.FLINK_MESOS_SECRET_X": "x"},
			"the task environment variable FLINK_MESOS_SECRET_X is reserved"},
		{"NUL in a secret key", map[string]string{"s3.secret-key": "Known\x00Value"},
			"the value of s3.secret-key holds a NUL byte"},
		{"NUL in a secret variable", map[string]string{"containerized.taskmanager.env.MY_TOKEN": "Known\x00Value"},
			"the value of containerized.taskmanager.env.MY_TOKEN holds a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t, localmesos.Config{}, tt.conf)
			opts, conf := s.options(t)
			client, err := mesoshttp.New(mesoshttp.Config{Masters: []string{s.lm.URL()}})
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			_, err = cluster.New(cluster.Config{Options: opts, Flink: conf.PassThrough(), Store: hastore.NewMemStore(),
				Client: client, Listener: ln, AdvertisedURL: "http://" + ln.Addr().String(), TaskExecutorBinary: s.exe, TaskManagers: 1})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "Known") {
				t.Errorf("the error shows the value: %v", err)
			}
		})
	}
}
