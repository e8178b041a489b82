package mesoshttp_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
)

// watchingDetector is a LeaderWatcher whose leader the test sets.
type watchingDetector struct {
	mu      sync.Mutex
	leader  string
	changed chan struct{}
}

func newWatchingDetector(leader string) *watchingDetector {
	return &watchingDetector{leader: leader, changed: make(chan struct{})}
}

func (d *watchingDetector) set(leader string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.leader = leader
	close(d.changed)
	d.changed = make(chan struct{})
}

func (d *watchingDetector) Leader(ctx context.Context) (string, error) {
	for {
		d.mu.Lock()
		l, ch := d.leader, d.changed
		d.mu.Unlock()
		if l != "" {
			return l, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

func (d *watchingDetector) LeaderChanged() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.changed
}

func (d *watchingDetector) CurrentLeader() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.leader
}

// TestLeaderWatcherEndsStaleStream: the old master keeps its stream open,
// yet the client leaves it for the leader the detector names; "no leader"
// and the same leader leave the stream alone.
func TestLeaderWatcherEndsStaleStream(t *testing.T) {
	a, b := newFakeMaster(t), newFakeMaster(t)
	urlA, urlB := a.serve(), b.serve()
	det := newWatchingDetector(urlA)
	c := newClient(t, mesoshttp.Config{Detector: det, Reconnect: fastReconnect})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s := next[mesoshttp.Subscribed](t, ch).Sub
	if s.Master() != urlA+"/api/v1/scheduler" {
		t.Fatalf("subscribed at %s, want %s", s.Master(), urlA)
	}
	det.set("")   // no leader known: keep the stream
	det.set(urlA) // the same leader: keep it
	select {
	case n := <-ch:
		t.Fatalf("got %#v while the leader stayed, want the stream kept", n)
	case <-time.After(300 * time.Millisecond):
	}
	if err := s.Err(); err != nil {
		t.Fatalf("the stream ended: %v", err)
	}
	det.set(urlB)
	d := next[mesoshttp.Disconnected](t, ch)
	if !errors.Is(d.Err, mesoshttp.ErrLeaderChanged) {
		t.Fatalf("Disconnected with %v, want ErrLeaderChanged", d.Err)
	}
	s2 := next[mesoshttp.Subscribed](t, ch).Sub
	if s2.Master() != urlB+"/api/v1/scheduler" {
		t.Fatalf("resubscribed at %s, want %s", s2.Master(), urlB)
	}
}
