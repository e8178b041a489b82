package mesoshttp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log"
	"math"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/internal/backoff"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
)

func TestConfigErrors(t *testing.T) {
	ok := []string{"m1:5050"}
	tests := []struct {
		name  string
		cfg   mesoshttp.Config
		field string
		text  string
	}{
		{"no master", mesoshttp.Config{}, "Masters", "no master"},
		{"masters and detector", mesoshttp.Config{Masters: ok, Detector: &fakeDetector{}}, "Detector", "not both"},
		{"empty master", mesoshttp.Config{Masters: []string{"m1:5050", " "}}, "Masters[1]", "empty"},
		{"zk master", mesoshttp.Config{Masters: []string{"zk://z1:2181/mesos"}}, "Masters[0]", `scheme "zk"`},
		{"credentials in URL", mesoshttp.Config{Masters: []string{"http://u:hidden@m1:5050"}}, "Masters[0]", "Principal"},
		{"query", mesoshttp.Config{Masters: []string{"http://m1:5050/?a=b"}}, "Masters[0]", "query"},
		{"port zero", mesoshttp.Config{Masters: []string{"m1:0"}}, "Masters[0]", "1-65535"},
		{"port too big", mesoshttp.Config{Masters: []string{"http://m1:70000"}}, "Masters[0]", "1-65535"},
		{"empty port", mesoshttp.Config{Masters: []string{"http://m1:"}}, "Masters[0]", "empty port"},
		{"http with TLS", mesoshttp.Config{Masters: []string{"http://m1:5050"}, TLS: &tls.Config{}}, "Masters[0]", "plain http"},
		{"bad encoding", mesoshttp.Config{Masters: ok, Encoding: 7}, "Encoding", "7"},
		{"colon in secret", mesoshttp.Config{Masters: ok, Principal: "p", Secret: "a:b"}, "Secret", "contains ':'"},
		{"colon in principal", mesoshttp.Config{Masters: ok, Principal: "p:q", Secret: "s"}, "Principal", "contains ':'"},
		{"secret without principal", mesoshttp.Config{Masters: ok, Secret: "s"}, "Principal", "empty"},
		{"negative call timeout", mesoshttp.Config{Masters: ok, CallTimeout: -time.Second}, "CallTimeout", "negative"},
		{"heartbeat factor 1", mesoshttp.Config{Masters: ok, HeartbeatFactor: 1}, "HeartbeatFactor", "above 1"},
		{"heartbeat factor NaN", mesoshttp.Config{Masters: ok, HeartbeatFactor: math.NaN()}, "HeartbeatFactor", "finite"},
		{"heartbeat factor Inf", mesoshttp.Config{Masters: ok, HeartbeatFactor: math.Inf(1)}, "HeartbeatFactor", "finite"},
		{"negative backoff", mesoshttp.Config{Masters: ok, Reconnect: backoff.Policy{Initial: -1}}, "Reconnect.Initial", "negative"},
		{"backoff cap below start", mesoshttp.Config{Masters: ok, Reconnect: backoff.Policy{Initial: time.Minute, Max: time.Second}}, "Reconnect.Max", "below"},
		{"backoff shrinking", mesoshttp.Config{Masters: ok, Reconnect: backoff.Policy{Multiplier: 0.5}}, "Reconnect.Multiplier", "at least 1"},
		{"jitter above 1", mesoshttp.Config{Masters: ok, Reconnect: backoff.Policy{Jitter: 1.5}}, "Reconnect.Jitter", "[0, 1]"},
		{"tiny frames", mesoshttp.Config{Masters: ok, MaxFrameSize: 100}, "MaxFrameSize", "4096"},
		{"negative queue", mesoshttp.Config{Masters: ok, SendQueueSize: -1}, "SendQueueSize", "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := mesoshttp.New(tt.cfg)
			if c != nil {
				t.Fatal("New returned a client with an error")
			}
			ce, ok := errors.AsType[*mesoshttp.ConfigError](err)
			if !ok {
				t.Fatalf("New: %v, want a *ConfigError", err)
			}
			if ce.Field != tt.field || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("New: %v (field %q), want field %q and %q in the text", err, ce.Field, tt.field, tt.text)
			}
			for _, secret := range []string{"a:b", "hidden"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("the error shows a secret: %v", err)
				}
			}
		})
	}
}

