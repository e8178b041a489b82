package e2e_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/localmesos"
)

// Scripts injected through an agent's host name and a task label. Each
// would mark the document if it ran, so the DOM after loading shows it.
const (
	hostScript  = `<script>document.documentElement.dataset.pwned='host'</script>`
	labelScript = `<script>document.documentElement.dataset.pwned='label'</script>`
)

// screenshotPath is the status page's picture in the documentation. The
// test writes it when UPDATE_SCREENSHOT=1 is set or when it is missing:
// every run differs (IDs, ports, times), so rewriting it on every run would
// leave every checkout changed.
const screenshotPath = "../docs/img/status.png"

// chromium finds Debian's headless-capable browser, or fails the test with
// how to install it: a browser test that skips itself proves nothing.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed; the status page test needs it. On Debian: apt-get install -y --no-install-recommends chromium")
	return ""
}

// headless runs chromium once with the given extra arguments on url and
// returns its standard output.
func headless(t *testing.T, bin, url string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, bin, append(all, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

var taskManagerRow = regexp.MustCompile(`(?s)<tr class="taskmanager".*?</tr>`)

func TestStatusPageInBrowser(t *testing.T) {
	bin := chromium(t)
	// Agent 1 runs the JobManager and two TaskManagers; agent 2, whose
	// host name is a script, has no disk, so only TaskManagers go there.
	// With at most two TaskManagers per host the fifth one waits.
	e := newEnv(t, envOpts{lm: localmesos.Config{Agents: []localmesos.AgentConfig{
		{Processes: true, Resources: "cpus:8;mem:16384;disk:10240;ports:[12000-12199]"},
		{Processes: true, Hostname: hostScript, Resources: "cpus:8;mem:16384;ports:[12200-12399]"},
	}}})
	e.run("flink-mesos-session", "-Dmesos.initial-tasks=5", "-Dtaskmanager.numberOfTaskSlots=2",
		"-Dmesos.resourcemanager.jobmanager.disk=256", "-Dmesos.resourcemanager.tasks.max-per-host=2",
		"-Dmesos.resourcemanager.framework.name=flink-analytics",
		"-Dmesos.resourcemanager.tasks.labels=team:data,note:"+labelScript)
	e.waitFor(2*time.Minute, "1 JobManager and 4 TaskManagers running", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		return jm == 1 && tm == 4
	})
	eventually(t, 30*time.Second, "the fifth TaskManager waiting with a reason", func() bool {
		o, err := e.overview()
		if err != nil {
			return false
		}
		for _, tm := range o.TaskManagers {
			if strings.HasPrefix(tm.Waiting, "no offer fits") {
				return true
			}
		}
		return false
	})

	dom := string(headless(t, bin, e.url("/"), "--dump-dom"))
	if strings.Contains(dom, "data-pwned") {
		t.Fatalf("an injected script ran in the status page:\n%s", dom)
	}
	if strings.Contains(dom, "<script") {
		t.Fatalf("the status page's DOM has a script element:\n%s", dom)
	}
	// Shown as text: the DOM serializer escapes < and > in text nodes.
	for _, injected := range []string{hostScript, labelScript} {
		asText := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(injected)
		if !strings.Contains(dom, asText) {
			t.Errorf("the page does not show %q as text", injected)
		}
	}
	rows := taskManagerRow.FindAllString(dom, -1)
	var running, pending, onScriptHost int
	for _, r := range rows {
		switch {
		case strings.Contains(r, ">running</span>"):
			running++
		case strings.Contains(r, ">pending</span>"):
			pending++
		}
		if strings.Contains(r, "&lt;script&gt;document.documentElement.dataset.pwned='host'&lt;/script&gt;") {
			onScriptHost++
		}
	}
	if len(rows) != 5 || running != 4 || pending != 1 || onScriptHost != 2 {
		t.Errorf("TaskManager rows: %d (running %d, pending %d, on the script host %d), want 5 (4, 1, 2)\n%s",
			len(rows), running, pending, onScriptHost, strings.Join(rows, "\n"))
	}
	if !strings.Contains(dom, `id="flink-ui"`) || !strings.Contains(dom, "no offer fits") {
		t.Errorf("the page lacks the Flink web UI link or the pending reason:\n%s", dom)
	}

	shot := filepath.Join(t.TempDir(), "status.png")
	headless(t, bin, e.url("/"), "--screenshot="+shot, "--window-size=1280,900")
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if sz := img.Bounds().Size(); sz.X != 1280 || sz.Y != 900 {
		t.Errorf("screenshot %dx%d, want 1280x900", sz.X, sz.Y)
	}
	_, statErr := os.Stat(screenshotPath)
	if os.Getenv("UPDATE_SCREENSHOT") == "1" || os.IsNotExist(statErr) {
		if err := os.MkdirAll(filepath.Dir(screenshotPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(screenshotPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", screenshotPath)
	} else {
		t.Logf("kept %s; UPDATE_SCREENSHOT=1 rewrites it", screenshotPath)
	}
}
