package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/flinkconf"
	"github.com/flink-mesos/flink-mesos/hastore"
	"github.com/flink-mesos/flink-mesos/internal/backoff"
	"github.com/flink-mesos/flink-mesos/mesoshttp"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

// Mode is the cluster's policy.
type Mode int

// The two policies.
const (
	// Session keeps a JobManager and N TaskManagers until told to stop.
	Session Mode = iota
	// PerJob runs one job in application mode and ends with it.
	PerJob
)

func (m Mode) String() string {
	if m == PerJob {
		return "per-job"
	}
	return "session"
}

// JobSpec is the job of a per-job cluster.
type JobSpec struct {
	ClassName             string
	JobID                 string   // fixed job ID, needed for HA recovery
	Args                  []string // the job's own arguments
	FromSavepoint         string
	AllowNonRestoredState bool
	// Jars are URIs of user jars every task fetches into its sandbox's
	// usrlib/, where the task executor makes Flink find them.
	Jars []string
}

// Meta keys of the checkpoint.
const (
	metaTaskManagers = "taskmanagers" // desired TaskManager count after a scale request
	metaMode         = "mode"
	metaJobID        = "job-id"
)

// Config is what a Manager runs with. Every field but Logger and Now is
// required unless its comment says otherwise.
type Config struct {
	Mode    Mode
	Job     JobSpec // PerJob only
	Options *flinkconf.Options
	// Flink is the configuration every Flink process gets (pass-through).
	Flink  map[string]string
	Store  hastore.Store
	Client *mesoshttp.Client
	// Listener is where the HTTP server serves; AdvertisedURL is how agents
	// and browsers reach it ("http://host:port").
	Listener      net.Listener
	AdvertisedURL string
	// TaskExecutorBinary is the task executor the tasks fetch; "" when
	// Options.TaskManager.TaskExecutorPath names one inside the tasks.
	TaskExecutorBinary string
	// TaskManagers is the TaskManager count when the checkpoint has none.
	TaskManagers int
	Logger       *slog.Logger
	Now          func() time.Time // nil means time.Now
	// OnRegistered, if set, hears the framework ID whenever Mesos assigns
	// a new one (called from the owner goroutine).
	OnRegistered func(frameworkID string)
	// OnEnded, if set, hears why the cluster ended, once, before Run
	// returns (not called when only the scheduler stops).
	OnEnded func(code int, why string)
}

// ExitError ends Run with an exit code: the per-job cluster's result, or a
// failure the scheduler cannot recover from.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// ExitCode is read by the binaries' start-up code.
func (e *ExitError) ExitCode() int { return e.Code }

// Timings that are not configuration. They follow Flink 1.13's Mesos module
// where it had a value (kill retry 5 s, launch timeout 30 s).
const (
	killRetry          = 5 * time.Second
	launchTimeout      = 30 * time.Second
	reconcileFirst     = 5 * time.Second
	reconcileMax       = time.Minute
	jobPollInterval    = time.Second
	stopGraceExtra     = 15 * time.Second
	unplacedLogRepeat  = time.Minute
	healthyAfter       = 30 * time.Second
	maxRecentEvents    = 50
	requestTimeout     = 5 * time.Second
	shutdownHTTPTimout = 5 * time.Second
)

// Manager is the resource manager. Create it with New and call Run once.
type Manager struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	// Everything below is owned by the Run goroutine.
	workers table
	// jm caches the active JobManager of workers (see jobManager).
	jm            *worker
	frameworkID   string
	nextSeq       uint64
	meta          map[string]string
	desired       int
	attempts      map[string]int // role/index -> last attempt used
	sub           *mesoshttp.Subscription
	masterURL     string
	masterInfo    *mesospb.MasterInfo
	suppressed    bool
	outbox        []*mesospb.Call
	dirty         bool
	failures      int
	gaveUp        bool
	retryAt       map[hastore.Role]time.Time
	retryBO       map[hastore.Role]*backoff.Backoff
	recon         reconciliation
	nextImplicit  time.Time
	stopping      *stopState
	job           jobStatus
	pollBusy      bool
	nextPoll      time.Time
	unplaced      string
	unplacedAt    time.Time
	recent        []Event
	reconnects    int
	lastSubscribe time.Time
	metrics       metrics
	lastFailure   map[string]string // role/index -> how its last attempt ended

	subscribe atomic.Pointer[mesospb.Call_Subscribe] // read by the client's goroutine
	requests  chan request
	polls     chan pollResult
	artifacts map[string]artifact
}