func TestMasterForms(t *testing.T) {
	tests := []struct {
		in   string
		tls  bool
		want string
	}{
		{"m1:5050", false, "http://m1:5050/api/v1/scheduler"},
		{"m1", false, "http://m1:5050/api/v1/scheduler"},
		{"m1", true, "https://m1:5050/api/v1/scheduler"},
		{" m1:6000 ", false, "http://m1:6000/api/v1/scheduler"},
		{"10.0.0.1:5050", false, "http://10.0.0.1:5050/api/v1/scheduler"},
		{"[::1]:5050", false, "http://[::1]:5050/api/v1/scheduler"},
		{"[::1]", false, "http://[::1]:5050/api/v1/scheduler"},
		{"http://m1:5050", false, "http://m1:5050/api/v1/scheduler"},
		{"http://m1:5050/", false, "http://m1:5050/api/v1/scheduler"},
		{"https://m1:5050", false, "https://m1:5050/api/v1/scheduler"},
		{"http://m1", false, "http://m1/api/v1/scheduler"},
		{"mesos://m1:5050", false, "http://m1:5050/api/v1/scheduler"},
		{"mesos://m1:5050", true, "https://m1:5050/api/v1/scheduler"},
		{"https://proxy/mesos", false, "https://proxy/mesos/api/v1/scheduler"},
		{"proxy:8080/mesos/", false, "http://proxy:8080/mesos/api/v1/scheduler"},
		{"http://m1:5050/api/v1/scheduler", false, "http://m1:5050/api/v1/scheduler"},
		{"http://m1:5050/master/api/v1/scheduler", false, "http://m1:5050/master/api/v1/scheduler"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := mesoshttp.ParseMaster(tt.in, tt.tls)
			if err != nil {
				t.Fatalf("ParseMaster(%q): %v", tt.in, err)
			}
			if got := u.String(); got != tt.want {
				t.Fatalf("ParseMaster(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// writePKI writes a CA and a client key pair signed by it into dir.
func writePKI(t *testing.T, dir string) (caPEM []byte, caPool *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	caPool = x509.NewCertPool()
	caPool.AddCert(ca)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "flink-scheduler"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	must(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	must(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), caPool, certFile, keyFile
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestTLS runs a session against an https master that requires a client
// certificate, trusting the master through a CA file.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	_, clientCAs, certFile, keyFile := writePKI(t, dir)
	m := newFakeMaster(t)
	srv := httptest.NewUnstartedServer(m)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	serverCA := filepath.Join(dir, "master-ca.pem")
	must(t, os.WriteFile(serverCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	host := strings.TrimPrefix(srv.URL, "https://")

	t.Run("client certificate", func(t *testing.T) {
		tlsCfg, err := mesoshttp.LoadTLS(serverCA, certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, mesoshttp.Config{Masters: []string{host}, TLS: tlsCfg})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		s := next[mesoshttp.Subscribed](t, ch).Sub
		if !strings.HasPrefix(s.Master(), "https://") {
			t.Fatalf("Master %q, want https", s.Master())
		}
		if err := s.Call(t.Context(), mesoshttp.Revive()); err != nil {
			t.Fatalf("call over TLS: %v", err)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		tlsCfg, err := mesoshttp.LoadTLS(serverCA, "", "")
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, mesoshttp.Config{Masters: []string{host}, TLS: tlsCfg})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		if d := next[mesoshttp.Disconnected](t, ch); d.Err == nil || d.Sub != nil {
			t.Fatalf("Disconnected %v without a client certificate, want a handshake failure", d)
		}
	})
	t.Run("h2 offered by the caller is not used", func(t *testing.T) {
		h2 := httptest.NewUnstartedServer(newFakeMaster(t))
		h2.EnableHTTP2 = true
		h2.StartTLS()
		t.Cleanup(h2.Close)
		pool := x509.NewCertPool()
		pool.AddCert(h2.Certificate())
		protos := []string{"h2", "http/1.1"}
		c := newClient(t, mesoshttp.Config{Masters: []string{h2.URL}, TLS: &tls.Config{RootCAs: pool, NextProtos: protos}})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		s := next[mesoshttp.Subscribed](t, ch).Sub
		if err := s.Call(t.Context(), mesoshttp.Revive()); err != nil {
			t.Fatalf("call: %v", err)
		}
		if protos[0] != "h2" || protos[1] != "http/1.1" {
			t.Fatalf("the caller's NextProtos changed to %q", protos)
		}
	})
	t.Run("untrusted master", func(t *testing.T) {
		c := newClient(t, mesoshttp.Config{Masters: []string{"https://" + host}})
		ch := run(t, c, subscribeWith(frameworkInfo()))
		d := next[mesoshttp.Disconnected](t, ch)
		if _, ok := errors.AsType[*tls.CertificateVerificationError](d.Err); !ok {
			t.Fatalf("Disconnected with %v, want a certificate verification error", d.Err)
		}
	})
}

func TestLoadTLSErrors(t *testing.T) {
	dir := t.TempDir()
	caPEM, _, certFile, keyFile := writePKI(t, dir)
	caFile := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(caFile, caPEM, 0o600))
	notPEM := filepath.Join(dir, "not.pem")
	must(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	missing := filepath.Join(dir, "missing.pem")

	tests := []struct {
		name               string
		ca, cert, key      string
		wantErr            bool
		wantIs             error
		wantText           string
		wantCerts, wantCAs bool
	}{
		{name: "nothing", wantErr: false},
		{name: "ca only", ca: caFile, wantCAs: true},
		{name: "all", ca: caFile, cert: certFile, key: keyFile, wantCAs: true, wantCerts: true},
		{name: "cert without CA", cert: certFile, key: keyFile, wantCerts: true},
		{name: "missing CA", ca: missing, wantErr: true, wantIs: fs.ErrNotExist, wantText: "missing.pem"},
		{name: "CA not PEM", ca: notPEM, wantErr: true, wantText: "no PEM certificate"},
		{name: "cert without key", cert: certFile, wantErr: true, wantText: "both"},
		{name: "key without cert", key: keyFile, wantErr: true, wantText: "both"},
		{name: "key is not a key", cert: certFile, key: notPEM, wantErr: true, wantText: "not.pem"},
		{name: "swapped", cert: keyFile, key: certFile, wantErr: true, wantText: "client.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := mesoshttp.LoadTLS(tt.ca, tt.cert, tt.key)
			if tt.wantErr {
				if err == nil {
					t.Fatal("LoadTLS succeeded, want an error")
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Fatalf("LoadTLS: %v, want errors.Is %v", err, tt.wantIs)
				}
				if !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("LoadTLS: %v, want %q in it", err, tt.wantText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MinVersion != tls.VersionTLS12 {
				t.Errorf("MinVersion %x", cfg.MinVersion)
			}
			if got := len(cfg.Certificates) > 0; got != tt.wantCerts {
				t.Errorf("client certificate loaded: %v, want %v", got, tt.wantCerts)
			}
			if got := cfg.RootCAs != nil; got != tt.wantCAs {
				t.Errorf("own roots: %v, want %v", got, tt.wantCAs)
			}
		})
	}
}
