package localmesos

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

const (
	agentPort        = 5051  // what offers and MESOS_AGENT_ENDPOINT name as the agent's port
	defaultPortBegin = 31000 // the ports range of DefaultAgentResources
	defaultPortEnd   = 31999
)

// AgentLoss is how RemoveAgent takes an agent away.
type AgentLoss int

const (
	// AgentUnreachable: the agent failed its health checks. Its tasks
	// become TASK_UNREACHABLE for PARTITION_AWARE frameworks and
	// TASK_LOST for others, and every framework gets a FAILURE event.
	AgentUnreachable AgentLoss = iota
	// AgentGoneByOperator: an operator marked the agent gone. Its tasks
	// become TASK_GONE_BY_OPERATOR (PARTITION_AWARE) or TASK_LOST.
	AgentGoneByOperator
)

// AgentState is where an agent stands with the master.
type AgentState string

const (
	AgentRegistered    AgentState = "registered"
	AgentIsUnreachable AgentState = "unreachable"
	AgentIsGone        AgentState = "gone"
)

// AgentInfo describes an agent.
type AgentInfo struct {
	ID         string
	Hostname   string
	Processes  bool
	State      AgentState
	Total      []*mesospb.Resource // post-refinement format
	Available  []*mesospb.Resource // neither offered nor used
	Attributes []*mesospb.Attribute
	Tasks      []string // live task IDs on the agent
}

// agent is one agent: its resources, offers and tasks.
type agent struct {
	n          int
	id         string
	hostname   string
	ip         string
	cfg        AgentConfig
	total      resources
	totalQ     quantities
	available  resources
	attributes []*mesospb.Attribute
	domain     *mesospb.DomainInfo
	gpus       bool
	offers     map[string]*offer
	tasks      map[recordKey]*task
	removed    bool
	state      AgentState
	ports      []valueRange // for the overlap check between process agents
}

// addAgent registers a new agent (AddAgent and New).
func (s *state) addAgent(cfg AgentConfig) (*agent, error) {
	if err := cfg.validate("agent"); err != nil {
		return nil, err
	}
	n := s.nextAgent
	text := cfg.Resources
	if text == "" {
		text = DefaultAgentResources
		if cfg.Processes {
			slice := s.portSlice()
			text = fmt.Sprintf("cpus:4;mem:8192;disk:10240;ports:[%d-%d]", s.nextPort, s.nextPort+slice-1)
			s.nextPort += slice
		}
	}
	total, err := parseResourcesText(text)
	if err != nil {
		return nil, fmt.Errorf("localmesos: agent resources %q: %w", text, err)
	}
	attrs, err := parseAttributes(cfg.Attributes)
	if err != nil {
		return nil, fmt.Errorf("localmesos: agent attributes %q: %w", cfg.Attributes, err)
	}
	a := &agent{
		n:          n,
		id:         s.masterID + "-S" + strconv.Itoa(n),
		hostname:   cfg.Hostname,
		ip:         "127.0.0.1",
		cfg:        cfg,
		total:      total,
		totalQ:     quantitiesOf(total),
		available:  total.clone(),
		attributes: attrs,
		gpus:       total.scalar("gpus") > 0,
		offers:     map[string]*offer{},
		tasks:      map[recordKey]*task{},
		state:      AgentRegistered,
	}
	if a.hostname == "" {
		a.hostname = "agent-" + strconv.Itoa(n)
		if cfg.Processes {
			a.hostname = "127.0.0.1"
		}
	}
	if cfg.Domain != nil {
		a.domain = &mesospb.DomainInfo{FaultDomain: &mesospb.DomainInfo_FaultDomain{
			Region: &mesospb.DomainInfo_FaultDomain_RegionInfo{Name: proto.String(cfg.Domain.Region)},
			Zone:   &mesospb.DomainInfo_FaultDomain_ZoneInfo{Name: proto.String(cfg.Domain.Zone)},
		}}
	}
	if cfg.Processes {
		for i := range total {
			if total[i].name == "ports" && total[i].typ == mesospb.Value_RANGES {
				a.ports = append(a.ports, total[i].ranges...)
			}
		}
		for _, other := range s.agentList {
			if other.cfg.Processes && rangesOverlap(a.ports, other.ports) {
				return nil, fmt.Errorf("localmesos: the ports of process agent %d (%s) overlap those of process agent %s on this machine", n, text, other.id)
			}
		}
	}
	s.nextAgent++
	s.agents[a.id] = a
	s.agentList = append(s.agentList, a)
	s.allocateSoon()
	return a, nil
}

