package cluster_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/cluster"
	"github.com/flink-mesos/flink-mesos/localmesos"
)

// fuzzCountLimit: valid counts above it are not sent. The API accepts up
// to cluster.MaxTaskManagers (100,000), and the scheduler takes them (about
// 2 s for 100,000 workers, their checkpoint and an overview, measured
// without the race detector), but under the race detector on a busy 2-core
// machine the loop then stays busy past the API's 5 s answer timeout, so
// the next request gets 503 for the load, not for the request. 10,000, the
// largest size of the scale benchmarks, took 2.7 s there.
const fuzzCountLimit = 10000

// FuzzScaleRequest sends arbitrary bodies and ?count= values to PUT
// /api/v1/taskmanagers of a running scheduler: each gets 202 with the
// count when it names a whole number from 0 to cluster.MaxTaskManagers and
// 400 with an error that says what is allowed otherwise, never anything
// else, and an accepted count is what the overview then wants.
func FuzzScaleRequest(f *testing.F) {
	for _, seed := range []struct{ body, query string }{
		{`{"count":3}`, ""},
		{`{"count": 0}`, ""},
		{`{"count":-1}`, ""},
		{`{"count":1e3}`, ""},
		{`{"count":2.0}`, ""},
		{`{"count":"3"}`, ""},
		{`{"count":null}`, ""},
		{`{}`, ""},
		{`null`, ""},
		{`[]`, ""},
		{``, ""},
		{`{"count":3}{"count":4}`, ""},
		{`{"count":3,"count":5}`, ""},
		{`{"count":100001}`, ""},
		{`{"count":1000}`, ""},
		{`{"count":99999999999999999999999}`, ""},
		{`{"Count":2}`, ""},
		{`{"count":2` + strings.Repeat(" ", 5000) + `}`, ""},
		{"", "2"},
		{"", "-0"},
		{"", "+2"},
		{"", "0x10"},
		{"", " 2"},
		{`{"count":7}`, "1"},
	} {
		f.Add([]byte(seed.body), seed.query)
	}
	// Nothing may log to f once the fuzz function runs.
	s := newSetup(f, localmesos.Config{Logger: slog.New(slog.DiscardHandler)}, nil)
	s.quiet = true
	s.tms = 1
	sc := s.start(f)
	client := &http.Client{}
	f.Fuzz(func(t *testing.T, body []byte, query string) {
		if n, ok := expectedCount(body, query); ok && n > fuzzCountLimit {
			return
		}
		target := sc.url + "/api/v1/taskmanagers"
		if query != "" {
			target += "?count=" + url.QueryEscape(query)
		}
		req, err := http.NewRequest(http.MethodPut, target, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		want, ok := expectedCount(body, query)
		switch resp.StatusCode {
		case http.StatusAccepted:
			var got struct{ TaskManagers *int }
			if err := json.Unmarshal(raw, &got); err != nil || got.TaskManagers == nil {
				t.Fatalf("202 with body %q, want {\"taskmanagers\": N}", raw)
			}
			if !ok || *got.TaskManagers != want {
				t.Fatalf("body %q query %q: accepted %d; the request names %d (valid %v)", body, query, *got.TaskManagers, want, ok)
			}
			if o := sc.overview(t); o.DesiredTaskManagers != want {
				t.Fatalf("accepted %d, the overview wants %d", want, o.DesiredTaskManagers)
			}
			// Back to a small cluster, so that the next input starts from
			// the same place and a huge count costs only this input.
			if code, text := sc.do(http.MethodPut, "/api/v1/taskmanagers", `{"count":1}`, ""); code != http.StatusAccepted {
				t.Fatalf("scaling back: %d %s", code, text)
			}
		case http.StatusBadRequest:
			var got struct{ Error string }
			if err := json.Unmarshal(raw, &got); err != nil || !strings.Contains(got.Error, "count") {
				t.Fatalf("400 with body %q, want an error about the count", raw)
			}
			if ok {
				t.Fatalf("body %q query %q: refused, but it names the valid count %d: %s", body, query, want, got.Error)
			}
		default:
			t.Fatalf("body %q query %q: status %d %q, want 202 or 400", body, query, resp.StatusCode, raw)
		}
	})
}

// expectedCount is the count a request names, by the API's documented
// rule: ?count=N if given, else the body's first JSON value's "count"
// member, a JSON number written as a whole number.
func expectedCount(body []byte, query string) (int, bool) {
	raw := query
	if raw == "" {
		var v struct {
			Count *json.Number `json:"count"`
		}
		dec := json.NewDecoder(io.LimitReader(bytes.NewReader(body), 4096))
		dec.UseNumber()
		if dec.Decode(&v) != nil || v.Count == nil {
			return 0, false
		}
		raw = v.Count.String()
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > cluster.MaxTaskManagers {
		return 0, false
	}
	return n, true
}
