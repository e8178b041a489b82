package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/flinkconf"
)

// marathonApp is the part of a Marathon app definition these checks read.
type marathonApp struct {
	ID              string   `json:"id"`
	Cmd             string   `json:"cmd"`
	Args            []string `json:"args"`
	Instances       int      `json:"instances"`
	PortDefinitions []struct {
		Port int    `json:"port"`
		Name string `json:"name"`
	} `json:"portDefinitions"`
	Container struct {
		Type   string `json:"type"`
		Docker *struct {
			Image string `json:"image"`
		} `json:"docker"`
		Volumes []struct {
			ContainerPath string          `json:"containerPath"`
			HostPath      string          `json:"hostPath"`
			Mode          string          `json:"mode"`
			Persistent    json.RawMessage `json:"persistent"`
		} `json:"volumes"`
	} `json:"container"`
	HealthChecks []struct {
		Protocol               string `json:"protocol"`
		Path                   string `json:"path"`
		PortIndex              *int   `json:"portIndex"`
		MaxConsecutiveFailures *int   `json:"maxConsecutiveFailures"`
	} `json:"healthChecks"`
}

// helpFlags runs a binary's --help and returns its options: name -> takes
// a value.
func helpFlags(t *testing.T, binary string) map[string]bool {
	t.Helper()
	out, err := exec.Command(filepath.Join(binDir, binary), "--help").Output()
	if err != nil {
		t.Fatalf("%s --help: %v", binary, err)
	}
	if !strings.Contains(string(out), `"Configuration" section of README.md`) {
		t.Errorf("%s --help does not point to the configuration reference:\n%s", binary, out)
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(line, "  -") {
			continue
		}
		// "--configDir, -c DIR": the value's name follows the last alias
		// and applies to every one.
		left, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
		parts := strings.Split(left, ", ")
		_, arg, _ := strings.Cut(parts[len(parts)-1], " ")
		for _, part := range parts {
			name, _, _ := strings.Cut(part, " ")
			flags[name] = arg != ""
		}
	}
	if len(flags) < 6 {
		t.Fatalf("%s --help lists only %v", binary, flags)
	}
	return flags
}

// shellWords splits the first command of a shell line (up to an unquoted
// ';', '&&' or '|') into words, with single and double quotes and
// backslash escapes as sh has them, and without expanding variables.
func shellWords(line string) ([]string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
		quote  byte
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0:
				i++
				cur.WriteByte(line[i])
			default:
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == ';' || c == '|' || c == '&':
			if inWord {
				words = append(words, cur.String())
			}
			return words, nil
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Sample values for what Marathon and Mesos put in the environment.
var marathonEnv = strings.NewReplacer("$PORT0", "31500", "$HOST", "agent1.example.com", "$MESOS_SANDBOX", "/var/lib/mesos/sandbox")

// checkCommand checks one app's command line: a scheduler binary with only
// options its --help lists, and -D keys the configuration reference
// documents, whose values the configuration accepts. It returns the
// configuration the command sets.
func checkCommand(t *testing.T, words []string, flags map[string]map[string]bool) map[string]string {
	t.Helper()
	if len(words) == 0 {
		t.Fatal("empty command")
	}
	binary := path.Base(words[0])
	known, ok := flags[binary]
	if !ok {
		t.Fatalf("command %q: not a scheduler binary (%v)", words[0], flags)
	}
	conf := map[string]string{}
	for i := 1; i < len(words); i++ {
		w := words[i]
		if w == "--" {
			break // the job's own arguments
		}
		if !strings.HasPrefix(w, "-") {
			t.Errorf("%s: positional argument %q before --", binary, w)
			continue
		}
		if kv, ok := strings.CutPrefix(w, "-D"); ok {
			if kv == "" && i+1 < len(words) {
				i++
				kv = words[i]
			}
			k, v, _ := strings.Cut(kv, "=")
			if !documentedKey(k) {
				t.Errorf("%s: -D%s: the key is not in the configuration reference", binary, k)
			}
			conf[k] = marathonEnv.Replace(v)
			continue
		}
		name, _, hasValue := strings.Cut(w, "=")
		takesValue, ok := known[name]
		switch {
		case !ok:
			t.Errorf("%s: option %s is not in its --help", binary, name)
		case takesValue && !hasValue:
			i++
		case !takesValue && hasValue:
			t.Errorf("%s: switch %s given a value", binary, name)
		}
	}
	return conf
}

var documented = func() map[string]bool {
	m := map[string]bool{}
	for _, d := range flinkconf.Reference() {
		m[d.Key] = !d.Prefix
	}
	return m
}()

// documentedKey: the key is in flinkconf.Reference, or completes a
// documented key family (such as containerized.master.env.NAME).
func documentedKey(k string) bool {
	if exact, ok := documented[k]; ok && exact {
		return true
	}
	for key, exact := range documented {
		if !exact && strings.HasPrefix(k, key) && len(k) > len(key) {
			return true
		}
	}
	return false
}

func readApp(t *testing.T, file string) (marathonApp, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s is not valid JSON: %v", file, err)
	}
	var app marathonApp
	if err := json.Unmarshal(b, &app); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return app, raw
}

