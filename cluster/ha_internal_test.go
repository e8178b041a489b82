package cluster

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStandbyPageEscapesTheLeader: the leader's URL comes from ZooKeeper,
// written by another process; the standby's page shows it as text and
// links it only when it is an http(s) URL.
func TestStandbyPageEscapesTheLeader(t *testing.T) {
	for _, c := range []struct{ leader, want, not string }{
		{"http://10.0.0.7:8088", `href="http://10.0.0.7:8088"`, ""},
		{"javascript:alert(1)", `href="#ZgotmplZ"`, `href="javascript`},
		{`http://x/"><script>alert(1)</script>`, "&lt;script&gt;", "<script>"},
		{"", "not known yet", "href="},
	} {
		st := &standbyState{znode: "/flink/c1/mesos-scheduler-leader", now: func() time.Time { return time.Unix(0, 0) }}
		st.setLeader(c.leader)
		srv := httptest.NewServer(st.handler())
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		page := string(b)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, c.want) || c.not != "" && strings.Contains(page, c.not) {
			t.Errorf("leader %q: %s, want %q and not %q in:\n%s", c.leader, resp.Status, c.want, c.not, page)
		}
	}
}
