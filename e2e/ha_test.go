package e2e_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/internal/zktest"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// ownPortAgents gives an env two process agents whose ports lie in a
// block no one listens on now, searched from a place that depends on the
// process ID: other test processes on the machine use the harness's
// blocks from 14000 up, and a task that cannot bind its port fails and
// is replaced, which these tests would take for a relaunch.
func ownPortAgents(t *testing.T) []localmesos.AgentConfig {
	t.Helper()
	const lo, hi, size = 24000, 32000, 400
	blocks := (hi - lo) / size
	start := os.Getpid() % blocks
	for i := range blocks {
		base := lo + ((start+i)%blocks)*size
		if portsFree(base, base+size) {
			return []localmesos.AgentConfig{
				{Processes: true, Resources: fmt.Sprintf("cpus:8;mem:16384;disk:10240;ports:[%d-%d]", base, base+size/2-1)},
				{Processes: true, Resources: fmt.Sprintf("cpus:8;mem:16384;disk:10240;ports:[%d-%d]", base+size/2, base+size-1)},
			}
		}
	}
	t.Fatal("no free block of ports for the agents")
	return nil
}

func portsFree(from, to int) bool {
	for p := from; p < to; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// trackedTasks maps every task the master tracks to how often it was
// launched.
func trackedTasks(e *env) map[string]int {
	out := map[string]int{}
	for _, tk := range e.lm.Tasks() {
		if tk.Live {
			out[tk.ID] = tk.Launches
		}
	}
	return out
}

// sameTasks fails unless the master tracks exactly the tasks of before,
// each launched once and running.
func sameTasks(t *testing.T, e *env, before map[string]int) {
	t.Helper()
	after := trackedTasks(e)
	if len(after) != len(before) {
		t.Fatalf("tasks %v after, %v before: a task was lost or launched anew", after, before)
	}
	for id, n := range after {
		if before[id] != 1 || n != 1 {
			t.Fatalf("task %s launched %d times (before: %d), want once", id, n, before[id])
		}
	}
	for _, tk := range e.lm.Tasks() {
		if tk.Live && tk.State != mesospb.TaskState_TASK_RUNNING {
			t.Fatalf("task %s is %s, want running", tk.ID, tk.State)
		}
	}
}

// waitResubscribed waits until the framework has a stream from a master
// that is not the one it had before.
func waitResubscribed(e *env, fw, oldStream string) {
	e.waitFor(60*time.Second, "the framework subscribed again", func(s *localmesos.Snapshot) bool {
		for _, f := range s.Frameworks {
			if f.ID == fw && f.Connected && f.StreamID != "" && f.StreamID != oldStream {
				return true
			}
		}
		return false
	})
}

func streamOf(e *env, fw string) string {
	for _, f := range e.lm.Frameworks() {
		if f.ID == fw {
			return f.StreamID
		}
	}
	return ""
}

// TestZooKeeperMasters: the scheduler finds the leading master in a real
// ZooKeeper and follows it through master failovers, a ZooKeeper restart
// and the expiry of its ZooKeeper session, without losing or relaunching
// a task.
func TestZooKeeperMasters(t *testing.T) {
	zk := zktest.Start(t)
	proxy := zktest.NewProxy(t, zk.Addr())
	e := newEnv(t, envOpts{lm: localmesos.Config{Agents: ownPortAgents(t)}})
	master := zktest.Contend(t, zk.Addr(), "/mesos", e.lm.URL())
	p := e.run("flink-mesos-session", "-Dmesos.initial-tasks=2",
		"-Dmesos.master=zk://"+proxy.Addr()+"/mesos",
		"-Dhigh-availability.zookeeper.client.session-timeout=3000")
	e.waitFor(60*time.Second, "1 JobManager and 2 TaskManagers running", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		return jm == 1 && tm == 2
	})
	eventually(t, 10*time.Second, "the framework ID printed", func() bool { return frameworkLine.MatchString(p.out()) })
	fw := frameworkLine.FindStringSubmatch(p.out())[1]
	before := trackedTasks(e)

	failover := func(why string) {
		t.Helper()
		old := streamOf(e, fw)
		next := zktest.Contend(t, zk.Addr(), "/mesos", e.lm.Failover())
		master.Withdraw()
		master = next
		waitResubscribed(e, fw, old)
		e.waitFor(60*time.Second, "all tasks running after "+why, func(s *localmesos.Snapshot) bool {
			jm, tm := runningCount(s)
			return jm == 1 && tm == 2
		})
		sameTasks(t, e, before)
	}

	failover("a master failover")

	zk.Stop()
	zk.Restart()
	failover("a ZooKeeper restart")

	// The proxy cuts the scheduler off for longer than its 3 s session
	// timeout: the server expires the session; the scheduler's client
	// hears so when the proxy lets it through and opens a new session.
	proxy.Cut()
	time.Sleep(6 * time.Second)
	proxy.Restore()
	eventually(t, 30*time.Second, "the session expiry logged", func() bool {
		return strings.Contains(p.err(), "session expired") || strings.Contains(p.err(), "no ZooKeeper session for the session timeout")
	})
	failover("a ZooKeeper session expiry")
}

var electedLine = regexp.MustCompile(`elected leader: (\S+)`)

// resubscribed reports whether p's log says it resubscribed with the
// framework ID fw.
func resubscribed(p *proc, fw string) bool {
	return strings.Contains(p.err(), `msg="resubscribed to Mesos" framework=`+fw)
}

// getPage GETs an HTML page and fails unless it is one.
func getPage(t *testing.T, url string) (string, http.Header) {
	t.Helper()
	h, b := getOK(t, url)
	if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: Content-Type %q, want text/html", url, h.Get("Content-Type"))
	}
	return string(b), h
}

