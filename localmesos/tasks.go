package localmesos

import (
	"bytes"
	"sort"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// TaskInfo describes a task ID that a LAUNCH named.
type TaskInfo struct {
	ID          string
	FrameworkID string
	AgentID     string
	// State is the task's latest state as its agent knows it; for tasks
	// that never reached an agent, the state the master answered with
	// (TASK_ERROR, TASK_LOST, TASK_DROPPED).
	State mesospb.TaskState
	// SentState is the state of the last reliable update sent to the
	// framework (the master's status_update_state); nil if none.
	SentState *mesospb.TaskState
	// Launches counts the LAUNCH operations that named this task ID,
	// valid or not.
	Launches int
	// Live: the master still tracks the task (not yet terminal and
	// acknowledged, not lost with its agent).
	Live bool
	// Task is the TaskInfo as the scheduler sent it in its last LAUNCH.
	Task *mesospb.TaskInfo
	// Unacked are the updates the agent holds for the framework, oldest
	// first; the first is the one in flight.
	Unacked []*mesospb.TaskStatus
	// Sandbox is the task's sandbox directory (process agents).
	Sandbox string
	// PID of the task's process (process agents), 0 if none.
	PID int
	// Role the task's resources are allocated to.
	Role string
}

// task is one task ID of one framework: its launch, its life on the agent
// and the agent's status update stream for it.
type task struct {
	seq       int
	id        string
	fw        *framework
	agent     *agent
	info      *mesospb.TaskInfo // as launched, allocation injected
	sent      *mesospb.TaskInfo // as the scheduler sent it
	launches  int
	role      string
	res       resources // the task's and its new executor's resources
	released  bool      // res has gone back to the agent
	executor  string    // executor ID (the task ID for command tasks)
	custom    bool      // runs under a custom executor
	container string

	live            bool              // in fw.tasks
	masterState     mesospb.TaskState // the master's task state
	agentState      mesospb.TaskState // the agent's latest state
	sentState       *mesospb.TaskState
	sentUUID        []byte
	containerStatus *mesospb.ContainerStatus

	// The agent's status update stream: pending[0] is in flight.
	pending       []*mesospb.TaskStatus
	retry         *time.Timer
	retryInterval time.Duration
	onAgent       bool // the agent still has the task (stream not cleaned up)

	proc *process
}

func (t *task) key() recordKey { return recordKey{t.fw.id, t.id} }

func (t *task) executorIDProto() *mesospb.ExecutorID {
	if t.executor == "" {
		return nil
	}
	return &mesospb.ExecutorID{Value: proto.String(t.executor)}
}

func (t *task) stopRetry() {
	if t.retry != nil {
		t.retry.Stop()
		t.retry = nil
	}
}

// stopAgentSide forgets the agent's side of the task: no more updates, no
// process.
func (t *task) stopAgentSide() {
	t.stopRetry()
	t.pending = nil
	t.onAgent = false
	if t.proc != nil {
		t.proc.shutdown(0)
	}
}

// record returns the record for (fw, id), creating it.
func (s *state) record(fw *framework, id string) *task {
	k := recordKey{fw.id, id}
	t := s.records[k]
	if t == nil {
		t = &task{seq: len(s.recordList), id: id, fw: fw}
		s.records[k] = t
		s.recordList = append(s.recordList, t)
	}
	t.fw = fw
	return t
}

// masterStatus builds a master-generated update: SOURCE_MASTER, no uuid
// (protobuf::createStatusUpdate with no UUID, then evolve()).
func (s *state) masterStatus(taskID, agentID string, st mesospb.TaskState, msg string, reason mesospb.TaskStatus_Reason) *mesospb.TaskStatus {
	status := &mesospb.TaskStatus{
		TaskId:    &mesospb.TaskID{Value: proto.String(taskID)},
		State:     st.Enum(),
		Message:   proto.String(msg),
		Source:    mesospb.TaskStatus_SOURCE_MASTER.Enum(),
		Reason:    reason.Enum(),
		Timestamp: proto.Float64(s.now()),
	}
	if agentID != "" {
		status.AgentId = &mesospb.AgentID{Value: proto.String(agentID)}
	}
	return status
}

// forwardMasterUpdate sends a master-generated update if the framework is
// connected; otherwise it is lost, as in Mesos.
func (s *state) forwardMasterUpdate(fw *framework, status *mesospb.TaskStatus) {
	s.sendToFramework(fw, &mesospb.Event{Type: mesospb.Event_UPDATE.Enum(), Update: &mesospb.Event_Update{Status: status}})
}

// agentUpdate is an update the agent or executor generates: it gets a
// uuid and joins the task's stream; only the head of the stream is sent,
// and retried until acknowledged.
func (s *state) agentUpdate(t *task, st mesospb.TaskState, source mesospb.TaskStatus_Source, msg string, reason *mesospb.TaskStatus_Reason) {
	if !t.onAgent {
		return
	}
	status := &mesospb.TaskStatus{
		TaskId:     &mesospb.TaskID{Value: proto.String(t.id)},
		State:      st.Enum(),
		Source:     source.Enum(),
		Reason:     reason,
		AgentId:    &mesospb.AgentID{Value: proto.String(t.agent.id)},
		ExecutorId: t.executorIDProto(),
		Timestamp:  proto.Float64(s.now()),
		Uuid:       newUUID(),
	}
	if msg != "" {
		status.Message = proto.String(msg)
	}
	if t.container != "" {
		cs := &mesospb.ContainerStatus{ContainerId: &mesospb.ContainerID{Value: proto.String(t.container)}}
		if st == mesospb.TaskState_TASK_RUNNING && t.proc != nil && t.proc.pid > 0 {
			cs.ExecutorPid = proto.Uint32(uint32(t.proc.pid))
		}
		status.ContainerStatus = cs
		t.containerStatus = cs
	}
	t.agentState = st
	t.pending = append(t.pending, status)
	if len(t.pending) == 1 {
		s.forwardHead(t, s.m.cfg.StatusUpdateRetry)
	}
}

// forwardHead sends the stream's head to the master (which tells the
// framework) and arms the retry: 10 s, doubling to 10 min, as the agent's
// TaskStatusUpdateManager does.
func (s *state) forwardHead(t *task, interval time.Duration) {
	head := t.pending[0]
	s.masterReceive(t, head)
	t.stopRetry()
	t.retryInterval = interval
	uuid := head.Uuid
	t.retry = s.m.afterFunc(interval, func(s *state) {
		if len(t.pending) == 0 || !bytes.Equal(t.pending[0].Uuid, uuid) || !t.onAgent {
			return
		}
		t.retry = nil
		s.forwardHead(t, min(2*t.retryInterval, MaxStatusUpdateRetry))
	})
}

// masterReceive is Master::statusUpdate for an update from the agent: the
// task takes the agent's latest state (freeing resources when that is
// terminal), the update becomes the task's status_update_state and goes to
// the framework if it is connected.
func (s *state) masterReceive(t *task, status *mesospb.TaskStatus) {
	if !t.live {
		return
	}
	wasDone := terminalOrUnreachable(t.masterState)
	t.masterState = t.agentState
	if !wasDone && terminalOrUnreachable(t.masterState) {
		s.releaseResources(t)
	}
	st := status.GetState()
	t.sentState = &st
	t.sentUUID = status.Uuid
	s.sendToFramework(t.fw, &mesospb.Event{
		Type:   mesospb.Event_UPDATE.Enum(),
		Update: &mesospb.Event_Update{Status: proto.Clone(status).(*mesospb.TaskStatus)},
	})
}

func terminalOrUnreachable(st mesospb.TaskState) bool {
	return st.Terminal() || st == mesospb.TaskState_TASK_UNREACHABLE
}

// resumeStatusUpdates resends the head of every stream of fw at once, with
// the retry interval back at its minimum (the agent's
// TaskStatusUpdateManager::resume after UpdateFrameworkMessage).
func (s *state) resumeStatusUpdates(fw *framework) {
	for _, t := range fw.taskList() {
		if t.onAgent && len(t.pending) > 0 {
			s.forwardHead(t, s.m.cfg.StatusUpdateRetry)
		}
	}
}

// releaseResources returns a task's resources to its agent.
func (s *state) releaseResources(t *task) {
	if t.released {
		return
	}
	t.released = true
	s.recoverResources(t.fw, t.agent, t.role, t.res, nil)
	if t.custom {
		still := false
		for _, other := range t.fw.tasks {
			if other != t && other.custom && other.agent == t.agent && other.executor == t.executor && !other.released {
				still = true
			}
		}
		if !still {
			delete(t.fw.executors[t.agent.id], t.executor)
		}
	}
}

// removeTask is Master::removeTask: the master forgets a live task.
func (s *state) removeTask(t *task, unreachable bool) {
	if !t.live {
		return
	}
	s.releaseResources(t)
	t.live = false
	delete(t.fw.tasks, t.id)
	if unreachable {
		t.fw.unreachableTasks[t.id] = true
	}
	if !t.onAgent {
		delete(t.agent.tasks, t.key())
	}
}

// acknowledge is ACKNOWLEDGE: the master drops a task whose terminal
// update is acknowledged, and the agent's stream moves on.
func (s *state) acknowledge(fw *framework, ack *mesospb.Call_Acknowledge) {
	a := s.agents[ack.GetAgentId().GetValue()]
	if a == nil {
		s.m.log.Warn("ignoring acknowledgement: agent is not registered", "framework", fw.id, "agent", ack.GetAgentId().GetValue())
		return
	}
	t := a.tasks[recordKey{fw.id, ack.GetTaskId().GetValue()}]
	if t == nil {
		s.m.log.Warn("ignoring acknowledgement: no status update stream", "framework", fw.id, "task", ack.GetTaskId().GetValue())
		return
	}
	uuid := ack.GetUuid()
	if t.live && t.sentState != nil && t.sentState.Terminal() && bytes.Equal(t.sentUUID, uuid) {
		t.live = false
		delete(fw.tasks, t.id)
	}
	if len(t.pending) == 0 || !bytes.Equal(t.pending[0].Uuid, uuid) {
		// A retried update can be acknowledged twice; the second is
		// unexpected and ignored.
		s.m.log.Warn("ignoring unexpected status update acknowledgement", "framework", fw.id, "task", t.id)
		return
	}
	fw.acknowledged++
	head := t.pending[0]
	t.pending = t.pending[1:]
	t.stopRetry()
	if head.GetState().Terminal() {
		// The stream is done; anything still queued is dropped.
		t.pending = nil
		t.onAgent = false
		if !t.live {
			delete(a.tasks, t.key())
		}
		return
	}
	if len(t.pending) > 0 {
		s.forwardHead(t, s.m.cfg.StatusUpdateRetry)
	}
}

// latestState is what reconciliation reports: the last state sent, else
// the master's task state.
func (t *task) latestState() mesospb.TaskState {
	if t.sentState != nil {
		return *t.sentState
	}
	return t.masterState
}

func (s *state) reconcileStatus(fw *framework, t *task) *mesospb.TaskStatus {
	status := s.masterStatus(t.id, t.agent.id, t.latestState(), "Reconciliation: Latest task state", mesospb.TaskStatus_REASON_RECONCILIATION)
	status.ExecutorId = t.executorIDProto()
	if t.containerStatus != nil {
		status.ContainerStatus = proto.Clone(t.containerStatus).(*mesospb.ContainerStatus)
	}
	return status
}

// reconcile is Master::reconcile (docs/reconciliation.md): implicit for an
// empty list, else one reply per task, never with a uuid.
func (s *state) reconcile(fw *framework, r *mesospb.Call_Reconcile) {
	if len(r.GetTasks()) == 0 {
		for _, t := range fw.taskList() {
			s.forwardMasterUpdate(fw, s.reconcileStatus(fw, t))
		}
		return
	}
	for _, rt := range r.GetTasks() {
		s.reconcileOne(fw, rt.GetTaskId().GetValue(), rt.AgentId)
	}
}

func (s *state) reconcileOne(fw *framework, taskID string, agentID *mesospb.AgentID) {
	if t := fw.tasks[taskID]; t != nil {
		s.forwardMasterUpdate(fw, s.reconcileStatus(fw, t))
		return
	}
	lostOr := func(st mesospb.TaskState) mesospb.TaskState {
		if fw.caps.partitionAware {
			return st
		}
		return mesospb.TaskState_TASK_LOST
	}
	id := agentID.GetValue()
	var status *mesospb.TaskStatus
	switch {
	case agentID != nil && s.agents[id] != nil:
		status = s.masterStatus(taskID, id, lostOr(mesospb.TaskState_TASK_GONE), "Reconciliation: Task is unknown to the agent", mesospb.TaskStatus_REASON_RECONCILIATION)
	case agentID != nil && s.unreachable[id] != nil:
		status = s.masterStatus(taskID, id, lostOr(mesospb.TaskState_TASK_UNREACHABLE), "Reconciliation: Task is unreachable", mesospb.TaskStatus_REASON_RECONCILIATION)
		status.UnreachableTime = proto.Clone(s.unreachable[id]).(*mesospb.TimeInfo)
	case agentID != nil && s.gone[id] != nil:
		status = s.masterStatus(taskID, id, lostOr(mesospb.TaskState_TASK_GONE_BY_OPERATOR), "Reconciliation: Task is gone", mesospb.TaskStatus_REASON_RECONCILIATION)
	default:
		status = s.masterStatus(taskID, id, lostOr(mesospb.TaskState_TASK_UNKNOWN), "Reconciliation: Task is unknown", mesospb.TaskStatus_REASON_RECONCILIATION)
	}
	s.forwardMasterUpdate(fw, status)
}

// kill is KILL: an unknown task is reconciled instead; a task on another
// agent than named is left alone; otherwise its agent kills it.
func (s *state) kill(fw *framework, k *mesospb.Call_Kill) {
	t := fw.tasks[k.GetTaskId().GetValue()]
	if t == nil {
		s.reconcileOne(fw, k.GetTaskId().GetValue(), k.AgentId)
		return
	}
	if k.AgentId != nil && k.GetAgentId().GetValue() != t.agent.id {
		s.m.log.Warn("ignoring kill: task belongs to a different agent", "framework", fw.id, "task", t.id)
		return
	}
	grace := DefaultKillGracePeriod
	switch {
	case k.GetKillPolicy().GetGracePeriod() != nil:
		grace = time.Duration(k.GetKillPolicy().GetGracePeriod().GetNanoseconds())
	case t.info.GetKillPolicy().GetGracePeriod() != nil:
		grace = time.Duration(t.info.GetKillPolicy().GetGracePeriod().GetNanoseconds())
	}
	s.agentKill(t, max(grace, 0), false)
}

// agentKill is the agent and command executor handling a kill: before the
// task reached its executor it is TASK_KILLED at once; otherwise
// TASK_KILLING (for frameworks that understand it), then SIGTERM and,
// after grace, SIGKILL; the exit makes it TASK_KILLED.
func (s *state) agentKill(t *task, grace time.Duration, shutdown bool) {
	if !t.onAgent || t.agentState.Terminal() {
		return
	}
	if t.proc != nil && !t.proc.started {
		reason := mesospb.TaskStatus_REASON_TASK_KILLED_DURING_LAUNCH
		t.proc.cancelLaunch()
		s.agentUpdate(t, mesospb.TaskState_TASK_KILLED, mesospb.TaskStatus_SOURCE_AGENT, "Killed before delivery to the executor", &reason)
		return
	}
	if t.proc != nil {
		first := !t.proc.killed
		t.proc.kill(grace)
		if first && t.fw.caps.taskKillingState && !shutdown {
			if t.proc.pid == 0 {
				// The executor is still starting the command: it handles
				// the kill after TASK_RUNNING (executor.cpp launch()).
				t.proc.killingDue = true
			} else {
				s.agentUpdate(t, mesospb.TaskState_TASK_KILLING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
			}
		}
		return
	}
	if t.fw.caps.taskKillingState && !shutdown {
		s.agentUpdate(t, mesospb.TaskState_TASK_KILLING, mesospb.TaskStatus_SOURCE_EXECUTOR, "", nil)
	}
	s.agentUpdate(t, mesospb.TaskState_TASK_KILLED, mesospb.TaskStatus_SOURCE_EXECUTOR, "Command terminated with signal Terminated", nil)
}

// shutdownTask ends a task of a framework being removed: the agent shuts
// its executor down and the master forgets the task without telling the
// (gone) framework anything.
func (s *state) shutdownTask(t *task) {
	if t.proc != nil {
		t.proc.shutdown(max(s.m.cfg.ExecutorShutdownGrace-2*time.Second, 0))
	}
	t.stopRetry()
	t.pending = nil
	t.onAgent = false
	if !t.agentState.Terminal() {
		t.agentState = mesospb.TaskState_TASK_KILLED
	}
	t.masterState = t.agentState
	s.removeTask(t, false)
	delete(t.agent.tasks, t.key())
}

// shutdownExecutor is SHUTDOWN: the executor's tasks are killed with the
// shutdown grace period and report TASK_KILLED.
func (s *state) shutdownExecutor(fw *framework, sh *mesospb.Call_Shutdown) {
	a := s.agents[sh.GetAgentId().GetValue()]
	if a == nil {
		s.m.log.Warn("ignoring shutdown: agent is not registered", "framework", fw.id, "agent", sh.GetAgentId().GetValue())
		return
	}
	found := false
	for _, t := range fw.taskList() {
		if t.agent == a && t.executor == sh.GetExecutorId().GetValue() {
			found = true
			s.agentKill(t, max(s.m.cfg.ExecutorShutdownGrace-2*time.Second, 0), true)
		}
	}
	if !found {
		s.m.log.Warn("ignoring shutdown: unknown executor", "framework", fw.id, "executor", sh.GetExecutorId().GetValue())
	}
}

func (s *state) taskInfos() []TaskInfo {
	out := make([]TaskInfo, 0, len(s.recordList))
	for _, t := range s.recordList {
		info := TaskInfo{
			ID:          t.id,
			FrameworkID: t.fw.id,
			State:       t.agentState,
			Launches:    t.launches,
			Live:        t.live,
			Role:        t.role,
		}
		if t.agent != nil {
			info.AgentID = t.agent.id
		}
		if t.sentState != nil {
			st := *t.sentState
			info.SentState = &st
		}
		if t.sent != nil {
			info.Task = proto.Clone(t.sent).(*mesospb.TaskInfo)
		}
		for _, p := range t.pending {
			info.Unacked = append(info.Unacked, proto.Clone(p).(*mesospb.TaskStatus))
		}
		if t.proc != nil {
			info.Sandbox, info.PID = t.proc.sandbox, t.proc.pid
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FrameworkID < out[j].FrameworkID })
	return out
}
