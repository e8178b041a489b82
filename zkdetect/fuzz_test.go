package zkdetect_test

import (
	"errors"
	"net"
	"strconv"
	"testing"

	"github.com/flink-mesos/flink-mesos/zkdetect"
)

// FuzzParseMember: any name and data give a usable endpoint or an
// ErrBadMember, never a panic.
func FuzzParseMember(f *testing.F) {
	f.Add("json.info_0000000001", []byte(`{"id":"m1","ip":16777343,"port":5050,"pid":"master@127.0.0.1:5050","hostname":"m1","version":"1.11.0","address":{"hostname":"m1","ip":"127.0.0.1","port":5050}}`))
	f.Add("json.info_0000000002", []byte(`{"id":"m","ip":0,"port":1,"address":{"ip":"::1","port":5050}}`))
	f.Add("info_0000000001", []byte("\n\x01m\x10\xff\xff\xff\xff\x0f\x18\xba'"))
	f.Add("0000000001", []byte("master@10.0.0.1:5050"))
	f.Add("log_replicas", []byte(""))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		m, err := zkdetect.ParseMember(name, data)
		if err != nil {
			if !errors.Is(err, zkdetect.ErrBadMember) {
				t.Fatalf("error %v is not an ErrBadMember", err)
			}
			return
		}
		host, port, err := net.SplitHostPort(m.HostPort())
		if err != nil || host != m.Host {
			t.Fatalf("HostPort %q does not split back into %q: %v", m.HostPort(), m.Host, err)
		}
		if p, _ := strconv.Atoi(port); p < 1 || p > 65535 {
			t.Fatalf("port %s out of range", port)
		}
	})
}
