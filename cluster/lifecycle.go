package cluster

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/internal/backoff"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// ensure makes the worker table match what the policy wants: a JobManager,
// TaskManagers 1..desired, and nothing else. New workers are recorded (and
// saved) before any offer is looked at for them.
func (m *Manager) ensure(now time.Time) {
	if m.stopping != nil {
		return
	}
	// One pass over the table: ensure runs after every event, and the
	// table may hold thousands of workers.
	jm := false
	tms := make(map[int]bool, m.desired)
	var extra []*worker
	for _, w := range m.workers {
		if !w.active() {
			continue
		}
		switch {
		case w.rec.Role == RoleJobManager:
			jm = true
		case w.rec.Index > m.desired:
			extra = append(extra, w)
		default:
			tms[w.rec.Index] = true
		}
	}
	if !m.gaveUp {
		if !jm {
			m.newWorker(RoleJobManager, 0, now)
		}
		if len(tms) < m.desired {
			for i := 1; i <= m.desired; i++ {
				if !tms[i] {
					m.newWorker(RoleTaskManager, i, now)
				}
			}
		}
	}
	for _, w := range extra {
		m.release(w, now, "scaled down")
	}
}

func (m *Manager) newWorker(role hastore.Role, index int, now time.Time) *worker {
	key := attemptKey(role, index)
	m.attempts[key]++
	seq := m.nextSeq
	m.nextSeq++
	w := &worker{rec: hastore.Worker{
		TaskID:  taskID(m.cfg.Options.Framework.Name, role, index, seq),
		Role:    role,
		State:   hastore.WorkerNew,
		Index:   index,
		Attempt: m.attempts[key],
	}}
	if at := m.retryAt[role]; at.After(now) {
		w.notBefore = at
	}
	m.workers[w.rec.TaskID] = w
	m.dirty = true
	return w
}

// release stops a worker for good: a New one is forgotten, a Launched one
// is recorded Released (saved before the KILL goes out) and killed until
// Mesos reports it terminal.
func (m *Manager) release(w *worker, now time.Time, why string) {
	switch w.rec.State {
	case hastore.WorkerNew:
		delete(m.workers, w.rec.TaskID)
	case hastore.WorkerLaunched:
		w.rec.State = hastore.WorkerReleased
		m.log.Info("releasing a worker", "task", w.rec.TaskID, "role", string(w.rec.Role), "agent", w.rec.AgentID, "reason", why)
		m.kill(w, now)
	default:
		return
	}
	m.dirty = true
}

func (m *Manager) kill(w *worker, now time.Time) {
	w.killSentAt = now
	if m.sub == nil {
		return // sent again after the next SUBSCRIBED
	}
	var agent *mesospb.AgentID
	if w.rec.AgentID != "" {
		agent = &mesospb.AgentID{Value: proto.String(w.rec.AgentID)}
	}
	m.send(mesoshttp.Kill(mesoshttp.TaskID(w.rec.TaskID), agent))
}

// pending returns the New workers that may be launched now, JobManager
// first. TaskManagers wait until the JobManager's address is known.
func (m *Manager) pending(now time.Time) (jm *worker, tms []*worker) {
	j := m.jobManager()
	if j != nil && j.rec.State == hastore.WorkerNew && !j.notBefore.After(now) {
		jm = j
	}
	if j == nil || j.rec.State != hastore.WorkerLaunched {
		return jm, nil
	}
	for _, w := range m.workers {
		if w.rec.Role == RoleTaskManager && w.rec.State == hastore.WorkerNew && !w.notBefore.After(now) {
			tms = append(tms, w)
		}
	}
	sort.Slice(tms, func(a, b int) bool { return tms[a].rec.Index < tms[b].rec.Index })
	return jm, tms
}

// offerInterest suppresses offers while nothing waits for one and revives
// them when something does: a framework that is not suppressed keeps
// getting offers it would only decline.
func (m *Manager) offerInterest(now time.Time) {
	if m.sub == nil {
		return
	}
	jm, tms := m.pending(now)
	want := jm != nil || len(tms) > 0
	switch {
	case want && m.suppressed:
		m.send(mesoshttp.Revive())
		m.suppressed = false
		m.log.Debug("reviving offers", "pending_taskmanagers", len(tms), "pending_jobmanager", jm != nil)
	case !want && !m.suppressed:
		m.send(mesoshttp.Suppress())
		m.suppressed = true
		m.log.Debug("suppressing offers: nothing to launch")
	}
}

