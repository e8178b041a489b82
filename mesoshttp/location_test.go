package mesoshttp_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/mesoshttp"
)

func TestResolveLocation(t *testing.T) {
	httpCur, _ := url.Parse("http://m1:5050/api/v1/scheduler")
	httpsCur, _ := url.Parse("https://m1:5050/mesos/api/v1/scheduler")
	tests := []struct {
		name     string
		cur      *url.URL
		location string
		want     string // "" means an error containing err
		err      string
	}{
		// Mesos src/master/http.cpp Master::Http::redirect.
		{"mesos 1.x", httpCur, "//m2:5050/master/api/v1/scheduler", "http://m2:5050/master/api/v1/scheduler", ""},
		{"mesos 1.x with query", httpCur, "//m2:5050/master/api/v1/scheduler?a=1&b=2", "http://m2:5050/master/api/v1/scheduler?a=1&b=2", ""},
		{"ip leader", httpCur, "//10.0.0.2:5050/master/api/v1/scheduler", "http://10.0.0.2:5050/master/api/v1/scheduler", ""},
		{"ipv6 leader", httpCur, "//[fd00::2]:5050/master/api/v1/scheduler", "http://[fd00::2]:5050/master/api/v1/scheduler", ""},
		{"keeps https", httpsCur, "//m2:5050/master/api/v1/scheduler", "https://m2:5050/master/api/v1/scheduler", ""},
		// nagios-mesos #3: masters before 0.23.
		{"old style", httpCur, "http://m2:5050", "http://m2:5050/api/v1/scheduler", ""},
		{"old style on https keeps https and prefix", httpsCur, "http://m2:5050", "https://m2:5050/mesos/api/v1/scheduler", ""},
		{"GET /redirect style", httpCur, "//m2:5050", "http://m2:5050/api/v1/scheduler", ""},
		{"absolute path only", httpCur, "/master/api/v1/scheduler", "http://m1:5050/master/api/v1/scheduler", ""},
		{"relative path", httpCur, "scheduler2", "http://m1:5050/api/v1/scheduler2", ""},
		{"spaces trimmed", httpCur, "  //m2:5050/master/api/v1/scheduler ", "http://m2:5050/master/api/v1/scheduler", ""},
		{"fragment dropped", httpCur, "//m2:5050/master/api/v1/scheduler#x", "http://m2:5050/master/api/v1/scheduler", ""},
		{"empty", httpCur, "", "", "without a Location"},
		{"blank", httpCur, "   ", "", "without a Location"},
		{"other scheme", httpCur, "mailto:ops@example.com", "", `scheme "mailto"`},
		{"javascript", httpCur, "javascript:alert(1)", "", `scheme "javascript"`},
		{"credentials", httpCur, "//admin:hunter2@m2:5050/", "", "credentials"},
		{"empty host", httpCur, "//:5050/x", "", "empty host"},
		{"bad port", httpCur, "//m2:99999/", "", "1-65535"},
		{"empty port", httpCur, "//m2:/", "", "empty port"},
		{"control character", httpCur, "//m2\x00:5050/", "", "invalid"},
		{"bad escape", httpCur, "//m2:5050/%zz", "", "invalid"},
		{"ipv6 without brackets", httpCur, "//::1", "", "brackets"}, // found by FuzzResolveLocation
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mesoshttp.ResolveLocation(tt.cur, tt.location)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("resolved to %v, want an error", got)
				}
				if !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q in it", err, tt.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Fatalf("resolved to %q, want %q", got, tt.want)
			}
		})
	}
}
