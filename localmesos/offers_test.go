package localmesos_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/localmesos"
	"github.com/flink-mesos/flink-mesos/mesospb"
)

func TestOffersOnePerAgentInOneEvent(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{
		{Hostname: "h1", Attributes: "rack:r1;level:3", Domain: &localmesos.Domain{Region: "eu", Zone: "a"}},
		{Resources: "cpus:2;mem:1024"},
		{Resources: "cpus:1;mem:512"},
	}}
	m, _, s := start(t, cfg, frameworkInfo())
	offers := s.offers()
	if len(offers) != 3 {
		t.Fatalf("got %d offers in the first OFFERS event, want 3 (one per agent, one event)", len(offers))
	}
	sort.Slice(offers, func(i, j int) bool { return offers[i].GetAgentId().GetValue() < offers[j].GetAgentId().GetValue() })
	snap := m.Agents()
	idRe := regexp.MustCompile(`^[0-9a-f-]{36}-O\d+$`)
	for i, o := range offers {
		if !idRe.MatchString(o.GetId().GetValue()) {
			t.Errorf("offer ID %q, want MASTERID-ON", o.GetId().GetValue())
		}
		if o.GetFrameworkId().GetValue() != s.fwID || o.GetAgentId().GetValue() != snap[i].ID {
			t.Errorf("offer %d names framework %v agent %v", i, o.GetFrameworkId(), o.GetAgentId())
		}
		if o.AllocationInfo != nil {
			t.Errorf("offer to a framework without MULTI_ROLE carries allocation_info: %v", o.AllocationInfo)
		}
		for _, r := range o.GetResources() {
			if r.GetRole() != "*" || r.AllocationInfo != nil || len(r.Reservations) != 0 {
				t.Errorf("resource %v is not in the pre-refinement format without allocation_info", r)
			}
		}
		if u := o.GetUrl(); u.GetScheme() != "http" || u.GetAddress().GetPort() != 5051 || u.GetPath() != "/slave(1)" {
			t.Errorf("offer URL %v", u)
		}
	}
	o := offers[0]
	if o.GetHostname() != "h1" || len(o.GetAttributes()) != 2 || o.GetAttributes()[0].GetText().GetValue() != "r1" ||
		o.GetAttributes()[1].GetScalar().GetValue() != 3 || o.GetDomain().GetFaultDomain().GetZone().GetName() != "a" {
		t.Errorf("first offer hostname/attributes/domain: %v", o)
	}
	if scalar(o, "cpus") != 4 || scalar(o, "mem") != 8192 || scalar(offers[1], "cpus") != 2 || offers[2].GetHostname() != "agent-2" {
		t.Errorf("offered resources: %v / %v", offers[0].GetResources(), offers[1].GetResources())
	}
	// The offered resources are no longer available.
	waitFor(t, m, "three offers", func(s *localmesos.Snapshot) bool { return len(s.Offers) == 3 })
	if a := m.Agents()[1]; len(a.Available) != 0 {
		t.Errorf("agent 1 still has %v available", a.Available)
	}
}

func TestOffersMultiRoleAndRefinement(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:4;mem:1024;cpus(flink):2;mem(flink):512"}}}
	info := frameworkInfo(mesospb.FrameworkInfo_Capability_MULTI_ROLE, mesospb.FrameworkInfo_Capability_RESERVATION_REFINEMENT)
	info.Roles = []string{"flink"}
	_, _, s := start(t, cfg, info)
	offers := s.offers()
	if len(offers) != 1 || offers[0].GetAllocationInfo().GetRole() != "flink" {
		t.Fatalf("offers %v, want one for role flink", offers)
	}
	var reserved, unreserved float64
	for _, r := range offers[0].GetResources() {
		if r.GetAllocationInfo().GetRole() != "flink" || r.Role != nil {
			t.Errorf("resource %v: want allocation_info flink and no role", r)
		}
		if len(r.Reservations) == 1 && r.Reservations[0].GetRole() == "flink" && r.Reservations[0].GetType() == mesospb.Resource_ReservationInfo_STATIC {
			reserved += r.GetScalar().GetValue()
		} else if len(r.Reservations) == 0 {
			unreserved += r.GetScalar().GetValue()
		}
	}
	if reserved != 514 || unreserved != 1028 {
		t.Errorf("reserved %v unreserved %v, want 514 and 1028 (cpus+mem)", reserved, unreserved)
	}
}

