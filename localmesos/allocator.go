package localmesos

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// offer is an outstanding offer: resources of one agent allocated to one
// role of one framework.
type offer struct {
	n     int
	id    string
	fw    *framework
	agent *agent
	role  string
	res   resources // allocated to role
	timer *time.Timer
}

func (o *offer) stopTimer() {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
}

// OfferInfo describes an outstanding offer.
type OfferInfo struct {
	ID          string
	FrameworkID string
	AgentID     string
	Role        string
	Resources   []*mesospb.Resource // post-refinement format, with allocation_info
}

// filterKey: refusal filters are kept per (framework, role, agent).
type filterKey struct{ role, agent string }

// refusal is a RefusedOfferFilter: the unallocated resources refused and
// when the filter lapses.
type refusal struct {
	res     resources
	expires time.Time
}

// quantities are the scalars the fair-share order looks at, in thousandths.
type quantities struct{ cpus, mem, disk, gpus int64 }

func quantitiesOf(rs resources) quantities {
	return quantities{rs.scalar("cpus"), rs.scalar("mem"), rs.scalar("disk"), rs.scalar("gpus")}
}

func (q quantities) plus(o quantities) quantities {
	return quantities{q.cpus + o.cpus, q.mem + o.mem, q.disk + o.disk, q.gpus + o.gpus}
}

func (q quantities) minus(o quantities) quantities {
	return quantities{q.cpus - o.cpus, q.mem - o.mem, q.disk - o.disk, q.gpus - o.gpus}
}

// share is the dominant share of q in total (DRF).
func (q quantities) share(total quantities) float64 {
	f := 0.0
	for _, p := range [][2]int64{{q.cpus, total.cpus}, {q.mem, total.mem}, {q.disk, total.disk}, {q.gpus, total.gpus}} {
		if p[1] > 0 {
			f = max(f, float64(p[0])/float64(p[1]))
		}
	}
	return f
}

// defaultMinAllocatable is the master's --min_allocatable_resources
// default "cpus:0.01|mem:32": an offer must hold at least one of these.
var defaultMinAllocatable = []map[string]int64{{"cpus": 10}, {"mem": 32000}}

// minAllocatable unpacks FrameworkInfo.offer_filters: per role, the
// alternatives of minimum quantities that replace the master default.
func minAllocatable(info *mesospb.FrameworkInfo) map[string][]map[string]int64 {
	out := map[string][]map[string]int64{}
	for role, of := range info.GetOfferFilters() {
		mar := of.GetMinAllocatableResources()
		if mar == nil {
			continue
		}
		alts := []map[string]int64{}
		for _, q := range mar.GetQuantities() {
			alt := map[string]int64{}
			for name, v := range q.GetQuantities() {
				alt[name] = fixedPoint(v.GetValue())
			}
			alts = append(alts, alt)
		}
		out[role] = alts
	}
	return out
}