type stopState struct {
	code     int
	why      string
	deadline time.Time
	tornDown bool
}

// New checks cfg and builds a Manager.
func New(cfg Config) (*Manager, error) {
	switch {
	case cfg.Options == nil:
		return nil, errors.New("cluster: Options are required")
	case cfg.Store == nil:
		return nil, errors.New("cluster: a Store is required")
	case cfg.Client == nil:
		return nil, errors.New("cluster: a Mesos client is required")
	case cfg.Listener == nil:
		return nil, errors.New("cluster: a Listener for the HTTP server is required")
	case cfg.Mode == PerJob && cfg.Job.ClassName == "":
		return nil, errors.New("cluster: a per-job cluster needs the job's class name")
	case cfg.TaskManagers < 0:
		return nil, fmt.Errorf("cluster: TaskManagers %d is negative", cfg.TaskManagers)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{
		cfg:      cfg,
		log:      cfg.Logger,
		now:      cfg.Now,
		workers:  table{},
		meta:     map[string]string{},
		attempts: map[string]int{},
		retryAt:  map[hastore.Role]time.Time{},
		retryBO: map[hastore.Role]*backoff.Backoff{
			RoleJobManager:  backoff.New(backoff.Policy{Initial: time.Second, Max: time.Minute}, nil),
			RoleTaskManager: backoff.New(backoff.Policy{Initial: time.Second, Max: time.Minute}, nil),
		},
		requests:    make(chan request),
		polls:       make(chan pollResult, 1),
		metrics:     newMetrics(),
		lastFailure: map[string]string{},
	}
	var err error
	if m.artifacts, err = buildArtifacts(cfg); err != nil {
		return nil, err
	}
	return m, nil
}

// Run runs the cluster until ctx is done (the scheduler stops; Flink keeps
// running for the next scheduler), or the cluster ends (stopped through the
// HTTP API, the session's JobManager exited normally, the job ended). The
// per-job result comes back as an *ExitError.
func (m *Manager) Run(ctx context.Context) error {
	if err := m.recover(); err != nil {
		return err
	}
	srv := &http.Server{Handler: m.handler(), ReadHeaderTimeout: 10 * time.Second}
	g, gctx := errgroup.WithContext(ctx)
	loopCtx, stopLoop := context.WithCancel(gctx)
	g.Go(func() error {
		err := srv.Serve(m.cfg.Listener)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("cluster: HTTP server: %w", err)
	})
	g.Go(func() error {
		<-loopCtx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownHTTPTimout)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error {
		defer stopLoop()
		return m.loop(loopCtx)
	})
	return g.Wait()
}

// recover loads the checkpoint: New workers are dropped (their launch was
// never sent), Launched ones are reconciled once subscribed, Released ones
// killed again.
func (m *Manager) recover() error {
	st, err := m.cfg.Store.Load()
	if err != nil {
		return fmt.Errorf("cluster: reading the checkpoint: %w", err)
	}
	if mode := st.Meta[metaMode]; mode != "" && mode != m.cfg.Mode.String() {
		return &ExitError{Code: 2, Msg: fmt.Sprintf("cluster: the checkpoint belongs to a %s cluster, not a %s cluster: use another mesos.resourcemanager.checkpoint-dir", mode, m.cfg.Mode)}
	}
	m.frameworkID = st.FrameworkID
	m.setLogFramework()
	m.nextSeq = st.NextTaskNumber
	for k, v := range st.Meta {
		m.meta[k] = v
	}
	m.meta[metaMode] = m.cfg.Mode.String()
	if m.cfg.Mode == PerJob && m.cfg.Job.JobID != "" {
		m.meta[metaJobID] = m.cfg.Job.JobID
	}
	m.desired = m.cfg.TaskManagers
	if v, ok := m.meta[metaTaskManagers]; ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			m.desired = n
		}
	}
	dropped := 0
	for _, rec := range st.Workers {
		if key := attemptKey(rec.Role, rec.Index); rec.Attempt > m.attempts[key] {
			m.attempts[key] = rec.Attempt
		}
		if rec.State == hastore.WorkerNew {
			dropped++
			continue
		}
		m.workers[rec.TaskID] = &worker{rec: rec}
	}
	m.dirty = true
	if st.FrameworkID != "" {
		m.log.Info("recovering: resubscribing with the stored framework ID",
			"launched_or_released", len(m.workers), "dropped_unlaunched", dropped)
	} else {
		m.log.Info("no checkpoint found: registering a new framework", "checkpoint_dir", m.cfg.Options.CheckpointDir)
	}
	m.updateSubscribe()
	return nil
}

