package cluster

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/hastore"
)

// MaxTaskManagers bounds a scale request, so a typo cannot ask Mesos for a
// million tasks.
const MaxTaskManagers = 100000

// artifact is one file the tasks fetch. The set is fixed at start-up:
// request paths never reach the file system.
type artifact struct {
	path string // served from disk when set
	data []byte // else served from memory
}

func buildArtifacts(cfg Config) (map[string]artifact, error) {
	plain, _, err := splitSecrets(cfg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := flinkconf.WriteConfigYAML(&buf, plain); err != nil {
		return nil, fmt.Errorf("cluster: the configuration for the tasks: %w", err)
	}
	arts := map[string]artifact{artifactConfig: {data: buf.Bytes()}}
	if cfg.Options.TaskManager.TaskExecutorPath == "" {
		if cfg.TaskExecutorBinary == "" {
			return nil, errors.New("cluster: the task executor binary to serve is not known, and mesos.resourcemanager.tasks.taskexecutor-path names none inside the tasks")
		}
		st, err := os.Stat(cfg.TaskExecutorBinary)
		if err != nil || !st.Mode().IsRegular() {
			return nil, fmt.Errorf("cluster: the task executor binary %s cannot be served: %v", cfg.TaskExecutorBinary, err)
		}
		arts[artifactTaskExecutor] = artifact{path: cfg.TaskExecutorBinary}
	}
	return arts, nil
}

// request is an HTTP API call handed to the owner goroutine.
type request struct {
	kind  string // "overview", "metrics", "scale", "stop", "health"
	count int
	reply chan any
}

func (m *Manager) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", m.serveStatus)
	mux.HandleFunc("GET /metrics", m.serveMetrics)
	mux.HandleFunc("GET /healthz", m.serveHealth)
	mux.HandleFunc("GET /api/v1/overview", m.serveOverview)
	mux.HandleFunc("PUT /api/v1/taskmanagers", m.mutating(m.serveScale))
	mux.HandleFunc("DELETE /api/v1/cluster", m.mutating(m.serveStop))
	mux.HandleFunc("GET /artifacts/{name}", m.serveArtifact)
	mux.HandleFunc("HEAD /artifacts/{name}", m.serveArtifact)
	return mux
}

// ask hands a request to the owner and waits for its answer.
func (m *Manager) ask(ctx context.Context, r request) (any, error) {
	r.reply = make(chan any, 1)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	select {
	case m.requests <- r:
	case <-ctx.Done():
		return nil, errors.New("the scheduler is busy or stopping")
	}
	select {
	case v := <-r.reply:
		return v, nil
	case <-ctx.Done():
		return nil, errors.New("the scheduler did not answer in time")
	}
}

func (m *Manager) onRequest(r request, now time.Time) {
	switch r.kind {
	case "health":
		r.reply <- m.sub != nil
	case "overview":
		r.reply <- m.overview(now)
	case "metrics":
		r.reply <- m.metricsSnapshot(now)
	case "scale":
		if m.stopping != nil {
			r.reply <- errors.New("the cluster is stopping")
			return
		}
		if r.count != m.desired {
			m.log.Info("scaling TaskManagers", "from", m.desired, "to", r.count)
			m.event(now, "info", fmt.Sprintf("scaling TaskManagers from %d to %d", m.desired, r.count))
		}
		m.desired = r.count
		m.meta[metaTaskManagers] = strconv.Itoa(r.count)
		m.dirty = true
		r.reply <- nil
	case "stop":
		m.beginStop(now, 0, "stop requested through the HTTP API")
		r.reply <- nil
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (m *Manager) serveHealth(w http.ResponseWriter, r *http.Request) {
	v, err := m.ask(r.Context(), request{kind: "health"})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "subscribed": v.(bool)})
}

