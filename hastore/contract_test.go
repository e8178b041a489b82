package hastore_test

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
)

// The contract every Store keeps, run against each implementation.
func TestContract(t *testing.T) {
	impls := []struct {
		name string
		open func(t *testing.T) hastore.Store
	}{
		{"FileStore", func(t *testing.T) hastore.Store {
			return mustOpen(t, filepath.Join(t.TempDir(), "ha"), hastore.Options{Logger: newLogRecorder(t).logger()})
		}},
		{"MemStore", func(t *testing.T) hastore.Store { return hastore.NewMemStore() }},
	}
	for _, impl := range impls {
		t.Run(impl.name, func(t *testing.T) {
			t.Run("FreshLoadIsEmpty", func(t *testing.T) { contractFresh(t, impl.open(t)) })
			t.Run("RoundTrip", func(t *testing.T) { contractRoundTrip(t, impl.open) })
			t.Run("NewestWins", func(t *testing.T) { contractNewestWins(t, impl.open(t)) })
			t.Run("InvalidStateRefused", func(t *testing.T) { contractInvalid(t, impl.open) })
			t.Run("LoadReturnsACopy", func(t *testing.T) { contractCopy(t, impl.open(t)) })
			t.Run("Remove", func(t *testing.T) { contractRemove(t, impl.open(t)) })
			t.Run("Closed", func(t *testing.T) { contractClosed(t, impl.open(t)) })
		})
	}
}

func contractFresh(t *testing.T, s hastore.Store) {
	checkState(t, "Load of a new store", mustLoad(t, s), hastore.State{})
}