func TestStaticReservationsOnlyForTheirRole(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:1;mem:256;cpus(flink):2"}}}
	_, _, s := start(t, cfg, frameworkInfo()) // role "*"
	o := s.offers()[0]
	if scalar(o, "cpus") != 1 {
		t.Errorf("a '*' framework was offered %v cpus, want only the unreserved 1", scalar(o, "cpus"))
	}
	info := frameworkInfo()
	info.Role = proto.String("flink")
	_, _, s2 := start(t, cfg, info)
	o = s2.offers()[0]
	var pre int
	for _, r := range o.GetResources() {
		if r.GetName() == "cpus" && r.GetRole() == "flink" && r.Reservation == nil {
			pre++
		}
	}
	if scalar(o, "cpus") != 3 || pre != 1 {
		t.Errorf("role flink offer %v, want 3 cpus with the reserved 2 as role:flink", o.GetResources())
	}
}

// DECLINE filters: 5 s by default, 0 for none, per (framework, role,
// agent) and covering the refused resources (hierarchical allocator
// recoverResources).
func TestDeclineFilters(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{{}, {}}}
	_, _, s := start(t, cfg, frameworkInfo())
	offers := s.offers()
	// Decline the first with no filter: it comes straight back.
	s.mustSend(&mesospb.Call{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{
		OfferIds: []*mesospb.OfferID{offers[0].GetId()}, Filters: &mesospb.Filters{RefuseSeconds: proto.Float64(0)}}})
	again := s.offers()
	if len(again) != 1 || again[0].GetAgentId().GetValue() != offers[0].GetAgentId().GetValue() || again[0].GetId().GetValue() == offers[0].GetId().GetValue() {
		t.Fatalf("after a 0 s decline got %v, want a new offer for the same agent", again)
	}
	// Decline both with the default filter (unset): nothing for 5 s.
	start := time.Now()
	s.mustSend(&mesospb.Call{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{
		OfferIds: []*mesospb.OfferID{again[0].GetId(), offers[1].GetId(), {Value: proto.String("unknown-offer")}}}})
	s.noEvent(4 * time.Second)
	back := s.offers()
	if waited := time.Since(start); waited < 5*time.Second {
		t.Errorf("offers came back after %v, want the 5 s default filter", waited)
	}
	if len(back) != 2 {
		t.Errorf("got %d offers after the filter, want both agents back", len(back))
	}
}

func TestSuppressAndRevive(t *testing.T) {
	info := frameworkInfo(mesospb.FrameworkInfo_Capability_MULTI_ROLE)
	info.Roles = []string{"a", "b"}
	m, _, s := start(t, localmesos.Config{}, info)
	offers := s.offers()
	s.mustSend(&mesospb.Call{Type: mesospb.Call_SUPPRESS.Enum()})
	s.mustSend(&mesospb.Call{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{
		OfferIds: []*mesospb.OfferID{offers[0].GetId()}, Filters: &mesospb.Filters{RefuseSeconds: proto.Float64(3600)}}})
	s.noEvent(300 * time.Millisecond)
	// An invalid role drops the whole REVIVE (still 202).
	s.mustSend(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), Revive: &mesospb.Call_Revive{Roles: []string{"a", "not-mine"}}})
	s.noEvent(300 * time.Millisecond)
	if fw := m.Frameworks()[0]; strings.Join(fw.Suppressed, ",") != "a,b" {
		t.Errorf("suppressed %v after the dropped REVIVE, want a,b", fw.Suppressed)
	}
	// REVIVE of b unsuppresses b and clears its filter, not a's.
	s.mustSend(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum(), Revive: &mesospb.Call_Revive{Roles: []string{"b"}}})
	o := s.offers()
	if len(o) != 1 || o[0].GetAllocationInfo().GetRole() != "b" {
		t.Fatalf("after REVIVE b got %v, want one offer for role b", o)
	}
	// SUPPRESS with subscribed-but-invalid role name is dropped too.
	s.mustSend(&mesospb.Call{Type: mesospb.Call_SUPPRESS.Enum(), Suppress: &mesospb.Call_Suppress{Roles: []string{"b", "b//c"}}})
	if fw := m.Frameworks()[0]; strings.Join(fw.Suppressed, ",") != "a" {
		t.Errorf("suppressed %v, want a", fw.Suppressed)
	}
}

func TestSubscribeSuppressedRoles(t *testing.T) {
	info := frameworkInfo(mesospb.FrameworkInfo_Capability_MULTI_ROLE)
	info.Roles = []string{"a"}
	m := newMaster(t, localmesos.Config{})
	c := newClient(t, m.URL())
	s := c.subscribe(info, func(call *mesospb.Call) { call.Subscribe.SuppressedRoles = []string{"a"} })
	s.subscribed()
	s.noEvent(300 * time.Millisecond)
	s.mustSend(&mesospb.Call{Type: mesospb.Call_REVIVE.Enum()})
	s.offers()
}