// onUpdate applies a status update, then acknowledges it (after the save
// that records its effect, through the outbox).
func (m *Manager) onUpdate(st *mesospb.TaskStatus, now time.Time) {
	if st == nil {
		return
	}
	id := st.GetTaskId().GetValue()
	state := st.GetState()
	w := m.workers[id]
	m.recon.answered(id)
	switch {
	case w == nil:
		if mayRun(state) {
			// A task of this framework that the checkpoint does not know:
			// left by a scheduler that crashed between Mesos and its disk,
			// or brought back by a healed partition. Nobody would use it.
			// Not for TASK_UNREACHABLE or TASK_UNKNOWN: no KILL reaches
			// such a task, and the master answers the KILL of a task it
			// does not hold with a reconciliation, that is with the same
			// state again; killing on that would loop at the speed of the
			// master. An unreachable task whose agent comes back is
			// reported again, running (the master re-sends the states the
			// agent reports, REASON_AGENT_REREGISTERED; the next implicit
			// reconciliation lists it too), and killed then.
			m.log.Warn("killing a task the scheduler does not know", "task", id, "agent", st.GetAgentId().GetValue(), "state", state.String())
			m.event(now, "warning", "killing unknown task "+id)
			m.send(mesoshttp.Kill(st.GetTaskId(), st.GetAgentId()))
		}
	default:
		m.applyStatus(w, st, now)
	}
	if len(st.GetUuid()) > 0 {
		m.send(mesoshttp.Acknowledge(st))
	}
}

func (m *Manager) applyStatus(w *worker, st *mesospb.TaskStatus, now time.Time) {
	state := st.GetState()
	changed := !w.hasStatus || w.status != state
	w.status, w.hasStatus, w.statusAt = state, true, now
	w.message = statusText(st)
	if changed {
		agent := st.GetAgentId().GetValue()
		if agent == "" {
			agent = w.rec.AgentID
		}
		m.log.Info("task state", "task", w.rec.TaskID, "role", string(w.rec.Role), "agent", agent,
			"state", state.String(), "reason", reasonText(st), "message", st.GetMessage())
	}
	if w.rec.AgentID == "" && st.GetAgentId().GetValue() != "" {
		w.rec.AgentID = st.GetAgentId().GetValue()
		m.dirty = true
	}
	switch {
	case state == mesospb.TaskState_TASK_RUNNING:
		if w.runningAt.IsZero() {
			w.runningAt = now
		}
		if w.rec.State == hastore.WorkerReleased {
			m.kill(w, now)
		}
	case state.Terminal() || state == mesospb.TaskState_TASK_UNREACHABLE || state == mesospb.TaskState_TASK_UNKNOWN:
		// TASK_UNREACHABLE: the agent may come back, but the task cannot
		// be counted on meanwhile; if it does come back it is unknown and
		// killed. TASK_UNKNOWN: Mesos has never heard of it.
		m.ended(w, st, launchRefused(w, st), now)
	}
}

