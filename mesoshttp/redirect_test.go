package mesoshttp_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// redirector answers every request with a 307 to location(host of the
// target), and counts the requests.
func redirector(t *testing.T, location func(r *http.Request) string) (url string, hits *atomic.Int32, auth *atomic.Value) {
	hits = new(atomic.Int32)
	auth = new(atomic.Value)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Location", location(r))
		w.WriteHeader(http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits, auth
}

func TestSubscribeFollowsRedirects(t *testing.T) {
	tests := []struct {
		name     string
		location func(leaderHost string) string
		wantPath string
	}{
		{"protocol-relative with /master", func(h string) string { return "//" + h + "/master/api/v1/scheduler" }, "/master/api/v1/scheduler"},
		{"protocol-relative without /master", func(h string) string { return "//" + h + "/api/v1/scheduler" }, "/api/v1/scheduler"},
		{"with query", func(h string) string { return "//" + h + "/master/api/v1/scheduler?from=m1" }, "/master/api/v1/scheduler?from=m1"},
		{"old style without path", func(h string) string { return "http://" + h }, "/api/v1/scheduler"},
		{"old style with slash", func(h string) string { return "http://" + h + "/" }, "/api/v1/scheduler"},
		{"host only", func(h string) string { return "//" + h }, "/api/v1/scheduler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leader := newFakeMaster(t)
			leader.credentials = map[string]string{"flink": "s3cret"}
			leaderURL := leader.serve()
			host := strings.TrimPrefix(leaderURL, "http://")
			follower, hits, auth := redirector(t, func(*http.Request) string { return tt.location(host) })
			c := newClient(t, mesoshttp.Config{Masters: []string{follower}, Principal: "flink", Secret: "s3cret"})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			s := next[mesoshttp.Subscribed](t, ch).Sub
			if got, want := s.Master(), leaderURL+tt.wantPath; got != want {
				t.Errorf("Master %q, want %q", got, want)
			}
			if got := leader.requestPaths(); len(got) != 1 || got[0] != tt.wantPath {
				t.Errorf("leader saw requests %q, want [%q]", got, tt.wantPath)
			}
			if hits.Load() != 1 {
				t.Errorf("follower asked %d times, want 1", hits.Load())
			}
			if got, want := auth.Load(), basic("flink", "s3cret"); got != want {
				t.Errorf("follower got Authorization %q, want %q", got, want)
			}
			if got := leader.headersOfSubscribe(0).Get("Authorization"); got != basic("flink", "s3cret") {
				t.Errorf("Authorization after the redirect: %q", got)
			}
			// Calls go to the leader, at the path it gave.
			if err := s.Call(t.Context(), mesoshttp.Revive()); err != nil {
				t.Fatalf("call to the leader: %v", err)
			}
		})
	}
}

func TestRedirectLimits(t *testing.T) {
	tests := []struct {
		name     string
		location string
		check    func(error) bool
	}{
		{"loop", "", func(err error) bool {
			ae, ok := errors.AsType[*mesoshttp.APIError](err)
			return ok && ae.Status == 307 && strings.Contains(err.Error(), "after 5 redirects")
		}},
		{"no location", "-", func(err error) bool {
			pe, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && strings.Contains(pe.Error(), "without a Location")
		}},
		{"other scheme", "ftp://m2:5050/", func(err error) bool {
			pe, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && strings.Contains(pe.Error(), `scheme "ftp"`)
		}},
		{"credentials", "//user:pw@m2:5050/", func(err error) bool {
			pe, ok := errors.AsType[*mesoshttp.ProtocolError](err)
			return ok && strings.Contains(pe.Error(), "credentials") && !strings.Contains(pe.Error(), "pw")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var self string
			url, hits, _ := redirector(t, func(r *http.Request) string {
				switch tt.location {
				case "":
					return self
				case "-":
					return ""
				}
				return tt.location
			})
			self = "//" + strings.TrimPrefix(url, "http://") + "/master/api/v1/scheduler"
			c := newClient(t, mesoshttp.Config{Masters: []string{url}})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			d := next[mesoshttp.Disconnected](t, ch)
			if !tt.check(d.Err) {
				t.Fatalf("Disconnected with %v (%T)", d.Err, d.Err)
			}
			if tt.location == "" && hits.Load() != 6 {
				t.Fatalf("%d requests, want 6 (the first and 5 redirects)", hits.Load())
			}
		})
	}
}