// portSlice is the share of the default ports range each default process
// agent gets: the range divided among the process agents configured at
// New, so that they never offer the same port.
func (s *state) portSlice() uint64 {
	n := 0
	for _, a := range s.m.cfg.Agents {
		if a.Processes && a.Resources == "" {
			n++
		}
	}
	return uint64(defaultPortEnd-defaultPortBegin+1) / uint64(max(n, 1))
}

func rangesOverlap(a, b []valueRange) bool {
	for _, x := range a {
		for _, y := range b {
			if x.begin <= y.end && y.begin <= x.end {
				return true
			}
		}
	}
	return false
}

func (a *agent) workDir(root string) string {
	return filepath.Join(root, "agents", a.id)
}

// removeAgent is Master::__removeSlave after markUnreachable or markGone:
// tasks get master-generated LOST/UNREACHABLE/GONE_BY_OPERATOR updates and
// are forgotten, offers are rescinded, and every framework hears FAILURE.
// The agent's processes are killed, as if its machine went down.
func (s *state) removeAgent(a *agent, how AgentLoss) {
	now := s.now()
	unreachable := how == AgentUnreachable
	var unreachableTime *mesospb.TimeInfo
	message := "Agent has been marked gone"
	if unreachable {
		unreachableTime = &mesospb.TimeInfo{Nanoseconds: proto.Int64(int64(now * 1e9))}
		message = "health check timed out"
	}
	tasks := make([]*task, 0, len(a.tasks))
	for _, t := range a.tasks {
		tasks = append(tasks, t)
	}
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].seq < tasks[j].seq })
	for _, t := range tasks {
		fw := t.fw
		state, reason := mesospb.TaskState_TASK_UNREACHABLE, mesospb.TaskStatus_REASON_AGENT_REMOVED
		switch {
		case !fw.caps.partitionAware:
			state = mesospb.TaskState_TASK_LOST
		case !unreachable:
			state, reason = mesospb.TaskState_TASK_GONE_BY_OPERATOR, mesospb.TaskStatus_REASON_AGENT_REMOVED_BY_OPERATOR
		}
		status := s.masterStatus(t.id, a.id, state, message, reason)
		status.ExecutorId = t.executorIDProto()
		status.UnreachableTime = unreachableTime
		t.masterState = state
		t.stopAgentSide()
		s.removeTask(t, unreachable)
		s.forwardMasterUpdate(fw, status)
	}
	for _, o := range agentOffers(a) {
		s.rescindOffer(o)
	}
	a.removed = true
	delete(s.agents, a.id)
	s.agentList = slices.DeleteFunc(s.agentList, func(x *agent) bool { return x == a })
	s.lostAgents = append(s.lostAgents, a)
	if unreachable {
		a.state = AgentIsUnreachable
		s.unreachable[a.id] = unreachableTime
	} else {
		a.state = AgentIsGone
		s.gone[a.id] = &mesospb.TimeInfo{Nanoseconds: proto.Int64(int64(now * 1e9))}
	}
	for _, fw := range s.frameworkList {
		if fw.connected() {
			s.sendToFramework(fw, &mesospb.Event{
				Type:    mesospb.Event_FAILURE.Enum(),
				Failure: &mesospb.Event_Failure{AgentId: &mesospb.AgentID{Value: proto.String(a.id)}},
			})
		}
	}
}

func agentOffers(a *agent) []*offer {
	out := make([]*offer, 0, len(a.offers))
	for _, o := range a.offers {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out
}

func (s *state) agentInfos() []AgentInfo {
	list := append(slices.Clone(s.agentList), s.lostAgents...)
	out := make([]AgentInfo, 0, len(list))
	for _, a := range list {
		info := AgentInfo{
			ID:         a.id,
			Hostname:   a.hostname,
			Processes:  a.cfg.Processes,
			State:      a.state,
			Total:      a.total.toProto(postRefinement, false),
			Available:  a.available.toProto(postRefinement, false),
			Attributes: a.attributes,
		}
		for _, t := range a.tasks {
			info.Tasks = append(info.Tasks, t.id)
		}
		sort.Strings(info.Tasks)
		out = append(out, info)
	}
	return out
}
