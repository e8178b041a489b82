package hastore_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const goldenV1 = "testdata/golden-v1.ckpt"

// goldenState uses every field, and stays fixed: the golden file holds it.
func goldenState() hastore.State {
	return hastore.State{
		FrameworkID:    "7f3c9a1e-52b4-4f0e-9a61-1c2d3e4f5a6b-0042",
		NextTaskNumber: 3,
		Workers: []hastore.Worker{
			{TaskID: "jobmanager-00001", Role: hastore.RoleJobManager, State: hastore.WorkerLaunched, Index: 0, Attempt: 1,
				AgentID: "5d0a8c3e-71f2-4b9a-8e6d-2f1a3b4c5d6e-S1", Hostname: "agent-1.example.com",
				Ports:      map[string]uint32{"rest.port": 31080, "jobmanager.rpc.port": 31123},
				LaunchedAt: time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)},
			{TaskID: "taskmanager-00002", Role: hastore.RoleTaskManager, State: hastore.WorkerNew, Index: 1},
			{TaskID: "taskmanager-00003", Role: hastore.RoleTaskManager, State: hastore.WorkerReleased, Index: 2, Attempt: 4,
				AgentID: "5d0a8c3e-71f2-4b9a-8e6d-2f1a3b4c5d6e-S2", Hostname: "agent-2.example.com",
				Ports:      map[string]uint32{"taskmanager.rpc.port": 31500},
				LaunchedAt: time.Date(2024, 5, 1, 10, 0, 5, 0, time.UTC)},
		},
		Meta: map[string]string{"taskmanagers": "2", "job-id": "a3f1c2d4e5b6a7f8091a2b3c4d5e6f70"},
	}
}

// TestGoldenV1 pins format version 1: the bytes written for a fixed state,
// and that a file written by an earlier build still reads back.
func TestGoldenV1(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, hastore.Options{})
	mustSave(t, s, goldenState())
	got := readFile(t, filepath.Join(dir, genName(1)))
	if *update {
		writeFile(t, goldenV1, got)
	}
	want := readFile(t, goldenV1)
	if !bytes.Equal(got, want) {
		t.Errorf("Save wrote bytes that differ from %s:\n got  %q\n want %q\n"+
			"If that is intended and files of the old form still read (they must, or it is a new format version), "+
			"regenerate with: go test ./hastore -run TestGoldenV1 -update", goldenV1, got, want)
	}

	old := t.TempDir()
	writeFile(t, filepath.Join(old, genName(1)), want)
	checkState(t, "Load of "+goldenV1, mustLoad(t, mustOpen(t, old, hastore.Options{})), goldenState())
	if got, err := os.ReadFile(filepath.Join(old, genName(1))); err != nil || !bytes.Equal(got, want) {
		t.Errorf("Load changed the file: %v", err)
	}
}