// ended handles a task that stopped, expectedly or not. refused says that
// its launch never reached an agent because an offer in it was no longer
// valid.
func (m *Manager) ended(w *worker, st *mesospb.TaskStatus, refused bool, now time.Time) {
	delete(m.workers, w.rec.TaskID)
	m.dirty = true
	if w.rec.State == hastore.WorkerReleased {
		m.log.Info("released task ended", "task", w.rec.TaskID, "agent", w.rec.AgentID, "state", st.GetState().String())
		return
	}
	if w.rec.Role == RoleJobManager {
		if m.jobManagerEnded(w, st, now) {
			return
		}
	} else if m.stopping != nil {
		return
	}
	if refused {
		// An offer in the ACCEPT was no longer valid: rescinded while the
		// ACCEPT was on its way (the master answers TASK_DROPPED) or just
		// before it left (the client does not send it), or gone with its
		// agent. The task never reached an agent. That is a race with the
		// master, not a failure of the task: it is launched again on the
		// next offer, without counting toward mesos.maximum-failed-tasks
		// and without the replacement backoff, which would otherwise
		// double with every rescinded offer.
		m.metrics.refused[w.rec.Role]++
		m.log.Info("launch refused (an offer was no longer valid); launching again", "task", w.rec.TaskID,
			"role", string(w.rec.Role), "state", st.GetState().String(), "message", st.GetMessage())
		m.event(now, "info", fmt.Sprintf("%s %s: launch refused, %s; launching again", w.rec.Role, w.rec.TaskID, st.GetMessage()))
	} else if !m.failed(w, st, now) {
		return
	}
	if w.rec.Role == RoleJobManager && !m.haEnabled() {
		// Without Flink HA the TaskManagers know the JobManager only by the
		// address they were started with, which the new JobManager will not
		// have: replace them with it.
		for _, tm := range m.workers.byRole(RoleTaskManager) {
			m.release(tm, now, "the JobManager is replaced and Flink HA is off")
		}
	}
}

// failed counts a worker's unexpected end and sets the replacement backoff.
// It returns false when that was one failure too many
// (mesos.maximum-failed-tasks): nothing is replaced any more.
func (m *Manager) failed(w *worker, st *mesospb.TaskStatus, now time.Time) bool {
	m.failures++
	reason := reasonText(st)
	if reason == "" {
		reason = st.GetState().String()
	}
	m.metrics.failures[failureKey{string(w.rec.Role), reason}]++
	m.lastFailure[attemptKey(w.rec.Role, w.rec.Index)] = fmt.Sprintf("attempt %d: %s", w.rec.Attempt, statusText(st))
	attrs := []any{"task", w.rec.TaskID, "role", string(w.rec.Role), "agent", w.rec.AgentID,
		"state", st.GetState().String(), "reason", reasonText(st), "message", st.GetMessage(), "failed_tasks", m.failures}
	m.event(now, "warning", fmt.Sprintf("%s %s %s: %s", w.rec.Role, w.rec.TaskID, st.GetState(), statusText(st)))
	if limit := m.cfg.Options.MaxFailedTasks; limit >= 0 && m.failures > limit {
		m.log.Warn("worker failed", attrs...)
		m.gaveUp = true
		msg := fmt.Sprintf("%d tasks failed, more than mesos.maximum-failed-tasks=%d allows: no more replacements", m.failures, limit)
		m.log.Error(msg+"; fix the cause and restart the scheduler to try again", "last_failure", statusText(st))
		m.event(now, "error", msg)
		if m.cfg.Mode == PerJob {
			m.beginStop(now, 1, msg+"; last failure: "+statusText(st))
		}
		return false
	}
	bo := m.retryBO[w.rec.Role]
	if !w.runningAt.IsZero() && now.Sub(w.runningAt) >= healthyAfter {
		bo.Reset()
	}
	if !m.retryAt[w.rec.Role].After(now) {
		m.retryAt[w.rec.Role] = now.Add(bo.Next())
	}
	// Else a replacement already waits out the backoff: failures that come
	// together (an agent lost with several TaskManagers) count as one for
	// the backoff and their replacements wait together, instead of each
	// doubling the wait of the next.
	m.log.Warn("worker failed; replacing it", append(attrs, "replace_in", m.retryAt[w.rec.Role].Sub(now))...)
	return true
}

// mayRun reports whether a task in state st may be running where a KILL
// reaches it.
func mayRun(st mesospb.TaskState) bool {
	switch st {
	case mesospb.TaskState_TASK_STAGING, mesospb.TaskState_TASK_STARTING, mesospb.TaskState_TASK_RUNNING, mesospb.TaskState_TASK_KILLING:
		return true
	}
	return false
}

