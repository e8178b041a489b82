package hastore_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
)

// logRecorder is a slog.Handler that keeps every record and echoes it to
// t.Log.
type logRecorder struct {
	t     testing.TB
	mu    *sync.Mutex
	recs  *[]slog.Record
	attrs []slog.Attr
}

func newLogRecorder(t testing.TB) *logRecorder {
	return &logRecorder{t: t, mu: new(sync.Mutex), recs: new([]slog.Record)}
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.mu.Lock()
	*h.recs = append(*h.recs, r)
	h.mu.Unlock()
	var b bytes.Buffer
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.t.Logf("log %s %s%s", r.Level, r.Message, b.String())
	return nil
}

func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(slices.Clone(h.attrs), as...)
	return &c
}

func (h *logRecorder) WithGroup(string) slog.Handler { return h }

func (h *logRecorder) logger() *slog.Logger { return slog.New(h) }

// records returns the records at level with their attributes as strings.
func (h *logRecorder) records(level slog.Level) []map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]string
	for _, r := range *h.recs {
		if r.Level != level {
			continue
		}
		m := map[string]string{"msg": r.Message}
		r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
		out = append(out, m)
	}
	return out
}

func mustOpen(t testing.TB, dir string, opts hastore.Options) *hastore.FileStore {
	t.Helper()
	s, err := hastore.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustSave(t testing.TB, s hastore.Store, st hastore.State) {
	t.Helper()
	if err := s.Save(st); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func mustLoad(t testing.TB, s hastore.Store) hastore.State {
	t.Helper()
	st, err := s.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return st
}

func checkState(t testing.TB, what string, got, want hastore.State) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// genName is the documented file name of generation g.
func genName(g uint64) string { return fmt.Sprintf("ckpt-%016x", g) }

// record builds a checkpoint file from the layout in doc.go, independently
// of the package's encoder.
func record(version uint32, gen uint64, payload []byte) []byte {
	castagnoli := crc32.MakeTable(crc32.Castagnoli)
	b := []byte{0x89, 'F', 'M', 'C', 'K', 'P', 'T', '\n'}
	b = binary.BigEndian.AppendUint32(b, version)
	b = binary.BigEndian.AppendUint32(b, ^version)
	b = binary.BigEndian.AppendUint64(b, gen)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return append(b, payload...)
}

// resealHeader recomputes the header checksum after a test edited a field.
func resealHeader(b []byte) []byte {
	b = slices.Clone(b)
	binary.BigEndian.PutUint32(b[32:], crc32.Checksum(b[:32], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snapshot returns every file of dir but LOCK with its content.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		if e.Name() == "LOCK" {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		m[e.Name()] = string(b)
	}
	return m
}

func names(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// sampleState is a state that uses every field.
func sampleState(n int) hastore.State {
	st := hastore.State{
		FrameworkID:    "7f3c9a1e-52b4-4f0e-9a61-1c2d3e4f5a6b-0042",
		NextTaskNumber: uint64(n + 1),
		Meta:           map[string]string{"taskmanagers": fmt.Sprint(n), "job-id": "a3f1c2d4e5b6a7f8091a2b3c4d5e6f70"},
	}
	base := time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)
	for i := range n {
		w := hastore.Worker{
			TaskID:   fmt.Sprintf("taskmanager-%05d", i+1),
			Role:     hastore.RoleTaskManager,
			State:    hastore.WorkerLaunched,
			Index:    i,
			Attempt:  1,
			AgentID:  fmt.Sprintf("5d0a8c3e-71f2-4b9a-8e6d-2f1a3b4c5d6e-S%d", i%97),
			Hostname: fmt.Sprintf("agent-%03d.dc1.example.com", i%97),
			Ports: map[string]uint32{
				"taskmanager.rpc.port":       uint32(31000 + i%1000),
				"taskmanager.data.port":      uint32(32000 + i%1000),
				"metrics.reporter.prom.port": uint32(33000 + i%1000),
			},
			LaunchedAt: base.Add(time.Duration(i) * time.Second),
		}
		if i == 0 {
			w.Role, w.TaskID = hastore.RoleJobManager, "jobmanager-00000"
		}
		st.Workers = append(st.Workers, w)
	}
	slices.SortFunc(st.Workers, func(a, b hastore.Worker) int {
		if a.TaskID < b.TaskID {
			return -1
		}
		return 1
	})
	return st
}