// allocatable is the allocator's allocatable() test: some alternative of
// minimum quantities is covered (an empty alternative always is).
func allocatable(rs resources, alts []map[string]int64) bool {
	if alts == nil {
		alts = defaultMinAllocatable
	}
	if len(alts) == 0 {
		return true
	}
	for _, alt := range alts {
		ok := true
		for name, min := range alt {
			if rs.scalar(name) < min {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// candidate is one (framework, role) that may receive offers.
type candidate struct {
	fw   *framework
	role string
}

// allocateSoon asks for an allocation right after the current request, as
// the allocator's generateOffers does after REVIVE or a new framework.
func (s *state) allocateSoon() { s.allocPending = true }

// allocate is one allocation cycle of the hierarchical allocator, reduced
// to what a single-master emulator needs: agents in random order; for each
// agent, the subscribed (framework, role) pairs in dominant-share order
// each get what of the agent's available resources their role may use,
// unless a refusal filter, the GPU filter, offer constraints or the minimum
// allocatable size holds it back. Offers for a framework go out together,
// in one OFFERS event. It reports whether it made any offer.
func (s *state) allocate() bool {
	s.allocPending = false
	var cands []candidate
	for _, fw := range s.frameworkList {
		if !fw.active || !fw.connected() || fw.removed {
			continue
		}
		for _, role := range fw.roles {
			if !fw.suppressed[role] {
				cands = append(cands, candidate{fw, role})
			}
		}
	}
	if len(cands) == 0 {
		return false
	}
	now := time.Now()
	order := make([]*agent, 0, len(s.agentList))
	for _, a := range s.agentList {
		if len(a.available) > 0 {
			order = append(order, a)
		}
	}
	s.rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	total := s.totalQuantities()
	made := map[*framework][]*offer{}
	for _, a := range order {
		if len(cands) > 1 {
			sort.SliceStable(cands, func(i, j int) bool {
				return cands[i].fw.share(cands[i].role, total) < cands[j].fw.share(cands[j].role, total)
			})
		}
		for _, c := range cands {
			if len(a.available) == 0 {
				break
			}
			if a.gpus && !c.fw.caps.gpuResources {
				// --filter_gpu_resources (default true): GPU agents are
				// only offered to GPU_RESOURCES frameworks.
				continue
			}
			if c.fw.constraints != nil && !c.fw.constraints.allows(c.role, a) {
				continue
			}
			res := a.available.allocatableTo(c.role)
			if len(res) == 0 || s.filtered(c.fw, c.role, a, res, now) || !allocatable(res, c.fw.minAlloc[c.role]) {
				continue
			}
			o := s.newOffer(c.fw, a, c.role, res)
			made[c.fw] = append(made[c.fw], o)
		}
	}
	for _, fw := range s.frameworkList {
		offers := made[fw]
		if len(offers) == 0 {
			continue
		}
		pbs := make([]*mesospb.Offer, len(offers))
		for i, o := range offers {
			pbs[i] = s.offerProto(o)
		}
		s.sendToFramework(fw, &mesospb.Event{Type: mesospb.Event_OFFERS.Enum(), Offers: &mesospb.Event_Offers{Offers: pbs}})
	}
	return len(made) > 0
}

func (s *state) totalQuantities() quantities {
	var q quantities
	for _, a := range s.agentList {
		q = q.plus(a.totalQ)
	}
	return q
}

func (fw *framework) share(role string, total quantities) float64 {
	return quantitiesOf(fw.allocated[role]).share(total)
}

// filtered reports whether a live refusal filter covers res; lapsed
// filters are dropped on the way.
func (s *state) filtered(fw *framework, role string, a *agent, res resources, now time.Time) bool {
	key := filterKey{role, a.id}
	fs := fw.filters[key]
	if len(fs) == 0 {
		return false
	}
	fs = slices.DeleteFunc(fs, func(f *refusal) bool { return !now.Before(f.expires) })
	if len(fs) == 0 {
		delete(fw.filters, key)
		return false
	}
	fw.filters[key] = fs
	for _, f := range fs {
		if f.res.contains(res) {
			return true
		}
	}
	return false
}

func (s *state) dropFilters(fw *framework, role string) {
	for k := range fw.filters {
		if k.role == role {
			delete(fw.filters, k)
		}
	}
}

// newOffer takes res (unallocated) out of the agent's available pool and
// offers it to fw for role.
func (s *state) newOffer(fw *framework, a *agent, role string, res resources) *offer {
	s.nextOffer++
	o := &offer{
		n:     s.nextOffer,
		id:    s.masterID + "-O" + strconv.Itoa(s.nextOffer-1),
		fw:    fw,
		agent: a,
		role:  role,
		res:   res.allocate(role),
	}
	a.available = a.available.subtractAll(res)
	fw.allocated[role] = fw.allocated[role].addAll(o.res)
	fw.offers[o.id] = o
	a.offers[o.id] = o
	s.offers[o.id] = o
	if d := s.m.cfg.OfferTimeout; d > 0 {
		id := o.id
		o.timer = s.m.afterFunc(d, func(s *state) {
			if o := s.offers[id]; o != nil {
				o.timer = nil
				s.rescindOffer(o)
			}
		})
	}
	return o
}

// offerProto renders an offer for its framework: MULTI_ROLE frameworks get
// allocation_info, others have it stripped; frameworks without
// RESERVATION_REFINEMENT get the pre-refinement resource format.
func (s *state) offerProto(o *offer) *mesospb.Offer {
	fw, a := o.fw, o.agent
	format := preRefinement
	if fw.caps.reservationRefinement {
		format = postRefinement
	}
	pb := &mesospb.Offer{
		Id:          &mesospb.OfferID{Value: proto.String(o.id)},
		FrameworkId: &mesospb.FrameworkID{Value: proto.String(fw.id)},
		AgentId:     &mesospb.AgentID{Value: proto.String(a.id)},
		Hostname:    proto.String(a.hostname),
		Url: &mesospb.URL{
			Scheme:  proto.String("http"),
			Address: &mesospb.Address{Hostname: proto.String(a.hostname), Ip: proto.String(a.ip), Port: proto.Int32(agentPort)},
			Path:    proto.String("/slave(1)"),
		},
		Domain:     a.domain,
		Resources:  o.res.toProto(format, fw.caps.multiRole),
		Attributes: a.attributes,
	}
	for _, id := range sortedKeys(fw.executors[a.id]) {
		pb.ExecutorIds = append(pb.ExecutorIds, &mesospb.ExecutorID{Value: proto.String(id)})
	}
	if fw.caps.multiRole {
		pb.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String(o.role)}
	}
	return pb
}

// removeOffer forgets an offer; its resources are the caller's to place.
func (s *state) removeOffer(o *offer) {
	o.stopTimer()
	delete(s.offers, o.id)
	delete(o.fw.offers, o.id)
	delete(o.agent.offers, o.id)
}

// recoverResources returns allocated resources of fw on agent a to the
// available pool and, with filters, installs a refusal filter
// (HierarchicalAllocatorProcess::recoverResources).
func (s *state) recoverResources(fw *framework, a *agent, role string, res resources, filters *mesospb.Filters) {
	if len(res) == 0 {
		return
	}
	fw.allocated[role] = fw.allocated[role].subtractAll(res)
	if len(fw.allocated[role]) == 0 {
		delete(fw.allocated, role)
	}
	if a.removed {
		return
	}
	unallocated := res.unallocate()
	a.available = a.available.addAll(unallocated)
	if filters == nil {
		return
	}
	if d := refuseDuration(filters.GetRefuseSeconds()); d != 0 {
		d = max(d, s.m.cfg.AllocationInterval)
		key := filterKey{role, a.id}
		fw.filters[key] = append(fw.filters[key], &refusal{res: unallocated, expires: time.Now().Add(d)})
	}
}

// refuseDuration applies the allocator's rules to Filters.refuse_seconds:
// capped at 365 days, negative (or not a number) means the 5 s default,
// 0 means no filter.
func refuseDuration(secs float64) time.Duration {
	const year = 365 * 24 * time.Hour
	switch {
	case math.IsNaN(secs) || secs < 0:
		return 5 * time.Second
	case secs > year.Seconds():
		return year
	}
	return time.Duration(secs * float64(time.Second))
}

// rescindOffer sends RESCIND and returns the resources without a filter.
func (s *state) rescindOffer(o *offer) {
	s.sendToFramework(o.fw, &mesospb.Event{
		Type:    mesospb.Event_RESCIND.Enum(),
		Rescind: &mesospb.Event_Rescind{OfferId: &mesospb.OfferID{Value: proto.String(o.id)}},
	})
	s.removeOffer(o)
	s.recoverResources(o.fw, o.agent, o.role, o.res, nil)
}

// discardOffer removes an offer silently, returning its resources with the
// given filters (nil: no filter).
func (s *state) discardOffer(o *offer, filters *mesospb.Filters) {
	s.removeOffer(o)
	s.recoverResources(o.fw, o.agent, o.role, o.res, filters)
}

// decline is Master::decline: live offers are discarded with the call's
// filters (the proto default of 5 s when absent); unknown IDs are ignored.
// Like the master, it does not check whose offer an ID names.
func (s *state) decline(d *mesospb.Call_Decline) {
	filters := d.GetFilters()
	if filters == nil {
		filters = &mesospb.Filters{}
	}
	for _, id := range d.GetOfferIds() {
		if o := s.offers[id.GetValue()]; o != nil {
			s.discardOffer(o, filters)
		}
	}
}

// suppressOrRevive handles SUPPRESS and REVIVE (Master::suppress,
// Master::revive): one invalid or unsubscribed role drops the whole call.
func (s *state) suppressOrRevive(fw *framework, roles []string, revive bool) {
	verb := "suppression"
	if revive {
		verb = "revive"
	}
	for _, role := range roles {
		if err := validateRole(role); err != nil {
			s.m.log.Warn("dropping call", "framework", fw.id, "reason", verb+" role '"+role+"' is invalid: "+err.Error())
			return
		}
		if !fw.hasRole(role) {
			s.m.log.Warn("dropping call", "framework", fw.id, "reason", verb+" role '"+role+"' is not one of the frameworks's subscribed roles")
			return
		}
	}
	if len(roles) == 0 {
		roles = fw.roles
	}
	for _, role := range roles {
		if revive {
			delete(fw.suppressed, role)
			s.dropFilters(fw, role)
		} else {
			fw.suppressed[role] = true
		}
	}
	if revive {
		s.allocateSoon()
	}
}

func (s *state) offerInfos() []OfferInfo {
	out := make([]OfferInfo, 0, len(s.offers))
	for _, o := range s.offers {
		out = append(out, OfferInfo{ID: o.id, FrameworkID: o.fw.id, AgentID: o.agent.id, Role: o.role,
			Resources: o.res.toProto(postRefinement, true)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