// launchNotSent handles the launches of an ACCEPT that the client did not
// send. ErrUnknownOffer: an offer was rescinded between the OFFERS event
// and the call (the RESCIND was read meanwhile), which the master would
// have answered with TASK_DROPPED (REASON_INVALID_OFFERS); the task is
// launched again at once, as then. Any other error is the scheduler's own
// fault and counts as a failure, so that a call that can never be sent
// does not repeat at the offer rate. Without this the workers would wait
// launchTimeout for a status that cannot come.
func (m *Manager) launchNotSent(c *mesospb.Call, err error, now time.Time) {
	refused := errors.Is(err, mesoshttp.ErrUnknownOffer)
	// The other offers of the ACCEPT are still the framework's: give them
	// back, one by one (the client refuses a DECLINE naming the rescinded
	// one), with no filter, since they are wanted again right away.
	for _, id := range c.GetAccept().GetOfferIds() {
		m.send(mesoshttp.Decline([]*mesospb.OfferID{id}, &mesospb.Filters{RefuseSeconds: proto.Float64(0)}))
	}
	for _, op := range c.GetAccept().GetOperations() {
		for _, ti := range op.GetLaunch().GetTaskInfos() {
			w := m.workers[ti.GetTaskId().GetValue()]
			if w == nil || w.rec.State != hastore.WorkerLaunched || w.hasStatus {
				continue
			}
			st := &mesospb.TaskStatus{TaskId: ti.GetTaskId(), State: mesospb.TaskState_TASK_ERROR.Enum(),
				Message: proto.String("launch not sent: " + err.Error())}
			if refused {
				st.State = mesospb.TaskState_TASK_DROPPED.Enum()
				st.Reason = mesospb.TaskStatus_REASON_INVALID_OFFERS.Enum()
				st.Message = proto.String("launch not sent: an offer was rescinded before the ACCEPT left")
			}
			m.ended(w, st, refused, now)
		}
	}
}

// launchRefused reports whether st is the master's answer to an ACCEPT that
// named an offer no longer valid (Master::accept: TASK_DROPPED, or
// TASK_LOST for a framework that is not partition-aware, from the master
// with REASON_INVALID_OFFERS), for a task that never ran.
func launchRefused(w *worker, st *mesospb.TaskStatus) bool {
	s := st.GetState()
	return st.GetReason() == mesospb.TaskStatus_REASON_INVALID_OFFERS &&
		st.GetSource() == mesospb.TaskStatus_SOURCE_MASTER &&
		(s == mesospb.TaskState_TASK_DROPPED || s == mesospb.TaskState_TASK_LOST) &&
		w.runningAt.IsZero()
}

// jobManagerEnded decides what the end of the JobManager means. It returns
// true when it ends the cluster (no replacement).
func (m *Manager) jobManagerEnded(w *worker, st *mesospb.TaskStatus, now time.Time) bool {
	if m.stopping != nil {
		return true
	}
	code, hasCode := exitCode(st.GetMessage())
	switch m.cfg.Mode {
	case Session:
		if st.GetState() == mesospb.TaskState_TASK_FINISHED {
			m.beginStop(now, 0, "the JobManager exited normally (the Flink cluster was shut down)")
			return true
		}
	case PerJob:
		if final := m.job.finalState(); final != "" {
			result := 0
			if final != "FINISHED" {
				result = 1
			}
			m.beginStop(now, result, fmt.Sprintf("job %s ended %s", m.job.ID, final))
			return true
		}
		switch {
		case st.GetState() == mesospb.TaskState_TASK_FINISHED:
			m.beginStop(now, 0, "the JobManager exited 0 (Flink: SUCCEEDED or CANCELED); the job's final state was not seen over REST")
			return true
		case hasCode && code == exitApplicationFailed:
			m.beginStop(now, 1, fmt.Sprintf("the JobManager exited %d (Flink's ApplicationStatus FAILED, 1443): the job failed", code))
			return true
		}
	}
	return false
}

// Flink's ApplicationStatus.FAILED exit code, as wait(2) reports it.
const exitApplicationFailed = 1443 % 256

var exitedRE = regexp.MustCompile(`exited with status (\d+)`)

// exitCode reads the exit status from the Mesos command executor's message
// ("Command exited with status N").
func exitCode(msg string) (int, bool) {
	mm := exitedRE.FindStringSubmatch(msg)
	if mm == nil {
		return 0, false
	}
	n, err := strconv.Atoi(mm[1])
	return n, err == nil
}

