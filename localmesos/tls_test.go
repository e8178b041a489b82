package localmesos_test

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/internal/testtls"
	"github.com/flink-mesos/flink-mesos/localmesos"
)

// TestTLS: with Config.TLS every instance, the failed-over one too,
// serves HTTPS only.
func TestTLS(t *testing.T) {
	pki := testtls.New(t, "localmesos")
	m, err := localmesos.New(localmesos.Config{TLS: pki.ServerConfig(false), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	pem, err := os.ReadFile(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	for _, url := range []string{m.URL(), m.Failover()} {
		if !strings.HasPrefix(url, "https://") {
			t.Fatalf("URL %s, want https", url)
		}
		resp, err := client.Get(url + "/redirect")
		if err != nil {
			t.Fatalf("GET %s/redirect over TLS: %v", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTemporaryRedirect {
			t.Fatalf("GET %s/redirect: %s, want 307", url, resp.Status)
		}
		plain := "http://" + strings.TrimPrefix(url, "https://")
		if resp, err := http.Get(plain + "/redirect"); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("plain HTTP to a TLS master answered %s, want a refusal", resp.Status)
			}
		}
	}
}
