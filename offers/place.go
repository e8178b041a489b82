package offers

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Place decides which task goes on which offer with which exact resources
// and ports, and which offers to decline. It is pure and deterministic: the
// same input gives the same plan, and the choice of agents does not depend
// on the order the offers come in. Malformed offers and tasks are reported
// in the plan and do not stop the rest; the error is only for an input that
// cannot be planned at all (an unknown strategy, an empty role name, a
// negative running count).
func Place(in Input) (Plan, error) {
	if err := checkInput(&in); err != nil {
		return Plan{}, err
	}
	p := &planner{in: &in, roles: in.Roles}
	if len(p.roles) == 0 {
		p.roles = []string{"*"}
	}
	p.readTasks()
	p.readOffers()
	p.prepare()
	s := p.newState()
	if in.Strategy == Spread {
		p.spread(s)
	} else {
		var alt *state
		if p.needFFD() {
			alt = s.clone()
		}
		p.binpack(s)
		if alt != nil {
			p.ffd(alt)
			if alt.total > s.total || (alt.total == s.total && alt.agents < s.agents) {
				s = alt
			}
		}
	}
	return p.assemble(s), nil
}

// Dimensions 0-3 are always these; other requested scalars follow by name,
// which makes the dimension order the TaskInfo resource order.
const (
	dimCPUs = iota
	dimGPUs
	dimMem
	dimDisk
	baseDims
)

type planner struct {
	in    *Input
	roles []string

	dims   []string       // dimension names
	others map[string]int // dimension of each requested scalar beyond the four
	nd     int

	classes  []class
	order    []int32 // classes, largest first
	groupIx  map[string]int32
	consSets [][]constraint
	elig     [][]bool // per constraint set, per bin; computed on first use
	invalid  []taskIssue

	offerBin  []int32 // bin of each offer, -1 if none
	offerNext []int32 // next offer of the same agent, then of the same bin; -1 ends
	offerUsed []bool
	dupOffer  []bool
	bad       []offerIssue

	agents    []agent
	bins      []bin
	init      []int64 // per bin and dimension: the usable amount offered, in thousandths
	initPorts []int64
	anyGPU    bool

	// The host index exists only when a class has a per-host limit or the
	// strategy is spread, the two things that count tasks per host.
	hostIx      *index
	hostNames   []string
	hostOf      []int32
	sharedHosts bool // some host has several bins
}

// class is a set of tasks that need exactly the same: they are placed
// together, as many per agent as fit in one step.
type class struct {
	demand     []int64 // per dimension, thousandths
	need       []int   // dimensions with demand, ascending
	score      []int   // dimensions the fullness score looks at: cpus, mem and need
	ports      int64
	group      int32
	maxPerHost int64
	cons       []constraint
	consSet    int // -1 without constraints
	gpu        bool
	tasks      []int32 // input indices, in input order
	size       float64
}

type constraint struct {
	Constraint
	milli   int64 // Value as a number, for scalar attributes
	numeric bool
}

type agent struct {
	id       string
	first    int32 // offers, linked by offerNext
	last     int32
	n        int32
	portsRes int32 // ports resources among its offers
}

type bin struct {
	agent   int32
	agentID string
	host    string
	role    string
	first   int32 // offers in ID order, linked by offerNext
	rep     int32 // the agent's offer with the smallest ID: attributes come from it
	gpu     bool
}

type taskIssue struct {
	at  int
	err error
}

type offerIssue struct {
	at  int
	err *OfferError
}

