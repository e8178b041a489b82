package cluster_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp/recordio"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// An agent lost with several TaskManagers is one failure for the
// replacement backoff: all of them come back after the first delay (1 s),
// not one after another with the delay doubling each time (1+2+4 s for
// three).
func TestTaskManagersLostTogetherAreReplacedTogether(t *testing.T) {
	res := "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"
	s := newSetup(t, localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: res}, {Resources: res}}},
		map[string]string{"mesos.maximum-failed-tasks": "-1", "mesos.resourcemanager.placement-strategy": "binpack"})
	s.tms = 6
	s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 6 })
	// Bin-packing fills the JobManager's agent first; the other one has
	// only TaskManagers.
	jmAgent := ""
	perAgent := map[string][]string{}
	for _, tk := range s.lm.Tasks() {
		if tk.Live && !tk.State.Terminal() {
			if strings.Contains(tk.ID, "-jm-") {
				jmAgent = tk.AgentID
			} else {
				perAgent[tk.AgentID] = append(perAgent[tk.AgentID], tk.ID)
			}
		}
	}
	var lost string
	for a := range perAgent {
		if a != jmAgent {
			lost = a
		}
	}
	if len(perAgent[lost]) < 3 {
		t.Fatalf("want an agent with 3 or more TaskManagers and no JobManager; layout %v, JobManager on %s", perAgent, jmAgent)
	}
	if _, err := s.lm.AddAgent(localmesos.AgentConfig{Resources: res}); err != nil {
		t.Fatal(err)
	}
	gone := map[string]bool{}
	for _, id := range perAgent[lost] {
		gone[id] = true
	}
	start := time.Now()
	s.lm.RemoveAgent(lost, localmesos.AgentUnreachable)
	waitFor(t, s.lm, 20*time.Second, "6 TaskManagers running again", func(snap *localmesos.Snapshot) bool {
		n := 0
		for _, tk := range snap.Tasks {
			if tk.Live && tk.State == mesospb.TaskState_TASK_RUNNING && strings.Contains(tk.ID, "-tm-") && !gone[tk.ID] {
				n++
			}
		}
		return n == 6
	})
	// One delay of 1 s plus launch; the doubling would take 7 s or more.
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("%d TaskManagers lost together took %v to replace, want about 1 s", len(gone), took)
	}
}