// Outstanding offers are discarded without RESCIND on resubscribe
// (Master::_failoverFramework).
func TestResubscribeDiscardsOffers(t *testing.T) {
	info := frameworkInfo()
	info.FailoverTimeout = proto.Float64(60)
	_, c, s1 := start(t, localmesos.Config{}, info)
	old := s1.offers()[0]
	info.Id = s1.fid()
	s2 := c.subscribe(info)
	s2.subscribed()
	o := s2.offers()[0]
	if o.GetId().GetValue() == old.GetId().GetValue() {
		t.Errorf("the new subscription got the old offer %v", old.GetId())
	}
	for ev := range s1.events {
		if ev.GetType() == mesospb.Event_RESCIND {
			t.Errorf("old stream got %v", ev)
		}
	}
	// ACCEPT of the discarded offer: TASK_LOST, invalid offers.
	s2.mustSend(acceptCall(old, task("t1", old.GetAgentId().GetValue(), "cpus:1", nil)))
	st := s2.update()
	if st.GetState() != mesospb.TaskState_TASK_LOST || st.GetMessage() != "Task launched with invalid offers: Offer "+old.GetId().GetValue()+" is no longer valid" {
		t.Errorf("got %v", st)
	}
}

func TestGPUAgentsOnlyForGPUFrameworks(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:4;mem:1024;gpus:2"}, {Resources: "cpus:1;mem:512"}}}
	_, _, s := start(t, cfg, frameworkInfo())
	if offers := s.offers(); len(offers) != 1 || scalar(offers[0], "gpus") != 0 {
		t.Errorf("a framework without GPU_RESOURCES got %v", offers)
	}
	_, _, g := start(t, cfg, frameworkInfo(mesospb.FrameworkInfo_Capability_GPU_RESOURCES))
	if offers := g.offers(); len(offers) != 2 {
		t.Errorf("a GPU framework got %d offers, want 2", len(offers))
	}
}

func TestMinAllocatableResources(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{{Resources: "cpus:0.005;mem:16"}, {Resources: "cpus:1;mem:16"}}}
	_, _, s := start(t, cfg, frameworkInfo())
	if offers := s.offers(); len(offers) != 1 || scalar(offers[0], "cpus") != 1 {
		t.Errorf("got %v, want only the agent above --min_allocatable_resources", offers)
	}
	info := frameworkInfo()
	info.OfferFilters = map[string]*mesospb.OfferFilters{"*": {MinAllocatableResources: &mesospb.OfferFilters_MinAllocatableResources{
		Quantities: []*mesospb.OfferFilters_ResourceQuantities{{Quantities: map[string]*mesospb.Value_Scalar{"mem": {Value: proto.Float64(8)}}}}}}}
	_, _, s2 := start(t, cfg, info)
	if offers := s2.offers(); len(offers) != 2 {
		t.Errorf("with offer_filters mem:8 got %d offers, want 2", len(offers))
	}
}

func TestOfferConstraints(t *testing.T) {
	cfg := localmesos.Config{Agents: []localmesos.AgentConfig{
		{Hostname: "a1", Attributes: "rack:r1"}, {Hostname: "a2", Attributes: "rack:r2"}, {Hostname: "b1"},
	}}
	info := frameworkInfo(mesospb.FrameworkInfo_Capability_MULTI_ROLE)
	info.Roles = []string{"flink"}
	sel := func(name string) *mesospb.AttributeConstraint_Selector {
		return &mesospb.AttributeConstraint_Selector{Selector: &mesospb.AttributeConstraint_Selector_AttributeName{AttributeName: name}}
	}
	host := &mesospb.AttributeConstraint_Selector{Selector: &mesospb.AttributeConstraint_Selector_PseudoattributeType_{
		PseudoattributeType: mesospb.AttributeConstraint_Selector_HOSTNAME}}
	oc := &mesospb.OfferConstraints{RoleConstraints: map[string]*mesospb.OfferConstraints_RoleConstraints{"flink": {Groups: []*mesospb.OfferConstraints_RoleConstraints_Group{
		{AttributeConstraints: []*mesospb.AttributeConstraint{{Selector: sel("rack"), Predicate: &mesospb.AttributeConstraint_Predicate{
			Predicate: &mesospb.AttributeConstraint_Predicate_TextEquals_{TextEquals: &mesospb.AttributeConstraint_Predicate_TextEquals{Value: proto.String("r1")}}}}}},
		{AttributeConstraints: []*mesospb.AttributeConstraint{{Selector: host, Predicate: &mesospb.AttributeConstraint_Predicate{
			Predicate: &mesospb.AttributeConstraint_Predicate_TextMatches_{TextMatches: &mesospb.AttributeConstraint_Predicate_TextMatches{Regex: proto.String("b.")}}}}}},
	}}}}
	m := newMaster(t, cfg)
	c := newClient(t, m.URL())
	s := c.subscribe(info, func(call *mesospb.Call) { call.Subscribe.OfferConstraints = oc })
	s.subscribed()
	var hosts []string
	for _, o := range s.offers() {
		hosts = append(hosts, o.GetHostname())
	}
	sort.Strings(hosts)
	if strings.Join(hosts, ",") != "a1,b1" {
		t.Errorf("offered hosts %v, want a1 and b1", hosts)
	}
	bad := proto.Clone(oc).(*mesospb.OfferConstraints)
	bad.RoleConstraints["other"] = bad.RoleConstraints["flink"]
	s2 := c.subscribe(info, func(call *mesospb.Call) { call.Subscribe.OfferConstraints = bad })
	if ev := s2.nextAny(); ev.GetError().GetMessage() != "Offer constraints specify `role_constraints` for a role 'other'not contained in the set of roles" {
		t.Errorf("got %v", ev)
	}
}

