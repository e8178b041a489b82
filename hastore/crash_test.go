package hastore_test

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
)

// TestInterruptedWriteReadsOldOrNew lays out every state the directory can
// be left in by a write of generation 2 over generation 1 that stopped at
// any step, or whose new file the file system damaged: the temporary file
// cut short, the published file cut at every byte or with a bit of any byte
// flipped, the next write begun. Each must read back as the old or the new
// state, and the store must then write on.
func TestInterruptedWriteReadsOldOrNew(t *testing.T) {
	// Small states: every byte of the new file is tried, and each try
	// costs an Open with its fsyncs.
	oldState := hastore.State{FrameworkID: "fw-1", NextTaskNumber: 1}
	newState := hastore.State{FrameworkID: "fw-1", NextTaskNumber: 2, Workers: []hastore.Worker{
		{TaskID: "tm-1", Role: hastore.RoleTaskManager, State: hastore.WorkerNew, Index: 1, Attempt: 1, Ports: map[string]uint32{"p": 1}},
	}}
	nextState := hastore.State{FrameworkID: "fw-1", NextTaskNumber: 3}
	// The records as the store writes them: generation 1 of oldState, 2 of
	// newState, 3 of nextState.
	recs := make([][]byte, 3)
	for i, st := range []hastore.State{oldState, newState, nextState} {
		src := t.TempDir()
		s := mustOpen(t, src, hastore.Options{})
		for range i {
			mustSave(t, s, hastore.State{})
		}
		mustSave(t, s, st)
		s.Close()
		recs[i] = readFile(t, filepath.Join(src, genName(uint64(i+1))))
	}
	old, rec, next := recs[0], recs[1], recs[2]

	type scenario struct {
		name  string
		files map[string][]byte
		want  hastore.State
	}
	var scenarios []scenario
	// A temporary file is swept by its name whatever it holds: a few
	// lengths stand for all.
	for _, k := range []int{0, 1, 15, 16, 35, 36, 37, len(rec) / 2, len(rec) - 1, len(rec)} {
		scenarios = append(scenarios, scenario{fmt.Sprintf("temporary file of %d bytes", k),
			map[string][]byte{genName(1): old, genName(2) + ".tmp": rec[:k]}, oldState})
	}
	for k := 0; k <= len(rec); k++ {
		want := oldState
		if k == len(rec) {
			want = newState
		}
		scenarios = append(scenarios, scenario{fmt.Sprintf("published file of %d bytes", k),
			map[string][]byte{genName(1): old, genName(2): rec[:k]}, want})
	}
	for i := range rec {
		// One bit per byte, a different one in each of 8 neighbours.
		b := []byte(string(rec))
		b[i] ^= 1 << (i % 8)
		scenarios = append(scenarios, scenario{fmt.Sprintf("published file with bit %d of byte %d flipped", i%8, i),
			map[string][]byte{genName(1): old, genName(2): b}, oldState})
	}
	for _, k := range []int{0, 36, len(next) / 2, len(next)} {
		scenarios = append(scenarios, scenario{fmt.Sprintf("next write's temporary file of %d bytes", k),
			map[string][]byte{genName(1): old, genName(2): rec, genName(3) + ".tmp": next[:k]}, newState})
	}
	scenarios = append(scenarios,
		scenario{"both published, old not yet deleted", map[string][]byte{genName(1): old, genName(2): rec}, newState},
		scenario{"old deleted", map[string][]byte{genName(2): rec}, newState},
	)

	root := t.TempDir()
	for i, sc := range scenarios {
		dir := filepath.Join(root, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, b := range sc.files {
			writeFile(t, filepath.Join(dir, name), b)
		}
		s, err := hastore.Open(dir, hastore.Options{})
		if err != nil {
			t.Fatalf("%s: Open: %v", sc.name, err)
		}
		got, err := s.Load()
		if err != nil {
			t.Fatalf("%s: Load: %v", sc.name, err)
		}
		checkState(t, sc.name, got, sc.want)
		for _, name := range names(t, dir) {
			if strings.HasSuffix(name, ".tmp") {
				t.Fatalf("%s: Open left %s", sc.name, name)
			}
		}
		// Writing on from the recovered state is the scheduler's next
		// step; check it on a sample, fsyncs are slow.
		if i%8 == 0 {
			mustSave(t, s, nextState)
			checkState(t, sc.name+", then Save", mustLoad(t, s), nextState)
		}
		s.Close()
	}
	t.Logf("%d scenarios", len(scenarios))
}

var killRounds = flag.Int("kill-rounds", 30, "rounds of TestKilledWriterReadsOldOrNew (10 with -short)")

// TestKilledWriterReadsOldOrNew kills a child process that saves in a loop
// at random moments, many times over one directory. After each kill the
// directory must hold exactly one of the states the child was saving: never
// one older than a Save that had returned, never a mix, never nothing. A
// kill leaves the page cache intact, so this checks that publishing is
// atomic; what survives a power loss rests on the order of the fsyncs,
// which TestFailedDurabilityStepsAreSticky and the layouts of
// TestInterruptedWriteReadsOldOrNew check.
func TestKilledWriterReadsOldOrNew(t *testing.T) {
	rounds := *killRounds
	if testing.Short() {
		rounds = min(rounds, 10)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	var floor uint64 // no later Load may return less
	tmpLeft := 0
	for round := range rounds {
		cmd, _, out := startChild(t, "writer", dir)
		expectLine(t, out, "ready")
		acked := make(chan uint64)
		go func() {
			defer close(acked)
			var last uint64
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				n, err := strconv.ParseUint(sc.Text(), 10, 64)
				if err != nil {
					t.Errorf("round %d: child said %q", round, sc.Text())
					continue
				}
				last = n
			}
			acked <- last
		}()
		time.Sleep(time.Duration(rng.Int64N(int64(60 * time.Millisecond))))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		last := <-acked // the child's stdout is closed: it is dead
		<-acked
		cmd.Wait()

		floor = max(floor, last)
		for _, name := range names(t, dir) {
			if strings.HasSuffix(name, ".tmp") {
				tmpLeft++
			}
		}
		s, err := hastore.Open(dir, hastore.Options{})
		if err != nil {
			t.Fatalf("round %d: Open: %v", round, err)
		}
		st, err := s.Load()
		s.Close()
		if err != nil {
			t.Fatalf("round %d: Load: %v", round, err)
		}
		got := st.NextTaskNumber
		if got < floor || got > floor+1 {
			t.Fatalf("round %d: read state %d; the child had saved up to %d", round, got, floor)
		}
		if got == 0 {
			checkState(t, fmt.Sprintf("round %d", round), st, hastore.State{})
		} else {
			checkState(t, fmt.Sprintf("round %d", round), st, crashState(got))
		}
		floor = got
	}
	t.Logf("%d rounds, %d saves, %d kills left a temporary file", rounds, floor, tmpLeft)
}
