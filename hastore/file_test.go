package hastore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/flink-mesos/flink-mesos/hastore"
)

func TestFileStorePersistsAcrossOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ha")
	s := mustOpen(t, dir, hastore.Options{})
	mustSave(t, s, sampleState(3))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, hastore.Options{})
	checkState(t, "Load after reopening", mustLoad(t, s), sampleState(3))
	mustSave(t, s, sampleState(4))
	checkState(t, "Load after a Save on the reopened store", mustLoad(t, s), sampleState(4))
}

func TestOpenCreatesOnlyTheLastElement(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ha")
	s := mustOpen(t, dir, hastore.Options{})
	mustSave(t, s, hastore.State{FrameworkID: "fw"})
	for path, want := range map[string]fs.FileMode{dir: fs.ModeDir | 0o700, filepath.Join(dir, "LOCK"): 0o600, filepath.Join(dir, genName(1)): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}

	_, err := hastore.Open(filepath.Join(root, "not-mounted", "ha"), hastore.Options{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "parent") {
		t.Errorf("Open under a missing parent: got %v, want ErrNotExist naming the parent", err)
	}
	if _, err := os.Stat(filepath.Join(root, "not-mounted")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open created the missing parent: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "file")
	writeFile(t, file, []byte("x"))
	lockIsDir := filepath.Join(root, "lockdir")
	if err := os.MkdirAll(filepath.Join(lockIsDir, "LOCK"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
	}{
		{"empty path", "", "empty directory path"},
		{"a regular file", file, "not a directory"},
		{"LOCK is a directory", lockIsDir, "LOCK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := hastore.Open(tt.dir, hastore.Options{})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q): no error, want one containing %q", tt.dir, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q): got %q, want it to contain %q", tt.dir, err, tt.want)
			}
		})
	}
}

func TestOpenSweepsTemporaryFilesAndKeepsForeignOnes(t *testing.T) {
	dir := t.TempDir()
	foreign := []string{"README", "ckpt-1", "ckpt-000000000000000G", "ckpt-000000000000000A", "ckpt-0000000000000000", "ckpt-00000000000000001"}
	for _, name := range foreign {
		writeFile(t, filepath.Join(dir, name), []byte("not ours"))
	}
	writeFile(t, filepath.Join(dir, genName(7)+".tmp"), []byte("half a checkpo"))
	rec := newLogRecorder(t)
	s := mustOpen(t, dir, hastore.Options{Logger: rec.logger()})
	if _, err := os.Stat(filepath.Join(dir, genName(7)+".tmp")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary file is still there: %v", err)
	}
	got := names(t, dir)
	want := append([]string{"LOCK"}, foreign...)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("directory: got %q, want %q", got, want)
	}
	var warned []string
	for _, r := range rec.records(slog.LevelWarn) {
		warned = append(warned, r["file"])
	}
	slices.Sort(warned)
	if sorted := slices.Sorted(slices.Values(foreign)); !slices.Equal(warned, sorted) {
		t.Errorf("warned about %q, want %q", warned, sorted)
	}
	// The swept temporary file's generation is not reused.
	mustSave(t, s, sampleState(1))
	if _, err := os.Stat(filepath.Join(dir, genName(8))); err != nil {
		t.Errorf("first Save after a sweep of generation 7: %v", err)
	}
	checkState(t, "Load", mustLoad(t, s), sampleState(1))
}

func TestSaveKeepsTwoGenerations(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, hastore.Options{})
	for i := range 5 {
		mustSave(t, s, sampleState(i))
	}
	if got, want := names(t, dir), []string{"LOCK", "ckpt-0000000000000004", "ckpt-0000000000000005"}; !slices.Equal(got, want) {
		t.Errorf("after 5 saves: got %q, want %q", got, want)
	}
	// The previous generation is a complete checkpoint of the previous state.
	os.Remove(filepath.Join(dir, genName(5)))
	checkState(t, "Load of generation 4", mustLoad(t, s), sampleState(3))
}

