package hastore

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a worker runs.
type Role string

const (
	RoleJobManager  Role = "jobmanager"
	RoleTaskManager Role = "taskmanager"
)

// WorkerState is the goal state of a worker, persisted before the scheduler
// acts on it.
type WorkerState string

const (
	// WorkerNew: a task ID was chosen; no offer was accepted for it yet.
	WorkerNew WorkerState = "new"
	// WorkerLaunched: an offer was accepted with this task on AgentID.
	WorkerLaunched WorkerState = "launched"
	// WorkerReleased: the task is to be killed and not replaced.
	WorkerReleased WorkerState = "released"
)

// Worker is one Mesos task the scheduler owns.
type Worker struct {
	TaskID     string // unique per attempt
	Role       Role
	State      WorkerState
	Index      int // stable worker number within its role, e.g. TaskManager #3
	Attempt    int // launch attempt of that worker
	AgentID    string
	Hostname   string
	Ports      map[string]uint32 // Flink configuration key -> assigned port
	LaunchedAt time.Time
}

// State is everything a scheduler must find again after a restart.
type State struct {
	FrameworkID    string // empty until Mesos assigned one
	NextTaskNumber uint64 // monotonic counter for new task IDs
	// Workers in any order on Save; Load returns them sorted by TaskID.
	Workers []Worker
	// Meta holds policy data that must survive restarts: the TaskManager
	// count after a scale request, the job ID, ...
	Meta map[string]string
}

// Store persists a State. Load returns what the last successful Save stored,
// normalised: workers sorted by TaskID, times in UTC without a monotonic
// reading, empty maps and slices as nil.
type Store interface {
	// Load returns the stored state, or an empty State and no error only if
	// nothing was ever stored (or everything was removed).
	Load() (State, error)
	// Save stores s durably before it returns. Any error must be treated as
	// fatal: the caller cannot know whether s or the previous state is
	// stored.
	Save(s State) error
	// Remove deletes the stored state (the cluster was torn down); Load
	// then returns an empty State. The store stays open.
	Remove() error
	// Close releases the store; every later call returns ErrClosed.
	Close() error
}

var (
	_ Store = (*FileStore)(nil)
	_ Store = (*MemStore)(nil)
)

// canonical checks s against the schema and returns a copy with the workers
// sorted by TaskID. The caller's slices and maps are not modified.
func canonical(s State) (State, error) {
	if !utf8.ValidString(s.FrameworkID) {
		return State{}, fmt.Errorf("%w: framework ID %q is not valid UTF-8", ErrInvalid, s.FrameworkID)
	}
	for k, v := range s.Meta {
		if k == "" {
			return State{}, fmt.Errorf("%w: meta has an empty key", ErrInvalid)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return State{}, fmt.Errorf("%w: meta %q=%q is not valid UTF-8", ErrInvalid, k, v)
		}
	}
	out := s
	out.Workers = slices.Clone(s.Workers)
	slices.SortFunc(out.Workers, func(a, b Worker) int { return strings.Compare(a.TaskID, b.TaskID) })
	for i := range out.Workers {
		if err := checkWorker(&out.Workers[i]); err != nil {
			return State{}, err
		}
		if i > 0 && out.Workers[i].TaskID == out.Workers[i-1].TaskID {
			return State{}, fmt.Errorf("%w: task ID %q appears twice; task IDs are unique", ErrInvalid, out.Workers[i].TaskID)
		}
	}
	return out, nil
}

func checkWorker(w *Worker) error {
	if w.TaskID == "" {
		return fmt.Errorf("%w: a worker has an empty task ID", ErrInvalid)
	}
	if !utf8.ValidString(w.TaskID) {
		return fmt.Errorf("%w: task ID %q is not valid UTF-8", ErrInvalid, w.TaskID)
	}
	switch w.Role {
	case RoleJobManager, RoleTaskManager:
	default:
		return fmt.Errorf("%w: worker %q: role %q is not one of %q, %q", ErrInvalid, w.TaskID, w.Role, RoleJobManager, RoleTaskManager)
	}
	switch w.State {
	case WorkerNew, WorkerLaunched, WorkerReleased:
	default:
		return fmt.Errorf("%w: worker %q: state %q is not one of %q, %q, %q", ErrInvalid, w.TaskID, w.State, WorkerNew, WorkerLaunched, WorkerReleased)
	}
	if w.Index < 0 {
		return fmt.Errorf("%w: worker %q: index %d is negative; it must be 0 or more", ErrInvalid, w.TaskID, w.Index)
	}
	if w.Attempt < 0 {
		return fmt.Errorf("%w: worker %q: attempt %d is negative; it must be 0 or more", ErrInvalid, w.TaskID, w.Attempt)
	}
	if !utf8.ValidString(w.AgentID) || !utf8.ValidString(w.Hostname) {
		return fmt.Errorf("%w: worker %q: agent ID %q or hostname %q is not valid UTF-8", ErrInvalid, w.TaskID, w.AgentID, w.Hostname)
	}
	for k, p := range w.Ports {
		if k == "" || !utf8.ValidString(k) {
			return fmt.Errorf("%w: worker %q: port key %q must be a non-empty UTF-8 string", ErrInvalid, w.TaskID, k)
		}
		if p < 1 || p > 65535 {
			return fmt.Errorf("%w: worker %q: port %s=%d is outside 1-65535", ErrInvalid, w.TaskID, k, p)
		}
	}
	if !w.LaunchedAt.IsZero() {
		if y := w.LaunchedAt.UTC().Year(); y < 1 || y > 9999 {
			return fmt.Errorf("%w: worker %q: launch time %v is outside the years 1-9999", ErrInvalid, w.TaskID, w.LaunchedAt)
		}
	}
	return nil
}