func contractRoundTrip(t *testing.T, open func(t *testing.T) hastore.Store) {
	cest := time.FixedZone("CEST", 2*3600)
	launched := time.Date(2024, 5, 1, 12, 0, 0, 1, cest)
	now := time.Now() // carries a monotonic reading
	tests := []struct {
		name string
		in   hastore.State
		want hastore.State
	}{
		{name: "zero state", in: hastore.State{}, want: hastore.State{}},
		{name: "framework ID only", in: hastore.State{FrameworkID: "fw-1"}, want: hastore.State{FrameworkID: "fw-1"}},
		{name: "largest counter", in: hastore.State{NextTaskNumber: math.MaxUint64}, want: hastore.State{NextTaskNumber: math.MaxUint64}},
		{name: "every field", in: sampleState(5), want: sampleState(5)},
		{
			name: "workers sorted, time in UTC, empty maps dropped",
			in: hastore.State{
				Workers: []hastore.Worker{
					{TaskID: "tm-2", Role: hastore.RoleTaskManager, State: hastore.WorkerNew, Index: 2, Ports: map[string]uint32{}},
					{TaskID: "tm-10", Role: hastore.RoleTaskManager, State: hastore.WorkerReleased, Index: 10, Attempt: 3, LaunchedAt: launched},
					{TaskID: "jm-1", Role: hastore.RoleJobManager, State: hastore.WorkerLaunched, AgentID: "S1", Hostname: "h1"},
				},
				Meta: map[string]string{},
			},
			want: hastore.State{Workers: []hastore.Worker{
				{TaskID: "jm-1", Role: hastore.RoleJobManager, State: hastore.WorkerLaunched, AgentID: "S1", Hostname: "h1"},
				{TaskID: "tm-10", Role: hastore.RoleTaskManager, State: hastore.WorkerReleased, Index: 10, Attempt: 3, LaunchedAt: launched.UTC()},
				{TaskID: "tm-2", Role: hastore.RoleTaskManager, State: hastore.WorkerNew, Index: 2},
			}},
		},
		{
			name: "text JSON would escape or mangle",
			in: hastore.State{
				FrameworkID: "fw \"<&>\" \u2028 \x00 ü 日本",
				Meta:        map[string]string{"k\n": "v\\", "empty": ""},
				Workers:     []hastore.Worker{{TaskID: "t\t1", Role: hastore.RoleTaskManager, State: hastore.WorkerNew, Ports: map[string]uint32{"p": 65535, "q": 1}}},
			},
			want: hastore.State{
				FrameworkID: "fw \"<&>\" \u2028 \x00 ü 日本",
				Meta:        map[string]string{"k\n": "v\\", "empty": ""},
				Workers:     []hastore.Worker{{TaskID: "t\t1", Role: hastore.RoleTaskManager, State: hastore.WorkerNew, Ports: map[string]uint32{"p": 65535, "q": 1}}},
			},
		},
		{
			name: "monotonic reading dropped",
			in:   hastore.State{Workers: []hastore.Worker{{TaskID: "a", Role: hastore.RoleJobManager, State: hastore.WorkerNew, LaunchedAt: now}}},
			want: hastore.State{Workers: []hastore.Worker{{TaskID: "a", Role: hastore.RoleJobManager, State: hastore.WorkerNew, LaunchedAt: now.UTC()}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			mustSave(t, s, tt.in)
			checkState(t, "Load after Save", mustLoad(t, s), tt.want)
		})
	}
}

func contractNewestWins(t *testing.T, s hastore.Store) {
	for i := range 5 {
		mustSave(t, s, sampleState(i))
		checkState(t, "Load after Save", mustLoad(t, s), sampleState(i))
	}
}

func contractInvalid(t *testing.T, open func(t *testing.T) hastore.Store) {
	ok := func(mod func(w *hastore.Worker)) hastore.State {
		w := hastore.Worker{TaskID: "tm-1", Role: hastore.RoleTaskManager, State: hastore.WorkerNew}
		mod(&w)
		return hastore.State{Workers: []hastore.Worker{w}}
	}
	tests := []struct {
		name    string
		in      hastore.State
		wantMsg string
	}{
		{"empty task ID", ok(func(w *hastore.Worker) { w.TaskID = "" }), "empty task ID"},
		{"duplicate task ID", hastore.State{Workers: []hastore.Worker{
			{TaskID: "a", Role: hastore.RoleTaskManager, State: hastore.WorkerNew},
			{TaskID: "a", Role: hastore.RoleJobManager, State: hastore.WorkerNew},
		}}, `task ID "a" appears twice`},
		{"unknown role", ok(func(w *hastore.Worker) { w.Role = "boss" }), `role "boss" is not one of "jobmanager", "taskmanager"`},
		{"empty role", ok(func(w *hastore.Worker) { w.Role = "" }), `role "" is not one of`},
		{"unknown state", ok(func(w *hastore.Worker) { w.State = "running" }), `state "running" is not one of "new", "launched", "released"`},
		{"negative index", ok(func(w *hastore.Worker) { w.Index = -1 }), "index -1 is negative"},
		{"negative attempt", ok(func(w *hastore.Worker) { w.Attempt = -2 }), "attempt -2 is negative"},
		{"port 0", ok(func(w *hastore.Worker) { w.Ports = map[string]uint32{"rest.port": 0} }), "port rest.port=0 is outside 1-65535"},
		{"port 65536", ok(func(w *hastore.Worker) { w.Ports = map[string]uint32{"rest.port": 65536} }), "outside 1-65535"},
		{"empty port key", ok(func(w *hastore.Worker) { w.Ports = map[string]uint32{"": 80} }), "port key"},
		{"invalid UTF-8 hostname", ok(func(w *hastore.Worker) { w.Hostname = "h\xff" }), "not valid UTF-8"},
		{"invalid UTF-8 task ID", ok(func(w *hastore.Worker) { w.TaskID = "\xc3" }), "not valid UTF-8"},
		{"year 10000", ok(func(w *hastore.Worker) { w.LaunchedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), "outside the years 1-9999"},
		{"invalid UTF-8 framework ID", hastore.State{FrameworkID: "\xff"}, "framework ID"},
		{"empty meta key", hastore.State{Meta: map[string]string{"": "x"}}, "meta has an empty key"},
		{"invalid UTF-8 meta value", hastore.State{Meta: map[string]string{"k": "\xfe"}}, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			prev := sampleState(2)
			mustSave(t, s, prev)
			err := s.Save(tt.in)
			if !errors.Is(err, hastore.ErrInvalid) {
				t.Fatalf("Save: got %v, want an error matching ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Save: got %q, want it to contain %q", err, tt.wantMsg)
			}
			checkState(t, "Load after a refused Save", mustLoad(t, s), prev)
		})
	}
}

func contractCopy(t *testing.T, s hastore.Store) {
	in := sampleState(3)
	mustSave(t, s, in)
	in.Workers[0].Ports["taskmanager.rpc.port"] = 1
	in.Meta["taskmanagers"] = "changed after Save"
	got := mustLoad(t, s)
	got.Workers[1].Hostname = "changed after Load"
	got.Meta["taskmanagers"] = "changed after Load"
	checkState(t, "second Load", mustLoad(t, s), sampleState(3))
}

func contractRemove(t *testing.T, s hastore.Store) {
	if err := s.Remove(); err != nil {
		t.Fatalf("Remove of an empty store: %v", err)
	}
	mustSave(t, s, sampleState(1))
	mustSave(t, s, sampleState(2))
	if err := s.Remove(); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	checkState(t, "Load after Remove", mustLoad(t, s), hastore.State{})
	mustSave(t, s, sampleState(3))
	checkState(t, "Load after Remove and Save", mustLoad(t, s), sampleState(3))
}

func contractClosed(t *testing.T, s hastore.Store) {
	mustSave(t, s, sampleState(1))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := s.Load(); !errors.Is(err, hastore.ErrClosed) {
		t.Errorf("Load after Close: got %v, want ErrClosed", err)
	}
	if err := s.Save(sampleState(2)); !errors.Is(err, hastore.ErrClosed) {
		t.Errorf("Save after Close: got %v, want ErrClosed", err)
	}
	if err := s.Remove(); !errors.Is(err, hastore.ErrClosed) {
		t.Errorf("Remove after Close: got %v, want ErrClosed", err)
	}
}
