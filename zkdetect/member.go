package zkdetect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Labels of the masters' group members (src/master/constants.hpp).
const (
	LabelJSON     = "json.info" // MASTER_INFO_JSON_LABEL: MasterInfo as JSON, since Mesos 0.24
	LabelProtobuf = "info"      // MASTER_INFO_LABEL: binary MasterInfo, before 0.24
	LabelNone     = ""          // a libprocess UPID "master@ip:port", before 0.22
)

// maxMemberData bounds what is parsed of one znode: a MasterInfo is a few
// hundred bytes; ZooKeeper itself refuses nodes over 1 MiB (jute.maxbuffer).
const maxMemberData = 1 << 20

// ErrBadMember is wrapped by every error about a member's name or data.
var ErrBadMember = errors.New("zkdetect: unusable master entry in ZooKeeper")

// Master is the leading master as its group member describes it.
type Master struct {
	Node     string // the znode's name, e.g. "json.info_0000000003"
	ID       string // MasterInfo.id ("" for a UPID member)
	Host     string // where to connect: a hostname or an IP address
	Port     int
	Version  string // MasterInfo.version, if given
	Sequence int32
}

// HostPort is "host:port" ("[v6]:port" for an IPv6 address).
func (m Master) HostPort() string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

// ParseName splits a child of the group's znode into its label and
// sequence number, the way Mesos does (src/zookeeper/group.cpp
// GroupProcess::cache): tokens are separated by '_', the last one is the
// int32 sequence, the first is the label when there are at least two. ok
// is false for a child that is not a member (e.g. "log_replicas", which
// the replicated log keeps under the same path).
func ParseName(name string) (label string, seq int32, ok bool) {
	tokens := strings.FieldsFunc(name, func(r rune) bool { return r == '_' })
	if len(tokens) == 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(tokens[len(tokens)-1], 10, 32)
	if err != nil || !isDigits(tokens[len(tokens)-1]) {
		return "", 0, false
	}
	if len(tokens) > 1 {
		label = tokens[0]
	}
	return label, int32(n), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ParseMember decodes the data of the member named name according to its
// label, as the Mesos master detector does (src/master/detector/zookeeper.cpp
// ZooKeeperMasterDetectorProcess::fetched): "json.info" holds MasterInfo
// as JSON, "info" binary MasterInfo, and a member without a label a UPID.
// Any other label is an error.
func ParseMember(name string, data []byte) (Master, error) {
	label, seq, ok := ParseName(name)
	if !ok {
		return Master{}, fmt.Errorf("%w: %q is not <label>_<sequence>", ErrBadMember, name)
	}
	if len(data) > maxMemberData {
		return Master{}, fmt.Errorf("%w: %s holds %d bytes, more than %d", ErrBadMember, name, len(data), maxMemberData)
	}
	var m Master
	var err error
	switch label {
	case LabelJSON:
		m, err = parseJSON(data)
	case LabelProtobuf:
		m, err = parseProtobuf(data)
	case LabelNone:
		m, err = parseUPID(string(data))
	default:
		err = fmt.Errorf("unknown label %q (known: %q, %q and none)", label, LabelJSON, LabelProtobuf)
	}
	if err != nil {
		return Master{}, fmt.Errorf("%w: %s: %w", ErrBadMember, name, err)
	}
	m.Node, m.Sequence = name, seq
	return m, nil
}

// jsonMasterInfo is MasterInfo as JSON::protobuf writes it (stout's
// jsonify): proto field names, uint32 as numbers.
type jsonMasterInfo struct {
	ID       *string `json:"id"`
	IP       *uint32 `json:"ip"`
	Port     *uint32 `json:"port"`
	PID      *string `json:"pid"`
	Hostname *string `json:"hostname"`
	Version  *string `json:"version"`
	Address  *struct {
		Hostname *string `json:"hostname"`
		IP       *string `json:"ip"`
		Port     *int32  `json:"port"`
	} `json:"address"`
}

func parseJSON(data []byte) (Master, error) {
	if !utf8.Valid(data) {
		return Master{}, errors.New("the JSON is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var j jsonMasterInfo
	if err := dec.Decode(&j); err != nil {
		return Master{}, fmt.Errorf("not a MasterInfo JSON object: %w", err)
	}
	if dec.More() {
		return Master{}, errors.New("data after the MasterInfo JSON object")
	}
	mi := &mesospb.MasterInfo{Id: j.ID, Ip: j.IP, Port: j.Port, Pid: j.PID, Hostname: j.Hostname, Version: j.Version}
	if a := j.Address; a != nil {
		mi.Address = &mesospb.Address{Hostname: a.Hostname, Ip: a.IP, Port: a.Port}
	}
	return fromMasterInfo(mi)
}

func parseProtobuf(data []byte) (Master, error) {
	var mi mesospb.MasterInfo
	if err := proto.Unmarshal(data, &mi); err != nil {
		return Master{}, fmt.Errorf("not a binary MasterInfo: %w", err)
	}
	return fromMasterInfo(&mi)
}

// fromMasterInfo picks the endpoint: address.hostname, else address.ip,
// with address.port; without an address, hostname, else the pid's IP,
// else ip, with port. MasterInfo's required fields (id, ip, port) must be
// there, as stout's protobuf parser demands.
func fromMasterInfo(mi *mesospb.MasterInfo) (Master, error) {
	switch {
	case mi.Id == nil:
		return Master{}, errors.New("MasterInfo has no id")
	case mi.Ip == nil:
		return Master{}, errors.New("MasterInfo has no ip")
	case mi.Port == nil:
		return Master{}, errors.New("MasterInfo has no port")
	}
	m := Master{ID: mi.GetId(), Version: mi.GetVersion()}
	if a := mi.GetAddress(); a != nil {
		m.Host = a.GetHostname()
		if m.Host == "" {
			m.Host = a.GetIp()
		}
		if a.Port == nil {
			return Master{}, errors.New("MasterInfo.address has no port")
		}
		m.Port = int(a.GetPort())
	}
	if m.Host == "" {
		m.Host = mi.GetHostname()
		if m.Host == "" && mi.GetPid() != "" {
			if u, err := parseUPID(mi.GetPid()); err == nil {
				m.Host = u.Host
			}
		}
		if m.Host == "" {
			m.Host = ipFromUint32(mi.GetIp())
		}
	}
	if m.Port == 0 {
		m.Port = int(mi.GetPort())
	}
	if err := checkEndpoint(m.Host, m.Port); err != nil {
		return Master{}, err
	}
	return m, nil
}

// ipFromUint32 reads MasterInfo.ip, which Mesos fills with the in_addr
// s_addr of the address (network byte order) read as a host uint32: on
// the little-endian machines Mesos runs on, 127.0.0.1 is 0x0100007F
// (16777343). 0 means unknown.
func ipFromUint32(ip uint32) string {
	if ip == 0 {
		return ""
	}
	return net.IPv4(byte(ip), byte(ip>>8), byte(ip>>16), byte(ip>>24)).String()
}

// parseUPID reads a libprocess UPID, "id@host:port".
func parseUPID(s string) (Master, error) {
	s = strings.TrimSpace(s)
	id, hp, ok := strings.Cut(s, "@")
	if !ok || id == "" {
		return Master{}, fmt.Errorf("UPID %q is not id@host:port", truncate(s))
	}
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return Master{}, fmt.Errorf("UPID %q is not id@host:port: %w", truncate(s), err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || !isDigits(port) {
		return Master{}, fmt.Errorf("UPID %q: port %q is not a number", truncate(s), truncate(port))
	}
	if err := checkEndpoint(host, p); err != nil {
		return Master{}, err
	}
	return Master{ID: id, Host: host, Port: p}, nil
}

// checkEndpoint refuses what cannot go into a URL's host:port.
func checkEndpoint(host string, port int) error {
	if port < 1 || port > 65535 {
		return fmt.Errorf("port %d is not in 1..65535", port)
	}
	if host == "" {
		return errors.New("no hostname or IP address")
	}
	if net.ParseIP(host) != nil {
		return nil
	}
	if len(host) > 253 || slices.ContainsFunc([]byte(host), func(c byte) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')
	}) {
		return fmt.Errorf("host %q is neither an IP address nor a hostname", truncate(host))
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