func (m *Manager) serveOverview(w http.ResponseWriter, r *http.Request) {
	v, err := m.ask(r.Context(), request{kind: "overview"})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// mutating requires the configured token, if any, as "Authorization:
// Bearer <token>".
func (m *Manager) mutating(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if tok := m.cfg.Options.HTTP.Token; !tok.IsZero() {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(tok.Reveal())) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="flink-mesos"`)
				writeError(w, http.StatusUnauthorized, "this call needs the token of mesos.scheduler.http.token as 'Authorization: Bearer <token>'")
				return
			}
		}
		next(w, r)
	}
}

// serveScale takes {"count": N} (or ?count=N).
func (m *Manager) serveScale(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("count")
	if raw == "" {
		var body struct {
			Count *json.Number `json:"count"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil || body.Count == nil {
			writeError(w, http.StatusBadRequest, `expected a JSON body {"count": N} or ?count=N, with N the number of TaskManagers`)
			return
		}
		raw = body.Count.String()
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > MaxTaskManagers {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("count %q: allowed is a whole number from 0 to %d", raw, MaxTaskManagers))
		return
	}
	v, err := m.ask(r.Context(), request{kind: "scale", count: n})
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if e, ok := v.(error); ok && e != nil {
		writeError(w, http.StatusConflict, e.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"taskmanagers": n})
}

func (m *Manager) serveStop(w http.ResponseWriter, r *http.Request) {
	if _, err := m.ask(r.Context(), request{kind: "stop"}); err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "stopping"})
}

