package backoff

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestNextWithoutJitter(t *testing.T) {
	b := New(Policy{Initial: time.Second, Max: 15 * time.Second, Multiplier: 2, Jitter: 0}, func() float64 { return 0.5 })
	want := []time.Duration{1, 2, 4, 8, 15, 15, 15}
	for i, w := range want {
		if got := b.Next(); got != w*time.Second {
			t.Fatalf("attempt %d: %v, want %v", i, got, w*time.Second)
		}
	}
	b.Reset()
	if got := b.Next(); got != time.Second {
		t.Fatalf("after Reset: %v, want 1s", got)
	}
}

func TestJitterBounds(t *testing.T) {
	for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
		b := New(Policy{Initial: 10 * time.Second, Max: time.Minute, Jitter: 0.2}, func() float64 { return r })
		got := b.Next()
		lo, hi := 8*time.Second, 12*time.Second
		if got < lo || got > hi {
			t.Fatalf("rand %v: delay %v outside [%v, %v]", r, got, lo, hi)
		}
	}
	// At the cap, jitter may lower a delay but never raise it past Max.
	b := New(Policy{Initial: time.Minute, Max: time.Minute, Jitter: 0.5}, func() float64 { return 0.99 })
	if got := b.Next(); got != time.Minute {
		t.Fatalf("capped delay %v, want exactly Max", got)
	}
}

func TestNoOverflowAfterManyAttempts(t *testing.T) {
	b := New(Policy{Initial: time.Hour, Max: 24 * time.Hour, Multiplier: 10, Jitter: 0}, nil)
	for range 5000 {
		if d := b.Next(); d <= 0 || d > 24*time.Hour {
			t.Fatalf("attempt %d: delay %v", b.Attempt(), d)
		}
	}
}

func TestDefaults(t *testing.T) {
	b := New(Policy{}, func() float64 { return 0.5 })
	if got := b.Next(); got != time.Second {
		t.Fatalf("default first delay %v, want 1s", got)
	}
	for range 10 {
		b.Next()
	}
	if got := b.Next(); got != 15*time.Second {
		t.Fatalf("default cap %v, want 15s", got)
	}
}

func TestRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		var waits []time.Duration
		start := time.Now()
		err := Retry(t.Context(), New(Policy{Initial: time.Second, Jitter: 0}, nil), func() error {
			calls++
			if calls < 4 {
				return errors.New("not yet")
			}
			return nil
		}, func(err error, wait time.Duration) { waits = append(waits, wait) })
		if err != nil || calls != 4 {
			t.Fatalf("err %v after %d calls", err, calls)
		}
		if elapsed := time.Since(start); elapsed != 7*time.Second {
			t.Fatalf("waited %v, want 1+2+4 = 7s", elapsed)
		}
		if len(waits) != 3 {
			t.Fatalf("notified %d times, want 3", len(waits))
		}
	})
}

func TestRetryStopsOnPermanent(t *testing.T) {
	bad := errors.New("bad credentials")
	calls := 0
	err := Retry(context.Background(), New(Policy{}, nil), func() error { calls++; return Permanent(bad) }, nil)
	if !errors.Is(err, bad) || calls != 1 {
		t.Fatalf("err %v after %d calls, want the permanent error after 1", err, calls)
	}
}

func TestRetryStopsOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		failure := errors.New("master unreachable")
		err := Retry(ctx, New(Policy{Initial: time.Second, Jitter: 0}, nil), func() error { return failure }, nil)
		if !errors.Is(err, failure) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want the last failure joined with the deadline", err)
		}
	})
}