func TestGenerationNamesSortLexically(t *testing.T) {
	dir := t.TempDir()
	// Start just below a carry into a new hex digit.
	writeFile(t, filepath.Join(dir, genName(0xff)), record(1, 0xff, []byte(`{"nextTaskNumber":1}`)))
	s := mustOpen(t, dir, hastore.Options{})
	mustSave(t, s, hastore.State{NextTaskNumber: 2})
	mustSave(t, s, hastore.State{NextTaskNumber: 3})
	if got, want := names(t, dir), []string{"LOCK", "ckpt-0000000000000100", "ckpt-0000000000000101"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	checkState(t, "Load", mustLoad(t, s), hastore.State{NextTaskNumber: 3})
}

// damages are the ways a checkpoint file can be bad in itself. Each applies
// to the record of generation 2.
var damages = []struct {
	name    string
	damage  func(b []byte) []byte
	wantErr error
}{
	{"empty", func(b []byte) []byte { return nil }, hastore.ErrEmpty},
	{"cut in the magic", func(b []byte) []byte { return b[:5] }, io.ErrUnexpectedEOF},
	{"cut in the header", func(b []byte) []byte { return b[:30] }, io.ErrUnexpectedEOF},
	{"cut after the header", func(b []byte) []byte { return b[:36] }, io.ErrUnexpectedEOF},
	{"cut in the payload", func(b []byte) []byte { return b[:len(b)-1] }, io.ErrUnexpectedEOF},
	{"zero-filled", func(b []byte) []byte { return make([]byte, len(b)) }, hastore.ErrNotCheckpoint},
	{"text", func(b []byte) []byte { return []byte("frameworkId=abc\n") }, hastore.ErrNotCheckpoint},
	{"magic bit flipped", func(b []byte) []byte { return flip(b, 1) }, hastore.ErrNotCheckpoint},
	{"version bit flipped", func(b []byte) []byte { return flip(b, 11) }, hastore.ErrCorrupt},
	{"complement bit flipped", func(b []byte) []byte { return flip(b, 15) }, hastore.ErrCorrupt},
	{"generation bit flipped", func(b []byte) []byte { return flip(b, 23) }, hastore.ErrCorrupt},
	{"length bit flipped", func(b []byte) []byte { return flip(b, 27) }, hastore.ErrCorrupt},
	{"payload CRC bit flipped", func(b []byte) []byte { return flip(b, 28) }, hastore.ErrCorrupt},
	{"header CRC bit flipped", func(b []byte) []byte { return flip(b, 35) }, hastore.ErrCorrupt},
	{"payload bit flipped", func(b []byte) []byte { return flip(b, len(b)-2) }, hastore.ErrCorrupt},
	{"trailing byte", func(b []byte) []byte { return append(b, '\n') }, hastore.ErrCorrupt},
	{"other generation's file", func(b []byte) []byte {
		b = slices.Clone(b)
		binary.BigEndian.PutUint64(b[16:], 1)
		return resealHeader(b)
	}, hastore.ErrCorrupt},
	{"length longer than the file", func(b []byte) []byte {
		b = slices.Clone(b)
		binary.BigEndian.PutUint32(b[24:], binary.BigEndian.Uint32(b[24:])+1)
		return resealHeader(b)
	}, io.ErrUnexpectedEOF},
	{"length shorter than the file", func(b []byte) []byte {
		b = slices.Clone(b)
		binary.BigEndian.PutUint32(b[24:], binary.BigEndian.Uint32(b[24:])-1)
		return resealHeader(b)
	}, hastore.ErrCorrupt},
}

func flip(b []byte, i int) []byte {
	b = slices.Clone(b)
	b[i] ^= 0x10
	return b
}

// twoGenerations saves sampleState(1) and sampleState(2) and returns the
// bytes of generation 2.
func twoGenerations(t *testing.T, dir string) []byte {
	t.Helper()
	s := mustOpen(t, dir, hastore.Options{})
	mustSave(t, s, sampleState(1))
	mustSave(t, s, sampleState(2))
	s.Close()
	return readFile(t, filepath.Join(dir, genName(2)))
}

func TestLoadSkipsADamagedNewestGeneration(t *testing.T) {
	for _, tt := range damages {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, genName(2))
			bad := tt.damage(twoGenerations(t, dir))
			writeFile(t, path, bad)

			rec := newLogRecorder(t)
			s := mustOpen(t, dir, hastore.Options{Logger: rec.logger()})
			checkState(t, "Load", mustLoad(t, s), sampleState(1))
			d := s.Damaged()
			if len(d) != 1 || d[0].Path != path || !errors.Is(d[0], tt.wantErr) {
				t.Fatalf("Damaged: got %v, want one error for %s matching %v", d, path, tt.wantErr)
			}
			logs := rec.records(slog.LevelError)
			if len(logs) != 1 || logs[0]["file"] != path || logs[0]["err"] != d[0].Err.Error() {
				t.Fatalf("ERROR logs: got %v, want one naming %s and the reason", logs, path)
			}
			if got := readFile(t, path); !bytes.Equal(got, bad) {
				t.Fatalf("Load changed the damaged file")
			}

			// A good state on top moves the evidence aside, byte for byte.
			mustSave(t, s, sampleState(3))
			if got := readFile(t, path+".corrupt"); !bytes.Equal(got, bad) {
				t.Errorf("the file moved aside differs from the damaged file")
			}
			if got, want := names(t, dir), []string{"LOCK", genName(1), genName(2) + ".corrupt", genName(3)}; !slices.Equal(got, want) {
				t.Errorf("directory after Save: got %q, want %q", got, want)
			}
			checkState(t, "Load after Save", mustLoad(t, s), sampleState(3))
			if d := s.Damaged(); len(d) != 0 {
				t.Errorf("Damaged after a clean Load: %v", d)
			}
		})
	}
}

