package cluster

import (
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/internal/version"
)

// Buckets of the two latency histograms, in seconds. A checkpoint write is
// a file write plus two fsyncs (file and directory): milliseconds on a local
// disk, up to seconds on a busy shared file system. A placement is pure
// computation: well under a millisecond for a few tasks, tens of
// milliseconds for a thousand.
var (
	checkpointBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	placementBuckets  = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}
)

// histogram counts observations per upper bound, as Prometheus histograms
// do. counts[i] is the number of observations <= bounds[i] and above the
// bound before (not cumulative); the last element counts those above every
// bound.
type histogram struct {
	bounds []float64
	counts []uint64
	sum    float64
	count  uint64
}

func newHistogram(bounds []float64) histogram {
	return histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(d time.Duration) {
	v := d.Seconds()
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v
	h.counts[i]++
	h.sum += v
	h.count++
}

func (h histogram) clone() histogram {
	h.counts = slices.Clone(h.counts)
	return h
}

// failureKey labels one failure counter.
type failureKey struct{ role, reason string }

// metrics are the counters behind GET /metrics. The owner goroutine is the
// only writer and reader; a scrape gets a copy (metricsSnapshot).
type metrics struct {
	launches        map[hastore.Role]uint64
	refused         map[hastore.Role]uint64
	failures        map[failureKey]uint64
	offersReceived  uint64
	offersAccepted  uint64
	offersDeclined  uint64
	leaderChanges   uint64
	lastHeartbeat   time.Time // last HEARTBEAT or SUBSCRIBED event
	checkpointWrite histogram
	placement       histogram
}

func newMetrics() metrics {
	return metrics{
		launches:        map[hastore.Role]uint64{},
		refused:         map[hastore.Role]uint64{},
		failures:        map[failureKey]uint64{},
		checkpointWrite: newHistogram(checkpointBuckets),
		placement:       newHistogram(placementBuckets),
	}
}

// taskStateKey labels one task gauge.
type taskStateKey struct{ role, state string }

// metricsSnapshot is what one scrape shows, copied in the owner goroutine
// so that encoding happens outside it.
type metricsSnapshot struct {
	tasks           map[taskStateKey]int
	desired         int
	subscribed      bool
	reconnects      int
	heartbeatAge    time.Duration
	hasHeartbeat    bool
	launches        map[hastore.Role]uint64
	refused         map[hastore.Role]uint64
	failures        map[failureKey]uint64
	offersReceived  uint64
	offersAccepted  uint64
	offersDeclined  uint64
	leaderChanges   uint64
	checkpointWrite histogram
	placement       histogram
}

// Task states every scrape shows for both roles, so that a series does not
// vanish when its count drops to zero.
var steadyTaskStates = []string{"pending", "launching", "staging", "starting", "running", "killing", "released"}

// taskState is a worker's state as the metrics and the status page name
// it: pending (not launched yet), launching (no status from Mesos yet), the
// Mesos state in lower case without TASK_, or released (being killed for
// good).
func taskState(w *worker) string {
	switch {
	case w.rec.State == hastore.WorkerNew:
		return "pending"
	case w.rec.State == hastore.WorkerReleased:
		return "released"
	case !w.hasStatus:
		return "launching"
	}
	return strings.ToLower(strings.TrimPrefix(w.status.String(), "TASK_"))
}

func (m *Manager) metricsSnapshot(now time.Time) metricsSnapshot {
	s := metricsSnapshot{
		tasks: map[taskStateKey]int{}, desired: m.desired, subscribed: m.sub != nil, reconnects: m.reconnects,
		launches: maps.Clone(m.metrics.launches), refused: maps.Clone(m.metrics.refused), failures: map[failureKey]uint64{},
		offersReceived: m.metrics.offersReceived, offersAccepted: m.metrics.offersAccepted,
		offersDeclined: m.metrics.offersDeclined, leaderChanges: m.metrics.leaderChanges,
		checkpointWrite: m.metrics.checkpointWrite.clone(), placement: m.metrics.placement.clone(),
	}
	for _, w := range m.workers {
		s.tasks[taskStateKey{string(w.rec.Role), taskState(w)}]++
	}
	for k, v := range m.metrics.failures {
		s.failures[k] = v
	}
	if !m.metrics.lastHeartbeat.IsZero() {
		s.hasHeartbeat = true
		s.heartbeatAge = max(0, now.Sub(m.metrics.lastHeartbeat))
	}
	return s
}

func (m *Manager) serveMetrics(w http.ResponseWriter, r *http.Request) {
	v, err := m.ask(r.Context(), request{kind: "metrics"})
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	v.(metricsSnapshot).writeTo(w)
}

// writeTo encodes the snapshot in the Prometheus text exposition format
// 0.0.4: for each family a # HELP and a # TYPE line, then its samples;
// samples in a fixed order so that two scrapes can be compared line by line.
func (s metricsSnapshot) writeTo(out io.Writer) error {
	e := &promEncoder{}
	roles := []string{string(RoleJobManager), string(RoleTaskManager)}

	e.family("flink_mesos_tasks", "gauge", "Tasks of the cluster by role and state: pending (waiting for an offer), launching (no status yet), the Mesos state in lower case, or released (being killed).")
	seen := map[taskStateKey]bool{}
	for _, role := range roles {
		for _, st := range steadyTaskStates {
			k := taskStateKey{role, st}
			seen[k] = true
			e.sample("flink_mesos_tasks", float64(s.tasks[k]), "role", role, "state", st)
		}
	}
	var others []taskStateKey
	for k := range s.tasks {
		if !seen[k] {
			others = append(others, k)
		}
	}
	slices.SortFunc(others, func(a, b taskStateKey) int { return strings.Compare(a.role+"\x00"+a.state, b.role+"\x00"+b.state) })
	for _, k := range others {
		e.sample("flink_mesos_tasks", float64(s.tasks[k]), "role", k.role, "state", k.state)
	}

	e.family("flink_mesos_taskmanagers_desired", "gauge", "TaskManagers the cluster should have.")
	e.sample("flink_mesos_taskmanagers_desired", float64(s.desired))

	e.family("flink_mesos_task_launches_total", "counter", "Tasks launched by this scheduler process, by role.")
	for _, role := range roles {
		e.sample("flink_mesos_task_launches_total", float64(s.launches[hastore.Role(role)]), "role", role)
	}

	e.family("flink_mesos_task_launches_refused_total", "counter", "Launches that did not happen because an offer was rescinded before the ACCEPT arrived, by role; each task is launched again and does not count as a failure.")
	for _, role := range roles {
		e.sample("flink_mesos_task_launches_refused_total", float64(s.refused[hastore.Role(role)]), "role", role)
	}

	e.family("flink_mesos_task_failures_total", "counter", "Tasks that ended unexpectedly, by role and Mesos reason (the task state when Mesos gave no reason).")
	fails := make([]failureKey, 0, len(s.failures))
	for k := range s.failures {
		fails = append(fails, k)
	}
	slices.SortFunc(fails, func(a, b failureKey) int { return strings.Compare(a.role+"\x00"+a.reason, b.role+"\x00"+b.reason) })
	for _, k := range fails {
		e.sample("flink_mesos_task_failures_total", float64(s.failures[k]), "role", k.role, "reason", k.reason)
	}

	e.family("flink_mesos_offers_received_total", "counter", "Resource offers received from Mesos.")
	e.sample("flink_mesos_offers_received_total", float64(s.offersReceived))
	e.family("flink_mesos_offers_accepted_total", "counter", "Offers used to launch tasks.")
	e.sample("flink_mesos_offers_accepted_total", float64(s.offersAccepted))
	e.family("flink_mesos_offers_declined_total", "counter", "Offers declined.")
	e.sample("flink_mesos_offers_declined_total", float64(s.offersDeclined))

	e.family("flink_mesos_subscribed", "gauge", "1 while the scheduler holds a subscription to the leading Mesos master, else 0.")
	e.sample("flink_mesos_subscribed", boolValue(s.subscribed))
	e.family("flink_mesos_reconnects_total", "counter", "Subscriptions lost (stream dropped, heartbeats missed, master failover) since the scheduler started.")
	e.sample("flink_mesos_reconnects_total", float64(s.reconnects))
	e.family("flink_mesos_leader_changes_total", "counter", "Times the scheduler subscribed to a different master than before.")
	e.sample("flink_mesos_leader_changes_total", float64(s.leaderChanges))
	e.family("flink_mesos_last_heartbeat_age_seconds", "gauge", "Seconds since the last HEARTBEAT (or SUBSCRIBED) event from Mesos; absent before the first subscription.")
	if s.hasHeartbeat {
		e.sample("flink_mesos_last_heartbeat_age_seconds", s.heartbeatAge.Seconds())
	}

	e.histogram("flink_mesos_checkpoint_write_seconds", "Time to write the checkpoint (framework ID and task records) durably, before the Mesos calls that depend on it.", s.checkpointWrite)
	e.histogram("flink_mesos_placement_seconds", "Time of one placement run: pending tasks against the offers of one OFFERS event (the JobManager is placed in a run of its own, before the TaskManagers).", s.placement)

	e.leader(true)
	e.buildInfo()

	_, err := io.WriteString(out, e.b.String())
	return err
}

// leader writes flink_mesos_leader, which a standby serves too.
func (e *promEncoder) leader(leads bool) {
	e.family("flink_mesos_leader", "gauge", "1 when this scheduler leads its cluster (always without high availability), 0 while it stands by.")
	e.sample("flink_mesos_leader", boolValue(leads))
}

func (e *promEncoder) buildInfo() {
	e.family("flink_mesos_build_info", "gauge", "Always 1; the version label is the scheduler's version.")
	e.sample("flink_mesos_build_info", 1, "version", version.String())
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// promEncoder writes the Prometheus text format. Names and label names are
// constants of this file; label values and HELP texts are escaped.
type promEncoder struct{ b strings.Builder }

// family writes the # HELP and # TYPE lines of a metric family.
func (e *promEncoder) family(name, typ, help string) {
	e.b.WriteString("# HELP " + name + " " + escapeHelp(help) + "\n")
	e.b.WriteString("# TYPE " + name + " " + typ + "\n")
}

// sample writes one line; labels are name, value pairs.
func (e *promEncoder) sample(name string, v float64, labels ...string) {
	e.b.WriteString(name)
	if len(labels) > 0 {
		e.b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				e.b.WriteByte(',')
			}
			e.b.WriteString(labels[i] + `="` + escapeLabelValue(labels[i+1]) + `"`)
		}
		e.b.WriteByte('}')
	}
	e.b.WriteByte(' ')
	e.b.WriteString(formatValue(v))
	e.b.WriteByte('\n')
}

func (e *promEncoder) histogram(name, help string, h histogram) {
	e.family(name, "histogram", help)
	var cum uint64
	for i, le := range h.bounds {
		cum += h.counts[i]
		e.sample(name+"_bucket", float64(cum), "le", formatValue(le))
	}
	e.sample(name+"_bucket", float64(h.count), "le", "+Inf")
	e.sample(name+"_sum", h.sum)
	e.sample(name+"_count", float64(h.count))
}

// formatValue writes a sample value as Go's ParseFloat and Prometheus read
// it back: shortest representation, +Inf, -Inf, NaN.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
)

// escapeHelp escapes a HELP text: backslash and line feed.
func escapeHelp(s string) string { return helpEscaper.Replace(s) }

// escapeLabelValue escapes a label value: backslash, double quote and
// line feed.
func escapeLabelValue(s string) string { return labelEscaper.Replace(s) }
