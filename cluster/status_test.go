package cluster_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Hostile text in every place the status page prints something that
// comes from outside: an agent's host name, a task label, the framework
// name, a task's status message.
const (
	evilHost  = `<script>document.title='pwned'</script>`
	evilLabel = `<img src=x onerror=alert(1)>`
	evilName  = `"><b>flink</b>`
	evilMsg   = `<iframe src="javascript:alert(2)"></iframe> & more`
)

// getOK GETs url and fails the test unless the answer is 200 OK.
func getOK(t *testing.T, url string) (http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, b)
	}
	return resp.Header, string(b)
}

func TestStatusPage(t *testing.T) {
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{
		// Room for one TaskManager (1 CPU, 1024 MB, 2 ports) but not for
		// the JobManager (3 ports).
		{Hostname: evilHost, Resources: "cpus:1;mem:1024;disk:10240;ports:[31000-31001]"},
		// Room for the JobManager; what is left is too small for a
		// TaskManager, so the second one waits and says why.
		{Resources: "cpus:2;mem:1536;disk:10240;ports:[32000-32999]"},
	}}, map[string]string{
		"mesos.resourcemanager.tasks.labels":   "team:" + evilLabel,
		"mesos.resourcemanager.framework.name": evilName,
	})
	s.tms = 2
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "1 JobManager and 1 TaskManager running", func(snap *localmesos.Snapshot) bool {
		jm, tm := running(snap)
		return jm == 1 && tm == 1
	})
	// Fail the running TaskManager with a message: its replacement shows
	// how the last attempt ended.
	var failed string
	for _, tk := range s.lm.Tasks() {
		if strings.Contains(tk.ID, "-tm-") && tk.State == mesospb.TaskState_TASK_RUNNING {
			failed = tk.ID
		}
	}
	if err := s.lm.SetTaskState(failed, mesospb.TaskState_TASK_FAILED, mesospb.TaskStatus_REASON_COMMAND_EXECUTOR_FAILED, evilMsg); err != nil {
		t.Fatal(err)
	}
	// The failed TaskManager's slot may go to the waiting one first, while
	// the replacement backs off; in the end one TaskManager runs with the
	// last failure of its index or waits with it, and one waits.
	var (
		o    cluster.Overview
		h    http.Header
		page string
	)
	eventually(t, 20*time.Second, "a TaskManager with its last failure and one waiting for an offer", func() bool {
		o = sc.overview(t)
		var withFailure, waiting bool
		for _, tm := range o.TaskManagers {
			withFailure = withFailure || strings.Contains(tm.LastFailure, "REASON_COMMAND_EXECUTOR_FAILED")
			waiting = waiting || strings.HasPrefix(tm.Waiting, "no offer fits")
		}
		if !withFailure || !waiting || o.Pending == "" {
			return false
		}
		h, page = getOK(t, sc.url+"/")
		return strings.Contains(page, "no offer fits") && strings.Contains(page, "Offers that came did not fit")
	})

	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/html; charset=utf-8", ct)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q forbids nothing", csp)
	}
	for _, raw := range []string{evilHost, evilLabel, evilName, evilMsg, "<script", "<img", "<iframe", "<b>"} {
		if strings.Contains(page, raw) {
			t.Errorf("the page contains %q unescaped", raw)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;", // the host name, as text
		"&lt;img src=x onerror=alert(1)&gt;",                          // the label
		"&#34;&gt;&lt;b&gt;flink&lt;/b&gt;",                           // the framework name
		"&lt;iframe src=&#34;javascript:alert(2)&#34;&gt;&lt;/iframe&gt; &amp; more",
		o.FrameworkID, "REASON_COMMAND_EXECUTOR_FAILED", "no offer fits", `http-equiv="refresh"`,
		`id="flink-ui" href="` + o.RestURL + `"`, "1 CPU · 1024 MB",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page[strings.Index(page, "<main>"):])
		}
	}
	if n := strings.Count(page, `<tr class="taskmanager"`); n != len(o.TaskManagers) || n != 2 {
		t.Errorf("%d TaskManager rows, want 2 (overview has %d)", n, len(o.TaskManagers))
	}

	for _, path := range []string{"/index.html", "/status", "/x"} {
		resp, err := http.Get(sc.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStatusPagePerJob: a per-job cluster's page shows its job; the job
// class comes from the command line and is escaped like everything else.
func TestStatusPagePerJob(t *testing.T) {
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{
		{Resources: "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"},
	}}, nil)
	s.mode = cluster.PerJob
	s.job = cluster.JobSpec{ClassName: "com.example.<Job>"}
	s.tms = 1
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "the JobManager running", func(snap *localmesos.Snapshot) bool {
		jm, _ := running(snap)
		return jm == 1
	})
	_, page := getOK(t, sc.url+"/")
	for _, want := range []string{`<table id="job">`, "com.example.&lt;Job&gt;", "not seen yet", "Flink per-job cluster on Mesos"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<Job>") {
		t.Error("the job class is not escaped")
	}
}

// TestLeaderChangeShown: after a master failover the overview, the page
// and the metrics count the leader change and the reconnect.
func TestLeaderChangeShown(t *testing.T) {
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{
		{Resources: "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"},
	}}, nil)
	s.tms = 1
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "1 JobManager and 1 TaskManager running", func(snap *localmesos.Snapshot) bool {
		jm, tm := running(snap)
		return jm == 1 && tm == 1
	})
	before := sc.overview(t)
	if before.LastHeartbeat == nil || before.LeaderChanges != 0 {
		t.Fatalf("before the failover: last heartbeat %v, leader changes %d; want a time and 0", before.LastHeartbeat, before.LeaderChanges)
	}
	newURL := s.lm.Failover()
	if newURL == "" {
		t.Fatal("no failover")
	}
	var o cluster.Overview
	eventually(t, 30*time.Second, "subscribed to the new leader", func() bool {
		o = sc.overview(t)
		return o.Subscribed && strings.HasPrefix(o.Master, newURL)
	})
	if o.LeaderChanges != 1 || o.Reconnects < 1 {
		t.Errorf("leader changes %d, reconnects %d; want 1 and at least 1", o.LeaderChanges, o.Reconnects)
	}
	_, page := getOK(t, sc.url+"/")
	if !strings.Contains(page, "leading master changed from "+before.Master+" to "+o.Master) {
		t.Errorf("the page's events do not show the leader change from %s to %s", before.Master, o.Master)
	}
	_, metrics := getOK(t, sc.url+"/metrics")
	if !strings.Contains(metrics, "\nflink_mesos_leader_changes_total 1\n") || !strings.Contains(metrics, "\nflink_mesos_subscribed 1\n") {
		t.Errorf("metrics do not count the leader change:\n%s", metrics)
	}
}