func TestLoadFailsWhenNoGenerationIsGood(t *testing.T) {
	for _, tt := range damages {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			good := twoGenerations(t, dir)
			os.Remove(filepath.Join(dir, genName(1)))
			path := filepath.Join(dir, genName(2))
			writeFile(t, path, tt.damage(good))
			before := snapshot(t, dir)

			s := mustOpen(t, dir, hastore.Options{})
			_, err := s.Load()
			if !errors.Is(err, hastore.ErrUnreadable) || !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load: got %v, want ErrUnreadable and %v naming %s", err, tt.wantErr, path)
			}
			if err := s.Save(sampleState(3)); !errors.Is(err, hastore.ErrUnreadable) {
				t.Fatalf("Save over an unreadable directory: got %v, want ErrUnreadable", err)
			}
			if after := snapshot(t, dir); !reflect.DeepEqual(after, before) {
				t.Fatalf("the directory changed:\n before %q\n after  %q", before, after)
			}
		})
	}
}

func TestLoadRefusesWhatItMustNotSkip(t *testing.T) {
	tests := []struct {
		name    string
		file    []byte
		wantErr error
		wantMsg string
	}{
		{"newer format version", record(2, 2, []byte(`{"whatever":"a newer release writes"}`)), hastore.ErrUnknownVersion, "format version 2; this release reads version 1"},
		{"newer format version, other header", append(record(7, 2, nil)[:16], "a different layout"...), hastore.ErrUnknownVersion, "format version 7"},
		{"version 0", record(0, 2, []byte(`{}`)), hastore.ErrUnknownVersion, "format version 0"},
		{"payload over the limit", func() []byte {
			b := record(1, 2, nil)
			binary.BigEndian.PutUint32(b[24:], hastore.MaxPayloadSize+1)
			return resealHeader(b)
		}(), hastore.ErrTooLarge, "limit"},
		{"unknown role behind a good checksum", record(1, 2, []byte(`{"nextTaskNumber":1,"workers":[{"taskId":"a","role":"boss","state":"new","index":0,"attempt":0}]}`)), hastore.ErrInvalid, `role "boss"`},
		{"null payload", record(1, 2, []byte(`null`)), hastore.ErrInvalid, "not a JSON object"},
		{"unknown field", record(1, 2, []byte(`{"nextTaskNumber":1,"leader":"x"}`)), hastore.ErrInvalid, "leader"},
		{"workers out of order", record(1, 2, []byte(`{"nextTaskNumber":1,"workers":[{"taskId":"b","role":"jobmanager","state":"new","index":0,"attempt":0},{"taskId":"a","role":"jobmanager","state":"new","index":0,"attempt":0}]}`)), hastore.ErrInvalid, "out of order"},
		{"two JSON values", record(1, 2, []byte(`{"nextTaskNumber":1} {}`)), hastore.ErrInvalid, "after its JSON object"},
		{"bad time", record(1, 2, []byte(`{"nextTaskNumber":1,"workers":[{"taskId":"a","role":"jobmanager","state":"new","index":0,"attempt":0,"launchedAt":"yesterday"}]}`)), hastore.ErrInvalid, "launchedAt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			twoGenerations(t, dir)
			path := filepath.Join(dir, genName(2))
			writeFile(t, path, tt.file)
			before := snapshot(t, dir)

			s := mustOpen(t, dir, hastore.Options{})
			_, err := s.Load()
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load: got %v, want %v naming %s and containing %q", err, tt.wantErr, path, tt.wantMsg)
			}
			if fe, ok := errors.AsType[*hastore.FileError](err); !ok || fe.Path != path {
				t.Fatalf("Load: got %v, want a *FileError for %s", err, path)
			}
			if err := s.Save(sampleState(3)); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Save over it: got %v, want %v", err, tt.wantErr)
			}
			if after := snapshot(t, dir); !reflect.DeepEqual(after, before) {
				t.Fatalf("the directory changed:\n before %q\n after  %q", before, after)
			}
		})
	}
}

