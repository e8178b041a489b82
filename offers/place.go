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
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	p := &planner{in: &in, roles: in.Roles, sc: sc}
	defer p.keepScratch()
	if len(p.roles) == 0 {
		p.roles = []string{"*"}
	}
	p.readTasks()
	p.readOffers()
	p.prepare()
	s := p.newState()
	p.s0 = s
	if in.Strategy == Spread {
		p.spread(s)
		return p.assemble(s), nil
	}
	var alts []*state
	if p.needFFD() {
		alts = []*state{s.clone(), s.clone()}
	}
	p.binpack(s)
	if alts != nil {
		p.ffd(alts[0])
		p.fill(alts[1])
		for _, alt := range alts {
			if alt.total > s.total || (alt.total == s.total && alt.agents < s.agents) {
				s = alt
			}
		}
	}
	return p.assemble(s), nil
}

// keepScratch hands the possibly grown working arrays back to the scratch.
func (p *planner) keepScratch() {
	sc := p.sc
	sc.agentNext, sc.offerNext, sc.offerBin = p.agentNext, p.offerNext, p.offerBin
	sc.agents, sc.bins, sc.init, sc.initPorts = p.agents, p.bins, p.init, p.initPorts
	if p.hostRep != nil {
		sc.hostRep = p.hostRep
	}
	if p.s0 != nil {
		sc.rows, sc.rowPorts = p.s0.rows[:0], p.s0.rowPorts[:0]
	}
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
	sc    *scratch
	s0    *state   // the state whose arrays are the scratch's
	ids   []string // every offer's ID, nil if one has none

	agentIx *index
	untidy  []int32 // agents tidyAgent has work with

	dims   []string       // dimension names
	others map[string]int // dimension of each requested scalar beyond the four
	nd     int

	classes  []class
	order    []int32 // classes, largest first
	groupIx  map[string]int32
	consSets [][]constraint
	elig     [][]bool // per constraint set, per bin; computed on first use
	invalid  []taskIssue

	agentNext []int32 // next offer of the same agent; -1 ends
	offerNext []int32 // next offer of the same bin, in ID order; -1 ends
	offerBin  []int32 // bin of each offer; -1 for none
	offerUsed []bool
	dupOffer  []bool        // a later copy of an offer ID: never declined
	offerErr  []*OfferError // malformed offers filed under their agent, reported by tidyAgent
	bad       []offerIssue

	agents     []agent
	bins       []bin
	liveBins   int     // bins with offers left
	init       []int64 // per bin and dimension: the usable amount offered, in thousandths
	initPorts  []int64
	total      []int64 // per dimension, over all bins
	totalPorts int64
	anyGPU     bool

	// The host index exists only when a class has a per-host limit or the
	// strategy is spread, the two things that count tasks per host.
	shape []int32 // per bin: bins with one shape offer the same amounts

	hostIx      *index
	hostOf      []int32 // per bin, its host's number in hostIx
	hostRep     []int32 // per host, its first bin
	sharedHosts bool    // some host has several bins
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
	first    int32 // offers, linked by agentNext up to last; after tidyAgent the one with the smallest ID
	last     int32
	portsRes int32 // ports resources among its offers
	bin      int32 // its first bin; the others follow bin.next
	untidy   bool  // several offers, several ports resources or a bad offer: tidyAgent has work
}

// bin is one agent and allocation role: what a LAUNCH may combine. Names
// are read from offers (seed for agent ID and role, the agent's first for
// the hostname and attributes) rather than copied, to keep the bins small:
// there is one per offer, nearly, and writing them is much of what reading
// ten thousand offers costs.
type bin struct {
	agent int32
	next  int32     // the agent's next bin
	seed  int32     // the offer that made it
	first int32     // offers, linked by offerNext; -1 if none is left
	hkey  [2]uint64 // prefixKey(hostname)
}

func (p *planner) agentID(b int32) string { return p.in.Offers[p.bins[b].seed].AgentID }
func (p *planner) role(b int32) string    { return p.in.Offers[p.bins[b].seed].Role }

// hostKey is the hostname of host h of the host index.
func (p *planner) hostKey(h int32) string { return p.host(p.hostRep[h]) }

