package flinkconf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

func loadOptions(t *testing.T, file, content string, overrides []flinkconf.KV, vars map[string]string) (*flinkconf.Options, error) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, file, content)
	c, err := flinkconf.Load(dir, overrides)
	if err != nil {
		return nil, err
	}
	return c.Options(testEnv(vars))
}

func problems(t *testing.T, err error) []string {
	t.Helper()
	var ve *flinkconf.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	if ve.ExitCode() != 2 {
		t.Errorf("ExitCode() = %d, want 2", ve.ExitCode())
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Error())
	}
	return out
}

// The two message shapes the issue asks for, exactly.
func TestErrorMessages(t *testing.T) {
	conf := "mesos.master: m:5050\ntaskmanager.memory.process.size: 1728m\nmesos.resourcemanager.tasks.cpu: 2\n#\n#\n#\nmesos.resourcemanager.tasks.cpus: -1\n"
	_, err := loadOptions(t, "flink-conf.yaml", conf, nil, nil)
	got := problems(t, err)
	want := []string{
		"mesos.resourcemanager.tasks.cpu (flink-conf.yaml:3): unknown key; did you mean mesos.resourcemanager.tasks.cpus?",
		`mesos.resourcemanager.tasks.cpus "-1" (flink-conf.yaml:7): must be > 0`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems =\n%q\nwant\n%q", got, want)
	}
	if !errors.Is(err, flinkconf.ErrUnknownKey) || !errors.Is(err, flinkconf.ErrOutOfRange) {
		t.Errorf("errors.Is does not see both kinds in %v", err)
	}
	if !strings.HasPrefix(err.Error(), "configuration has 2 problems:\n  ") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestSuggestions(t *testing.T) {
	tests := []struct {
		key  string
		want string // "" for no suggestion
	}{
		{"mesos.resourcemanager.tasks.cpu", "mesos.resourcemanager.tasks.cpus"},
		{"mesos.mastr", "mesos.master"},
		{"mesos.resourcemanager.framework.princpal", "mesos.resourcemanager.framework.principal"},
		{"mesos.resourcemanager.tasks.container.docker.force-pull", "mesos.resourcemanager.tasks.container.docker.force-pull-image"},
		{"mesos.failovertimeout", "mesos.failover-timeout"},
		{"mesos.scheduler.http.adress", "mesos.scheduler.http.address"},
		{"mesos.something.completely.different.here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := options(t, map[string]string{tt.key: "x"}, nil)
			var ke *flinkconf.KeyError
			if !errors.As(err, &ke) || !errors.Is(ke, flinkconf.ErrUnknownKey) || ke.Key != tt.key {
				t.Fatalf("error = %v, want an unknown-key error for %s", err, tt.key)
			}
			wantHint := ""
			if tt.want != "" {
				wantHint = "did you mean " + tt.want + "?"
			}
			if ke.Hint != wantHint {
				t.Errorf("hint = %q, want %q", ke.Hint, wantHint)
			}
		})
	}
}

func TestUnknownNonMesosKeysAreKept(t *testing.T) {
	c := flinkconf.FromMap(map[string]string{"mesos.master": "m:5050", "taskmanager.memory.process.size": "1g", "state.backnd": "x"})
	if _, err := c.Options(testEnv(nil)); err != nil {
		t.Fatalf("an unknown Flink key was rejected: %v", err)
	}
	if v := c.PassThrough()["state.backnd"]; v != "x" {
		t.Errorf("pass-through lost the unknown key: %q", v)
	}
}

