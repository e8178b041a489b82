package cluster

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// The roles of workers, as stored.
const (
	RoleJobManager  = hastore.Role("jobmanager")
	RoleTaskManager = hastore.Role("taskmanager")
)

// worker is one row of the worker table: the persisted record plus what
// this scheduler process learned from Mesos since it started.
type worker struct {
	rec hastore.Worker

	// Mesos' view, never persisted: it is asked again by reconciliation.
	status     mesospb.TaskState
	hasStatus  bool
	statusAt   time.Time // when the last update for this task arrived
	message    string    // last status message and reason, for the overview
	runningAt  time.Time // when TASK_RUNNING was first seen
	notBefore  time.Time // New workers: not launched before (replacement backoff)
	killSentAt time.Time // Released workers: last KILL sent
	launchSent time.Time // Launched workers: when this process sent the ACCEPT
}

func (w *worker) role() hastore.Role { return w.rec.Role }

func (w *worker) active() bool {
	return w.rec.State == hastore.WorkerNew || w.rec.State == hastore.WorkerLaunched
}

// running: Mesos said TASK_RUNNING (or a later non-terminal state) last.
func (w *worker) running() bool {
	return w.hasStatus && (w.status == mesospb.TaskState_TASK_RUNNING || w.status == mesospb.TaskState_TASK_KILLING)
}

// taskID builds a task ID that names the framework, the role and the worker,
// and is unique for ever through the store's monotonic counter (Mesos refuses
// a task ID that a live or unreachable task still has, and an ID must never
// name two launches).
func taskID(framework string, role hastore.Role, index int, seq uint64) string {
	short := "tm"
	if role == RoleJobManager {
		short = "jm"
	}
	return fmt.Sprintf("%s-%s-%d-%d", sanitize(framework), short, index, seq)
}

// sanitize keeps task IDs within Mesos' rules (no '/', '\\', control
// characters, at most 255 bytes) and readable.
func sanitize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-.")
	if s == "" {
		s = "flink"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// taskName is what the Mesos UI shows.
func taskName(framework string, role hastore.Role, index, attempt int) string {
	if role == RoleJobManager {
		return fmt.Sprintf("%s JobManager (attempt %d)", framework, attempt)
	}
	return fmt.Sprintf("%s TaskManager %d (attempt %d)", framework, index, attempt)
}

// table is the worker table, keyed by task ID.
type table map[string]*worker

// byRole returns the workers of role in index then task ID order.
func (t table) byRole(role hastore.Role) []*worker {
	var out []*worker
	for _, w := range t {
		if w.rec.Role == role {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].rec.Index != out[j].rec.Index {
			return out[i].rec.Index < out[j].rec.Index
		}
		return out[i].rec.TaskID < out[j].rec.TaskID
	})
	return out
}

// active returns the New or Launched worker of role at index, if any.
func (t table) active(role hastore.Role, index int) *worker {
	for _, w := range t {
		if w.rec.Role == role && w.rec.Index == index && w.active() {
			return w
		}
	}
	return nil
}

// jobManager returns the active JobManager worker, if any.
func (t table) jobManager() *worker { return t.active(RoleJobManager, 0) }

// jobManager is table.jobManager without the pass over the table while the
// worker found last is still in it and active: it is asked for every
// TaskManager launched and after every event.
func (m *Manager) jobManager() *worker {
	if w := m.jm; w != nil && w.active() && m.workers[w.rec.TaskID] == w {
		return w
	}
	m.jm = m.workers.jobManager()
	return m.jm
}

func (t table) records() []hastore.Worker {
	out := make([]hastore.Worker, 0, len(t))
	for _, w := range t {
		out = append(out, w.rec)
	}
	return out
}