// TestMarathonApps checks every app definition in docs/marathon: valid JSON,
// one instance, the scheduler's HTTP port, a health check on /healthz, the
// checkpoint directory on a persistent volume, and a command that uses only
// options and keys that exist, with values the configuration accepts.
func TestMarathonApps(t *testing.T) {
	flags := map[string]map[string]bool{}
	for _, b := range []string{"flink-mesos-session", "flink-mesos-job"} {
		flags[b] = helpFlags(t, b)
	}
	files, _ := filepath.Glob("../docs/marathon/*.json")
	if len(files) < 2 {
		t.Fatalf("docs/marathon has %d app definitions, want one for session and one for per-job clusters", len(files))
	}
	binaries := map[string]bool{}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			app, _ := readApp(t, file)
			if app.ID == "" || app.Instances != 1 {
				t.Errorf("id %q instances %d: want an id and exactly one instance (one scheduler per checkpoint directory)", app.ID, app.Instances)
			}
			if len(app.PortDefinitions) == 0 || app.PortDefinitions[0].Name != "http" {
				t.Errorf("the first port is not the scheduler's http port: %+v", app.PortDefinitions)
			}
			if len(app.HealthChecks) != 1 || app.HealthChecks[0].Path != "/healthz" || app.HealthChecks[0].PortIndex == nil || *app.HealthChecks[0].PortIndex != 0 {
				t.Errorf("health checks %+v: want one on /healthz at portIndex 0", app.HealthChecks)
			}

			var words []string
			var binary string
			switch {
			case app.Cmd != "" && len(app.Args) == 0:
				var err error
				if words, err = shellWords(app.Cmd); err != nil {
					t.Fatalf("cmd: %v", err)
				}
				binary = path.Base(words[0])
			case app.Cmd == "" && len(app.Args) > 0 && app.Container.Docker != nil:
				// The image's entry point is the scheduler: the image is
				// named after it, and a Dockerfile in docker/ makes it.
				name := path.Base(app.Container.Docker.Image)
				name, _, _ = strings.Cut(name, ":")
				binary = name
				words = append([]string{name}, app.Args...)
				if df := dockerfileWithEntrypoint(t, "/"+name); df == "" {
					t.Errorf("no Dockerfile in docker/ has the entry point /%s for image %s", name, app.Container.Docker.Image)
				}
			default:
				t.Fatalf("want either cmd, or args with a Docker image; got cmd %q args %v", app.Cmd, app.Args)
			}
			binaries[binary] = true
			conf := checkCommand(t, words, flags)

			if binary == "flink-mesos-job" && *app.HealthChecks[0].MaxConsecutiveFailures != 0 {
				// A per-job scheduler ends with its job; a health check
				// that killed the task would make Marathon run the job again.
				t.Errorf("per-job app: maxConsecutiveFailures %d, want 0 (report, never kill)", *app.HealthChecks[0].MaxConsecutiveFailures)
			}

			// The HTTP server listens on the app's port.
			addr := conf["mesos.scheduler.http.address"]
			port := app.PortDefinitions[0].Port
			wantPort := fmt.Sprint(port)
			if port == 0 {
				wantPort = "31500" // $PORT0
			}
			if !strings.HasSuffix(addr, ":"+wantPort) {
				t.Errorf("mesos.scheduler.http.address %q is not on the app's port %s", addr, wantPort)
			}

			// The checkpoint directory is on the persistent volume.
			ckpt := conf["mesos.resourcemanager.checkpoint-dir"]
			if !onPersistentVolume(app, ckpt) {
				t.Errorf("mesos.resourcemanager.checkpoint-dir %q is not on a persistent volume (volumes %+v)", ckpt, app.Container.Volumes)
			}

			// Every value is one the scheduler accepts.
			if _, err := flinkconf.FromMap(withRequired(conf)).Options(flinkconf.Env{
				Getenv: func(string) string { return "" }, CurrentUser: func() (string, error) { return "flink", nil },
				Hostname: func() (string, error) { return "agent1.example.com", nil }}); err != nil {
				t.Errorf("the configuration the app sets is refused: %v", err)
			}
		})
	}
	if !binaries["flink-mesos-session"] || !binaries["flink-mesos-job"] {
		t.Errorf("docs/marathon covers %v, want both flink-mesos-session and flink-mesos-job", binaries)
	}
}