// Offers are rescinded after --offer_timeout, and by RescindOffers.
func TestOfferRescind(t *testing.T) {
	m, _, s := start(t, localmesos.Config{OfferTimeout: 200 * time.Millisecond}, frameworkInfo())
	o := s.offers()[0]
	ev := s.expect(mesospb.Event_RESCIND)
	if ev.GetRescind().GetOfferId().GetValue() != o.GetId().GetValue() {
		t.Errorf("rescinded %v, want %v", ev.GetRescind().GetOfferId(), o.GetId())
	}
	o2 := s.offers()[0]
	m.RescindOffers(o2.GetAgentId().GetValue())
	if ev := s.expect(mesospb.Event_RESCIND); ev.GetRescind().GetOfferId().GetValue() != o2.GetId().GetValue() {
		t.Errorf("RescindOffers rescinded %v", ev)
	}
	o3 := s.offers()[0]
	m.RescindOffers("")
	if ev := s.expect(mesospb.Event_RESCIND); ev.GetRescind().GetOfferId().GetValue() != o3.GetId().GetValue() {
		t.Errorf("RescindOffers(\"\") rescinded %v", ev)
	}
	// A rescinded offer is invalid for ACCEPT.
	s.mustSend(acceptCall(o3, task("t", o3.GetAgentId().GetValue(), "cpus:1", nil)))
	if st := s.until(mesospb.Event_UPDATE).GetUpdate().GetStatus(); st.GetReason() != mesospb.TaskStatus_REASON_INVALID_OFFERS {
		t.Errorf("accepting a rescinded offer: %v", st)
	}
}

// The framework with the smaller dominant share is offered first.
func TestDRFSharesAgentsBetweenFrameworks(t *testing.T) {
	var agents []localmesos.AgentConfig
	for i := 0; i < 4; i++ {
		agents = append(agents, localmesos.AgentConfig{Resources: "cpus:1;mem:1024"})
	}
	m := newMaster(t, localmesos.Config{Agents: agents, AllocationInterval: 50 * time.Millisecond})
	c := newClient(t, m.URL())
	a := c.subscribe(frameworkInfo())
	a.subscribed()
	first := a.offers()
	if len(first) != 4 {
		t.Fatalf("alone, the first framework got %d offers, want all 4", len(first))
	}
	b := c.subscribe(frameworkInfo())
	b.subscribed()
	// a keeps two offers (a dominant share of 1/2) and hands two back with
	// no filter: b, at share 0, gets them.
	returned := map[string]bool{}
	for _, o := range first[2:] {
		returned[o.GetAgentId().GetValue()] = true
		a.mustSend(&mesospb.Call{Type: mesospb.Call_DECLINE.Enum(), Decline: &mesospb.Call_Decline{
			OfferIds: []*mesospb.OfferID{o.GetId()}, Filters: &mesospb.Filters{RefuseSeconds: proto.Float64(0)}}})
	}
	got := map[string]bool{}
	for len(got) < 2 {
		for _, o := range b.offers() {
			got[o.GetAgentId().GetValue()] = true
		}
	}
	for id := range got {
		if !returned[id] {
			t.Errorf("b was offered agent %s, which a still holds", id)
		}
	}
	a.noEvent(300 * time.Millisecond)
}