// host is the bin's hostname; "" for a bin whose offers were all dropped.
func (p *planner) host(b int32) string {
	if r := p.rep(b); r >= 0 {
		return p.in.Offers[r].Hostname
	}
	return ""
}

// rep is the offer that speaks for the bin's agent (hostname, attributes):
// the one with the smallest ID; -1 for a bin whose offers were all dropped.
func (p *planner) rep(b int32) int32 {
	if bn := &p.bins[b]; bn.first >= 0 {
		return p.agents[bn.agent].first
	}
	return -1
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
	ids := newIndex(len(tasks), nil)
	keyOf := func(i int32) string { return tasks[i].ID }
	valid := make([]bool, len(tasks))
	groupMax := map[string]int{} // group -> its first valid task
	var others map[string]struct{}
	prev := -1 // the last valid task
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
		if prev >= 0 && sameClass(&tasks[prev], t) {
			// Tasks come in runs of one shape; the run's first task did
			// the rest.
			valid[i], prev = true, i
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
		valid[i], prev = true, i
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
	prev, k := -1, int32(-1)
	for i, ok := range valid {
		if !ok {
			continue
		}
		t := &tasks[i]
		if prev >= 0 && sameClass(&tasks[prev], t) {
			p.classes[k].tasks = append(p.classes[k].tasks, int32(i))
			prev = i
			continue
		}
		prev = i
		cons := canonical(t.Constraints)
		key = p.classKey(key[:0], t, cons)
		var found bool
		k, found = classIx[string(key)]
		if !found {
			k = int32(len(p.classes))
			classIx[string(key)] = k
			p.classes = append(p.classes, p.newClass(t, cons, consIx))
		}
		p.classes[k].tasks = append(p.classes[k].tasks, int32(i))
	}
}

// sameClass says, cheaply and only for the plain case, whether two valid
// tasks need exactly the same: then they are of one class. Tasks with named
// scalars go the long way.
func sameClass(a, b *Task) bool {
	return a.CPUs == b.CPUs && a.MemMB == b.MemMB && a.DiskMB == b.DiskMB && a.GPUs == b.GPUs &&
		a.Ports == b.Ports && a.MaxPerHost == b.MaxPerHost && a.Group == b.Group &&
		len(a.Scalars) == 0 && len(b.Scalars) == 0 && slices.Equal(a.Constraints, b.Constraints)
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
	sc := p.sc
	p.agentNext = sized(sc.agentNext, n)
	p.offerNext = sized(sc.offerNext, n)
	p.offerBin = sized(sc.offerBin, n)
	p.agents = sized(sc.agents, n)[:0]
	p.bins = sized(sc.bins, n)[:0]
	p.init = sized(sc.init, n*p.nd)[:0]
	p.initPorts = sized(sc.initPorts, n)[:0]
	p.agentIx = newIndex(n, sc.agentIx)
	sc.agentIx = p.agentIx
	// One pass validates each offer, files it under its agent and its bin
	// and adds up what it offers, while its memory is at hand. Agents with
	// one offer, nearly all of them, are finished in it too; the others are
	// listed for tidyAgent. The loop keeps to the common case; anything
	// else is a call, so that the loop's values stay in registers.
	sums := make([]int64, p.nd)
	ids := make([]string, n) // the offers to decline, to be cut down by declines
	for i := range offers {
		// agentNext and offerNext are written when an offer is linked.
		p.offerBin[i] = -1
		o := &offers[i]
		if ids != nil {
			if ids[i] = o.ID; o.ID == "" {
				ids = nil
			}
		}
		usable := o.Role == "" || slices.Contains(p.roles, o.Role)
		clear(sums)
		ports, portsRes, ok := p.scan(o, usable, sums)
		if !ok {
			p.readBad(int32(i), usable, sums)
			continue
		}
		a := p.fileInAgent(int32(i), portsRes)
		if usable {
			p.offerBin[i] = p.fileInBin(a, int32(i), sums, ports)
		}
	}
	p.ids = ids
	for _, a := range p.untidy {
		p.tidyAgent(a)
	}
	p.finishBins()
}

// fileInAgent files valid offer i, with portsRes ports resources, under
// its agent and returns the agent.
func (p *planner) fileInAgent(i, portsRes int32) int32 {
	a := p.agentIx.add(p.in.Offers[i].AgentID, int32(len(p.agents)), p.agentKey)
	if a < 0 {
		a = int32(len(p.agents))
		p.agents = append(p.agents, agent{first: i, last: i, portsRes: portsRes, bin: -1})
		if portsRes > 1 {
			p.messy(a)
		}
		return a
	}
	ag := &p.agents[a]
	p.agentNext[ag.last] = i
	ag.last = i
	ag.portsRes += portsRes
	p.messy(a)
	return a
}

// readBad deals with offer i, which scan found not plainly valid.
func (p *planner) readBad(i int32, usable bool, sums []int64) {
	o := &p.in.Offers[i]
	e := checkOffer(o)
	if e == nil {
		// scan is stricter than checkOffer nowhere; should it ever be,
		// count again the slow way.
		clear(sums)
		ports, portsRes := p.sum(o, usable, sums)
		a := p.fileInAgent(i, portsRes)
		if usable {
			p.offerBin[i] = p.fileInBin(a, i, sums, ports)
		}
		return
	}
	if o.ID == "" || o.AgentID == "" {
		p.addBad(int(i), e)
		return
	}
	// Filed all the same, for tidyAgent to see a repeated ID; it reports
	// the error unless the offer is a repeat.
	a := p.fileInAgent(i, 0)
	if p.offerErr == nil {
		p.offerErr = make([]*OfferError, len(p.in.Offers))
	}
	p.offerErr[i] = e
	p.messy(a)
}

func (p *planner) agentKey(a int32) string { return p.in.Offers[p.agents[a].first].AgentID }

// messy lists agent a for tidyAgent.
func (p *planner) messy(a int32) {
	if ag := &p.agents[a]; !ag.untidy {
		ag.untidy = true
		p.untidy = append(p.untidy, a)
	}
}

// finishBins goes over the bins once: their name keys and shapes, what
// they offer together (where that is used), and the host index if
// anything counts tasks per host (spread, a per-host limit).
func (p *planner) finishBins() {
	perHost := p.in.Strategy == Spread
	for k := range p.classes {
		perHost = perHost || p.classes[k].maxPerHost > 0
	}
	// Totals size classes against each other and, with a per-host limit,
	// agents in the agent-by-agent plan; a single class without a limit
	// needs none.
	totals := len(p.classes) > 1 || perHost
	p.total = make([]int64, p.nd)
	if perHost {
		p.hostIx = newIndex(len(p.bins), p.sc.hostIx)
		p.sc.hostIx = p.hostIx
		p.hostOf = sized(p.sc.hostOf, len(p.bins))
		p.sc.hostOf = p.hostOf
		p.hostRep = p.sc.hostRep[:0]
	}
	// A bin offering the same as the one before it shares its shape:
	// runs of identical agents are scored once.
	p.shape = sized(p.sc.shape, len(p.bins))
	p.sc.shape = p.shape
	nd, init, initPorts, shape := p.nd, p.init, p.initPorts, p.shape
	// Whether all live bins' name keys begin with the same word.
	var seen bool
	var firstWord, otherWords uint64
	for b := range p.bins {
		row := init[b*nd : (b+1)*nd]
		shape[b] = int32(b)
		if b > 0 && initPorts[b] == initPorts[b-1] && sameAmounts(init[(b-1)*nd:b*nd], row) {
			shape[b] = shape[b-1]
		}
		if bn := &p.bins[b]; bn.first >= 0 {
			if p.agents[bn.agent].untidy {
				// Its first offer may have changed.
				bn.hkey = prefixKey(p.in.Offers[p.agents[bn.agent].first].Hostname)
			}
			if !seen {
				seen, firstWord = true, bn.hkey[0]
			}
			otherWords |= bn.hkey[0] ^ firstWord
			p.liveBins++
			p.anyGPU = p.anyGPU || row[dimGPUs] > 0
			if totals {
				addInto(p.total, row)
				p.totalPorts = satAdd(p.totalPorts, initPorts[b])
			}
		}
		if perHost {
			h := p.hostIx.add(p.host(int32(b)), int32(len(p.hostRep)), p.hostKey)
			if h < 0 {
				h = int32(len(p.hostRep))
				p.hostRep = append(p.hostRep, int32(b))
			} else {
				p.sharedHosts = true
			}
			p.hostOf[b] = h
		}
	}
	if seen && otherWords == 0 {
		p.skipCommonPrefix()
	}
}

// sameAmounts is slices.Equal with the usual four dimensions unrolled.
func sameAmounts(x, y []int64) bool {
	if len(x) == baseDims && len(y) == baseDims {
		return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3]
	}
	return slices.Equal(x, y)
}