// withRequired adds what a configuration file would give (a master, memory
// sizes), so that only the app's own settings can fail.
func withRequired(conf map[string]string) map[string]string {
	out := map[string]string{"mesos.master": "mesos1:5050", "taskmanager.memory.process.size": "2g"}
	for k, v := range conf {
		out[k] = v
	}
	return out
}

// onPersistentVolume: dir lies in a persistent volume, directly (in the
// sandbox at the volume's containerPath) or through a second volume that
// mounts the persistent one at an absolute path.
func onPersistentVolume(app marathonApp, dir string) bool {
	persistent := map[string]bool{}
	for _, v := range app.Container.Volumes {
		if len(v.Persistent) > 0 && v.Mode == "RW" {
			persistent[v.ContainerPath] = true
		}
	}
	for p := range persistent {
		for _, prefix := range []string{"/var/lib/mesos/sandbox/" + p + "/", "./" + p + "/", p + "/"} {
			if strings.HasPrefix(dir, prefix) {
				return true
			}
		}
	}
	for _, v := range app.Container.Volumes {
		if persistent[v.HostPath] && strings.HasPrefix(v.ContainerPath, "/") && strings.HasPrefix(dir, strings.TrimSuffix(v.ContainerPath, "/")+"/") {
			return true
		}
	}
	return false
}

var jsonBlock = regexp.MustCompile("(?s)```json\n(.*?)```")

// TestReadmeMarathonExamples: every Marathon app in README.md is one of the
// files in docs/marathon, unchanged, and README.md links to them.
func TestReadmeMarathonExamples(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../docs/marathon/*.json")
	byID := map[string]map[string]any{}
	for _, f := range files {
		app, raw := readApp(t, f)
		byID[app.ID] = raw
		if !bytes.Contains(b, []byte("docs/marathon/"+filepath.Base(f))) {
			t.Errorf("README.md does not link to docs/marathon/%s", filepath.Base(f))
		}
	}
	found := 0
	for _, m := range jsonBlock.FindAllSubmatch(b, -1) {
		var raw map[string]any
		if err := json.Unmarshal(m[1], &raw); err != nil {
			continue // not an object: some other JSON example
		}
		id, _ := raw["id"].(string)
		if id == "" {
			continue
		}
		found++
		want, ok := byID[id]
		if !ok {
			t.Errorf("README.md's Marathon app %s is not in docs/marathon", id)
			continue
		}
		if !reflect.DeepEqual(raw, want) {
			t.Errorf("README.md's Marathon app %s differs from the one in docs/marathon", id)
		}
	}
	if found < 2 {
		t.Errorf("README.md shows %d Marathon apps, want the session and per-job examples", found)
	}
}

func TestShellWords(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
		wantErr  bool
	}{
		{"plain", "a b  c", []string{"a", "b", "c"}, false},
		{"quotes", `a 'b c' "d \"e\" $f" g\ h`, []string{"a", "b c", `d "e" $f`, "g h"}, false},
		{"stops at ;", "a b; c d", []string{"a", "b"}, false},
		{"stops at &&", "a && b", []string{"a"}, false},
		{"unterminated", `a "b`, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := shellWords(c.in)
			if (err != nil) != c.wantErr || !c.wantErr && !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %q, %v; want %q, error %v", got, err, c.want, c.wantErr)
			}
		})
	}
}