// setLogFramework makes every later log line name the framework, so that
// lines of several schedulers can be told apart in one log store.
func (m *Manager) setLogFramework() {
	if m.frameworkID == "" {
		m.log = m.cfg.Logger
		return
	}
	m.log = m.cfg.Logger.With("framework", m.frameworkID)
}

func attemptKey(role hastore.Role, index int) string { return string(role) + "/" + strconv.Itoa(index) }

// updateSubscribe publishes the SUBSCRIBE the client sends next.
func (m *Manager) updateSubscribe() {
	o := m.cfg.Options
	fw := o.Framework
	info := &mesospb.FrameworkInfo{
		User:            proto.String(fw.User),
		Name:            proto.String(fw.Name),
		FailoverTimeout: proto.Float64(o.FailoverTimeout.Seconds()),
		Checkpoint:      proto.Bool(true),
		Roles:           []string{fw.Role},
		Hostname:        proto.String(fw.Hostname),
		WebuiUrl:        proto.String(m.webUIURL()),
		Capabilities: []*mesospb.FrameworkInfo_Capability{
			{Type: mesospb.FrameworkInfo_Capability_MULTI_ROLE.Enum()},
			{Type: mesospb.FrameworkInfo_Capability_PARTITION_AWARE.Enum()},
			{Type: mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE.Enum()},
		},
	}
	if o.TaskManager.GPUs > 0 {
		info.Capabilities = append(info.Capabilities, &mesospb.FrameworkInfo_Capability{Type: mesospb.FrameworkInfo_Capability_GPU_RESOURCES.Enum()})
	}
	if fw.Principal != "" {
		info.Principal = proto.String(fw.Principal)
	}
	if m.frameworkID != "" {
		info.Id = &mesospb.FrameworkID{Value: proto.String(m.frameworkID)}
	}
	m.subscribe.Store(&mesospb.Call_Subscribe{FrameworkInfo: info})
}

func (m *Manager) webUIURL() string {
	if u := m.cfg.Options.Framework.WebUIURL; u != "" {
		return u
	}
	return m.cfg.AdvertisedURL
}

// maxBatch bounds how many notifications the loop handles before it
// saves and sends, so that calls are never held back for long.
const maxBatch = 1024

// loop is the owner goroutine.
func (m *Manager) loop(ctx context.Context) error {
	stopClient, notes := m.startClient(ctx)
	defer func() { stopClient() }()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	now := m.now()
	m.ensure(now)
	if err := m.flush(ctx); err != nil {
		return err
	}
	// settle says the passes over the worker table (ensure, offer interest,
	// the timer) are due. A batch of status updates that changed no record
	// (TASK_STARTING, TASK_RUNNING: most of a large cluster's events) can
	// change none of what they compute but a deadline that went away, and
	// a timer that fires early only looks again. Skipping them keeps an
	// update's cost from growing with the cluster.
	settle := true
	for {
		if settle {
			m.resetTimer(timer, now)
		}
		settle = true
		select {
		case <-ctx.Done():
			m.log.Info("scheduler stopping; the Flink cluster keeps running and the next scheduler adopts it",
				"failover_timeout", m.cfg.Options.FailoverTimeout)
			return nil
		case n, ok := <-notes:
			settle = false
			// Take whatever else has arrived too, so that one checkpoint
			// write and one pass over the workers cover a burst of events:
			// with thousands of tasks a write costs tens of milliseconds,
			// and one per status update kept the stream unread until the
			// heartbeat watchdog cut it.
			for batch := 0; ; batch++ {
				if !ok {
					// The client ended without a Fatal: only when ctx ended.
					return ctx.Err()
				}
				now = m.now()
				if f, isFatal := n.(mesoshttp.Fatal); isFatal {
					settle = true
					restart, err := m.onFatal(f.Err, now)
					if err != nil {
						if ferr := m.flush(ctx); ferr != nil {
							return ferr
						}
						return err
					}
					if restart {
						stopClient()
						for range notes { // drain until the old client is gone
						}
						stopClient, notes = m.startClient(ctx)
					}
					break
				}
				m.onNotification(n, now)
				if !quiet(n) {
					settle = true
				}
				if _, isEvent := n.(mesoshttp.Event); !isEvent || batch == maxBatch {
					// A new or lost subscription ends the batch: the calls
					// queued so far belong to the subscription they were
					// made for.
					break
				}
				select {
				case n, ok = <-notes:
					continue
				default:
				}
				break
			}
		case <-timer.C:
			now = m.now()
			m.onTimer(now)
		case req := <-m.requests:
			now = m.now()
			m.onRequest(req, now)
		case res := <-m.polls:
			now = m.now()
			m.onPoll(res, now)
		}
		if m.dirty {
			settle = true
		}
		if settle {
			m.ensure(now)
			m.offerInterest(now)
		}
		if err := m.flush(ctx); err != nil {
			return err
		}
		if m.stopping != nil {
			if done, err := m.advanceStop(ctx, now); done {
				return err
			}
		}
		m.maybePoll(ctx, now)
	}
}