func (m *Manager) serveArtifact(w http.ResponseWriter, r *http.Request) {
	a, ok := m.artifacts[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "private")
	if a.path == "" {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
		return
	}
	f, err := os.Open(a.path)
	if err != nil {
		http.Error(w, "artifact unavailable", http.StatusGone)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.Error(w, "artifact unavailable", http.StatusGone)
		return
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// Overview is the JSON of GET /api/v1/overview.
type Overview struct {
	Mode                string       `json:"mode"`
	FrameworkID         string       `json:"framework_id"`
	FrameworkName       string       `json:"framework_name"`
	Master              string       `json:"master"`
	Subscribed          bool         `json:"subscribed"`
	Reconnects          int          `json:"reconnects"`
	LeaderChanges       int          `json:"leader_changes"`
	LastHeartbeat       *time.Time   `json:"last_heartbeat,omitempty"`
	JobManager          *WorkerView  `json:"jobmanager,omitempty"`
	RestURL             string       `json:"rest_url,omitempty"`
	JobManagerRes       Resources    `json:"jobmanager_resources"`
	TaskManagerRes      Resources    `json:"taskmanager_resources"`
	TaskLabels          []Label      `json:"task_labels,omitempty"`
	TaskManagers        []WorkerView `json:"taskmanagers"`
	DesiredTaskManagers int          `json:"desired_taskmanagers"`
	RunningTaskManagers int          `json:"running_taskmanagers"`
	FailedTasks         int          `json:"failed_tasks"`
	GaveUp              bool         `json:"gave_up_replacing"`
	Pending             string       `json:"pending,omitempty"`
	Stopping            string       `json:"stopping,omitempty"`
	Job                 *JobView     `json:"job,omitempty"`
	Events              []Event      `json:"recent_events"`
}

// WorkerView is one task in the overview.
type WorkerView struct {
	TaskID     string            `json:"task_id"`
	Index      int               `json:"index"`
	Attempt    int               `json:"attempt"`
	State      string            `json:"state"`       // new, launched, released
	MesosState string            `json:"mesos_state"` // the last TASK_* seen, if any
	AgentID    string            `json:"agent_id,omitempty"`
	Host       string            `json:"host,omitempty"`
	Ports      map[string]uint32 `json:"ports,omitempty"`
	LaunchedAt *time.Time        `json:"launched_at,omitempty"`
	Message    string            `json:"message,omitempty"`
	// LastFailure is how the previous attempt of this worker ended, if it
	// failed.
	LastFailure string `json:"last_failure,omitempty"`
	// Waiting says why a worker that is not launched yet waits.
	Waiting string `json:"waiting,omitempty"`
}

// Resources is what each task of a role asks of an offer.
type Resources struct {
	CPUs   float64 `json:"cpus"`
	MemMB  int64   `json:"mem_mb"`
	DiskMB int     `json:"disk_mb"`
	GPUs   int     `json:"gpus,omitempty"`
}

// Label is one label the TaskManager tasks carry
// (mesos.resourcemanager.tasks.labels).
type Label struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// JobView is the per-job cluster's job.
type JobView struct {
	ID        string     `json:"id,omitempty"`
	Name      string     `json:"name,omitempty"`
	State     string     `json:"state,omitempty"`
	StartTime *time.Time `json:"start_time,omitempty"`
	Class     string     `json:"class"`
}

// Event is a recent happening worth showing.
type Event struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
}

func (m *Manager) view(w *worker, now time.Time) WorkerView {
	v := WorkerView{TaskID: w.rec.TaskID, Index: w.rec.Index, Attempt: w.rec.Attempt, State: string(w.rec.State),
		AgentID: w.rec.AgentID, Host: w.rec.Hostname, Ports: w.rec.Ports, Message: w.message,
		LastFailure: m.lastFailure[attemptKey(w.rec.Role, w.rec.Index)]}
	if w.rec.State == hastore.WorkerNew {
		v.Waiting = m.waiting(w, now)
	}
	if w.hasStatus {
		v.MesosState = w.status.String()
	}
	if !w.rec.LaunchedAt.IsZero() {
		t := w.rec.LaunchedAt
		v.LaunchedAt = &t
	}
	return v
}

func (m *Manager) overview(now time.Time) Overview {
	o := Overview{
		Mode: m.cfg.Mode.String(), FrameworkID: m.frameworkID, FrameworkName: m.cfg.Options.Framework.Name,
		Master: m.masterURL, Subscribed: m.sub != nil, Reconnects: m.reconnects,
		TaskManagers: []WorkerView{}, DesiredTaskManagers: m.desired, FailedTasks: m.failures, GaveUp: m.gaveUp,
		Pending: m.unplaced, Events: append([]Event{}, m.recent...), LeaderChanges: int(m.metrics.leaderChanges),
	}
	if t := m.metrics.lastHeartbeat; !t.IsZero() {
		o.LastHeartbeat = &t
	}
	opts := m.cfg.Options
	o.JobManagerRes = Resources{CPUs: opts.JobManager.CPUs, MemMB: opts.JobManager.MemMiB, DiskMB: opts.JobManager.DiskMB}
	o.TaskManagerRes = Resources{CPUs: opts.TaskManager.CPUs, MemMB: opts.TaskManager.MemMiB, DiskMB: opts.TaskManager.DiskMB, GPUs: opts.TaskManager.GPUs}
	for _, l := range opts.TaskManager.Labels {
		o.TaskLabels = append(o.TaskLabels, Label{Key: l.Key, Value: l.Value})
	}
	if jm := m.jobManager(); jm != nil {
		v := m.view(jm, now)
		o.JobManager = &v
		if p := jm.rec.Ports["rest.port"]; p != 0 && jm.rec.Hostname != "" {
			o.RestURL = fmt.Sprintf("http://%s:%d", jm.rec.Hostname, p)
		}
	}
	for _, w := range m.workers.byRole(RoleTaskManager) {
		o.TaskManagers = append(o.TaskManagers, m.view(w, now))
		if w.rec.State == hastore.WorkerLaunched && w.running() {
			o.RunningTaskManagers++
		}
	}
	if m.stopping != nil {
		o.Stopping = m.stopping.why
	}
	if m.cfg.Mode == PerJob {
		j := &JobView{ID: m.job.ID, Name: m.job.Name, State: m.job.State, Class: m.cfg.Job.ClassName}
		if j.ID == "" {
			j.ID = m.meta[metaJobID]
		}
		if !m.job.StartTime.IsZero() {
			t := m.job.StartTime
			j.StartTime = &t
		}
		o.Job = j
	}
	return o
}

// waiting says why a worker that is not launched yet waits.
func (m *Manager) waiting(w *worker, now time.Time) string {
	switch {
	case m.stopping != nil:
		return "the cluster is stopping"
	case w.notBefore.After(now):
		return "replacement backoff after a failure, until " + w.notBefore.UTC().Format(time.TimeOnly) + " UTC"
	case m.sub == nil:
		return "not subscribed to Mesos"
	}
	if w.rec.Role == RoleTaskManager {
		if jm := m.jobManager(); jm == nil || jm.rec.State != hastore.WorkerLaunched {
			return "waiting for the JobManager to be placed first"
		}
	}
	if m.unplaced != "" {
		return "no offer fits: " + m.unplaced
	}
	return "waiting for an offer"
}
