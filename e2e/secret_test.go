package e2e_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/internal/testtls"
	"github.com/flink-mesos/flink-mesos/launchspec"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

const (
	knownSecret = "fw-Secret-7f3a9c2e"
	knownToken  = "api-Token-51d0b8aa"
	// The value of a Flink key whose value is secret (s3.secret-key), in
	// the user's flink-conf.yaml: Flink must get it, through its
	// configuration file only.
	knownFlinkSecret = "s3-Secret-Value-4c2d90"
)

// TestSecretsStayHidden runs a session cluster over HTTPS to a master that
// authenticates frameworks, with the framework secret from the
// environment, the API token from a file and a secret Flink key in the
// user's flink-conf.yaml, then looks for them in every log line (debug
// included), the overview, the status page, the metrics, the served
// configuration, every TaskInfo the scheduler sent, the tasks' output and
// everything each Flink process was given (arguments, configuration,
// environment). The Flink key's value may appear only as a SECRET
// variable of the TaskInfos and in the configuration file Flink read.
func TestSecretsStayHidden(t *testing.T) {
	pki := testtls.New(t, "mesos")
	e := newEnv(t, envOpts{lm: localmesos.Config{TLS: pki.ServerConfig(false), Credentials: map[string]string{"flink": knownSecret}}})
	userConf := filepath.Join(e.flinkHome, "conf", "flink-conf.yaml")
	conf, err := os.ReadFile(userConf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(userConf, append(conf, "s3.secret-key: "+knownFlinkSecret+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(knownToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FLINK_MESOS_FRAMEWORK_SECRET", knownSecret)
	p := e.run("flink-mesos-session", "-Dmesos.initial-tasks=1",
		"-Dmesos.master="+e.lm.URL(), "-Dmesos.master.tls.ca-file="+pki.CAFile,
		"-Dmesos.resourcemanager.framework.principal=flink",
		"-Dmesos.scheduler.http.token-file="+tokenFile)
	e.waitFor(60*time.Second, "1 JobManager and 1 TaskManager running", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		return jm == 1 && tm == 1
	})
	eventually(t, 30*time.Second, "every process recorded", func() bool { return len(e.readRecords()) >= 2 })

	// The token guards mutating calls.
	if code, _ := e.request(http.MethodPut, "/api/v1/taskmanagers", `{"count": 2}`); code != http.StatusUnauthorized {
		t.Fatalf("scale without the token: %d, want 401", code)
	}
	req, _ := http.NewRequest(http.MethodPut, e.url("/api/v1/taskmanagers"), strings.NewReader(`{"count": 2}`))
	req.Header.Set("Authorization", "Bearer "+knownToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("scale with the token: %s", resp.Status)
	}
	e.waitFor(60*time.Second, "2 TaskManagers running", func(s *localmesos.Snapshot) bool {
		_, tm := runningCount(s)
		return tm == 2
	})

	var seen strings.Builder
	for _, path := range []string{"/api/v1/overview", "/", "/metrics", "/healthz"} {
		code, body := e.request(http.MethodGet, path, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		seen.WriteString(body)
	}
	seen.WriteString(e.artifact("config.yaml"))
	for _, tk := range e.lm.Tasks() {
		info := proto.Clone(tk.Task).(*mesospb.TaskInfo)
		spec, err := launchspec.FromCommandInfo(info.GetCommand())
		if err != nil {
			t.Fatal(err)
		}
		secretEnv := map[string]string{}
		for _, se := range spec.Secrets {
			secretEnv[se.Env] = se.Key
		}
		found := false
		var kept []*mesospb.Environment_Variable
		for _, v := range info.GetCommand().GetEnvironment().GetVariables() {
			if v.GetType() != mesospb.Environment_Variable_SECRET {
				kept = append(kept, v)
				continue
			}
			if secretEnv[v.GetName()] == "s3.secret-key" && string(v.GetSecret().GetValue().GetData()) == knownFlinkSecret &&
				v.GetSecret().GetType() == mesospb.Secret_VALUE {
				found = true
			}
		}
		if !found {
			t.Errorf("task %s: no SECRET variable carries s3.secret-key (secrets %+v)", tk.ID, spec.Secrets)
		}
		if info.Command.Environment != nil {
			info.Command.Environment.Variables = kept
		}
		b, err := protojson.Marshal(info)
		if err != nil {
			t.Fatal(err)
		}
		seen.Write(b)
		// What the task fetched and printed (the task executor's log and
		// Flink's output).
		for _, f := range []string{"stdout", "stderr", "flink-mesos/config.yaml"} {
			b, err := os.ReadFile(filepath.Join(tk.Sandbox, f))
			if err != nil {
				t.Fatal(err)
			}
			seen.Write(b)
		}
	}
	for _, r := range e.readRecords() {
		seen.WriteString(strings.Join(r.Args, " ") + strings.Join(r.Rest, " "))
		if got := r.Config["s3.secret-key"]; got != knownFlinkSecret {
			t.Errorf("%s read s3.secret-key %q, want the user's value", r.Role, got)
		}
		// Not from the arguments (checked above), so from the file; it is
		// readable by the task's user only.
		file := filepath.Join(r.Env["FLINK_CONF_DIR"], "flink-conf.yaml")
		if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), "s3.secret-key: "+knownFlinkSecret+"\n") {
			t.Errorf("%s: %s lacks the secret key: %v\n%s", r.Role, file, err, b)
		}
		if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %s has mode %v (%v), want 0600", r.Role, file, st.Mode().Perm(), err)
		}
		for k, v := range r.Config {
			if k == "s3.secret-key" {
				continue
			}
			seen.WriteString(k + "=" + v + "\n")
		}
		for k, v := range r.Env {
			if k == "FLINK_MESOS_FRAMEWORK_SECRET" {
				// The stand-in runs under the agent, which inherits this
				// test's environment; what the scheduler sent is in the
				// TaskInfos above.
				continue
			}
			seen.WriteString(k + "=" + v + "\n")
		}
	}
	p.signal(os.Interrupt)
	p.wait(60 * time.Second)
	logs := p.out() + p.err()
	if !strings.Contains(logs, "level=DEBUG") {
		t.Fatal("no debug lines in the log: the test would not see everything")
	}
	for what, text := range map[string]string{"the log": logs, "the HTTP API, task infos and Flink processes": seen.String()} {
		for _, s := range []string{knownSecret, knownToken, knownFlinkSecret} {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("%s shows a secret: ...%s...", what, text[max(0, i-200):min(len(text), i+len(s)+50)])
			}
		}
	}
}