func TestConflictsAndRequirements(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		extra map[string]string
		vars  map[string]string
		kind  error
		msgs  []string
	}{
		{"master missing", map[string]string{"mesos.master": "<unset>"}, nil, flinkconf.ErrRequired, []string{"mesos.master (default): required; allowed: host:port"}},
		{"ha zookeeper needs quorum and storage", map[string]string{"high-availability": "zookeeper"}, nil, flinkconf.ErrRequired, []string{
			"high-availability.zookeeper.quorum (default): required when high-availability is zookeeper",
			"high-availability.storageDir (default): required when high-availability is zookeeper"}},
		{"docker needs an image", map[string]string{"mesos.resourcemanager.tasks.container.type": "docker"}, nil, flinkconf.ErrRequired, []string{"mesos.resourcemanager.tasks.container.image.name (default): required when"}},
		{"secret and secret file", map[string]string{"mesos.resourcemanager.framework.principal": "p", "mesos.resourcemanager.framework.secret": "s", "mesos.resourcemanager.framework.secret-file": secretFile}, nil, flinkconf.ErrConflict, []string{"set in 2 places"}},
		{"secret and environment", map[string]string{"mesos.resourcemanager.framework.principal": "p", "mesos.resourcemanager.framework.secret": "s"}, map[string]string{"FLINK_MESOS_FRAMEWORK_SECRET": "e"}, flinkconf.ErrConflict, []string{"$FLINK_MESOS_FRAMEWORK_SECRET"}},
		{"secret without principal", map[string]string{"mesos.resourcemanager.framework.secret": "s"}, nil, flinkconf.ErrConflict, []string{`mesos.resourcemanager.framework.secret "******" (map): a secret needs mesos.resourcemanager.framework.principal`}},
		{"secret from environment without principal", nil, map[string]string{"FLINK_MESOS_FRAMEWORK_SECRET": "e"}, flinkconf.ErrConflict, []string{"FLINK_MESOS_FRAMEWORK_SECRET (environment): a secret needs"}},
		{"secret with colon is not printed", map[string]string{"mesos.resourcemanager.framework.principal": "p", "mesos.resourcemanager.framework.secret": "top:secret"}, nil, flinkconf.ErrInvalid, []string{`secret "******" (map): contains ':'`}},
		{"empty secret file", map[string]string{"mesos.resourcemanager.framework.principal": "p", "mesos.resourcemanager.framework.secret-file": emptyFile}, nil, flinkconf.ErrInvalid, []string{"the file is empty"}},
		{"token and token file", map[string]string{"mesos.scheduler.http.token": "t", "mesos.scheduler.http.token-file": secretFile}, nil, flinkconf.ErrConflict, []string{"mesos.scheduler.http.token \"******\" (map): set in 2 places"}},
		{"master cert without key", map[string]string{"mesos.master.tls.cert-file": secretFile}, nil, flinkconf.ErrConflict, []string{"is set but mesos.master.tls.key-file is not"}},
		{"http key without cert", map[string]string{"mesos.scheduler.http.tls.key-file": secretFile}, nil, flinkconf.ErrConflict, []string{"mesos.scheduler.http.tls.key-file"}},
		{"removed mem key", map[string]string{"mesos.resourcemanager.tasks.mem": "2048"}, nil, flinkconf.ErrRemoved, []string{`mesos.resourcemanager.tasks.mem "2048" (map): removed in Flink 1.11; later versions ignore it silently; set taskmanager.memory.process.size`}},
		{"labels in two forms", map[string]string{"mesos.resourcemanager.tasks.labels": "a:b", "mesos.resourcemanager.tasks.labels.c": "d"}, nil, flinkconf.ErrConflict, []string{"use one form"}},
		{"master file missing", map[string]string{"mesos.master": "file://" + filepath.Join(dir, "nope")}, nil, flinkconf.ErrFile, []string{"cannot read"}},
		{"master file with bad content", map[string]string{"mesos.master": "file://" + emptyFile}, nil, flinkconf.ErrRequired, []string{"the file " + emptyFile}},
		{"checkpoint dir on hdfs", map[string]string{"mesos.resourcemanager.checkpoint-dir": "hdfs://nn/x"}, nil, flinkconf.ErrUnsupported, []string{"mesos.resourcemanager.checkpoint-dir \"hdfs://nn/x\" (map): must be on a local"}},
		{"zk master credentials are not printed", map[string]string{"mesos.master": "zk://u:pw@z1:2181"}, nil, flinkconf.ErrInvalid, []string{`"zk://******@z1:2181"`}},
		{"many problems at once", map[string]string{"mesos.master": "<unset>", "taskmanager.numberOfTaskSlots": "0", "mesos.resourcemanager.tasks.gpus": "x"}, nil, flinkconf.ErrRequired, []string{"mesos.master", "taskmanager.numberOfTaskSlots", "mesos.resourcemanager.tasks.gpus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := options(t, tt.extra, tt.vars)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error = %v, want %v", err, tt.kind)
			}
			got := strings.Join(problems(t, err), "\n")
			for _, m := range tt.msgs {
				if !strings.Contains(got, m) {
					t.Errorf("problems\n%s\ndo not contain %q", got, m)
				}
			}
			for _, secret := range []string{"top:secret", ":pw@", "u:pw"} {
				if strings.Contains(got, secret) {
					t.Errorf("a secret leaked into %q", got)
				}
			}
		})
	}
}