// An I/O error says nothing about the file: no fallback to an older state.
func TestLoadStopsAtAnIOError(t *testing.T) {
	dir := t.TempDir()
	twoGenerations(t, dir)
	s := mustOpen(t, dir, hastore.Options{})
	newest := filepath.Join(dir, genName(2))
	hastore.SetFault(s, func(op, path string) error {
		if op == "read" && path == newest {
			return syscall.EIO
		}
		return nil
	})
	_, err := s.Load()
	if !errors.Is(err, syscall.EIO) || errors.Is(err, hastore.ErrUnreadable) || !strings.Contains(err.Error(), newest) {
		t.Fatalf("Load: got %v, want EIO naming %s", err, newest)
	}
	if err := s.Save(sampleState(3)); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Save: got %v, want EIO", err)
	}
	if got, want := names(t, dir), []string{"LOCK", genName(1), genName(2)}; !slices.Equal(got, want) {
		t.Errorf("directory: got %q, want %q", got, want)
	}
	hastore.SetFault(s, nil)
	mustSave(t, s, sampleState(3)) // without a new Load: the error has passed
	checkState(t, "Load once the disk reads again", mustLoad(t, s), sampleState(3))
}

func TestSaveRefusesWithoutALoadToo(t *testing.T) {
	dir := t.TempDir()
	twoGenerations(t, dir)
	writeFile(t, filepath.Join(dir, genName(3)), record(2, 3, []byte(`{}`)))
	s := mustOpen(t, dir, hastore.Options{})
	if err := s.Save(sampleState(3)); !errors.Is(err, hastore.ErrUnknownVersion) {
		t.Fatalf("Save: got %v, want ErrUnknownVersion", err)
	}
}