func (p *planner) readTasks() {
	tasks := p.in.Tasks
	ids := newIndex(len(tasks))
	keyOf := func(i int32) string { return tasks[i].ID }
	valid := make([]bool, len(tasks))
	groupMax := map[string]int{} // group -> its first valid task
	var others map[string]struct{}
	for i := range tasks {
		t := &tasks[i]
		if t.ID != "" {
			if j := ids.add(t.ID, int32(i), keyOf); j >= 0 {
				p.invalid = append(p.invalid, taskIssue{i, &TaskError{
					TaskID: t.ID, Field: "id",
					Problem: fmt.Sprintf("repeats task %d of the input; only the first one is placed", j),
					Err:     ErrDuplicateTask,
				}})
				continue
			}
		}
		if e := checkTask(t); e != nil {
			p.invalid = append(p.invalid, taskIssue{i, e})
			continue
		}
		// A limit per host belongs to the group: with two limits in one
		// group, whether a host is full would depend on the order.
		if j, ok := groupMax[t.Group]; !ok {
			groupMax[t.Group] = i
		} else if m := tasks[j].MaxPerHost; m != t.MaxPerHost {
			p.invalid = append(p.invalid, taskIssue{i, &TaskError{
				TaskID: t.ID, Field: "max per host", Value: strconv.Itoa(t.MaxPerHost),
				Problem: fmt.Sprintf("differs from %d of task %q in the same group %q; a group has one limit", m, tasks[j].ID, t.Group),
				Err:     ErrInvalidTask,
			}})
			continue
		}
		valid[i] = true
		for name, v := range t.Scalars {
			if toMilli(v) > 0 {
				if others == nil {
					others = map[string]struct{}{}
				}
				others[name] = struct{}{}
			}
		}
	}
	p.dims = []string{nameCPUs, nameGPUs, nameMem, nameDisk}
	if len(others) > 0 {
		extra := make([]string, 0, len(others))
		for n := range others {
			extra = append(extra, n)
		}
		slices.Sort(extra)
		p.others = make(map[string]int, len(extra))
		for _, n := range extra {
			p.others[n] = len(p.dims)
			p.dims = append(p.dims, n)
		}
	}
	p.nd = len(p.dims)

	p.groupIx = map[string]int32{}
	classIx := map[string]int32{}
	consIx := map[string]int{}
	var key []byte
	for i, ok := range valid {
		if !ok {
			continue
		}
		t := &tasks[i]
		cons := canonical(t.Constraints)
		key = p.classKey(key[:0], t, cons)
		k, found := classIx[string(key)]
		if !found {
			k = int32(len(p.classes))
			classIx[string(key)] = k
			p.classes = append(p.classes, p.newClass(t, cons, consIx))
		}
		p.classes[k].tasks = append(p.classes[k].tasks, int32(i))
	}
}

