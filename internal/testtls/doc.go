// Package testtls makes throw-away certificate authorities for tests: a
// CA, a server certificate for 127.0.0.1 and localhost and a client
// certificate, as PEM files and as tls.Configs.
package testtls
