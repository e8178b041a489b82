package localmesos

import (
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// state is everything the master and its agents know. Only the loop
// goroutine touches it.
type state struct {
	m          *Master
	masterID   string
	masterInfo *mesospb.MasterInfo
	version    uint64

	frameworks    map[string]*framework
	frameworkList []*framework // in creation order, for stable listings
	completed     []string     // removed framework IDs, oldest first
	completedSet  map[string]bool

	agents      map[string]*agent
	agentList   []*agent // registered agents in ID order
	lostAgents  []*agent // unreachable or gone, in removal order
	unreachable map[string]*mesospb.TimeInfo
	gone        map[string]*mesospb.TimeInfo

	offers map[string]*offer

	records    map[recordKey]*task // every task ID a LAUNCH named
	recordList []*task

	allocPending bool // allocate right after the current request

	nextFramework int
	nextOffer     int
	nextAgent     int
	nextPort      uint64 // next default port slice for a process agent
	rnd           *rand.Rand

	// calls and protocolErrors keep the last cfg.CallLog entries;
	// callCount counts every call, callsByType every call by its type.
	calls          []*mesospb.Call
	callCount      int
	callsByType    map[mesospb.Call_Type]int
	protocolErrors []string
}

type recordKey struct{ framework, task string }

func newState(m *Master) *state {
	return &state{
		m:            m,
		masterID:     uuidString(newUUID()),
		frameworks:   map[string]*framework{},
		completedSet: map[string]bool{},
		agents:       map[string]*agent{},
		unreachable:  map[string]*mesospb.TimeInfo{},
		gone:         map[string]*mesospb.TimeInfo{},
		offers:       map[string]*offer{},
		records:      map[recordKey]*task{},
		nextPort:     defaultPortBegin,
		rnd:          rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
}

// setMasterInfo describes the leading instance as src/master/master.cpp
// fills MasterInfo: packed IPv4 (network order), port, pid, hostname,
// version and address.
func (s *state) setMasterInfo(inst *instance) {
	host, port := splitPort(inst.listener.Addr().String())
	ip := net.ParseIP(host)
	hostname := s.m.cfg.Hostname
	s.masterInfo = &mesospb.MasterInfo{
		Id:       proto.String(s.masterID),
		Ip:       proto.Uint32(packIPv4(ip)),
		Port:     proto.Uint32(uint32(port)),
		Pid:      proto.String("master@" + host + ":" + strconv.Itoa(port)),
		Hostname: proto.String(hostname),
		Version:  proto.String(Version),
		Address:  &mesospb.Address{Hostname: proto.String(hostname), Ip: proto.String(host), Port: proto.Int32(int32(port))},
		Capabilities: []*mesospb.MasterInfo_Capability{
			{Type: mesospb.MasterInfo_Capability_AGENT_UPDATE.Enum()},
			{Type: mesospb.MasterInfo_Capability_AGENT_DRAINING.Enum()},
			{Type: mesospb.MasterInfo_Capability_QUOTA_V2.Enum()},
		},
	}
}

// redirectHostPort is the Location authority of a redirect to this
// master: MasterInfo.hostname if set, else its IP, and the port.
func (s *state) redirectHostPort() string {
	h := s.masterInfo.GetHostname()
	if h == "" {
		h = s.masterInfo.GetAddress().GetIp()
	}
	return net.JoinHostPort(h, strconv.Itoa(int(s.masterInfo.GetPort())))
}

func (s *state) now() float64 {
	return float64(time.Now().UnixNano()) / 1e9
}

func (s *state) recordCall(c *mesospb.Call) {
	s.callCount++
	if s.callsByType == nil {
		s.callsByType = make(map[mesospb.Call_Type]int)
	}
	s.callsByType[c.GetType()]++
	s.calls = keepLast(s.calls, c, s.m.cfg.CallLog)
}

func (s *state) recordProtocolError(e string) {
	s.protocolErrors = keepLast(s.protocolErrors, e, s.m.cfg.CallLog)
}

// keepLast appends v and keeps at most the last n entries, moving them to
// the front only when the slice has grown to 2n, so that each append
// costs O(1) amortised.
func keepLast[T any](list []T, v T, n int) []T {
	if n <= 0 {
		return list[:0]
	}
	list = append(list, v)
	if len(list) >= 2*n {
		k := copy(list, list[len(list)-n:])
		clear(list[k:])
		list = list[:k]
	}
	return list
}

// lastN is the part of a keepLast list that is kept: its last n.
func lastN[T any](list []T, n int) []T {
	if len(list) > n {
		return list[len(list)-n:]
	}
	return list
}

// shutdown is Close's work on the loop: cut every stream, stop every
// timer, kill every process.
func (s *state) shutdown() {
	for _, fw := range s.frameworkList {
		if fw.stream != nil {
			fw.stream.abort()
			fw.stream = nil
		}
		fw.stopFailoverTimer()
	}
	for _, o := range s.offers {
		o.stopTimer()
	}
	for _, t := range s.recordList {
		t.stopRetry()
		if t.proc != nil {
			t.proc.shutdown(0)
		}
	}
}

// snapshot copies what WaitFor conditions look at.
func (s *state) snapshot() *Snapshot {
	return &Snapshot{
		MasterID:       s.masterID,
		Frameworks:     s.frameworkInfos(),
		Tasks:          s.taskInfos(),
		Agents:         s.agentInfos(),
		Offers:         s.offerInfos(),
		CallCount:      s.callCount,
		CallsByType:    maps.Clone(s.callsByType),
		ProtocolErrors: slices.Clone(lastN(s.protocolErrors, s.m.cfg.CallLog)),
	}
}

// sendToFramework delivers an event on the framework's stream, if it has
// one. Events for a disconnected framework are dropped, as the master
// drops them.
func (s *state) sendToFramework(fw *framework, ev *mesospb.Event) {
	if fw.stream == nil {
		return
	}
	if err := fw.stream.sendEvent(ev); err != nil {
		s.m.log.Error("encoding an event", "framework", fw.id, "type", ev.GetType().String(), "err", err)
	}
}
