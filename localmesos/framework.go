package localmesos

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// capabilities of a framework, decoded once per (re)subscription.
type capabilities struct {
	taskKillingState      bool
	gpuResources          bool
	partitionAware        bool
	multiRole             bool
	reservationRefinement bool
}

func capabilitiesOf(info *mesospb.FrameworkInfo) capabilities {
	var c capabilities
	for _, cp := range info.GetCapabilities() {
		switch cp.GetType() {
		case mesospb.FrameworkInfo_Capability_TASK_KILLING_STATE:
			c.taskKillingState = true
		case mesospb.FrameworkInfo_Capability_GPU_RESOURCES:
			c.gpuResources = true
		case mesospb.FrameworkInfo_Capability_PARTITION_AWARE:
			c.partitionAware = true
		case mesospb.FrameworkInfo_Capability_MULTI_ROLE:
			c.multiRole = true
		case mesospb.FrameworkInfo_Capability_RESERVATION_REFINEMENT:
			c.reservationRefinement = true
		}
	}
	return c
}

// rolesOf is protobuf::framework::getRoles: roles for MULTI_ROLE
// frameworks, else the single (possibly defaulted) role, sorted.
func rolesOf(info *mesospb.FrameworkInfo) []string {
	if capabilitiesOf(info).multiRole {
		roles := slices.Clone(info.GetRoles())
		sort.Strings(roles)
		return slices.Compact(roles)
	}
	return []string{info.GetRole()}
}

// framework is the master's record of one framework.
type framework struct {
	id            string
	info          *mesospb.FrameworkInfo
	caps          capabilities
	roles         []string
	suppressed    map[string]bool
	minAlloc      map[string][]map[string]int64 // per role: alternatives of minimum scalar quantities
	constraints   *offerConstraints
	stream        *stream // nil while disconnected
	recovered     bool    // known from agents after a master failover, not yet resubscribed
	active        bool
	removed       bool
	subscriptions int
	acknowledged  int // ACKNOWLEDGE calls that moved a stream on

	failoverTimer *time.Timer
	subscribeGen  int // the failover timer only fires for the generation it was started in

	offers           map[string]*offer
	tasks            map[string]*task // live tasks, the master's view
	unreachableTasks map[string]bool
	filters          map[filterKey][]*refusal
	executors        map[string]map[string]*mesospb.ExecutorInfo // agent ID -> custom executors
	allocated        map[string]resources                        // role -> offered and used resources
}

func (fw *framework) connected() bool { return fw.stream != nil }

func (fw *framework) stopFailoverTimer() {
	if fw.failoverTimer != nil {
		fw.failoverTimer.Stop()
		fw.failoverTimer = nil
	}
}

func (fw *framework) hasRole(role string) bool {
	_, ok := slices.BinarySearch(fw.roles, role)
	return ok
}

// subscribeHTTP runs on the SUBSCRIBE request's goroutine: the loop decides
// what goes on the stream, this goroutine writes it out until it ends.
func (m *Master) subscribeHTTP(w http.ResponseWriter, r *http.Request, call *mesospb.Call, principal, mediaType string) {
	st := newStream(mediaType)
	added := false
	err := m.do(func(s *state) {
		s.recordCall(call)
		s.subscribe(st, call.GetSubscribe(), principal, m.cfg.Credentials != nil)
		// Counted on the loop, so that Close, which waits for the loop
		// before it waits for the streams, never misses this one.
		m.wg.Add(1)
		added = true
	})
	if added {
		defer m.wg.Done()
	}
	if err != nil {
		response{status: http.StatusServiceUnavailable, body: "Master is shutting down"}.write(w)
		return
	}
	if clientGone := st.serve(r.Context(), w, m.cfg.HeartbeatInterval, m.pauseHB.Load); clientGone {
		m.post(func(s *state) { s.streamEnded(st) })
	}
}

// refuse answers a SUBSCRIBE on its stream with an ERROR and a clean close,
// as Master::subscribe's refuseSubscription does.
func (s *state) refuse(st *stream, msg string) {
	st.sendEvent(errorEvent(msg))
	st.close()
}

func errorEvent(msg string) *mesospb.Event {
	return &mesospb.Event{Type: mesospb.Event_ERROR.Enum(), Error: &mesospb.Event_Error{Message: proto.String(msg)}}
}