// TestSchedulerHA: two schedulers of one cluster elect a leader in a real
// ZooKeeper. When the leader is killed (SIGKILL), the standby takes over
// within a few seconds of the leader's session ending, with the same
// framework ID and without relaunching a task. A leader cut off from
// ZooKeeper stops with exit code 1 and says why, and the next standby
// takes over.
func TestSchedulerHA(t *testing.T) {
	zk := zktest.Start(t)
	proxy := zktest.NewProxy(t, zk.Addr())
	e := newEnv(t, envOpts{lm: localmesos.Config{Agents: ownPortAgents(t)}})
	ha := func(quorum, httpAddr string) []string {
		return []string{"-Dhigh-availability=zookeeper", "-Dhigh-availability.zookeeper.quorum=" + quorum,
			"-Dhigh-availability.storageDir=" + t.TempDir(), "-Dhigh-availability.cluster-id=/ha-e2e",
			"-Dhigh-availability.zookeeper.client.session-timeout=3000",
			"-Dmesos.initial-tasks=2", "-Dmesos.scheduler.http.address=" + httpAddr}
	}
	addrA, addrB, addrC := e.httpAddr, freeAddr(t), freeAddr(t)
	a := e.run("flink-mesos-session", ha(zk.Addr(), addrA)...)
	e.waitFor(60*time.Second, "1 JobManager and 2 TaskManagers running", func(s *localmesos.Snapshot) bool {
		jm, tm := runningCount(s)
		return jm == 1 && tm == 2
	})
	eventually(t, 10*time.Second, "a elected and registered", func() bool {
		return electedLine.MatchString(a.out()) && frameworkLine.MatchString(a.out())
	})
	fw := frameworkLine.FindStringSubmatch(a.out())[1]
	before := trackedTasks(e)

	// b reaches ZooKeeper through the proxy, to be cut off later.
	b := e.run("flink-mesos-session", ha(proxy.Addr(), addrB)...)
	eventually(t, 30*time.Second, "b standing by", func() bool { return strings.Contains(b.err(), "standing by") })
	var health struct{ Status, Leader string }
	if err := getJSON("http://"+addrB+"/healthz", &health); err != nil || health.Status != "standby" || health.Leader != "http://"+addrA {
		t.Fatalf("standby /healthz: %+v, %v; want standby behind http://%s", health, err, addrA)
	}
	// The standby's status page names the leader, and its metrics say it
	// does not lead, so that a scrape of every instance tells them apart.
	page, hdr := getPage(t, "http://"+addrB+"/")
	if !strings.Contains(page, "standby") || !strings.Contains(page, `href="http://`+addrA+`"`) ||
		!strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("standby status page (CSP %q) does not link the leader http://%s:\n%s", hdr.Get("Content-Security-Policy"), addrA, page)
	}
	sm, _ := scrape(t, "http://"+addrB+"/metrics")
	if v, ok := sm.value("flink_mesos_leader"); !ok || v != 0 {
		t.Fatalf("standby flink_mesos_leader = %v (present %v), want 0", v, ok)
	}
	if f := sm.Families["flink_mesos_build_info"]; f == nil || len(f.Samples) != 1 {
		t.Fatal("standby metrics lack flink_mesos_build_info")
	}
	if lm, _ := scrape(t, "http://"+addrA+"/metrics"); func() bool { v, ok := lm.value("flink_mesos_leader"); return !ok || v != 1 }() {
		t.Fatal("the leader's flink_mesos_leader is not 1")
	}
	resp, err := http.Post("http://"+addrB+"/api/v1/taskmanagers", "application/json", strings.NewReader(`{"count":3}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a call to the standby: %s, want 503", resp.Status)
	}

	old := streamOf(e, fw)
	a.kill()
	killed := time.Now()
	eventually(t, 60*time.Second, "b elected", func() bool { return electedLine.MatchString(b.out()) })
	took := time.Since(killed)
	t.Logf("b elected %v after a was killed (session timeout 3 s)", took)
	if took > 20*time.Second {
		t.Fatalf("b took over %v after a was killed, want within a few seconds of the 3 s session timeout", took)
	}
	eventually(t, 30*time.Second, "b resubscribed with a's framework ID", func() bool { return resubscribed(b, fw) })
	if frameworkLine.MatchString(b.out()) {
		t.Fatalf("b registered a new framework:\n%s", b.out())
	}
	waitResubscribed(e, fw, old)
	time.Sleep(3 * time.Second) // reconciliation has run
	sameTasks(t, e, before)
	var ov struct {
		FrameworkID string `json:"framework_id"`
		Subscribed  bool   `json:"subscribed"`
	}
	if err := getJSON("http://"+addrB+"/api/v1/overview", &ov); err != nil || ov.FrameworkID != fw || !ov.Subscribed {
		t.Fatalf("b's overview: %+v, %v", ov, err)
	}

	// c stands by; b is cut off from ZooKeeper and must step down.
	c := e.run("flink-mesos-session", ha(zk.Addr(), addrC)...)
	eventually(t, 30*time.Second, "c standing by", func() bool { return strings.Contains(c.err(), "standing by") })
	old = streamOf(e, fw)
	proxy.Cut()
	if code := b.wait(60 * time.Second); code != 1 {
		t.Fatalf("deposed leader exit code %d, want 1\n%s", code, b.err())
	}
	if !strings.Contains(b.err(), "lost the leadership of the cluster") {
		t.Fatalf("the deposed leader does not say why it stopped:\n%s", b.err())
	}
	eventually(t, 60*time.Second, "c elected and resubscribed with the framework ID", func() bool {
		return electedLine.MatchString(c.out()) && resubscribed(c, fw)
	})
	waitResubscribed(e, fw, old)
	time.Sleep(3 * time.Second)
	sameTasks(t, e, before)
}