func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "secret")
	if err := os.WriteFile(f, []byte("from-file\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := map[string]string{"mesos.resourcemanager.framework.principal": "p"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range p {
			m[a] = b
		}
		return m
	}
	tests := []struct {
		name  string
		extra map[string]string
		vars  map[string]string
		want  string
	}{
		{"key", with("mesos.resourcemanager.framework.secret", "k"), nil, "k"},
		{"file with CRLF trimmed", with("mesos.resourcemanager.framework.secret-file", f), nil, "from-file"},
		{"environment", p, map[string]string{"FLINK_MESOS_FRAMEWORK_SECRET": "env"}, "env"},
		{"none", p, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := options(t, tt.extra, tt.vars)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Framework.Secret.Reveal(); got != tt.want {
				t.Errorf("secret = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := flinkconf.NewSecret("hunter2")
	fw := flinkconf.Framework{Principal: "p", Secret: s}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "secret", s, "framework", fw)
	js, err := json.Marshal(fw)
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := s.MarshalText()
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s),
		"%x": fmt.Sprintf("%x", s), "%#v": fmt.Sprintf("%#v", s), "%+v struct": fmt.Sprintf("%+v", fw),
		"%#v struct": fmt.Sprintf("%#v", fw), "String": s.String(), "slog": logged.String(),
		"json": string(js), "text": string(txt),
	}
	for name, out := range outputs {
		if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("%s printed the secret: %s", name, out)
		}
		if !strings.Contains(out, "******") {
			t.Errorf("%s shows no placeholder: %s", name, out)
		}
	}
	if s.Reveal() != "hunter2" || s.IsZero() || !flinkconf.NewSecret("").IsZero() {
		t.Error("Reveal/IsZero broken")
	}
	if got := flinkconf.NewSecret("").String(); got != "" {
		t.Errorf("empty secret prints %q", got)
	}
}

func TestWarnings(t *testing.T) {
	o, err := options(t, map[string]string{
		"recovery.mode":                      "zookeeper",
		"recovery.zookeeper.quorum":          "z:2181",
		"high-availability.zookeeper.quorum": "z2:2181",
		"high-availability.storageDir":       "/ha",
		"rest.port":                          "8082",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.HA.Mode != flinkconf.HAZooKeeper || o.HA.Quorum != "z2:2181" {
		t.Errorf("HA = %+v: the deprecated mode should apply and the new quorum key win", o.HA)
	}
	var got []string
	for _, w := range o.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"recovery.mode (map): deprecated; use high-availability",
		"recovery.zookeeper.quorum (map): ignored: deprecated, and high-availability.zookeeper.quorum takes precedence",
		"rest.port (map): ignored: the scheduler sets it for every task (ports come from Mesos offers)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings =\n%q\nwant\n%q", got, want)
	}
	if o.CheckpointDir != "/ha/default/mesos-scheduler" {
		t.Errorf("CheckpointDir = %q", o.CheckpointDir)
	}
}