// validateFrameworkInfo is Master::validateFramework: FrameworkInfo
// validation, the role whitelist and the completed list.
func (s *state) validateFrameworkInfo(info *mesospb.FrameworkInfo) error {
	multi := capabilitiesOf(info).multiRole
	if multi {
		if info.Role != nil {
			return errors.New("'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable")
		}
		seen := map[string]bool{}
		var dups []string
		for _, r := range info.GetRoles() {
			if seen[r] && !slices.Contains(dups, r) {
				dups = append(dups, r)
			}
			seen[r] = true
		}
		if len(dups) > 0 {
			sort.Strings(dups)
			return errors.New("'FrameworkInfo.roles' contains duplicate items: " + stringifySet(dups))
		}
		for _, r := range info.GetRoles() {
			if err := validateRole(r); err != nil {
				return errors.New("'FrameworkInfo.roles' contains invalid role: " + err.Error())
			}
		}
	} else {
		if len(info.GetRoles()) > 0 {
			return errors.New("'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable")
		}
		if err := validateRole(info.GetRole()); err != nil {
			return errors.New("'FrameworkInfo.role' is not a valid role: " + err.Error())
		}
	}
	if id := info.GetId().GetValue(); id != "" {
		if err := validateID(id); err != nil {
			return err
		}
	}
	for _, of := range info.GetOfferFilters() {
		if err := validateOfferFilters(of); err != nil {
			return err
		}
	}
	if t := info.GetFailoverTimeout(); t*1e9 > math.MaxInt64 || t*1e9 < math.MinInt64 {
		return fmt.Errorf("The framework failover_timeout (%s) is invalid", formatCxxDouble(t))
	}
	if s.m.cfg.Roles != nil {
		var bad []string
		for _, r := range rolesOf(info) {
			if r != "*" && !slices.Contains(s.m.cfg.Roles, r) {
				bad = append(bad, r)
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return errors.New("Roles " + stringifySet(slices.Compact(bad)) + " are not present in the master's --roles")
		}
	}
	if info.GetId().GetValue() != "" && s.completedSet[info.GetId().GetValue()] {
		return errors.New("Framework has been removed")
	}
	return nil
}

// validateOfferFilters is common::validation::validateOfferFilters: every
// minimum quantity must be a finite, non-negative number.
func validateOfferFilters(of *mesospb.OfferFilters) error {
	for _, q := range of.GetMinAllocatableResources().GetQuantities() {
		for name, v := range q.GetQuantities() {
			f := v.GetValue()
			if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return fmt.Errorf("Invalid resource quantity for '%s': %s", name, formatCxxDouble(f))
			}
		}
	}
	return nil
}

