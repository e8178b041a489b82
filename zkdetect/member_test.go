package zkdetect_test

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
	"github.com/flink-mesos/flink-mesos/zkdetect"
)

func TestParseName(t *testing.T) {
	tests := []struct {
		name, child string
		label       string
		seq         int32
		ok          bool
	}{
		{"json member", "json.info_0000000042", "json.info", 42, true},
		{"protobuf member", "info_0000000007", "info", 7, true},
		{"unlabelled member", "0000000003", "", 3, true},
		{"replicated log", "log_replicas", "", 0, false},
		{"no sequence", "json.info_", "", 0, false},
		{"empty", "", "", 0, false},
		{"signed", "info_+12", "", 0, false},
		{"beyond int32", "info_9999999999", "", 0, false},
		{"underscores in label", "a_b_0000000001", "a", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			label, seq, ok := zkdetect.ParseName(tt.child)
			if label != tt.label || seq != tt.seq || ok != tt.ok {
				t.Fatalf("ParseName(%q) = %q, %d, %v; want %q, %d, %v", tt.child, label, seq, ok, tt.label, tt.seq, tt.ok)
			}
		})
	}
}

func TestParseMember(t *testing.T) {
	pb, err := proto.Marshal(&mesospb.MasterInfo{Id: proto.String("m"), Ip: proto.Uint32(16777343), Port: proto.Uint32(5051)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, node, data string
		hostPort, id     string
		wantErr          string
	}{
		{"mesos json", "json.info_0000000001",
			`{"id":"m1","ip":16777343,"port":5050,"pid":"master@127.0.0.1:5050","hostname":"mesos1","version":"1.11.0","address":{"hostname":"mesos1","ip":"127.0.0.1","port":5050},"capabilities":[{"type":"AGENT_UPDATE"}],"domain":{}}`,
			"mesos1:5050", "m1", ""},
		{"address ip without hostname", "json.info_0000000001",
			`{"id":"m1","ip":16777343,"port":5050,"address":{"ip":"10.1.2.3","port":5051}}`, "10.1.2.3:5051", "m1", ""},
		{"no address: hostname", "json.info_0000000001", `{"id":"m1","ip":16777343,"port":5050,"hostname":"h"}`, "h:5050", "m1", ""},
		{"no address: pid", "json.info_0000000001", `{"id":"m1","ip":0,"port":5050,"pid":"master@10.0.0.9:5050"}`, "10.0.0.9:5050", "m1", ""},
		{"no address: ip in network order", "json.info_0000000001", `{"id":"m1","ip":16777343,"port":5050}`, "127.0.0.1:5050", "m1", ""},
		{"ipv6 address", "json.info_0000000001", `{"id":"m1","ip":0,"port":1,"address":{"ip":"::1","port":5050}}`, "[::1]:5050", "m1", ""},
		{"binary protobuf", "info_0000000001", string(pb), "127.0.0.1:5051", "m", ""},
		{"upid", "0000000001", "master@10.0.0.1:5050\n", "10.0.0.1:5050", "master", ""},
		{"unknown label", "xml.info_0000000001", "<x/>", "", "", `unknown label "xml.info"`},
		{"not json", "json.info_0000000001", "master@1.2.3.4:5050", "", "", "not a MasterInfo JSON object"},
		{"trailing data", "json.info_0000000001", `{"id":"m","ip":1,"port":1,"hostname":"h"} {}`, "", "", "data after"},
		{"missing id", "json.info_0000000001", `{"ip":1,"port":5050,"hostname":"h"}`, "", "", "no id"},
		{"missing ip", "json.info_0000000001", `{"id":"m","port":5050,"hostname":"h"}`, "", "", "no ip"},
		{"missing port", "json.info_0000000001", `{"id":"m","ip":1,"hostname":"h"}`, "", "", "no port"},
		{"negative ip", "json.info_0000000001", `{"id":"m","ip":-1,"port":5050}`, "", "", "not a MasterInfo JSON object"},
		{"port out of range", "json.info_0000000001", `{"id":"m","ip":1,"port":70000,"hostname":"h"}`, "", "", "not in 1..65535"},
		{"address without port", "json.info_0000000001", `{"id":"m","ip":1,"port":5050,"address":{"hostname":"h"}}`, "", "", "address has no port"},
		{"no host at all", "json.info_0000000001", `{"id":"m","ip":0,"port":5050}`, "", "", "no hostname or IP"},
		{"host with a slash", "json.info_0000000001", `{"id":"m","ip":0,"port":5050,"hostname":"h/x"}`, "", "", "neither an IP address nor a hostname"},
		{"bad protobuf", "info_0000000001", "\xff\xff", "", "", "not a binary MasterInfo"},
		{"bad upid", "0000000001", "10.0.0.1:5050", "", "", "not id@host:port"},
		{"not a member", "log_replicas", "", "", "", "is not <label>_<sequence>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := zkdetect.ParseMember(tt.node, []byte(tt.data))
			if tt.wantErr != "" {
				if !errors.Is(err, zkdetect.ErrBadMember) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %+v, %v; want an ErrBadMember saying %q", m, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.HostPort() != tt.hostPort || m.ID != tt.id || m.Node != tt.node {
				t.Fatalf("got %s (id %q, node %q), want %s (id %q, node %q)", m.HostPort(), m.ID, m.Node, tt.hostPort, tt.id, tt.node)
			}
		})
	}
}