// rescindingProxy stands between the scheduler and the master and, for n
// ACCEPT calls after the first skip, has the master rescind every
// outstanding offer just before the call reaches it: the race of a rescind with an ACCEPT already
// on its way, which the master answers with TASK_DROPPED
// (REASON_INVALID_OFFERS) for each task in the call.
func rescindingProxy(t *testing.T, lm *localmesos.Master, skip, n int) (url string, rescinded func() int) {
	t.Helper()
	var mu sync.Mutex
	seen, done := 0, 0
	url = callProxy(t, lm, func(call *mesospb.Call) {
		if call.GetType() != mesospb.Call_ACCEPT {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if seen++; seen > skip && done < n {
			done++
			lm.RescindOffers("")
		}
	})
	return url, func() int { mu.Lock(); defer mu.Unlock(); return done }
}

// callProxy passes everything to lm, and first shows onCall each call it
// can decode, before the master sees it.
func callProxy(t *testing.T, lm *localmesos.Master, onCall func(*mesospb.Call)) string {
	t.Helper()
	target, err := neturl.Parse(lm.URL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // the subscription is a stream
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var call mesospb.Call
		if proto.Unmarshal(body, &call) == nil {
			onCall(&call)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A launch the master refuses because its offer was rescinded on the way
// is no failure of the task: it is launched again on the next offer, at
// once (no replacement backoff, which would double with each refusal:
// 1+2+4 s for three), and mesos.maximum-failed-tasks=0 does not stop the
// cluster. Master::accept answers such a launch with TASK_DROPPED for a
// partition-aware framework, from the master, REASON_INVALID_OFFERS.
func TestLaunchOnARescindedOfferIsNoFailure(t *testing.T) {
	// The TaskManagers wait for the JobManager's launch, the first ACCEPT:
	// refusing the first three hits the JobManager, refusing those after
	// it hits TaskManagers.
	for _, tt := range []struct {
		role string
		skip int
	}{{"jobmanager", 0}, {"taskmanager", 1}} {
		t.Run(tt.role, func(t *testing.T) {
			s := newSetup(t, localmesos.Config{}, map[string]string{"mesos.maximum-failed-tasks": "0"})
			url, rescinded := rescindingProxy(t, s.lm, tt.skip, 3)
			s.master = url
			s.tms = 2
			start := time.Now()
			sc := s.start(t)
			waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 2 })
			took := time.Since(start)
			if n := rescinded(); n != 3 {
				t.Fatalf("%d ACCEPT calls raced a rescind, want 3", n)
			}
			if took > 5*time.Second {
				t.Errorf("the cluster took %v to come up after 3 refused launches, want about a second (no backoff)", took)
			}
			if o := sc.overview(t); o.FailedTasks != 0 || o.GaveUp {
				t.Errorf("overview: failed_tasks=%d gave_up=%v, want 0 and false", o.FailedTasks, o.GaveUp)
			}
			_, metrics := getOK(t, sc.url+"/metrics")
			refused := -1
			for _, line := range strings.Split(metrics, "\n") {
				if strings.HasPrefix(line, `flink_mesos_task_launches_refused_total{role="`+tt.role+`"}`) {
					f := strings.Fields(line)
					v, err := strconv.Atoi(f[len(f)-1])
					if err != nil {
						t.Fatalf("%q: %v", line, err)
					}
					refused = v
				}
				if strings.HasPrefix(line, "flink_mesos_task_failures_total{") {
					t.Errorf("a refused launch counted as a failure: %s", line)
				}
			}
			// One ACCEPT per agent: a refused ACCEPT may have held more
			// than one TaskManager.
			if refused < 3 {
				t.Errorf("flink_mesos_task_launches_refused_total{role=%q} is %d, want 3 or more:\n%s", tt.role, refused, metrics)
			}
			if !strings.Contains(sc.logs.String(), "Task launched with invalid offers") {
				t.Error("the log does not give the master's message")
			}
			if errs := s.lm.ProtocolErrors(); len(errs) > 0 {
				t.Fatalf("the scheduler made calls Mesos refuses: %q", errs)
			}
		})
	}
}

// rescindAfterOffersProxy stands between the scheduler and the master and,
// for the first n OFFERS events on the subscription stream, has the master
// rescind those offers at once and passes the OFFERS event and the RESCIND
// events together: the scheduler's client reads the RESCINDs while the
// scheduler is still placing tasks on the offers.
func rescindAfterOffersProxy(t *testing.T, lm *localmesos.Master, n int) string {
	t.Helper()
	target, err := neturl.Parse(lm.URL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	left := n
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var call mesospb.Call
		if proto.Unmarshal(body, &call) != nil || call.GetType() != mesospb.Call_SUBSCRIBE {
			r.Body = io.NopCloser(bytes.NewReader(body))
			rp.ServeHTTP(w, r)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, lm.URL()+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		if resp.StatusCode != http.StatusOK {
			io.Copy(w, resp.Body)
			return
		}
		rr := recordio.NewReader(resp.Body, 0)
		flusher := w.(http.Flusher)
		flusher.Flush()
		for {
			frame, err := rr.ReadFrame()
			if err != nil {
				return
			}
			out := recordio.AppendFrame(nil, frame)
			var ev mesospb.Event
			if proto.Unmarshal(frame, &ev) == nil && ev.GetType() == mesospb.Event_OFFERS {
				mu.Lock()
				rescind := left > 0
				left--
				mu.Unlock()
				if rescind {
					lm.RescindOffers("")
					for want := len(ev.GetOffers().GetOffers()); want > 0; {
						f, err := rr.ReadFrame()
						if err != nil {
							return
						}
						out = recordio.AppendFrame(out, f)
						var next mesospb.Event
						if proto.Unmarshal(f, &next) == nil && next.GetType() == mesospb.Event_RESCIND {
							want--
						}
					}
				}
			}
			if _, err := w.Write(out); err != nil {
				return
			}
			flusher.Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// An offer rescinded after the scheduler got it but before its ACCEPT left:
// the client does not send an ACCEPT naming an offer it knows is gone
// (mesoshttp.ErrUnknownOffer), so no status will ever come for those
// launches. They are launched again at once, as if the master had answered
// TASK_DROPPED, instead of after the 30 s wait for a launched task's first
// status.
func TestOfferRescindedBeforeTheAcceptLeft(t *testing.T) {
	s := newSetup(t, localmesos.Config{}, map[string]string{"mesos.maximum-failed-tasks": "0"})
	s.master = rescindAfterOffersProxy(t, s.lm, 3)
	s.tms = 2
	start := time.Now()
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 2 })
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the cluster took %v to come up, want about a second", took)
	}
	if n := strings.Count(sc.logs.String(), "launch not sent: an offer was rescinded before the ACCEPT left"); n == 0 {
		t.Fatal("no launch met a rescinded offer; the test did not test what it is for")
	}
	if o := sc.overview(t); o.FailedTasks != 0 || o.GaveUp {
		t.Errorf("overview: failed_tasks=%d gave_up=%v, want 0 and false", o.FailedTasks, o.GaveUp)
	}
	if errs := s.lm.ProtocolErrors(); len(errs) > 0 {
		t.Fatalf("the scheduler made calls Mesos refuses: %q", errs)
	}
}

// A KILL that races the loss of its task's agent: the master first marks
// the agent unreachable and reports the task TASK_UNREACHABLE (the
// scheduler, which was killing it, forgets it), then gets the KILL of a task
// it no longer holds and answers it with a reconciliation of that task
// (Master::kill: "unknown; performing reconciliation"): TASK_UNREACHABLE
// again, for a task the scheduler does not know. A KILL cannot reach it,
// and killing on that answer would loop as fast as the master answers. The
// scheduler kills such a task only when it is seen alive again.
func TestKillRacingAgentLossDoesNotLoop(t *testing.T) {
	res := "cpus:4;mem:8192;disk:10240;ports:[31000-31999]"
	agents := []localmesos.AgentConfig{{Resources: res}, {Resources: res}, {Resources: res}, {Resources: res}}
	s := newSetup(t, localmesos.Config{Agents: agents}, map[string]string{"mesos.resourcemanager.placement-strategy": "spread"})
	// On the first KILL, the agent it names becomes unreachable before the
	// master sees the call.
	var once sync.Once
	s.master = callProxy(t, s.lm, func(call *mesospb.Call) {
		if call.GetType() == mesospb.Call_KILL {
			once.Do(func() { s.lm.RemoveAgent(call.GetKill().GetAgentId().GetValue(), localmesos.AgentUnreachable) })
		}
	})
	s.tms = 2
	sc := s.start(t)
	waitFor(t, s.lm, 20*time.Second, "cluster up", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 2 })
	kills := func() int {
		var n int
		s.lm.WaitFor(t.Context(), func(snap *localmesos.Snapshot) bool { n = snap.CallsByType[mesospb.Call_KILL]; return true })
		return n
	}
	before := kills()
	if code, body := sc.do(http.MethodPut, "/api/v1/taskmanagers", `{"count": 1}`, ""); code != http.StatusAccepted {
		t.Fatalf("scale to 1: %d %s", code, body)
	}
	time.Sleep(3 * time.Second)
	if n := kills() - before; n > 5 {
		t.Fatalf("%d KILL calls in 3 s for one TaskManager released as its agent was lost", n)
	}
	if !strings.Contains(sc.logs.String(), "TASK_UNREACHABLE") {
		t.Fatal("no task became unreachable: the test did not test what it is for")
	}
	waitFor(t, s.lm, 20*time.Second, "1 TaskManager running", func(snap *localmesos.Snapshot) bool { jm, tm := running(snap); return jm == 1 && tm == 1 })
}