// quiet reports whether n is a status update or heartbeat, which change
// the worker table only through a record (and so m.dirty).
func quiet(n mesoshttp.Notification) bool {
	e, ok := n.(mesoshttp.Event)
	if !ok {
		return false
	}
	t := e.Event.GetType()
	return t == mesospb.Event_UPDATE || t == mesospb.Event_HEARTBEAT
}

// startClient runs the Mesos client until the returned function is called.
func (m *Manager) startClient(ctx context.Context) (context.CancelFunc, <-chan mesoshttp.Notification) {
	cctx, cancel := context.WithCancel(ctx)
	return cancel, m.cfg.Client.Run(cctx, func() *mesospb.Call_Subscribe { return m.subscribe.Load() })
}

// flush saves the state if it changed, then sends the queued calls in
// order. A failed save is fatal: the scheduler cannot know what is stored,
// so it must restart from the checkpoint rather than act on a guess.
//
// One offer event from a large cluster can ask for more calls than the
// client queues (an ACCEPT per agent, then an ACKNOWLEDGE per update), so
// flush waits for room rather than lose the subscription. Events arriving
// meanwhile wait in the client and then the connection, as during any long
// step of the loop; the heartbeat watchdog does not count that time. A
// master that stops answering holds the loop for one call timeout at most
// (the client's CallTimeout, 30 s by default): the call in flight then
// fails, which ends the subscription and so the wait.
func (m *Manager) flush(ctx context.Context) error {
	if m.dirty {
		st := hastore.State{FrameworkID: m.frameworkID, NextTaskNumber: m.nextSeq, Workers: m.workers.records(), Meta: m.meta}
		start := time.Now()
		err := m.cfg.Store.Save(st)
		m.metrics.checkpointWrite.observe(time.Since(start))
		if err != nil {
			return &ExitError{Code: 1, Msg: fmt.Sprintf("cluster: writing the checkpoint failed; restart the scheduler to continue from the last good checkpoint: %v", err)}
		}
		m.dirty = false
	}
	// Handling a launch that was not sent may queue calls (KILLs, REVIVE):
	// they go to a fresh outbox, sent by the flush below.
	calls := m.outbox
	m.outbox = nil
	notSent := false
	for _, c := range calls {
		if m.sub == nil {
			break
		}
		if err := m.sub.SendWait(ctx, c); err != nil {
			m.log.Debug("call not sent", "call", c.GetType().String(), "error", err)
			if errors.Is(err, mesoshttp.ErrSubscriptionLost) || ctx.Err() != nil {
				break // the rest would fail alike
			}
			if c.GetType() == mesospb.Call_ACCEPT {
				m.launchNotSent(c, err, m.now())
				notSent = true
			}
		}
	}
	clear(calls)
	if m.outbox == nil {
		m.outbox = calls[:0]
	}
	if notSent {
		// The workers replaced above wait for the next offers: ask for
		// them, and save before anything else is sent.
		now := m.now()
		m.ensure(now)
		m.offerInterest(now)
		return m.flush(ctx)
	}
	return nil
}