// scan reads an offer once: it adds what it offers to its role (if usable)
// into sums and returns the ports count and the number of ports resources.
// ok is false if the offer is not plainly valid; checkOffer then says why.
// This is checkOffer and sum in one loop, for the common case.
//
// It runs for every resource of every offer, so it has a fast lane for
// the resources nearly all offers consist of (unreserved, not revocable or
// shared, plain cpus, mem, disk, gpus and one range of ports): a loop
// without calls, which the compiler keeps in registers. Anything else
// starts over in scanAll.
func (p *planner) scan(o *Offer, usable bool, sums []int64) (ports int64, portsRes int32, ok bool) {
	if o.ID == "" || o.AgentID == "" || o.Hostname == "" {
		return 0, 0, false
	}
	for j := range o.Attributes {
		if o.Attributes[j].Name == "" {
			return 0, 0, false
		}
	}
	var cpus, gpus, mem, disk int64
	rs := o.Resources
	for j := range rs {
		r := &rs[j]
		if len(r.Reservation)|len(r.DiskSource) != 0 || r.Revocable || r.Shared || r.Persistent {
			return p.scanAll(o, usable, sums)
		}
		switch r.Kind {
		case KindScalar:
			v := r.Scalar
			// Negated, so that NaN fails too: scalarProblem's rules.
			if !(v >= 0 && v <= MaxScalar) {
				return 0, 0, false
			}
			m := milli(v)
			switch r.Name {
			case nameCPUs:
				cpus = satAdd(cpus, m)
			case nameMem:
				mem = satAdd(mem, m)
			case nameDisk:
				disk = satAdd(disk, m)
			case nameGPUs:
				gpus = satAdd(gpus, m)
			case "":
				return 0, 0, false
			default:
				if p.others != nil {
					return p.scanAll(o, usable, sums)
				}
			}
		case KindRanges:
			if r.Name == "" || len(r.Ranges) != 1 || r.Ranges[0].Begin > r.Ranges[0].End {
				return p.scanAll(o, usable, sums)
			}
			if r.Name == namePorts {
				portsRes++
				ports = satAdd(ports, countPorts(r.Ranges))
			}
		case KindSet:
			if r.Name == "" {
				return 0, 0, false
			}
		default:
			return 0, 0, false
		}
	}
	if !usable {
		return 0, portsRes, true
	}
	base := (*[baseDims]int64)(sums) // one bounds check, not four
	base[dimCPUs], base[dimGPUs], base[dimMem], base[dimDisk] = cpus, gpus, mem, disk
	return ports, portsRes, true
}

