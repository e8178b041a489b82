package zktest

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Logger returns a debug-level logger that writes to t.Log until the test
// ends. Call it before starting the client that logs: cleanups run last
// first, so the logger goes quiet only after the client has been closed,
// and a client still logging as it shuts down cannot log into a finished
// test (which panics).
func Logger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.stop)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
