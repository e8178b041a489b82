package mesoshttp_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// The tests in this file run the whole client against the fake master over
// in-memory pipes inside synctest bubbles, so heartbeat intervals and
// backoffs of real length take no time and every duration is exact.

const bubbleWait = 24 * time.Hour

// bubbleClient serves m in the bubble and returns a client for it.
func bubbleClient(t *testing.T, m *fakeMaster, cfg mesoshttp.Config) *mesoshttp.Client {
	t.Helper()
	cfg.Masters = []string{"http://master.test:5050"}
	mesoshttp.SetDial(&cfg, servePipe(t, m))
	return newClient(t, cfg)
}

func TestHeartbeatTimeout(t *testing.T) {
	tests := []struct {
		name      string
		heartbeat float64 // announced seconds; 0 leaves it out
		factor    float64
		want      time.Duration
	}{
		{"announced", 10, 0, 50 * time.Second},
		{"absent means 15 s", 0, 0, 75 * time.Second},
		{"own factor", 10, 3, 30 * time.Second},
		{"negative announced", -5, 0, 75 * time.Second},
		{"beyond a Duration", 1e300, 0, 5 * time.Hour},
		{"an hour at most", 7200, 2, 2 * time.Hour},
		{"vanishing", 1e-12, 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newFakeMaster(t)
				m.heartbeat = tt.heartbeat
				c := bubbleClient(t, m, mesoshttp.Config{HeartbeatFactor: tt.factor})
				ch := run(t, c, subscribeWith(frameworkInfo()))
				s := nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait).Sub
				start := time.Now()
				d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
				if !errors.Is(d.Err, mesoshttp.ErrHeartbeatTimeout) {
					t.Fatalf("Disconnected with %v, want ErrHeartbeatTimeout", d.Err)
				}
				if got := time.Since(start); got != tt.want {
					t.Fatalf("dropped after %v of silence, want %v", got, tt.want)
				}
				if d.Sub != s {
					t.Fatal("Disconnected names another subscription")
				}
				s2 := nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait).Sub
				if s2.FrameworkID().GetValue() != s.FrameworkID().GetValue() || s2.Generation() != 2 {
					t.Fatalf("resubscribed as %q generation %d", s2.FrameworkID().GetValue(), s2.Generation())
				}
			})
		})
	}
}

// TestHeartbeatsKeepTheStream: any byte resets the watchdog, not only a
// whole event.
func TestHeartbeatsKeepTheStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newFakeMaster(t)
		m.heartbeat = 10
		c := bubbleClient(t, m, mesoshttp.Config{})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait)
		for range 20 {
			time.Sleep(10 * time.Second)
			m.push(heartbeatEvent())
		}
		// A record trickling in a byte every 40 s keeps it alive too.
		for _, b := range []byte("2\n\x08\x08") {
			time.Sleep(40 * time.Second)
			m.pushRaw([]byte{b})
		}
		start := time.Now()
		d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
		if !errors.Is(d.Err, mesoshttp.ErrHeartbeatTimeout) || time.Since(start) != 50*time.Second {
			t.Fatalf("Disconnected with %v after %v, want the watchdog after 50s", d.Err, time.Since(start))
		}
	})
}

// TestSlowOwnerIsNotSilence: while the owner has not taken an event, the
// master's silence does not count.
func TestSlowOwnerIsNotSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newFakeMaster(t)
		m.heartbeat = 10
		c := bubbleClient(t, m, mesoshttp.Config{})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait)
		m.push(updateEvent("t1", mesospb.TaskState_TASK_RUNNING, nil))
		time.Sleep(10 * time.Minute) // the owner is busy; the master says nothing
		nextEvent(t, ch, mesospb.Event_UPDATE)
		start := time.Now()
		d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
		if !errors.Is(d.Err, mesoshttp.ErrHeartbeatTimeout) || time.Since(start) != 50*time.Second {
			t.Fatalf("Disconnected with %v %v after the owner took the event, want the watchdog after 50s", d.Err, time.Since(start))
		}
	})
}

func TestHandshakeTimeout(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
	}{
		{"no headers", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
		{"headers but no event", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.Header().Set("Mesos-Stream-Id", "s")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}},
		{"half an event", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-protobuf")
			w.Header().Set("Mesos-Stream-Id", "s")
			w.WriteHeader(200)
			w.Write([]byte("23\n\x08\x01"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newFakeMaster(t)
				m.onSubscribe = func(w http.ResponseWriter, r *http.Request, _ *mesospb.Call) bool {
					tt.answer(w, r)
					return true
				}
				c := bubbleClient(t, m, mesoshttp.Config{CallTimeout: 20 * time.Second})
				start := time.Now()
				ch := run(t, c, subscribeWith(frameworkInfo()))
				d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
				if !errors.Is(d.Err, context.DeadlineExceeded) || time.Since(start) != 20*time.Second {
					t.Fatalf("Disconnected with %v after %v, want a deadline after 20s", d.Err, time.Since(start))
				}
			})
		})
	}
}