// scanAll is scan for any offer.
func (p *planner) scanAll(o *Offer, usable bool, sums []int64) (ports int64, portsRes int32, ok bool) {
	clear(sums)
	for j := range o.Resources {
		r := &o.Resources[j]
		if r.Name == "" {
			return 0, 0, false
		}
		// mine: whether a bin of this offer may take the resource (slot's
		// rules).
		mine := usable && !r.Revocable && !r.Shared
		if r.Reservation != "" {
			if r.Reservation == "*" {
				return 0, 0, false
			}
			mine = mine && p.reservedForUs(r.Reservation, o.Role)
		}
		if r.DiskSource != "" || r.Persistent {
			if r.Name != nameDisk {
				return 0, 0, false
			}
			mine = false
		}
		switch r.Kind {
		case KindScalar:
			// Negated, so that NaN fails too: scalarProblem's rules.
			if !(r.Scalar >= 0 && r.Scalar <= MaxScalar) {
				return 0, 0, false
			}
			if d := p.dimOf(r.Name); mine && d >= 0 {
				sums[d] = satAdd(sums[d], toMilli(r.Scalar))
			}
		case KindRanges:
			if pr, _ := rangesProblem(r.Ranges); pr != "" {
				return 0, 0, false
			}
			if r.Name == namePorts {
				portsRes++
				if mine {
					ports = satAdd(ports, countPorts(r.Ranges))
				}
			}
		case KindSet:
		default:
			return 0, 0, false
		}
	}
	return ports, portsRes, true
}