// frameworkOptions is what createAllocatorFrameworkOptions checks: the
// suppressed roles and offer constraints must name subscribed roles.
func frameworkOptions(roles []string, suppressed []string, oc *mesospb.OfferConstraints) (map[string]bool, *offerConstraints, error) {
	set := map[string]bool{}
	var bad []string
	for _, r := range suppressed {
		set[r] = true
		if !slices.Contains(roles, r) && !slices.Contains(bad, r) {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, nil, errors.New("Suppressed roles " + stringifySet(bad) + " are not contained in the set of roles")
	}
	names := make([]string, 0, len(oc.GetRoleConstraints()))
	for role := range oc.GetRoleConstraints() {
		names = append(names, role)
	}
	sort.Strings(names)
	for _, role := range names {
		if !slices.Contains(roles, role) {
			// The missing space is in the original message.
			return nil, nil, errors.New("Offer constraints specify `role_constraints` for a role '" + role + "'not contained in the set of roles")
		}
	}
	cons, err := compileOfferConstraints(oc)
	if err != nil {
		return nil, nil, errors.New("Offer constraints are not valid: " + err.Error())
	}
	return set, cons, nil
}

// subscribe is Master::subscribe and _subscribe for an HTTP framework.
func (s *state) subscribe(st *stream, sub *mesospb.Call_Subscribe, principal string, authenticated bool) {
	info := proto.Clone(sub.GetFrameworkInfo()).(*mesospb.FrameworkInfo)
	if authenticated && info.Principal == nil {
		info.Principal = proto.String(principal)
	}
	if err := s.validateFrameworkInfo(info); err != nil {
		s.refuse(st, err.Error())
		return
	}
	suppressed, cons, err := frameworkOptions(rolesOf(info), sub.GetSuppressedRoles(), sub.GetOfferConstraints())
	if err != nil {
		s.refuse(st, err.Error())
		return
	}
	if info.GetId().GetValue() == "" {
		id := fmt.Sprintf("%s-%04d", s.masterID, s.nextFramework)
		s.nextFramework++
		info.Id = &mesospb.FrameworkID{Value: proto.String(id)}
		fw := &framework{
			id:               id,
			offers:           map[string]*offer{},
			tasks:            map[string]*task{},
			unreachableTasks: map[string]bool{},
			filters:          map[filterKey][]*refusal{},
			executors:        map[string]map[string]*mesospb.ExecutorInfo{},
			allocated:        map[string]resources{},
		}
		s.frameworks[id] = fw
		s.frameworkList = append(s.frameworkList, fw)
		s.updateFramework(fw, info, suppressed, cons)
		s.connect(fw, st)
		s.m.log.Info("framework subscribed", "framework", id, "name", info.GetName())
		return
	}
	id := info.GetId().GetValue()
	fw := s.frameworks[id]
	if fw == nil {
		// Unknown to this master (it failed over and no agent runs a task
		// of this framework): accepted and recovered from the FrameworkInfo.
		fw = s.recoverFramework(info)
	}
	// Master::_subscribe keeps the immutable fields silently...
	info.User = fw.info.User
	info.Checkpoint = fw.info.Checkpoint
	// ...but refuses a principal change.
	if (fw.info.Principal == nil) != (info.Principal == nil) || fw.info.GetPrincipal() != info.GetPrincipal() {
		s.refuse(st, "Changing framework's principal is not allowed.")
		return
	}
	s.updateFramework(fw, info, suppressed, cons)
	if fw.stream != nil {
		old := fw.stream
		fw.stream = nil
		old.sendEvent(errorEvent("Framework failed over"))
		old.close()
	}
	fw.recovered = false
	s.connect(fw, st)
	s.m.log.Info("framework resubscribed", "framework", id, "name", info.GetName())
}

// recoverFramework creates the record of a framework this master has not
// seen subscribe (Master::recoverFramework).
func (s *state) recoverFramework(info *mesospb.FrameworkInfo) *framework {
	id := info.GetId().GetValue()
	fw := &framework{
		id:               id,
		info:             info,
		recovered:        true,
		offers:           map[string]*offer{},
		tasks:            map[string]*task{},
		unreachableTasks: map[string]bool{},
		filters:          map[filterKey][]*refusal{},
		executors:        map[string]map[string]*mesospb.ExecutorInfo{},
		allocated:        map[string]resources{},
	}
	fw.caps = capabilitiesOf(info)
	fw.roles = rolesOf(info)
	s.frameworks[id] = fw
	s.frameworkList = append(s.frameworkList, fw)
	return fw
}

// updateFramework applies a new FrameworkInfo and allocator options
// (Master::updateFramework and the allocator's updateFramework).
func (s *state) updateFramework(fw *framework, info *mesospb.FrameworkInfo, suppressed map[string]bool, cons *offerConstraints) {
	newRoles := rolesOf(info)
	for _, o := range fw.offerList() {
		if !slices.Contains(newRoles, o.role) {
			s.rescindOffer(o)
		}
	}
	oldSuppressed := fw.suppressed
	for _, role := range fw.roles {
		if !slices.Contains(newRoles, role) {
			s.dropFilters(fw, role)
		}
	}
	fw.info = info
	fw.caps = capabilitiesOf(info)
	fw.roles = newRoles
	fw.minAlloc = minAllocatable(info)
	fw.constraints = cons
	// Roles leaving the suppressed set are revived: their filters go.
	for role := range oldSuppressed {
		if !suppressed[role] && slices.Contains(newRoles, role) {
			s.dropFilters(fw, role)
		}
	}
	fw.suppressed = suppressed
}

// connect attaches a new subscription: offers made on the old one are
// discarded without RESCIND, SUBSCRIBED and the first HEARTBEAT go out, and
// the agents resend their pending status updates.
func (s *state) connect(fw *framework, st *stream) {
	fw.stopFailoverTimer()
	fw.subscribeGen++
	for _, o := range fw.offerList() {
		s.discardOffer(o, nil)
	}
	fw.stream = st
	fw.active = true
	fw.subscriptions++
	s.sendToFramework(fw, &mesospb.Event{
		Type: mesospb.Event_SUBSCRIBED.Enum(),
		Subscribed: &mesospb.Event_Subscribed{
			FrameworkId:              &mesospb.FrameworkID{Value: proto.String(fw.id)},
			HeartbeatIntervalSeconds: proto.Float64(s.m.cfg.HeartbeatInterval.Seconds()),
			MasterInfo:               proto.Clone(s.masterInfo).(*mesospb.MasterInfo),
		},
	})
	st.startHeartbeats(s.m.pauseHB.Load())
	s.resumeStatusUpdates(fw)
	s.allocateSoon()
}

// streamEnded is told that a subscription's client went away.
func (s *state) streamEnded(st *stream) {
	for _, fw := range s.frameworkList {
		if fw.stream == st {
			s.disconnect(fw)
			return
		}
	}
}

// disconnect is Master::_exited for an HTTP framework: deactivate,
// rescind offers (they reach nobody), and give the framework
// failover_timeout to come back.
func (s *state) disconnect(fw *framework) {
	s.m.log.Info("framework disconnected", "framework", fw.id)
	if fw.stream != nil {
		fw.stream.abort()
	}
	fw.stream = nil
	fw.active = false
	for _, o := range fw.offerList() {
		s.rescindOffer(o)
	}
	gen := fw.subscribeGen
	d := time.Duration(fw.info.GetFailoverTimeout() * float64(time.Second))
	fw.stopFailoverTimer()
	fw.failoverTimer = s.m.afterFunc(max(d, 0), func(s *state) {
		if cur := s.frameworks[fw.id]; cur == fw && !fw.connected() && fw.subscribeGen == gen {
			s.m.log.Info("framework failover timeout", "framework", fw.id)
			s.removeFramework(fw)
		}
	})
}

// removeFramework is Master::removeFramework: offers go, tasks are killed
// and forgotten, the stream closes cleanly with no event, and the ID joins
// the bounded completed list.
func (s *state) removeFramework(fw *framework) {
	fw.stopFailoverTimer()
	fw.active = false
	for _, o := range fw.offerList() {
		s.discardOffer(o, nil)
	}
	for _, t := range fw.taskList() {
		s.shutdownTask(t)
	}
	if fw.stream != nil {
		fw.stream.close()
		fw.stream = nil
	}
	fw.removed = true
	delete(s.frameworks, fw.id)
	s.completed = append(s.completed, fw.id)
	s.completedSet[fw.id] = true
	for len(s.completed) > s.m.cfg.MaxCompletedFrameworks {
		gone := s.completed[0]
		delete(s.completedSet, gone)
		s.completed = s.completed[1:]
		s.frameworkList = slices.DeleteFunc(s.frameworkList, func(f *framework) bool { return f.removed && f.id == gone })
	}
	s.m.log.Info("framework removed", "framework", fw.id)
}

// updateFrameworkCall is UPDATE_FRAMEWORK (Master::updateFramework, the
// HTTP variant): synchronous, 200 or 400.
func (s *state) updateFrameworkCall(fw *framework, call *mesospb.Call_UpdateFramework) response {
	info := proto.Clone(call.GetFrameworkInfo()).(*mesospb.FrameworkInfo)
	if err := s.validateFrameworkInfo(info); err != nil {
		return badRequest("Supplied FrameworkInfo is not valid: " + err.Error())
	}
	switch {
	case (fw.info.Principal == nil) != (info.Principal == nil) || fw.info.GetPrincipal() != info.GetPrincipal():
		return badRequest("FrameworkInfo update is not valid: Changing framework's principal is not allowed.")
	case info.GetUser() != fw.info.GetUser():
		return badRequest("FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from '" +
			fw.info.GetUser() + "' to '" + info.GetUser() + "'")
	case info.GetCheckpoint() != fw.info.GetCheckpoint():
		return badRequest(fmt.Sprintf("FrameworkInfo update is not valid: Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '%t' to '%t'",
			fw.info.GetCheckpoint(), info.GetCheckpoint()))
	}
	suppressed, cons, err := frameworkOptions(rolesOf(info), call.GetSuppressedRoles(), call.GetOfferConstraints())
	if err != nil {
		return badRequest("'UpdateFramework' call is not valid: " + err.Error())
	}
	s.updateFramework(fw, info, suppressed, cons)
	s.allocateSoon()
	return response{status: http.StatusOK}
}

func (fw *framework) offerList() []*offer {
	out := make([]*offer, 0, len(fw.offers))
	for _, o := range fw.offers {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out
}

func (fw *framework) taskList() []*task {
	out := make([]*task, 0, len(fw.tasks))
	for _, t := range fw.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}