func TestLoadNeverOpensANonRegularFile(t *testing.T) {
	dir := t.TempDir()
	twoGenerations(t, dir)
	path := filepath.Join(dir, genName(3))
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	s := mustOpen(t, dir, hastore.Options{})
	checkState(t, "Load", mustLoad(t, s), sampleState(2))
	if d := s.Damaged(); len(d) != 1 || !errors.Is(d[0], hastore.ErrNotCheckpoint) || !strings.Contains(d[0].Error(), "not a regular file") {
		t.Fatalf("Damaged: got %v, want the FIFO as not a regular file", d)
	}
}

func TestFence(t *testing.T) {
	dir := t.TempDir()
	errDeposed := errors.New("no longer the leader")
	var fenceErr error
	calls := 0
	s := mustOpen(t, dir, hastore.Options{Fence: func() error {
		calls++
		// The new generation is complete in its temporary file and not
		// yet published.
		tmp := filepath.Join(dir, genName(uint64(calls))+".tmp")
		if b, err := os.ReadFile(tmp); err != nil || len(b) < 36 {
			t.Errorf("fence call %d: temporary file: %d bytes, %v", calls, len(b), err)
		}
		if _, err := os.Stat(filepath.Join(dir, genName(uint64(calls)))); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("fence call %d: the generation is already published: %v", calls, err)
		}
		return fenceErr
	}})
	mustSave(t, s, sampleState(1))

	fenceErr = errDeposed
	err := s.Save(sampleState(2))
	if !errors.Is(err, errDeposed) {
		t.Fatalf("Save with a failing fence: got %v, want %v", err, errDeposed)
	}
	if got, want := names(t, dir), []string{"LOCK", genName(1)}; !slices.Equal(got, want) {
		t.Errorf("directory: got %q, want %q", got, want)
	}
	checkState(t, "Load", mustLoad(t, s), sampleState(1))

	fenceErr = nil
	mustSave(t, s, sampleState(3))
	checkState(t, "Load after the fence allows again", mustLoad(t, s), sampleState(3))
	if calls != 3 {
		t.Errorf("fence called %d times, want 3", calls)
	}
}

func TestFailedDurabilityStepsAreSticky(t *testing.T) {
	errIO := syscall.EIO
	tests := []struct {
		op        string
		wantState hastore.State // what a fresh Open reads afterwards
	}{
		{"fsync", sampleState(1)},
		{"close", sampleState(1)},
		{"rename", sampleState(1)},
		{"fsync-dir", sampleState(2)},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpen(t, dir, hastore.Options{})
			mustSave(t, s, sampleState(1))
			var ops []string
			hastore.SetFault(s, func(op, path string) error {
				ops = append(ops, op)
				if op == tt.op {
					return errIO
				}
				return nil
			})
			err := s.Save(sampleState(2))
			if !errors.Is(err, hastore.ErrNotDurable) || !errors.Is(err, errIO) {
				t.Fatalf("Save: got %v, want ErrNotDurable wrapping EIO", err)
			}
			n := len(ops)
			if err := s.Save(sampleState(3)); !errors.Is(err, hastore.ErrNotDurable) || !errors.Is(err, errIO) {
				t.Fatalf("second Save: got %v, want the sticky ErrNotDurable", err)
			}
			if err := s.Remove(); !errors.Is(err, hastore.ErrNotDurable) {
				t.Fatalf("Remove: got %v, want the sticky ErrNotDurable", err)
			}
			if len(ops) != n {
				t.Errorf("the refused calls touched the disk: %q", ops[n:])
			}
			for _, name := range names(t, dir) {
				if strings.HasSuffix(name, ".tmp") {
					t.Errorf("temporary file left: %s", name)
				}
			}
			s.Close()
			checkState(t, "Load after reopening", mustLoad(t, mustOpen(t, dir, hastore.Options{})), tt.wantState)
		})
	}
}