// sum is scan's counting without its checks.
func (p *planner) sum(o *Offer, usable bool, sums []int64) (ports int64, portsRes int32) {
	for j := range o.Resources {
		r := &o.Resources[j]
		if r.Kind == KindRanges && r.Name == namePorts {
			portsRes++
		}
		if !usable {
			continue
		}
		switch d, isPorts := p.slot(r, o.Role); {
		case d >= 0:
			sums[d] = satAdd(sums[d], toMilli(r.Scalar))
		case isPorts:
			ports = satAdd(ports, countPorts(r.Ranges))
		}
	}
	return ports, portsRes
}

// fileInBin files offer i, which offers sums and ports, in the bin of
// agent a for its allocation role, making the bin if needed.
func (p *planner) fileInBin(a, i int32, sums []int64, ports int64) int32 {
	role := p.in.Offers[i].Role
	prev := int32(-1)
	for b := p.agents[a].bin; b >= 0; b = p.bins[b].next {
		if p.role(b) == role {
			// Order does not matter yet: a bin gets a second offer only
			// if its agent has two, and tidyAgent puts them in ID order.
			bn := &p.bins[b]
			p.offerNext[i], bn.first = bn.first, i
			addInto(p.init[int(b)*p.nd:int(b+1)*p.nd], sums)
			p.initPorts[b] = satAdd(p.initPorts[b], ports)
			return b
		}
		prev = b
	}
	b := int32(len(p.bins))
	// The name key is taken here, while the offer is at hand: for an agent
	// with one offer, this offer speaks for it.
	p.bins = append(p.bins, bin{agent: a, next: -1, seed: i, first: i, hkey: prefixKey(p.in.Offers[i].Hostname)})
	p.offerNext[i] = -1
	p.init = append(p.init, sums...)
	p.initPorts = append(p.initPorts, ports)
	if prev < 0 {
		p.agents[a].bin = b
	} else {
		p.bins[prev].next = b
	}
	return b
}

// takeBack takes what offer o added to bin b back out of it. Sums
// saturate, so what is left can only be less than there is, never more.
func (p *planner) takeBack(b int32, o *Offer) {
	sums := make([]int64, p.nd)
	ports, _ := p.sum(o, true, sums)
	base := int(b) * p.nd
	for d, v := range sums {
		p.init[base+d] = max(0, p.init[base+d]-v)
	}
	p.initPorts[b] = max(0, p.initPorts[b]-ports)
}

// tidyAgent finishes an agent once all offers are filed: the offer with the
// smallest ID speaks for the agent (hostname, attributes), a repeated offer
// ID and offers whose ports collide are dropped, and each bin lists its
// offers in ID order. An agent with one offer and at most one ports
// resource, the common case, needs none of that. Mesos never gives two
// offers one ID, so a repeat is the same offer passed twice, which is
// always the same agent's.
func (p *planner) tidyAgent(a int32) {
	offers := p.in.Offers
	ag := &p.agents[a]
	if ag.first == ag.last && p.isBad(ag.first) {
		p.addBad(int(ag.first), p.offerErr[ag.first])
		ag.first = -1
		return
	}
	if ag.first != ag.last || ag.portsRes > 1 {
		var list []int32
		for i := ag.first; ; i = p.agentNext[i] {
			list = append(list, i)
			if i == ag.last {
				break
			}
		}
		slices.SortStableFunc(list, func(x, y int32) int { return strings.Compare(offers[x].ID, offers[y].ID) })
		var keep []int32
		first := int32(-1) // the first offer with the current ID
		for _, i := range list {
			if first < 0 || offers[i].ID != offers[first].ID {
				first = i
			} else {
				// The first copy alone is declined or used, even if bad.
				if p.dupOffer == nil {
					p.dupOffer = make([]bool, len(offers))
				}
				p.dupOffer[i] = true
				p.addBad(int(i), &OfferError{
					OfferID: offers[i].ID, Field: "id",
					Problem: fmt.Sprintf("repeats offer %d of the input; only the first one is used", first),
					Err:     ErrDuplicateOffer,
				})
				if !p.isBad(i) {
					p.unfile(i)
				}
				continue
			}
			if p.isBad(i) {
				p.addBad(int(i), p.offerErr[i])
				continue
			}
			keep = append(keep, i)
		}
		if ag.portsRes > 1 {
			keep = p.dropPortClashes(keep)
		}
		// Relink every bin of the agent in ID order: prepending in
		// reverse.
		for b := ag.bin; b >= 0; b = p.bins[b].next {
			p.bins[b].first = -1
		}
		for j := len(keep) - 1; j >= 0; j-- {
			i := keep[j]
			if b := p.offerBin[i]; b >= 0 {
				p.offerNext[i], p.bins[b].first = p.bins[b].first, i
			}
		}
		ag.first = -1
		if len(keep) > 0 {
			ag.first = keep[0]
		}
	}
	for b := ag.bin; b >= 0; b = p.bins[b].next {
		if bn := &p.bins[b]; bn.first < 0 {
			// Every offer of this bin was dropped: nothing may come of it.
			clear(p.init[int(b)*p.nd : int(b+1)*p.nd])
			p.initPorts[b] = 0
			bn.hkey = [2]uint64{}
		}
	}
}

