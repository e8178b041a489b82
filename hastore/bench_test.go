package hastore_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/hastore"
)

// The write-latency benchmarks: the same checkpoint of 1,000 workers (about
// 320 KiB) written by Save, and by three baselines in this file, so the cost
// of each part reads as a ratio in one run:
//
//	BenchmarkMemStoreSave   validation and JSON encoding, no I/O
//	BenchmarkWriteFile      os.WriteFile of the record's bytes, no fsync
//	BenchmarkWriteFileSync  the same plus one fsync of the file
//	BenchmarkWriteRecipe    the durability recipe alone on those bytes:
//	                        temp file, fsync, close, rename, directory fsync
//	BenchmarkSave           FileStore.Save: encode, temp file, fsync, rename,
//	                        directory fsync, prune
//
// Each reports p50-ns and p99-ns from the measured per-write latencies.
// HASTORE_BENCH_DIR puts the files on a chosen file system (the default is
// the test's temporary directory).

const benchWorkers = 1000

func benchDir(b *testing.B) string {
	if d := os.Getenv("HASTORE_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "hastore-bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

// benchRecord returns the checkpoint file Save writes for st.
func benchRecord(b *testing.B, st hastore.State) []byte {
	dir := b.TempDir()
	s := mustOpen(b, dir, hastore.Options{})
	mustSave(b, s, st)
	return readFile(b, filepath.Join(dir, genName(1)))
}

// timeEach runs op once per benchmark iteration and reports the p50 and p99
// of its latencies.
func timeEach(b *testing.B, size int, op func() error) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	// Nearest rank.
	pct := func(p float64) float64 {
		i := int(p*float64(len(lat))+0.999999) - 1
		return float64(lat[max(i, 0)].Nanoseconds())
	}
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
}

func BenchmarkSave(b *testing.B) {
	st := sampleState(benchWorkers)
	size := len(benchRecord(b, st))
	s := mustOpen(b, benchDir(b), hastore.Options{})
	timeEach(b, size, func() error { return s.Save(st) })
}

func BenchmarkMemStoreSave(b *testing.B) {
	st := sampleState(benchWorkers)
	size := len(benchRecord(b, st))
	m := hastore.NewMemStore()
	timeEach(b, size, func() error { return m.Save(st) })
}

func BenchmarkWriteFile(b *testing.B) {
	rec := benchRecord(b, sampleState(benchWorkers))
	path := filepath.Join(benchDir(b), "plain")
	timeEach(b, len(rec), func() error { return os.WriteFile(path, rec, 0o600) })
}

func BenchmarkWriteFileSync(b *testing.B) {
	rec := benchRecord(b, sampleState(benchWorkers))
	path := filepath.Join(benchDir(b), "synced")
	timeEach(b, len(rec), func() error {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(rec); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

func BenchmarkWriteRecipe(b *testing.B) {
	rec := benchRecord(b, sampleState(benchWorkers))
	dir := benchDir(b)
	path := filepath.Join(dir, "recipe")
	timeEach(b, len(rec), func() error {
		f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(rec); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			return err
		}
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		defer d.Close()
		return d.Sync()
	})
}