func (m *Manager) send(c *mesospb.Call) { m.outbox = append(m.outbox, c) }

// onNotification handles everything the client reports but Fatal.
func (m *Manager) onNotification(n mesoshttp.Notification, now time.Time) {
	switch n := n.(type) {
	case mesoshttp.Subscribed:
		m.onSubscribed(n.Sub, now)
	case mesoshttp.Event:
		if n.Sub != m.sub {
			return // from an older subscription
		}
		m.onEvent(n.Event, now)
	case mesoshttp.CallFailed:
		m.log.Error("Mesos refused a call", "call", n.Call.String(), "error", n.Err)
		m.event(now, "warning", fmt.Sprintf("Mesos refused %s: %v", n.Call, n.Err))
	case mesoshttp.Disconnected:
		if n.Sub != nil && n.Sub == m.sub {
			m.sub = nil
			m.reconnects++
			m.log.Warn("disconnected from Mesos; resubscribing", "master", n.Master, "error", n.Err, "retry_in", n.Retry)
			m.event(now, "warning", fmt.Sprintf("disconnected from %s: %v", n.Master, n.Err))
		} else {
			m.log.Warn("could not subscribe to Mesos; retrying", "master", n.Master, "error", n.Err, "retry_in", n.Retry)
		}
	}
}

// onFatal handles the end of the client. It returns restart when a new
// client run must start, or the error that ends Run.
func (m *Manager) onFatal(err error, now time.Time) (restart bool, _ error) {
	m.sub = nil
	switch {
	case errors.Is(err, mesoshttp.ErrTornDown) && m.stopping != nil:
		m.stopping.tornDown = true
		return false, nil
	case errors.Is(err, mesoshttp.ErrFrameworkRemoved):
		// Mesos forgot this framework (its failover timeout expired, or
		// someone tore it down): its tasks are gone. Retrying with the same
		// ID can never work - Flink 1.13 crash-looped here - so start over
		// as a new framework and relaunch the whole cluster.
		old := m.frameworkID
		lost := 0
		for id, w := range m.workers {
			if w.rec.State != hastore.WorkerNew {
				lost++
			}
			delete(m.workers, id)
		}
		m.frameworkID = ""
		m.setLogFramework()
		m.dirty = true
		m.updateSubscribe()
		m.log.Error("Mesos has removed the framework (its failover timeout expired or it was torn down); every task it had is gone. Registering a new framework and relaunching the cluster",
			"old_framework", old, "lost_tasks", lost, "error", err)
		m.event(now, "error", fmt.Sprintf("framework %s was removed by Mesos; %d tasks lost; registering a new framework", old, lost))
		return true, nil
	}
	return false, &ExitError{Code: 1, Msg: fmt.Sprintf("cluster: Mesos: %v", err)}
}

func (m *Manager) onSubscribed(sub *mesoshttp.Subscription, now time.Time) {
	m.sub = sub
	if prev := m.masterURL; prev != "" && prev != sub.Master() {
		m.metrics.leaderChanges++
		m.log.Info("the leading Mesos master changed", "from", prev, "to", sub.Master())
		m.event(now, "info", fmt.Sprintf("leading master changed from %s to %s", prev, sub.Master()))
	}
	m.masterURL = sub.Master()
	m.masterInfo = sub.MasterInfo()
	m.lastSubscribe = now
	m.metrics.lastHeartbeat = now
	m.suppressed = false
	id := sub.FrameworkID().GetValue()
	if id != m.frameworkID {
		m.frameworkID = id
		m.setLogFramework()
		m.dirty = true
		m.updateSubscribe()
		m.log.Info("registered with Mesos", "master", m.masterURL)
		if m.cfg.OnRegistered != nil {
			m.cfg.OnRegistered(id)
		}
		m.event(now, "info", "registered as framework "+id)
	} else {
		m.log.Info("resubscribed to Mesos", "master", m.masterURL)
		m.event(now, "info", "resubscribed at "+m.masterURL)
	}
	m.startReconciliation(now)
	for _, w := range m.workers {
		if w.rec.State == hastore.WorkerReleased {
			m.kill(w, now)
		}
	}
}