// TestReconnectBackoff: delays double to the cap while attempts fail, and
// start over after a subscription that lived a minute.
func TestReconnectBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newFakeMaster(t)
		var failing atomic.Bool
		failing.Store(true)
		m.onSubscribe = func(w http.ResponseWriter, r *http.Request, _ *mesospb.Call) bool {
			if failing.Load() {
				http.Error(w, "No leader elected", http.StatusServiceUnavailable)
				return true
			}
			return false
		}
		c := bubbleClient(t, m, mesoshttp.Config{Reconnect: exactPolicy(time.Second, 8*time.Second)})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		for i, want := range []time.Duration{1, 2, 4, 8, 8} {
			d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
			if d.Retry != want*time.Second {
				t.Fatalf("attempt %d: retry in %v, want %v", i, d.Retry, want*time.Second)
			}
			if i == 4 {
				failing.Store(false)
			}
		}
		nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait)
		// A short-lived subscription does not reset the backoff.
		m.closeStream(true)
		if d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait); d.Retry != 8*time.Second {
			t.Fatalf("after a short subscription: retry in %v, want 8s", d.Retry)
		}
		nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait)
		for range 7 {
			time.Sleep(10 * time.Second)
			m.push(heartbeatEvent())
		}
		m.closeStream(true)
		if d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait); d.Retry != time.Second {
			t.Fatalf("after a healthy subscription: retry in %v, want 1s", d.Retry)
		}
	})
}

// TestRetryWaits: Run waits the announced Retry before the next attempt.
func TestRetryWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newFakeMaster(t)
		var attempts atomic.Int32
		m.onSubscribe = func(w http.ResponseWriter, r *http.Request, _ *mesospb.Call) bool {
			if attempts.Add(1) == 1 {
				http.Error(w, "Master has not finished recovery", http.StatusServiceUnavailable)
				return true
			}
			return false
		}
		c := bubbleClient(t, m, mesoshttp.Config{Reconnect: exactPolicy(3*time.Second, 8*time.Second)})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
		start := time.Now()
		nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait)
		if got := time.Since(start); got != d.Retry || got != 3*time.Second {
			t.Fatalf("resubscribed after %v, want Retry %v = 3s", got, d.Retry)
		}
	})
}

// TestCallTimeouts: a call the master does not answer within CallTimeout
// ends the subscription, as its delivery is unknown; Call returns the
// deadline.
func TestCallTimeouts(t *testing.T) {
	for _, viaSend := range []bool{false, true} {
		name := "call"
		if viaSend {
			name = "send"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := newFakeMaster(t)
				m.onCall = func(w http.ResponseWriter, r *http.Request, _ *mesospb.Call) bool {
					<-r.Context().Done()
					return true
				}
				c := bubbleClient(t, m, mesoshttp.Config{CallTimeout: 30 * time.Second})
				ch := run(t, c, subscribeWith(frameworkInfo()))
				s := nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait).Sub
				// Keep the stream alive meanwhile.
				go func() {
					tick := time.NewTicker(10 * time.Second)
					defer tick.Stop()
					for {
						select {
						case <-s.Done():
							return
						case <-tick.C:
							m.tryPush(heartbeatEvent())
						}
					}
				}()
				start := time.Now()
				if viaSend {
					if err := s.Send(mesoshttp.Revive()); err != nil {
						t.Fatal(err)
					}
				} else if err := s.Call(context.Background(), mesoshttp.Revive()); !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Call: %v, want a deadline", err)
				}
				d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
				if !errors.Is(d.Err, context.DeadlineExceeded) || time.Since(start) != 30*time.Second {
					t.Fatalf("Disconnected with %v after %v, want the call's deadline after 30s", d.Err, time.Since(start))
				}
			})
		})
	}
}

// TestTemporaryCallErrorsUntilTimeout: 503s are retried with backoff only
// as long as the call timeout allows; then the subscription ends.
func TestTemporaryCallErrorsUntilTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newFakeMaster(t)
		var tries atomic.Int32
		m.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
			tries.Add(1)
			http.Error(w, "No leader elected", http.StatusServiceUnavailable)
			return true
		}
		c := bubbleClient(t, m, mesoshttp.Config{CallTimeout: 10 * time.Second})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		s := nextWithin[mesoshttp.Subscribed](t, ch, bubbleWait).Sub
		start := time.Now()
		err := s.Call(t.Context(), mesoshttp.Revive())
		ae, ok := errors.AsType[*mesoshttp.APIError](err)
		if !ok || ae.Status != 503 {
			t.Fatalf("Call: %v, want the 503", err)
		}
		if took := time.Since(start); took > 10*time.Second || tries.Load() < 4 {
			t.Fatalf("gave up after %v and %d tries, want several tries within the 10s timeout", took, tries.Load())
		}
		d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
		if !errors.Is(d.Err, ae) {
			t.Fatalf("Disconnected with %v, want the 503", d.Err)
		}
	})
}

// TestDefaultReconnectJitters: without a Reconnect policy, delays follow
// 1, 2, 4, 8, 15, 15 s, each within ±20 %, and are not all exact.
func TestDefaultReconnectJitters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newFakeMaster(t)
		m.onSubscribe = func(w http.ResponseWriter, r *http.Request, _ *mesospb.Call) bool {
			http.Error(w, "No leader elected", http.StatusServiceUnavailable)
			return true
		}
		cfg := mesoshttp.Config{Masters: []string{"http://master.test:5050"}}
		mesoshttp.SetDial(&cfg, servePipe(t, m))
		c, err := mesoshttp.New(cfg) // not newClient: it would set a policy
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		ch := run(t, c, subscribeWith(frameworkInfo()))
		exact := 0
		for i, base := range []time.Duration{1, 2, 4, 8, 15, 15, 15, 15} {
			base *= time.Second
			d := nextWithin[mesoshttp.Disconnected](t, ch, bubbleWait)
			lo, hi := base*8/10, min(base*12/10, 15*time.Second)
			if d.Retry < lo || d.Retry > hi {
				t.Fatalf("attempt %d: retry in %v, want within [%v, %v]", i, d.Retry, lo, hi)
			}
			if d.Retry == base {
				exact++
			}
		}
		if exact == 8 {
			t.Fatal("no delay was jittered")
		}
	})
}