func (m *Manager) haEnabled() bool { return m.cfg.Options.HA.Mode == "zookeeper" }

func statusText(st *mesospb.TaskStatus) string {
	s := st.GetState().String()
	if r := reasonText(st); r != "" {
		s += " (" + r + ")"
	}
	if msg := st.GetMessage(); msg != "" {
		s += ": " + msg
	}
	return s
}

func reasonText(st *mesospb.TaskStatus) string {
	if st.Reason == nil {
		return ""
	}
	return st.GetReason().String()
}

// beginStop ends the cluster: every task is killed, then the framework is
// torn down and the checkpoint removed.
func (m *Manager) beginStop(now time.Time, code int, why string) {
	if m.stopping != nil {
		return
	}
	m.stopping = &stopState{code: code, why: why, deadline: now.Add(m.cfg.Options.TaskManager.KillGracePeriod + stopGraceExtra)}
	m.log.Info("stopping the cluster", "reason", why)
	m.event(now, "info", "stopping the cluster: "+why)
	for _, w := range m.workers {
		m.release(w, now, "cluster stopping")
	}
}

// reconciliation tracks one round of explicit reconciliation (Mesos'
// reconciliation.md algorithm): send the tasks, and send again with backoff
// those that have not been heard of since the round started.
type reconciliation struct {
	start   time.Time
	pending map[string]bool
	next    time.Time
	bo      *backoff.Backoff
}

func (r *reconciliation) add(id string, now time.Time) {
	if r.pending == nil {
		r.pending = map[string]bool{}
	}
	r.pending[id] = true
	if r.next.IsZero() {
		r.next = now.Add(reconcileFirst)
	}
}

func (r *reconciliation) answered(id string) {
	delete(r.pending, id)
	if len(r.pending) == 0 {
		r.next = time.Time{}
	}
}

func (m *Manager) reconcileTask(w *worker) *mesospb.Call_Reconcile_Task {
	var agent *mesospb.AgentID
	if w.rec.AgentID != "" {
		agent = &mesospb.AgentID{Value: proto.String(w.rec.AgentID)}
	}
	return mesoshttp.ReconcileTask(mesoshttp.TaskID(w.rec.TaskID), agent)
}

// startReconciliation runs after every SUBSCRIBED: explicit for every task
// the checkpoint knows, then implicit to find the ones it does not.
func (m *Manager) startReconciliation(now time.Time) {
	m.recon = reconciliation{start: now, bo: backoff.New(backoff.Policy{Initial: reconcileFirst, Max: reconcileMax}, nil)}
	var tasks []*mesospb.Call_Reconcile_Task
	for _, w := range m.workers {
		if w.rec.State == hastore.WorkerNew {
			continue
		}
		m.recon.add(w.rec.TaskID, now)
		tasks = append(tasks, m.reconcileTask(w))
	}
	if len(tasks) > 0 {
		m.send(mesoshttp.Reconcile(tasks...))
	}
	m.send(mesoshttp.Reconcile())
	m.nextImplicit = now.Add(m.cfg.Options.ReconciliationInterval)
}

func (m *Manager) reconcileTick(now time.Time) {
	if !m.recon.next.IsZero() && !now.Before(m.recon.next) {
		var tasks []*mesospb.Call_Reconcile_Task
		for id := range m.recon.pending {
			if w := m.workers[id]; w != nil {
				tasks = append(tasks, m.reconcileTask(w))
			} else {
				delete(m.recon.pending, id)
			}
		}
		if len(tasks) > 0 {
			m.log.Info("reconciliation is proceeding slowly; asking again", "tasks", len(tasks))
			m.send(mesoshttp.Reconcile(tasks...))
			m.recon.next = now.Add(m.recon.bo.Next())
		} else {
			m.recon.next = time.Time{}
		}
	}
	if !m.nextImplicit.IsZero() && !now.Before(m.nextImplicit) {
		m.send(mesoshttp.Reconcile())
		m.nextImplicit = now.Add(m.cfg.Options.ReconciliationInterval)
	}
}