func (m *Manager) onEvent(ev *mesospb.Event, now time.Time) {
	switch ev.GetType() {
	case mesospb.Event_OFFERS:
		m.metrics.offersReceived += uint64(len(ev.GetOffers().GetOffers()))
		m.onOffers(ev.GetOffers().GetOffers(), now)
	case mesospb.Event_HEARTBEAT:
		m.metrics.lastHeartbeat = now
	case mesospb.Event_UPDATE:
		m.onUpdate(ev.GetUpdate().GetStatus(), now)
	case mesospb.Event_INVERSE_OFFERS:
		// Maintenance windows: this scheduler does not move tasks ahead of
		// them, so it says so at once instead of holding the inverse offers.
		var ids []*mesospb.OfferID
		for _, io := range ev.GetInverseOffers().GetInverseOffers() {
			ids = append(ids, io.GetId())
		}
		if len(ids) > 0 {
			m.send(&mesospb.Call{Type: mesospb.Call_DECLINE_INVERSE_OFFERS.Enum(),
				DeclineInverseOffers: &mesospb.Call_DeclineInverseOffers{InverseOfferIds: ids}})
		}
	case mesospb.Event_FAILURE:
		f := ev.GetFailure()
		if f.ExecutorId == nil {
			m.log.Warn("Mesos reports an agent lost; its tasks' updates follow", "agent", f.GetAgentId().GetValue())
			m.event(now, "warning", "agent "+f.GetAgentId().GetValue()+" lost")
		}
	case mesospb.Event_RESCIND, mesospb.Event_RESCIND_INVERSE_OFFER:
		// Offers are never held across events, so there is nothing to forget.
	case mesospb.Event_UPDATE_OPERATION_STATUS:
		// No operation this scheduler sends asks for feedback.
	case mesospb.Event_MESSAGE:
	default:
		m.log.Debug("ignoring an event of unknown type", "type", ev.GetType().String())
	}
}

// resetTimer arms the one timer for the earliest thing due.
func (m *Manager) resetTimer(t *time.Timer, now time.Time) {
	next := now.Add(time.Hour)
	at := func(d time.Time) {
		if !d.IsZero() && d.Before(next) {
			next = d
		}
	}
	for _, w := range m.workers {
		switch w.rec.State {
		case hastore.WorkerNew:
			if w.notBefore.After(now) {
				at(w.notBefore)
			}
		case hastore.WorkerReleased:
			if m.sub != nil {
				at(w.killSentAt.Add(killRetry))
			}
		case hastore.WorkerLaunched:
			if !w.hasStatus && !w.launchSent.IsZero() {
				at(w.launchSent.Add(launchTimeout))
			}
		}
	}
	if m.sub != nil {
		at(m.recon.next)
		at(m.nextImplicit)
	}
	if m.stopping != nil {
		at(m.stopping.deadline)
	}
	at(m.nextPoll)
	d := next.Sub(now)
	if d < time.Millisecond {
		d = time.Millisecond
	}
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

func (m *Manager) onTimer(now time.Time) {
	if m.sub == nil {
		return
	}
	for _, w := range m.workers {
		switch w.rec.State {
		case hastore.WorkerReleased:
			if now.Sub(w.killSentAt) >= killRetry {
				m.log.Info("re-attempting to kill a task", "task", w.rec.TaskID, "agent", w.rec.AgentID)
				m.kill(w, now)
			}
		case hastore.WorkerLaunched:
			if !w.hasStatus && !w.launchSent.IsZero() && now.Sub(w.launchSent) >= launchTimeout {
				m.log.Warn("no status for a launched task; reconciling", "task", w.rec.TaskID, "agent", w.rec.AgentID)
				w.launchSent = time.Time{}
				m.recon.add(w.rec.TaskID, now)
				m.send(mesoshttp.Reconcile(m.reconcileTask(w)))
			}
		}
	}
	m.reconcileTick(now)
}

// event records a line for the overview's recent events.
func (m *Manager) event(now time.Time, level, msg string) {
	m.recent = append(m.recent, Event{Time: now, Level: level, Message: msg})
	if len(m.recent) > maxRecentEvents {
		m.recent = append(m.recent[:0], m.recent[len(m.recent)-maxRecentEvents:]...)
	}
}