func TestConfigYAMLLists(t *testing.T) {
	conf := `mesos:
  master: m:5050
  resourcemanager:
    tasks:
      uris: [http://a/x.tgz, "http://b/y, z.tgz"]
      container:
        volumes: ["/h:/c:ro", /e:/d]
      labels: {team: data, tier: "1"}
      port-assignments: [metrics.reporter.prom.port]
  constraints.hard.hostattribute: ["az:a", "rack:r1"]
taskmanager.memory.process.size: 2g
`
	o, err := loadOptions(t, "config.yaml", conf, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://a/x.tgz", "http://b/y, z.tgz"}; !reflect.DeepEqual(o.TaskManager.URIs, want) {
		t.Errorf("URIs = %q, want %q", o.TaskManager.URIs, want)
	}
	if len(o.Container.Volumes) != 2 || o.Container.Volumes[0].Mode != flinkconf.VolumeRO {
		t.Errorf("Volumes = %+v", o.Container.Volumes)
	}
	if want := []flinkconf.Label{{"team", "data"}, {"tier", "1"}}; !reflect.DeepEqual(o.TaskManager.Labels, want) {
		t.Errorf("Labels = %+v, want %+v", o.TaskManager.Labels, want)
	}
	if want := []flinkconf.Constraint{{"az", "a"}, {"rack", "r1"}}; !reflect.DeepEqual(o.Placement.Constraints, want) {
		t.Errorf("Constraints = %+v", o.Placement.Constraints)
	}
	if o.TaskManager.PortKeys[2] != "metrics.reporter.prom.port" || o.TaskManager.MemMiB != 2048 {
		t.Errorf("PortKeys = %q, mem %d", o.TaskManager.PortKeys, o.TaskManager.MemMiB)
	}
}

func TestCPUChain(t *testing.T) {
	tests := []struct {
		name string
		conf map[string]string
		want float64
	}{
		{"slots", map[string]string{"taskmanager.numberOfTaskSlots": "3"}, 3},
		{"mesos cpus over slots", map[string]string{"taskmanager.numberOfTaskSlots": "3", "mesos.resourcemanager.tasks.cpus": "1.5"}, 1.5},
		{"zero mesos cpus falls back", map[string]string{"taskmanager.numberOfTaskSlots": "2", "mesos.resourcemanager.tasks.cpus": "0"}, 2},
		{"cpu cores over everything", map[string]string{"taskmanager.numberOfTaskSlots": "3", "mesos.resourcemanager.tasks.cpus": "1.5", "taskmanager.cpu.cores": "0.5"}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := options(t, tt.conf, nil)
			if err != nil {
				t.Fatal(err)
			}
			if o.TaskManager.CPUs != tt.want {
				t.Errorf("CPUs = %v, want %v", o.TaskManager.CPUs, tt.want)
			}
		})
	}
}

func TestOSLookupsFail(t *testing.T) {
	env := testEnv(nil)
	env.CurrentUser = func() (string, error) { return "", errors.New("no passwd entry") }
	env.Hostname = func() (string, error) { return "", errors.New("no hostname") }
	_, err := flinkconf.FromMap(base()).Options(env)
	got := strings.Join(problems(t, err), "\n")
	for _, want := range []string{"mesos.resourcemanager.framework.user (default): not set, and the OS user", "mesos.resourcemanager.framework.hostname (default): not set"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing from\n%s", want, got)
		}
	}
}

func TestJobManagerCommand(t *testing.T) {
	o, err := options(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.JobManager.Command(false); got != flinkconf.SessionJobManagerCmd {
		t.Errorf("session command = %q", got)
	}
	if got := o.JobManager.Command(true); got != flinkconf.PerJobJobManagerCmd {
		t.Errorf("per-job command = %q", got)
	}
}

// Flink 1.13 accepted a container-only volume; Mesos' validateVolume
// (src/common/validation.cpp) refuses every task that has one.
func TestContainerOnlyVolumeRefused(t *testing.T) {
	_, err := loadOptions(t, "flink-conf.yaml", "mesos.master: m:5050\ntaskmanager.memory.process.size: 2g\nmesos.resourcemanager.tasks.container.volumes: /h:/c,/scratch\n", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "volume /scratch has no host path") {
		t.Fatalf("got %v, want the container-only volume refused", err)
	}
}
