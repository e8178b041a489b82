package mesoshttp_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/internal/testtls"
	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
)

// TestTLSAndAuthAgainstLocalMesos: HTTPS to a master with a CA bundle and
// a client certificate, with HTTP basic authentication on top.
func TestTLSAndAuthAgainstLocalMesos(t *testing.T) {
	pki, other := testtls.New(t, "mesos"), testtls.New(t, "other")
	creds := map[string]string{"flink": "s3cret"}
	tests := []struct {
		name              string
		requireClient     bool
		ca                string
		cert, key         string
		principal, secret string
		want              string // "" subscribes; else a word of the error
		fatal             bool
	}{
		{name: "valid", ca: pki.CAFile, principal: "flink", secret: "s3cret"},
		{name: "valid with client certificate", requireClient: true, ca: pki.CAFile, cert: pki.ClientCert, key: pki.ClientKey, principal: "flink", secret: "s3cret"},
		{name: "wrong CA", ca: other.CAFile, principal: "flink", secret: "s3cret", want: "certificate signed by unknown authority"},
		{name: "client certificate missing", requireClient: true, ca: pki.CAFile, principal: "flink", secret: "s3cret", want: "certificate"},
		{name: "client certificate of another CA", requireClient: true, ca: pki.CAFile, cert: other.ClientCert, key: other.ClientKey, principal: "flink", secret: "s3cret", want: "certificate"},
		{name: "wrong secret", ca: pki.CAFile, principal: "flink", secret: "guess", want: `refused principal "flink"`, fatal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newLocalMesos(t, localmesos.Config{TLS: pki.ServerConfig(tt.requireClient), Credentials: creds})
			if !strings.HasPrefix(m.URL(), "https://") {
				t.Fatalf("master URL %s, want https", m.URL())
			}
			tlsConf, err := mesoshttp.LoadTLS(tt.ca, tt.cert, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, mesoshttp.Config{Masters: []string{m.URL()}, TLS: tlsConf, Principal: tt.principal, Secret: tt.secret, Reconnect: fastReconnect})
			ch := run(t, c, subscribeWith(frameworkInfo()))
			switch {
			case tt.want == "":
				next[mesoshttp.Subscribed](t, ch)
			case tt.fatal:
				f := next[mesoshttp.Fatal](t, ch)
				ae, ok := errors.AsType[*mesoshttp.APIError](f.Err)
				if !ok || ae.Status != http.StatusUnauthorized || !strings.Contains(f.Err.Error(), tt.want) {
					t.Fatalf("Fatal %v, want a 401 saying %q", f.Err, tt.want)
				}
				if strings.Contains(f.Err.Error(), tt.secret) {
					t.Fatalf("the error shows the secret: %v", f.Err)
				}
			default:
				d := next[mesoshttp.Disconnected](t, ch)
				if d.Err == nil || !strings.Contains(d.Err.Error(), tt.want) {
					t.Fatalf("Disconnected with %v, want an error saying %q", d.Err, tt.want)
				}
			}
		})
	}

	t.Run("secret with a colon", func(t *testing.T) {
		_, err := mesoshttp.New(mesoshttp.Config{Masters: []string{"127.0.0.1:5050"}, Principal: "flink", Secret: "a:b"})
		ce, ok := errors.AsType[*mesoshttp.ConfigError](err)
		if !ok || ce.Field != "Secret" || strings.Contains(err.Error(), "a:b") {
			t.Fatalf("New with a secret holding ':' = %v, want a ConfigError for Secret that does not show it", err)
		}
	})
	t.Run("plain http refused with TLS", func(t *testing.T) {
		tlsConf, _ := mesoshttp.LoadTLS(pki.CAFile, "", "")
		_, err := mesoshttp.New(mesoshttp.Config{Masters: []string{"http://127.0.0.1:5050"}, TLS: tlsConf})
		if _, ok := errors.AsType[*mesoshttp.ConfigError](err); !ok {
			t.Fatalf("New with http:// and TLS = %v, want a ConfigError", err)
		}
	})
}