// TestCallRedirectMovesToNewLeader: a 307 on a call means the master lost
// leadership; the next SUBSCRIBE goes to the Location, with the framework ID.
func TestCallRedirectMovesToNewLeader(t *testing.T) {
	oldLeader := newFakeMaster(t)
	newLeader := newFakeMaster(t)
	newURL := newLeader.serve()
	oldLeader.onCall = func(w http.ResponseWriter, r *http.Request, call *mesospb.Call) bool {
		w.Header().Set("Location", "//"+strings.TrimPrefix(newURL, "http://")+"/master/api/v1/scheduler")
		w.WriteHeader(http.StatusTemporaryRedirect)
		return true
	}
	c := newClient(t, mesoshttp.Config{Masters: []string{oldLeader.serve()}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	s1 := next[mesoshttp.Subscribed](t, ch).Sub
	err := s1.Call(t.Context(), mesoshttp.Revive())
	if ae, ok := errors.AsType[*mesoshttp.APIError](err); !ok || !ae.SubscriptionLost() {
		t.Fatalf("Call: %v, want a 307 APIError", err)
	}
	next[mesoshttp.Disconnected](t, ch)
	s2 := next[mesoshttp.Subscribed](t, ch).Sub
	if got, want := s2.Master(), newURL+"/master/api/v1/scheduler"; got != want {
		t.Fatalf("resubscribed at %q, want %q", got, want)
	}
	sc := receive(t, newLeader.subscribes)
	if sc.GetFrameworkId().GetValue() != s1.FrameworkID().GetValue() {
		t.Fatalf("new leader got SUBSCRIBE for %q, want %q", sc.GetFrameworkId().GetValue(), s1.FrameworkID().GetValue())
	}
}

func TestMasterRotation(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	m := newFakeMaster(t)
	good := m.serve()
	c := newClient(t, mesoshttp.Config{Masters: []string{dead, good}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	d := next[mesoshttp.Disconnected](t, ch)
	if d.Sub != nil || d.Master != "http://"+dead+"/api/v1/scheduler" {
		t.Fatalf("Disconnected{Sub: %v, Master: %q}, want the dead master", d.Sub, d.Master)
	}
	var op *net.OpError
	if !errors.As(d.Err, &op) {
		t.Fatalf("Disconnected with %v, want a *net.OpError", d.Err)
	}
	s := next[mesoshttp.Subscribed](t, ch).Sub
	if s.Master() != good+"/api/v1/scheduler" {
		t.Fatalf("subscribed at %q", s.Master())
	}
	// After a drop, the leader we were on is tried first.
	m.closeStream(true)
	next[mesoshttp.Disconnected](t, ch)
	if s2 := next[mesoshttp.Subscribed](t, ch).Sub; s2.Master() != s.Master() {
		t.Fatalf("resubscribed at %q, want %q", s2.Master(), s.Master())
	}
}

type fakeDetector struct {
	answers chan func() (string, error)
}

func (d *fakeDetector) Leader(ctx context.Context) (string, error) {
	select {
	case f := <-d.answers:
		return f()
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func TestDetector(t *testing.T) {
	m := newFakeMaster(t)
	url := m.serve()
	errZK := errors.New("zookeeper: no node")
	det := &fakeDetector{answers: make(chan func() (string, error), 8)}
	det.answers <- func() (string, error) { return "", errZK }
	det.answers <- func() (string, error) { return "zk://nonsense", nil }
	det.answers <- func() (string, error) { return url, nil }
	c := newClient(t, mesoshttp.Config{Detector: det})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	if d := next[mesoshttp.Disconnected](t, ch); !errors.Is(d.Err, errZK) {
		t.Fatalf("Disconnected with %v, want the detector's error", d.Err)
	}
	if d := next[mesoshttp.Disconnected](t, ch); !strings.Contains(d.Err.Error(), `scheme "zk"`) {
		t.Fatalf("Disconnected with %v, want the bad leader URL", d.Err)
	}
	next[mesoshttp.Subscribed](t, ch)
	// After a drop the detector is asked again.
	m.closeStream(false)
	next[mesoshttp.Disconnected](t, ch)
	det.answers <- func() (string, error) { return url, nil }
	next[mesoshttp.Subscribed](t, ch)
	if len(det.answers) != 0 {
		t.Fatal("the detector was not asked")
	}
}

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name              string
		principal, secret string
		wantOK            bool
		hint              string
	}{
		{"accepted", "flink", "s3cret", true, ""},
		{"accepted with empty secret", "anon", "", true, ""},
		{"no credentials", "", "", false, "set the principal and secret"},
		{"wrong secret", "flink", "guess", false, `refused principal "flink"`},
		{"unknown principal", "mallory", "s3cret", false, `refused principal "mallory"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newFakeMaster(t)
			m.credentials = map[string]string{"flink": "s3cret", "anon": ""}
			c := newClient(t, mesoshttp.Config{Masters: []string{m.serve()}, Principal: tt.principal, Secret: tt.secret})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			if !tt.wantOK {
				f := next[mesoshttp.Fatal](t, ch)
				ae, ok := errors.AsType[*mesoshttp.APIError](f.Err)
				if !ok || ae.Status != http.StatusUnauthorized || !strings.Contains(ae.Hint, tt.hint) {
					t.Fatalf("Fatal with %v, want a 401 with hint %q", f.Err, tt.hint)
				}
				if tt.secret != "" && strings.Contains(f.Err.Error(), tt.secret) {
					t.Fatalf("the error shows the secret: %v", f.Err)
				}
				return
			}
			s := next[mesoshttp.Subscribed](t, ch).Sub
			if err := s.Call(t.Context(), mesoshttp.Revive()); err != nil {
				t.Fatalf("authenticated call: %v", err)
			}
			if got, want := m.headersOfCall(0).Get("Authorization"), basic(tt.principal, tt.secret); got != want {
				t.Fatalf("call Authorization %q, want %q", got, want)
			}
		})
	}
}

// TestRedirectToDeadLeader: Disconnected names the endpoint that failed,
// not the one the attempt started at.
func TestRedirectToDeadLeader(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	follower, _, _ := redirector(t, func(*http.Request) string { return "//" + dead + "/master/api/v1/scheduler" })
	c := newClient(t, mesoshttp.Config{Masters: []string{follower}})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	d := next[mesoshttp.Disconnected](t, ch)
	if want := "http://" + dead + "/master/api/v1/scheduler"; d.Master != want {
		t.Fatalf("Disconnected.Master %q, want %q", d.Master, want)
	}
}

// TestLogging: attempts and redirects are logged at debug level, never
// with the credentials.
func TestLogging(t *testing.T) {
	leader := newFakeMaster(t)
	leader.credentials = map[string]string{"flink": "s3cret-value"}
	host := strings.TrimPrefix(leader.serve(), "http://")
	follower, _, _ := redirector(t, func(*http.Request) string { return "//" + host + "/master/api/v1/scheduler" })
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, mesoshttp.Config{Masters: []string{follower}, Principal: "flink", Secret: "s3cret-value", Logger: log})
	ch := run(t, c, subscribeWith(frameworkInfo()))
	next[mesoshttp.Subscribed](t, ch)
	out := buf.String()
	for _, want := range []string{"subscribing to mesos", "following mesos redirect", "subscribed to mesos", "generation=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"s3cret-value", strings.TrimPrefix(basic("flink", "s3cret-value"), "Basic ")} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log shows the secret:\n%s", out)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