func TestFailedWriteIsNotSticky(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, hastore.Options{})
	mustSave(t, s, sampleState(1))
	hastore.SetFault(s, func(op, path string) error {
		if op == "write" {
			return syscall.ENOSPC
		}
		return nil
	})
	err := s.Save(sampleState(2))
	if !errors.Is(err, syscall.ENOSPC) || errors.Is(err, hastore.ErrNotDurable) {
		t.Fatalf("Save: got %v, want ENOSPC without ErrNotDurable", err)
	}
	if got, want := names(t, dir), []string{"LOCK", genName(1)}; !slices.Equal(got, want) {
		t.Errorf("directory: got %q, want %q", got, want)
	}
	hastore.SetFault(s, nil)
	mustSave(t, s, sampleState(3))
	checkState(t, "Load", mustLoad(t, s), sampleState(3))
}

func TestPruneFailureIsLoggedAndRetried(t *testing.T) {
	dir := t.TempDir()
	rec := newLogRecorder(t)
	s := mustOpen(t, dir, hastore.Options{Logger: rec.logger()})
	mustSave(t, s, sampleState(1))
	mustSave(t, s, sampleState(2))
	hastore.SetFault(s, func(op, path string) error {
		if op == "remove" {
			return syscall.EACCES
		}
		return nil
	})
	mustSave(t, s, sampleState(3))
	if w := rec.records(slog.LevelWarn); len(w) != 1 || w[0]["file"] != filepath.Join(dir, genName(1)) {
		t.Errorf("WARN logs: got %v, want one naming generation 1", w)
	}
	hastore.SetFault(s, nil)
	mustSave(t, s, sampleState(4))
	if got, want := names(t, dir), []string{"LOCK", genName(3), genName(4)}; !slices.Equal(got, want) {
		t.Errorf("directory: got %q, want %q", got, want)
	}
}

func TestRemoveDeletesOldestFirstAndKeepsTheLock(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("operator notes"))
	s := mustOpen(t, dir, hastore.Options{})
	mustSave(t, s, sampleState(1))
	writeFile(t, filepath.Join(dir, genName(2)), []byte("damaged"))
	mustLoad(t, s)
	mustSave(t, s, sampleState(3)) // moves 2 aside
	writeFile(t, filepath.Join(dir, genName(4)+".tmp"), []byte("stray"))

	var removed []string
	hastore.SetFault(s, func(op, path string) error {
		if op == "remove" {
			removed = append(removed, filepath.Base(path))
		}
		return nil
	})
	if err := s.Remove(); err != nil {
		t.Fatal(err)
	}
	if want := []string{genName(1), genName(2) + ".corrupt", genName(3), genName(4) + ".tmp"}; !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q in this order", removed, want)
	}
	if got, want := names(t, dir), []string{"LOCK", "notes.txt"}; !slices.Equal(got, want) {
		t.Errorf("directory: got %q, want %q", got, want)
	}
	if _, err := hastore.Open(dir, hastore.Options{}); !errors.Is(err, hastore.ErrLocked) {
		t.Errorf("Open after Remove: got %v, want ErrLocked", err)
	}
	checkState(t, "Load after Remove", mustLoad(t, s), hastore.State{})
}

func TestMemStoreFailSaves(t *testing.T) {
	m := hastore.NewMemStore()
	mustSave(t, m, sampleState(1))
	errDisk := errors.New("disk on fire")
	m.FailSaves(errDisk)
	if err := m.Save(sampleState(2)); !errors.Is(err, errDisk) {
		t.Fatalf("Save: got %v, want %v", err, errDisk)
	}
	if err := m.Remove(); !errors.Is(err, errDisk) {
		t.Fatalf("Remove: got %v, want %v", err, errDisk)
	}
	checkState(t, "Load", mustLoad(t, m), sampleState(1))
	m.FailSaves(nil)
	mustSave(t, m, sampleState(3))
	checkState(t, "Load", mustLoad(t, m), sampleState(3))
	if got := m.Saves(); got != 3 {
		t.Errorf("Saves: got %d, want 3", got)
	}
}