func (p *planner) isBad(i int32) bool { return p.offerErr != nil && p.offerErr[i] != nil }

// unfile takes a dropped offer back out of its bin's sums; relinking
// happens after.
func (p *planner) unfile(i int32) {
	if b := p.offerBin[i]; b >= 0 {
		p.takeBack(b, &p.in.Offers[i])
		p.offerBin[i] = -1
	}
}

// skipCommonPrefix keys the live bins' names on what follows the prefix
// all their hostnames share, which orders them the same. finishBins calls
// it when every name key begins with the same word: hosts named like
// mesos-agent-production-0001 would otherwise be told apart by comparing
// strings.
func (p *planner) skipCommonPrefix() {
	lcp := -1
	var first string
	for b := range p.bins {
		if bn := &p.bins[b]; bn.first >= 0 {
			host := p.in.Offers[p.agents[bn.agent].first].Hostname
			if lcp < 0 {
				lcp, first = len(host), host
				continue
			}
			lcp = min(lcp, len(host))
			for i := range lcp {
				if host[i] != first[i] {
					lcp = i
					break
				}
			}
		}
	}
	for b := range p.bins {
		if bn := &p.bins[b]; bn.first >= 0 {
			bn.hkey = prefixKey(p.in.Offers[p.agents[bn.agent].first].Hostname[lcp:])
		}
	}
}

// prefixKey holds the first 16 bytes of s (zero-padded) as two numbers
// that order like the strings do, so most name comparisons never touch the
// strings themselves.
func prefixKey(s string) [2]uint64 {
	var b [16]byte
	copy(b[:], s)
	return [2]uint64{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
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
			p.unfile(i)
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

// addInto adds src to dst, saturating, with the usual four dimensions
// unrolled: it runs once or twice for every offer.
func addInto(dst, src []int64) {
	if len(dst) == baseDims && len(src) == baseDims {
		dst[0], dst[1] = satAdd(dst[0], src[0]), satAdd(dst[1], src[1])
		dst[2], dst[3] = satAdd(dst[2], src[2]), satAdd(dst[3], src[3])
		return
	}
	for d, v := range src {
		dst[d] = satAdd(dst[d], v)
	}
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

// prepare sizes and orders the classes.
func (p *planner) prepare() {
	p.order = make([]int32, len(p.classes))
	for k := range p.classes {
		c := &p.classes[k]
		c.size = classSize(c, p.total, p.totalPorts)
		p.order[k] = int32(k)
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
	if bn.first < 0 {
		return false // every offer of it was dropped
	}
	if c.Attribute == "HOSTNAME" {
		return p.host(b) == c.Value
	}
	for _, a := range p.in.Offers[p.rep(b)].Attributes {
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
	if x.hkey != y.hkey {
		if x.hkey[0] != y.hkey[0] {
			return cmpU64(x.hkey[0], y.hkey[0])
		}
		return cmpU64(x.hkey[1], y.hkey[1])
	}
	if c := strings.Compare(p.host(a), p.host(b)); c != 0 {
		return c
	}
	if c := strings.Compare(p.agentID(a), p.agentID(b)); c != 0 {
		return c
	}
	return strings.Compare(p.role(a), p.role(b))
}
