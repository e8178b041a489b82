package localmesos

import (
	"fmt"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// FrameworkInfo describes a framework the master knows or remembers.
type FrameworkInfo struct {
	ID   string
	Name string
	// Info is the FrameworkInfo as last (re)subscribed or updated.
	Info         *mesospb.FrameworkInfo
	Roles        []string
	Capabilities []mesospb.FrameworkInfo_Capability_Type
	// Connected: it has a live subscription stream, whose ID is StreamID.
	Connected bool
	StreamID  string
	// Active: offers may be made to it.
	Active bool
	// Recovered: known to this master only from its agents' tasks after a
	// failover; it has not subscribed to this master yet.
	Recovered bool
	// Removed: torn down or timed out; the ID is in the completed list.
	Removed bool
	// Suppressed are the roles it gets no offers for.
	Suppressed []string
	// Subscriptions counts the successful SUBSCRIBEs for this ID.
	Subscriptions int
	// Offers is the number of its outstanding offers.
	Offers int
	// Tasks is the number of its live tasks.
	Tasks int
	// Acknowledged counts the ACKNOWLEDGE calls that moved one of its
	// status update streams on (a duplicate acknowledgement of a retried
	// update does not count).
	Acknowledged int
	// Unacknowledged is the number of status updates with a uuid that
	// registered agents hold for it: sent (or to be sent once the stream
	// ahead of them moves on) and not yet acknowledged. A framework that
	// acknowledges everything drives it back to 0.
	Unacknowledged int
}

func (s *state) frameworkInfos() []FrameworkInfo {
	unacked := map[*framework]int{}
	for _, a := range s.agentList {
		for _, t := range a.tasks {
			if t.onAgent {
				unacked[t.fw] += len(t.pending)
			}
		}
	}
	out := make([]FrameworkInfo, 0, len(s.frameworkList))
	for _, fw := range s.frameworkList {
		if fw.removed && !s.completedSet[fw.id] {
			continue
		}
		fi := FrameworkInfo{
			ID:             fw.id,
			Name:           fw.info.GetName(),
			Info:           proto.Clone(fw.info).(*mesospb.FrameworkInfo),
			Roles:          append([]string(nil), fw.roles...),
			Connected:      fw.connected(),
			Active:         fw.active,
			Recovered:      fw.recovered,
			Removed:        fw.removed,
			Subscriptions:  fw.subscriptions,
			Offers:         len(fw.offers),
			Tasks:          len(fw.tasks),
			Acknowledged:   fw.acknowledged,
			Unacknowledged: unacked[fw],
		}
		for _, c := range fw.info.GetCapabilities() {
			fi.Capabilities = append(fi.Capabilities, c.GetType())
		}
		if fw.stream != nil {
			fi.StreamID = fw.stream.id
		}
		for r := range fw.suppressed {
			fi.Suppressed = append(fi.Suppressed, r)
		}
		sort.Strings(fi.Suppressed)
		out = append(out, fi)
	}
	return out
}

// DropStreams cuts every subscription at once, without the final chunk, as
// a network failure would. The master sees the frameworks disconnect and
// starts their failover timeouts.
func (m *Master) DropStreams() {
	m.do(func(s *state) {
		for _, fw := range s.frameworkList {
			if fw.stream != nil {
				s.disconnect(fw)
			}
		}
	})
}

// PauseHeartbeats stops (true) or resumes (false) the HEARTBEAT events of
// every subscription; other events keep flowing.
func (m *Master) PauseHeartbeats(pause bool) {
	m.pauseHB.Store(pause)
}

// SetLeaderless makes every listener answer 503 "No leader elected" (true),
// as masters do while no leader is known, until called with false.
// Existing streams are left alone.
func (m *Master) SetLeaderless(on bool) {
	m.leaderless.Store(on)
}

// SetRecovering makes the leader answer 503 "Master has not finished
// recovery" (true), as a new leader does while it reads its registry,
// until called with false.
func (m *Master) SetRecovering(on bool) {
	m.recovering.Store(on)
}

// Failover elects a new master: a new listener with a new master ID takes
// over and the old URL answers 307 to it from then on. Every stream is cut
// without the final chunk. The new master holds the same agents and their
// tasks, as a master does once its agents reregister; frameworks with tasks
// are known to it as recovered (not connected, calls get 403) and others
// not at all. What a real master forgets is forgotten: offers, refusal
// filters, failover timeouts (MESOS-4659) and the completed-framework
// list. It returns the new leader's URL, or "" if no new listener could
// be opened (logged; nothing changes then) or the master is closed.
func (m *Master) Failover() (newURL string) {
	// The new instance is registered before it leads, so that URL() always
	// finds the leader's instance.
	m.mu.Lock()
	inst, err := m.listen(len(m.instances))
	if err == nil {
		m.instances = append(m.instances, inst)
	}
	m.mu.Unlock()
	if err != nil {
		m.log.Error("failover: no listener for the new master", "err", err)
		return ""
	}
	if err := m.do(func(s *state) { s.failover(inst) }); err != nil {
		inst.listener.Close()
		return ""
	}
	m.serve(inst)
	return inst.url
}

// failover rebuilds the state as the new leader sees it.
func (s *state) failover(inst *instance) {
	for _, fw := range s.frameworkList {
		if fw.stream != nil {
			fw.stream.abort()
			fw.stream = nil
		}
		fw.stopFailoverTimer()
		for _, o := range fw.offerList() {
			s.removeOffer(o)
			s.recoverResources(fw, o.agent, o.role, o.res, nil)
		}
		fw.filters = map[filterKey][]*refusal{}
		fw.active = false
	}
	s.masterID = uuidString(newUUID())
	s.setMasterInfo(inst)
	s.m.leader.Store(&leaderInfo{instance: inst.n, hostPort: s.redirectHostPort()})
	// Frameworks survive only through their tasks on reregistered agents.
	var kept []*framework
	for _, fw := range s.frameworkList {
		if fw.removed {
			continue
		}
		if len(fw.tasks) == 0 {
			delete(s.frameworks, fw.id)
			fw.removed = true
			continue
		}
		fw.recovered = true
		fw.suppressed = map[string]bool{}
		kept = append(kept, fw)
	}
	s.frameworkList = kept
	s.completed = nil
	s.completedSet = map[string]bool{}
	s.m.log.Info("master failed over", "master", s.masterID, "url", inst.url)
}

// AddAgent registers a new agent and returns its ID.
func (m *Master) AddAgent(cfg AgentConfig) (string, error) {
	var id string
	var err error
	if derr := m.do(func(s *state) {
		var a *agent
		if a, err = s.addAgent(cfg); err == nil {
			id = a.id
		}
	}); derr != nil {
		return "", derr
	}
	return id, err
}

// RemoveAgent takes a registered agent away as the master does when it
// loses it (how says which way); see AgentLoss. An ID that names no
// registered agent changes nothing (logged).
func (m *Master) RemoveAgent(agentID string, how AgentLoss) {
	m.do(func(s *state) {
		a := s.agents[agentID]
		if a == nil {
			s.m.log.Warn("RemoveAgent: no such registered agent", "agent", agentID)
			return
		}
		s.removeAgent(a, how)
	})
}

// RescindOffers rescinds the outstanding offers on one agent, or all of
// them for agentID "", as the master does when it takes resources back.
// An ID that names no registered agent rescinds nothing (logged).
func (m *Master) RescindOffers(agentID string) {
	m.do(func(s *state) {
		var offers []*offer
		if agentID == "" {
			for _, fw := range s.frameworkList {
				offers = append(offers, fw.offerList()...)
			}
		} else {
			a := s.agents[agentID]
			if a == nil {
				s.m.log.Warn("RescindOffers: no such registered agent", "agent", agentID)
				return
			}
			offers = agentOffers(a)
		}
		for _, o := range offers {
			s.rescindOffer(o)
		}
	})
}

// SetTaskState makes a live task's agent report state, with reason and
// message, as a reliable update (uuid, retried until acknowledged), as if
// the executor (or, for TASK_LOST, TASK_DROPPED and TASK_GONE, the agent)
// sent it. A terminal state ends the task's process, if it has one.
// States only the master sends, and any change after a terminal state, are
// ErrInvalidState; TASK_KILLING needs a framework with TASK_KILLING_STATE.
func (m *Master) SetTaskState(taskID string, st mesospb.TaskState, reason mesospb.TaskStatus_Reason, msg string) error {
	var err error
	if derr := m.do(func(s *state) { err = s.setTaskState(taskID, st, reason, msg) }); derr != nil {
		return derr
	}
	return err
}

func (s *state) setTaskState(taskID string, st mesospb.TaskState, reason mesospb.TaskStatus_Reason, msg string) error {
	var found []*task
	for _, a := range s.agentList {
		for k, t := range a.tasks {
			if k.task == taskID && t.onAgent {
				found = append(found, t)
			}
		}
	}
	switch len(found) {
	case 0:
		return fmt.Errorf("%w: no agent runs task %q", ErrUnknownTask, taskID)
	case 1:
	default:
		return fmt.Errorf("%w: task ID %q is live in %d frameworks", ErrUnknownTask, taskID, len(found))
	}
	t := found[0]
	source := mesospb.TaskStatus_SOURCE_EXECUTOR
	switch st {
	case mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_FINISHED,
		mesospb.TaskState_TASK_FAILED, mesospb.TaskState_TASK_KILLED:
	case mesospb.TaskState_TASK_KILLING:
		if !t.fw.caps.taskKillingState {
			return fmt.Errorf("%w: TASK_KILLING is only sent to frameworks with TASK_KILLING_STATE", ErrInvalidState)
		}
	case mesospb.TaskState_TASK_LOST, mesospb.TaskState_TASK_DROPPED, mesospb.TaskState_TASK_GONE:
		source = mesospb.TaskStatus_SOURCE_AGENT
		if st != mesospb.TaskState_TASK_LOST && !t.fw.caps.partitionAware {
			return fmt.Errorf("%w: %s is only sent to PARTITION_AWARE frameworks", ErrInvalidState, st)
		}
	default:
		return fmt.Errorf("%w: %s is not a state an agent or executor reports", ErrInvalidState, st)
	}
	if t.agentState.Terminal() {
		return fmt.Errorf("%w: task %q is already %s", ErrInvalidState, taskID, t.agentState)
	}
	if st.Terminal() && t.proc != nil {
		t.proc.shutdown(0)
	}
	s.agentUpdate(t, st, source, msg, reason.Enum())
	return nil
}