// canonical sorts and de-duplicates constraints, so that tasks with the
// same constraints in another order share a class.
func canonical(cs []Constraint) []Constraint {
	if len(cs) < 2 {
		return cs
	}
	out := slices.Clone(cs)
	slices.SortFunc(out, func(a, b Constraint) int {
		if c := strings.Compare(a.Attribute, b.Attribute); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return slices.Compact(out)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func (p *planner) classKey(b []byte, t *Task, cons []Constraint) []byte {
	b = appendString(b, t.Group)
	b = binary.AppendVarint(b, int64(t.MaxPerHost))
	b = binary.AppendVarint(b, int64(t.Ports))
	for d := range p.nd {
		b = binary.AppendVarint(b, p.demandOf(t, d))
	}
	for _, c := range cons {
		b = appendString(b, c.Attribute)
		b = appendString(b, c.Value)
	}
	return b
}

func (p *planner) demandOf(t *Task, d int) int64 {
	switch d {
	case dimCPUs:
		return toMilli(t.CPUs)
	case dimGPUs:
		return toMilli(t.GPUs)
	case dimMem:
		return toMilli(t.MemMB)
	case dimDisk:
		return toMilli(t.DiskMB)
	}
	return toMilli(t.Scalars[p.dims[d]])
}

func (p *planner) newClass(t *Task, cons []Constraint, consIx map[string]int) class {
	c := class{
		demand:     make([]int64, p.nd),
		ports:      int64(t.Ports),
		maxPerHost: int64(t.MaxPerHost),
		consSet:    -1,
	}
	for d := range p.nd {
		c.demand[d] = p.demandOf(t, d)
		if c.demand[d] > 0 {
			c.need = append(c.need, d)
		}
		if c.demand[d] > 0 || d == dimCPUs || d == dimMem {
			c.score = append(c.score, d)
		}
	}
	c.gpu = c.demand[dimGPUs] > 0
	g, ok := p.groupIx[t.Group]
	if !ok {
		g = int32(len(p.groupIx))
		p.groupIx[t.Group] = g
	}
	c.group = g
	if len(cons) > 0 {
		c.cons = make([]constraint, len(cons))
		var key []byte
		for i, x := range cons {
			c.cons[i].Constraint = x
			if v, err := strconv.ParseFloat(x.Value, 64); err == nil && scalarProblem(v) == "" {
				c.cons[i].milli, c.cons[i].numeric = toMilli(v), true
			}
			key = appendString(appendString(key, x.Attribute), x.Value)
		}
		id, ok := consIx[string(key)]
		if !ok {
			id = len(p.consSets)
			consIx[string(key)] = id
			p.consSets = append(p.consSets, c.cons)
		}
		c.consSet = id
	}
	return c
}

func (p *planner) addBad(i int, e *OfferError) { p.bad = append(p.bad, offerIssue{i, e}) }

func (p *planner) readOffers() {
	offers := p.in.Offers
	n := len(offers)
	p.offerBin = make([]int32, n)
	p.offerNext = make([]int32, n)
	for i := range p.offerBin {
		p.offerBin[i], p.offerNext[i] = -1, -1
	}
	ids := newIndex(n)
	offerKey := func(i int32) string { return offers[i].ID }
	agentIx := newIndex(n)
	agentKey := func(i int32) string { return p.agents[i].id }
	for i := range offers {
		o := &offers[i]
		if o.ID != "" {
			if j := ids.add(o.ID, int32(i), offerKey); j >= 0 {
				if p.dupOffer == nil {
					p.dupOffer = make([]bool, n)
				}
				p.dupOffer[i] = true
				p.addBad(i, &OfferError{
					OfferID: o.ID, Field: "id",
					Problem: fmt.Sprintf("repeats offer %d of the input; only the first one is used", j),
					Err:     ErrDuplicateOffer,
				})
				continue
			}
		}
		if e := checkOffer(o); e != nil {
			p.addBad(i, e)
			continue
		}
		ports := int32(0)
		for j := range o.Resources {
			if r := &o.Resources[j]; r.Kind == KindRanges && r.Name == namePorts {
				ports++
			}
		}
		if a := agentIx.add(o.AgentID, int32(len(p.agents)), agentKey); a >= 0 {
			ag := &p.agents[a]
			p.offerNext[ag.last] = int32(i)
			ag.last = int32(i)
			ag.n++
			ag.portsRes += ports
		} else {
			p.agents = append(p.agents, agent{id: o.AgentID, first: int32(i), last: int32(i), n: 1, portsRes: ports})
		}
	}

	var list []int32
	for a := range p.agents {
		ag := &p.agents[a]
		list = list[:0]
		for i := ag.first; i >= 0; i = p.offerNext[i] {
			list = append(list, i)
		}
		if len(list) > 1 {
			slices.SortFunc(list, func(x, y int32) int { return strings.Compare(offers[x].ID, offers[y].ID) })
		}
		if ag.portsRes > 1 {
			list = p.dropPortClashes(list)
		}
		p.binAgent(int32(a), list)
	}

	p.init = make([]int64, len(p.bins)*p.nd)
	p.initPorts = make([]int64, len(p.bins))
	for b := range p.bins {
		bn := &p.bins[b]
		base := b * p.nd
		for i := bn.first; i >= 0; i = p.offerNext[i] {
			p.offerBin[i] = int32(b)
			o := &offers[i]
			for j := range o.Resources {
				r := &o.Resources[j]
				d, ports := p.slot(r, bn.role)
				switch {
				case d >= 0:
					p.init[base+d] = satAdd(p.init[base+d], toMilli(r.Scalar))
				case ports:
					p.initPorts[b] = satAdd(p.initPorts[b], countPorts(r.Ranges))
				}
			}
		}
		bn.gpu = p.init[base+dimGPUs] > 0
		p.anyGPU = p.anyGPU || bn.gpu
	}
}

// binAgent makes one bin per allocation role of an agent's offers (list, in
// ID order). Offers for a role the framework does not have get no bin and
// are declined.
func (p *planner) binAgent(a int32, list []int32) {
	if len(list) == 0 {
		return
	}
	offers := p.in.Offers
	rep := list[0]
	firstBin := len(p.bins)
	var last map[int32]int32 // bin -> its last offer, for agents with several offers
	if len(list) > 1 {
		last = map[int32]int32{}
	}
	for _, i := range list {
		p.offerNext[i] = -1
		role := offers[i].Role
		if role != "" && !slices.Contains(p.roles, role) {
			continue
		}
		b := -1
		for x := firstBin; x < len(p.bins); x++ {
			if p.bins[x].role == role {
				b = x
				break
			}
		}
		if b < 0 {
			p.bins = append(p.bins, bin{
				agent: a, agentID: offers[i].AgentID, host: offers[rep].Hostname,
				role: role, first: i, rep: rep,
			})
			if len(list) > 1 {
				last[int32(len(p.bins)-1)] = i
			}
			continue
		}
		p.offerNext[last[int32(b)]] = i
		last[int32(b)] = i
	}
}

// dropPortClashes removes offers whose ports collide with ports of an
// earlier offer of the same agent, or with each other: handing out such a
// port twice would start two tasks on one port. Mesos never offers a port
// twice, so this is malformed input.
func (p *planner) dropPortClashes(list []int32) []int32 {
	type owned struct {
		Range
		offer int32
	}
	offers := p.in.Offers
	var taken, mine []owned
	keep := list[:0]
	for _, i := range list {
		mine = mine[:0]
		for _, r := range offers[i].Resources {
			if r.Kind == KindRanges && r.Name == namePorts {
				for _, rg := range r.Ranges {
					mine = append(mine, owned{rg, i})
				}
			}
		}
		all := append(slices.Clone(taken), mine...)
		slices.SortFunc(all, func(x, y owned) int { return cmpU64(x.Begin, y.Begin) })
		var clash *OfferError
		for j := 1; j < len(all) && clash == nil; j++ {
			prev, cur := all[j-1], all[j]
			if cur.Begin > prev.End {
				continue
			}
			if prev.offer != i {
				prev, cur = cur, prev
			}
			other := "the same offer"
			if cur.offer != i {
				other = fmt.Sprintf("offer %q of the same agent", offers[cur.offer].ID)
			}
			clash = &OfferError{
				OfferID: offers[i].ID, Field: `resource "ports"`, Value: prev.Range.String(),
				Problem: fmt.Sprintf("overlaps ports %v of %s; a port can be offered only once", cur.Range, other),
				Err:     ErrInvalidOffer,
			}
		}
		if clash != nil {
			p.addBad(int(i), clash)
			continue
		}
		taken = append(taken, mine...)
		keep = append(keep, i)
	}
	return keep
}

// slot says where a resource counts in bins of the given allocation role:
// a dimension, the ports, or nowhere (-1, false).
func (p *planner) slot(r *Resource, role string) (int, bool) {
	if r.Revocable || r.Shared || (r.Name == nameDisk && (r.DiskSource != "" || r.Persistent)) {
		return -1, false
	}
	if r.Reservation != "" && !p.reservedForUs(r.Reservation, role) {
		return -1, false
	}
	switch r.Kind {
	case KindScalar:
		return p.dimOf(r.Name), false
	case KindRanges:
		return -1, r.Name == namePorts
	}
	return -1, false
}

func (p *planner) reservedForUs(reservation, role string) bool {
	if role != "" {
		return allocatable(role, reservation)
	}
	for _, r := range p.roles {
		if allocatable(r, reservation) {
			return true
		}
	}
	return false
}

func (p *planner) dimOf(name string) int {
	switch name {
	case nameCPUs:
		return dimCPUs
	case nameGPUs:
		return dimGPUs
	case nameMem:
		return dimMem
	case nameDisk:
		return dimDisk
	}
	if d, ok := p.others[name]; ok {
		return d
	}
	return -1
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func countPorts(rs []Range) int64 {
	var n int64
	for _, r := range rs {
		span := r.End - r.Begin
		if span >= math.MaxInt64 {
			return math.MaxInt64
		}
		n = satAdd(n, int64(span)+1)
	}
	return n
}

// prepare sizes and orders the classes and builds the host index if
// anything counts tasks per host.
func (p *planner) prepare() {
	total := make([]int64, p.nd)
	var totalPorts int64
	for b := range p.bins {
		for d := range p.nd {
			total[d] = satAdd(total[d], p.init[b*p.nd+d])
		}
		totalPorts = satAdd(totalPorts, p.initPorts[b])
	}
	perHost := p.in.Strategy == Spread
	p.order = make([]int32, len(p.classes))
	for k := range p.classes {
		c := &p.classes[k]
		c.size = classSize(c, total, totalPorts)
		p.order[k] = int32(k)
		perHost = perHost || c.maxPerHost > 0
	}
	slices.SortStableFunc(p.order, func(a, b int32) int {
		// Largest first; equal sizes keep the order of first appearance.
		sa, sb := p.classes[a].size, p.classes[b].size
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})
	if perHost {
		p.hostIx = newIndex(len(p.bins))
		key := func(i int32) string { return p.hostNames[i] }
		p.hostOf = make([]int32, len(p.bins))
		for b := range p.bins {
			h := p.hostIx.add(p.bins[b].host, int32(len(p.hostNames)), key)
			if h < 0 {
				h = int32(len(p.hostNames))
				p.hostNames = append(p.hostNames, p.bins[b].host)
			} else {
				p.sharedHosts = true
			}
			p.hostOf[b] = h
		}
	}
}

// classSize is a task's largest share of what all offers together have, in
// any dimension: the key of "decreasing" in first-fit decreasing. A task
// nobody offers enough of is infinitely large.
func classSize(c *class, total []int64, totalPorts int64) float64 {
	size := 0.0
	share := func(want, have int64) {
		if have <= 0 {
			size = math.Inf(1)
			return
		}
		size = max(size, float64(want)/float64(have))
	}
	for _, d := range c.need {
		share(c.demand[d], total[d])
	}
	if c.ports > 0 {
		share(c.ports, totalPorts)
	}
	return size
}

// needFFD says whether the first-fit-decreasing candidate could beat the
// main bin packer. For a single class the main packer takes, tier by tier,
// the agents that fit the most tasks first, which needs the fewest agents
// there can be, unless a per-host limit couples several bins of one host.
func (p *planner) needFFD() bool {
	switch len(p.classes) {
	case 0:
		return false
	case 1:
		return p.classes[0].maxPerHost > 0 && p.sharedHosts
	}
	return true
}

// eligible says whether bin b satisfies the constraints of class k.
func (p *planner) eligible(k int32, b int32) bool {
	cs := p.classes[k].consSet
	if cs < 0 {
		return true
	}
	if p.elig == nil {
		p.elig = make([][]bool, len(p.consSets))
	}
	if p.elig[cs] == nil {
		e := make([]bool, len(p.bins))
		for x := range p.bins {
			e[x] = true
			for _, c := range p.consSets[cs] {
				if !p.satisfies(int32(x), c) {
					e[x] = false
					break
				}
			}
		}
		p.elig[cs] = e
	}
	return p.elig[cs][b]
}

// satisfies checks one hard host-attribute constraint the way Fenzo's
// HostAttrValueConstraint does (exact text, HOSTNAME is the agent's host,
// a missing attribute fails), and compares scalar attributes as numbers.
func (p *planner) satisfies(b int32, c constraint) bool {
	bn := &p.bins[b]
	if c.Attribute == "HOSTNAME" {
		return bn.host == c.Value
	}
	for _, a := range p.in.Offers[bn.rep].Attributes {
		if a.Name != c.Attribute {
			continue
		}
		if a.Value == c.Value {
			return true
		}
		if a.Scalar && c.numeric {
			if v, err := strconv.ParseFloat(a.Value, 64); err == nil && scalarProblem(v) == "" && toMilli(v) == c.milli {
				return true
			}
		}
	}
	return false
}

// nameCmp orders bins by hostname, agent ID and role: the tie-break of
// every choice, which makes plans independent of the offers' order.
func (p *planner) nameCmp(a, b int32) int {
	x, y := &p.bins[a], &p.bins[b]
	if c := strings.Compare(x.host, y.host); c != 0 {
		return c
	}
	if c := strings.Compare(x.agentID, y.agentID); c != 0 {
		return c
	}
	return strings.Compare(x.role, y.role)
}