// TestMasterAuthFailures: what the scheduler binary does with a wrong
// secret, a secret holding ':', and a master certificate it cannot verify.
func TestMasterAuthFailures(t *testing.T) {
	pki, other := testtls.New(t, "mesos"), testtls.New(t, "other")
	tests := []struct {
		name     string
		secret   string
		ca       string
		exitCode int    // 0: keeps retrying; the test stops it
		want     string // in stderr
	}{
		{"wrong secret", "not-" + knownSecret, pki.CAFile, 1, `refused principal "flink"`},
		{"secret with a colon", "a:" + knownSecret, pki.CAFile, 2, "contains ':'"},
		{"wrong CA", knownSecret, other.CAFile, 0, "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpts{agents: 1, lm: localmesos.Config{TLS: pki.ServerConfig(false), Credentials: map[string]string{"flink": knownSecret}}})
			t.Setenv("FLINK_MESOS_FRAMEWORK_SECRET", tt.secret)
			p := e.run("flink-mesos-session", "-Dmesos.master="+e.lm.URL(), "-Dmesos.master.tls.ca-file="+tt.ca,
				"-Dmesos.resourcemanager.framework.principal=flink")
			if tt.exitCode != 0 {
				if code := p.wait(60 * time.Second); code != tt.exitCode {
					t.Fatalf("exit code %d, want %d\n%s", code, tt.exitCode, p.err())
				}
			} else {
				eventually(t, 60*time.Second, "the TLS failure logged", func() bool { return strings.Contains(p.err(), tt.want) })
				p.signal(os.Interrupt)
				p.wait(60 * time.Second)
			}
			if !strings.Contains(p.err(), tt.want) {
				t.Fatalf("stderr does not say %q:\n%s", tt.want, p.err())
			}
			if strings.Contains(p.out()+p.err(), knownSecret) {
				t.Fatal("the output shows the secret")
			}
			if n := len(e.lm.Frameworks()); n != 0 {
				t.Fatalf("%d frameworks registered, want none", n)
			}
		})
	}
}

// artifact fetches what the scheduler serves the tasks, as any agent can:
// without credentials.
func (e *env) artifact(name string) string {
	e.t.Helper()
	code, body := e.request(http.MethodGet, "/artifacts/"+name, "")
	if code != http.StatusOK {
		e.t.Fatalf("GET /artifacts/%s: %d %s", name, code, body)
	}
	return body
}
