package offers

import (
	"maps"
	"math"
	"slices"
)

// state is one placement in progress: what is left on each bin, what went
// where. Strategies change nothing else, so a candidate is a cloned state.
type state struct {
	// What is left on a bin is what it offered until it gets a task;
	// then it is its row in rows (rowOf[b]) and rowPorts. Copying what
	// ten thousand agents offer for every plan would cost more than the
	// few rows a plan changes.
	rows      []int64 // nd per row, thousandths
	rowPorts  []int64
	rowOf     []int32 // per bin, valid once placed[b] > 0
	placed    []int64 // tasks per bin
	counts    hostCounts
	left      []int64 // per class, tasks still to place
	allocs    []alloc // in placement order
	open      []int32 // bins in the order they got their first task
	agentUsed []bool
	agents    int
	total     int64
}

type hostGroup struct{ host, group int32 }

// hostCounts counts tasks per host and group: in a flat array while hosts
// times groups stay near the number of bins (spread over ten thousand
// agents looks a count up for every agent it weighs), else in a map.
type hostCounts struct {
	groups int32
	flat   []int64
	sparse map[hostGroup]int64
}

func newHostCounts(hosts, groups, bins int) hostCounts {
	c := hostCounts{groups: int32(groups)}
	if hosts*groups <= 2*bins+1024 {
		c.flat = make([]int64, hosts*groups)
	} else {
		c.sparse = map[hostGroup]int64{}
	}
	return c
}

func (c *hostCounts) get(h, g int32) int64 {
	if c.flat != nil {
		return c.flat[h*c.groups+g]
	}
	return c.sparse[hostGroup{h, g}]
}

// add adds n, saturating.
func (c *hostCounts) add(h, g int32, n int64) {
	if c.flat != nil {
		c.flat[h*c.groups+g] = satAdd(c.flat[h*c.groups+g], n)
		return
	}
	c.sparse[hostGroup{h, g}] = satAdd(c.sparse[hostGroup{h, g}], n)
}

func (c hostCounts) clone() hostCounts {
	c.flat = slices.Clone(c.flat)
	c.sparse = maps.Clone(c.sparse)
	return c
}

type alloc struct {
	class, bin int32
	n          int64
}

// newState starts a placement with everything offered still free. Its
// arrays come from the scratch; clones of it allocate their own.
func (p *planner) newState() *state {
	sc := p.sc
	sc.placed = sized(sc.placed, len(p.bins))
	clear(sc.placed)
	sc.rowOf = sized(sc.rowOf, len(p.bins))
	sc.agentUsed = sized(sc.agentUsed, len(p.agents))
	clear(sc.agentUsed)
	s := &state{
		rows:      sc.rows[:0],
		rowPorts:  sc.rowPorts[:0],
		rowOf:     sc.rowOf,
		placed:    sc.placed,
		left:      make([]int64, len(p.classes)),
		agentUsed: sc.agentUsed,
	}
	for k := range p.classes {
		s.left[k] = int64(len(p.classes[k].tasks))
	}
	if p.hostIx != nil {
		s.counts = newHostCounts(len(p.hostRep), len(p.groupIx), len(p.bins))
		for _, r := range p.in.Running {
			h := p.hostIx.get(r.Hostname, p.hostKey)
			g, ok := p.groupIx[r.Group]
			if h >= 0 && ok {
				s.counts.add(h, g, int64(r.Count))
			}
		}
	}
	return s
}

func (s *state) clone() *state {
	c := *s
	c.rows = slices.Clone(s.rows)
	c.rowPorts = slices.Clone(s.rowPorts)
	c.rowOf = slices.Clone(s.rowOf)
	c.placed = slices.Clone(s.placed)
	c.counts = s.counts.clone()
	c.left = slices.Clone(s.left)
	c.allocs = slices.Clone(s.allocs)
	c.open = slices.Clone(s.open)
	c.agentUsed = slices.Clone(s.agentUsed)
	return &c
}

// capacity is how many more tasks of class k fit on bin b.
func (p *planner) capacity(s *state, k, b int32) int64 {
	cl := &p.classes[k]
	c := int64(math.MaxInt64)
	free := p.free(s, b)
	for _, d := range cl.need {
		c = min(c, free[d]/cl.demand[d])
	}
	if cl.ports > 0 {
		c = min(c, p.freePorts(s, b)/cl.ports)
	}
	if cl.maxPerHost > 0 {
		c = min(c, max(0, cl.maxPerHost-s.counts.get(p.hostOf[b], cl.group)))
	}
	return c
}

// free is what is left on bin b in s, per dimension; not to be changed.
func (p *planner) free(s *state, b int32) []int64 {
	if s.placed[b] > 0 {
		r := int(s.rowOf[b])
		return s.rows[r*p.nd : (r+1)*p.nd]
	}
	return p.init[int(b)*p.nd : int(b+1)*p.nd]
}

// freePorts is how many ports are left on bin b in s.
func (p *planner) freePorts(s *state, b int32) int64 {
	if s.placed[b] > 0 {
		return s.rowPorts[s.rowOf[b]]
	}
	return p.initPorts[b]
}

func (p *planner) place(s *state, k, b int32, n int64) {
	cl := &p.classes[k]
	if s.placed[b] == 0 {
		s.rowOf[b] = int32(len(s.rowPorts))
		s.rows = append(s.rows, p.init[int(b)*p.nd:int(b+1)*p.nd]...)
		s.rowPorts = append(s.rowPorts, p.initPorts[b])
	}
	r := int(s.rowOf[b])
	free := s.rows[r*p.nd : (r+1)*p.nd]
	for _, d := range cl.need {
		free[d] -= n * cl.demand[d]
	}
	s.rowPorts[r] -= n * cl.ports
	if s.placed[b] == 0 {
		s.open = append(s.open, b)
		if a := p.bins[b].agent; !s.agentUsed[a] {
			s.agentUsed[a] = true
			s.agents++
		}
	}
	s.placed[b] += n
	if p.hostOf != nil {
		s.counts.add(p.hostOf[b], cl.group, n)
	}
	s.left[k] -= n
	s.total += n
	s.allocs = append(s.allocs, alloc{k, b, n})
}

// fullness is the placement score: after n more tasks of class k on bin b,
// the mean over cpus, mem and every resource the class asks for of the
// share of the offered amount in use, in [0, 1]. It is scale-free, so a
// small agent filled up scores like a big one filled up. Bin packing takes
// the highest, spread the lowest; nomad's ScoreFitBinPack and
// ScoreFitSpread (nomad/structs/funcs.go) are the same idea with another
// formula.
func (p *planner) fullness(s *state, k, b int32, n int64) float64 {
	cl := &p.classes[k]
	base := int(b) * p.nd
	free := p.free(s, b)
	sum, parts := 0.0, 0
	for _, d := range cl.score {
		offered := p.init[base+d]
		if offered <= 0 {
			continue
		}
		sum += 1 - float64(free[d]-n*cl.demand[d])/float64(offered)
		parts++
	}
	if cl.ports > 0 && p.initPorts[b] > 0 {
		sum += 1 - float64(p.freePorts(s, b)-n*cl.ports)/float64(p.initPorts[b])
		parts++
	}
	// parts > 0: callers score only bins the class fits on, and a class
	// asks for something.
	return sum / float64(parts)
}

// Tiers keep tasks without GPUs off agents with GPUs while other agents
// fit them, as Mesos advises for GPU_RESOURCES frameworks: such a task
// tries the plain agents first, the GPU agents after.
const (
	tierAll = iota
	tierPlain
	tierGPU
)

var (
	oneTier  = []int{tierAll}
	twoTiers = []int{tierPlain, tierGPU}
)

func (p *planner) tiers(k int32) []int {
	if p.classes[k].gpu || !p.anyGPU {
		return oneTier
	}
	return twoTiers
}

// inTier reads the GPUs an agent has left, not what it offered: once a
// plan gave its GPUs away, nothing is kept free by keeping other tasks off
// it, and its next offer will show no GPUs either.
func (p *planner) inTier(s *state, b int32, tier int) bool {
	switch tier {
	case tierPlain:
		return !p.hasGPU(s, b)
	case tierGPU:
		return p.hasGPU(s, b)
	}
	return true
}

func (p *planner) hasGPU(s *state, b int32) bool { return p.free(s, b)[dimGPUs] > 0 }

// cand is a bin in the running for a class: c more tasks fit, score says
// how full it is or gets; hkey is the bin's name key, copied here so that
// ranking thousands of bins reads nothing else.
type cand struct {
	hkey  [2]uint64
	c     int64
	score float64
	b     int32
}

// before ranks candidates: the most tasks first, then the higher score,
// then by name.
func (p *planner) before(x, y *cand) bool {
	if x.c != y.c {
		return x.c > y.c
	}
	if x.score != y.score {
		return x.score > y.score
	}
	return p.nameBefore(x, y)
}

// nameBefore orders candidates by name, as nameCmp does.
func (p *planner) nameBefore(x, y *cand) bool {
	if x.hkey != y.hkey {
		return x.hkey[0] < y.hkey[0] || (x.hkey[0] == y.hkey[0] && x.hkey[1] < y.hkey[1])
	}
	return p.nameCmp(x.b, y.b) < 0
}

// candHeap is a binary heap of candidates, the best (by before) on top:
// heap specialised, without copies or calls through a function value. It
// serves fillFresh when a per-host limit couples the bins of a host, so
// that placing on one changes the keys of others.
type candHeap struct {
	p     *planner
	items []cand
}

func (h *candHeap) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *candHeap) pop() {
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	if n > 0 {
		h.down(0)
	}
}

func (h *candHeap) down(i int) {
	items := h.items
	n := len(items)
	for {
		best := i
		if l := 2*i + 1; l < n && h.p.before(&items[l], &items[best]) {
			best = l
		}
		if r := 2*i + 2; r < n && h.p.before(&items[r], &items[best]) {
			best = r
		}
		if best == i {
			return
		}
		items[i], items[best] = items[best], items[i]
		i = best
	}
}

// binpack places the classes largest first. Each class first tops up the
// agents this plan already uses, fullest first, then opens new agents:
// those that take the most of the class first (fewest agents), the one
// left fullest among equals, and for the last, partial agent the one the
// remaining tasks fill best.
func (p *planner) binpack(s *state) {
	for _, k := range p.order {
		for _, tier := range p.tiers(k) {
			if s.left[k] == 0 {
				break
			}
			p.fillOpen(s, k, tier)
			p.fillFresh(s, k, tier)
		}
	}
}

func (p *planner) fillOpen(s *state, k int32, tier int) {
	var cands []cand
	for _, b := range s.open {
		if !p.inTier(s, b, tier) || !p.eligible(k, b) {
			continue
		}
		if c := p.capacity(s, k, b); c > 0 {
			cands = append(cands, cand{hkey: p.bins[b].hkey, score: p.fullness(s, k, b, min(c, s.left[k])), b: b})
		}
	}
	// Fullest first: c is left zero, so it does not rank.
	slices.SortFunc(cands, func(x, y cand) int {
		switch {
		case p.before(&x, &y):
			return -1
		case p.before(&y, &x):
			return 1
		}
		return 0
	})
	for _, cd := range cands {
		if s.left[k] == 0 {
			return
		}
		// Recomputed: a per-host limit shares room between bins of a host.
		if n := min(p.capacity(s, k, cd.b), s.left[k]); n > 0 {
			p.place(s, k, cd.b, n)
		}
	}
}

func (p *planner) fillFresh(s *state, k int32, tier int) {
	left0 := s.left[k]
	if left0 == 0 {
		return
	}
	limited := p.classes[k].maxPerHost > 0
	items, ranks := p.sc.ranked[:0], p.sc.ranks[:0]
	defer func() { p.sc.ranked, p.sc.ranks = items[:0], ranks[:0] }()
	// A fresh bin's capacity and density depend only on what it offers,
	// so a run of identical agents is scored once. Its free resources are
	// what it offered.
	memo := cand{b: -1}
	var r int32 // memo's rank
	constrained := p.classes[k].consSet >= 0
	for b := range int32(len(p.bins)) {
		if s.placed[b] > 0 || (tier != tierAll && !p.inTier(s, b, tier)) || (constrained && !p.eligible(k, b)) {
			continue
		}
		if memo.b < 0 || limited || !p.sameOffer(memo.b, b) {
			memo.b, memo.c = b, min(p.capacity(s, k, b), left0)
			if memo.c > 0 {
				memo.score = p.density(k, b)
				ranks, r = addRank(ranks, rankBinpack(&memo))
			}
		}
		if memo.c > 0 {
			items = append(items, ranked{name: p.bins[b].hkey, b: b, rank: r})
		}
	}
	if !limited || !p.sharedHosts {
		p.fillStatic(s, k, items, ranks, left0)
		return
	}
	h := candHeap{p: p, items: p.sc.cands[:0]}
	defer func() { p.sc.cands = h.items[:0] }()
	for i := range items {
		it := &items[i]
		rk := &ranks[it.rank]
		h.items = append(h.items, cand{hkey: it.name, c: rk.weight, score: math.Float64frombits(^rk.key[1]), b: it.b})
	}
	h.init()
	// Keys only ever get worse (capacity shrinks when a per-host limit
	// fills up), so a top whose key still holds is the true best.
	for s.left[k] > 0 && len(h.items) > 0 {
		top := &h.items[0]
		left := s.left[k]
		c := p.capacity(s, k, top.b)
		switch {
		case c == 0:
			h.pop()
		case c >= left:
			best := top.b
			if left < left0 {
				// The keys were capped at left0; among the bins that take
				// all that is left, the fullest afterwards wins.
				best = p.bestFit(s, k, items, ranks, left)
			}
			p.place(s, k, best, left)
			return
		case c < top.c:
			top.c = c
			h.down(0)
		default:
			p.place(s, k, top.b, c)
			h.pop()
		}
	}
}

// fillStatic is fillFresh when placing on one fresh bin changes no other
// bin's capacity: no per-host limit, or one bin per host. The candidates
// then go in a fixed order, and only as many of the first as take all
// tasks need finding and ordering, which costs far less than ordering all
// of them when a few agents out of thousands are opened.
//
// If all items are alike but for their names, the best fit for the last
// agent is simply the next by name, which the order already gives.
func (p *planner) fillStatic(s *state, k int32, items []ranked, ranks []rank, left0 int64) {
	uniform := true
	for _, r := range ranks {
		uniform = uniform && r == ranks[0]
	}
	// firstRanked reorders items, which bestFit does not mind.
	first := p.firstRanked(items, ranks, left0, true, p.sc.first[:0])
	defer func() { p.sc.first = first[:0] }()
	for _, it := range first {
		left := s.left[k]
		if w := ranks[it.rank].weight; w < left {
			p.place(s, k, it.b, w)
			continue
		}
		best := it.b
		if left < left0 && !uniform {
			// The keys were capped at left0; among the bins that take
			// all that is left, the fullest afterwards wins.
			best = p.bestFit(s, k, items, ranks, left)
		}
		p.place(s, k, best, left)
		return
	}
}

// density is how full one task of class k leaves fresh bin b: fullness
// with n = 1. On a fresh bin fullness is n times this, so among fresh bins
// that take n tasks each, the densest is the one they leave fullest.
func (p *planner) density(k, b int32) float64 {
	cl := &p.classes[k]
	base := int(b) * p.nd
	sum, parts := 0.0, 0
	for _, d := range cl.score {
		if offered := p.init[base+d]; offered > 0 {
			sum += float64(cl.demand[d]) / float64(offered)
			parts++
		}
	}
	if cl.ports > 0 && p.initPorts[b] > 0 {
		sum += float64(cl.ports) / float64(p.initPorts[b])
		parts++
	}
	return sum / float64(parts)
}

// sameOffer says whether bins a and b offer the same usable amounts, as
// far as a look at their shapes tells: if not, they may still.
func (p *planner) sameOffer(a, b int32) bool { return p.shape[a] == p.shape[b] }

// bestFit finds, among the bins in items still fresh, the one that n tasks
// of class k leave fullest: the densest that takes them. An item's weight
// is at least its bin's capacity (capped at a number above n), so only
// items weighing n or more can take n; a per-host limit may have lowered
// the true capacity since.
func (p *planner) bestFit(s *state, k int32, items []ranked, ranks []rank, n int64) int32 {
	limited := p.classes[k].maxPerHost > 0
	best := -1
	for i := range items {
		it := &items[i]
		if ranks[it.rank].weight < n {
			continue
		}
		if best >= 0 {
			// Denser is a lower key[1]; then by name.
			b := &items[best]
			if x, y := ranks[it.rank].key[1], ranks[b.rank].key[1]; x > y || (x == y && !p.rankedByName(it, b)) {
				continue
			}
		}
		if s.placed[it.b] > 0 || (limited && p.capacity(s, k, it.b) < n) {
			continue
		}
		best = i
	}
	return items[best].b
}

// rankedByName orders items by name, as nameCmp does.
func (p *planner) rankedByName(x, y *ranked) bool {
	if x.name[0] != y.name[0] {
		return x.name[0] < y.name[0]
	}
	if x.name[1] != y.name[1] {
		return x.name[1] < y.name[1]
	}
	return p.nameCmp(x.b, y.b) < 0
}

type spreadKey struct {
	hkey    [2]uint64 // the bin's, copied for the same reason as in cand
	count   int64
	fullest float64
	b       int32
	onGPU   bool // a task without GPUs on a GPU agent
}

// spreadBefore ranks bins for spread: plain agents for tasks without GPUs,
// then the fewest tasks of the group on the host, then the least full,
// then by name.
func (p *planner) spreadBefore(x, y *spreadKey) bool {
	if x.onGPU != y.onGPU {
		return !x.onGPU
	}
	if x.count != y.count {
		return x.count < y.count
	}
	if x.fullest != y.fullest {
		return x.fullest < y.fullest
	}
	if x.hkey != y.hkey {
		return x.hkey[0] < y.hkey[0] || (x.hkey[0] == y.hkey[0] && x.hkey[1] < y.hkey[1])
	}
	return p.nameCmp(x.b, y.b) < 0
}

// spread places one task at a time on the bin with the fewest tasks of
// its group on the host, then the least full after the task.
func (p *planner) spread(s *state) {
	for _, k := range p.order {
		cl := &p.classes[k]
		key := func(b int32) spreadKey {
			return spreadKey{
				hkey:    p.bins[b].hkey,
				count:   s.counts.get(p.hostOf[b], cl.group),
				fullest: p.fullness(s, k, b, 1),
				b:       b,
				onGPU:   !cl.gpu && p.hasGPU(s, b),
			}
		}
		items := p.sc.spread[:0]
		// A bin without tasks in this plan has all it offered free, so a
		// run of identical ones has one capacity and fullness; only the
		// count is the host's own.
		memo, fits := int32(-1), false
		var m spreadKey
		for b := range int32(len(p.bins)) {
			if !p.eligible(k, b) {
				continue
			}
			if s.placed[b] == 0 && memo >= 0 && cl.maxPerHost == 0 && p.sameOffer(memo, b) {
				if fits {
					m.hkey, m.count, m.b = p.bins[b].hkey, s.counts.get(p.hostOf[b], cl.group), b
					items = append(items, m)
				}
				continue
			}
			memo, fits = -1, p.capacity(s, k, b) > 0
			if s.placed[b] == 0 {
				memo = b
			}
			if fits {
				m = key(b)
				items = append(items, m)
			}
		}
		if !p.sharedHosts {
			// A task changes only its own bin's key, for the worse; so
			// the first left bins take all tasks of the class, and only
			// they need a place in the heap.
			rs, ranks := p.sc.ranked[:0], p.sc.ranks[:0]
			for i := range items {
				var r int32
				ranks, r = addRank(ranks, rankSpread(&items[i]))
				rs = append(rs, ranked{name: items[i].hkey, b: items[i].b, rank: r})
			}
			first := p.firstRanked(rs, ranks, s.left[k], false, p.sc.first[:0])
			items = items[:0]
			for _, it := range first {
				items = append(items, key(it.b))
			}
			p.sc.ranked, p.sc.ranks, p.sc.first = rs[:0], ranks[:0], first[:0]
		}
		h := heap[spreadKey]{items: items, better: p.spreadBefore}
		h.init()
		for s.left[k] > 0 && len(h.items) > 0 {
			top := &h.items[0]
			if p.capacity(s, k, top.b) == 0 {
				h.pop()
				continue
			}
			// Other bins of the same host may have raised the count.
			if now := key(top.b); now != *top {
				*top = now
				h.fixTop()
				continue
			}
			p.place(s, k, top.b, 1)
			if p.capacity(s, k, top.b) == 0 {
				h.pop()
			} else {
				*top = key(top.b)
				h.fixTop()
			}
		}
		p.sc.spread = h.items[:0]
	}
}

// ffd is first-fit decreasing: classes largest first, each task on the
// first bin by hostname, agent ID and role that fits it (plain agents
// before GPU agents for tasks without GPUs). Tasks of a class are equal, so
// a bin that is full for one is full for the next, and a class fills each
// bin in one step.
func (p *planner) ffd(s *state) {
	sorted := make([]int32, len(p.bins))
	for i := range sorted {
		sorted[i] = int32(i)
	}
	slices.SortFunc(sorted, p.nameCmp)
	for _, k := range p.order {
		for _, tier := range p.tiers(k) {
			for _, b := range sorted {
				if s.left[k] == 0 {
					break
				}
				if !p.inTier(s, b, tier) || !p.eligible(k, b) {
					continue
				}
				if n := min(p.capacity(s, k, b), s.left[k]); n > 0 {
					p.place(s, k, b, n)
				}
			}
		}
	}
}

// fill is bin-centric: it takes agents largest first and fills each with
// the tasks that suit what is left of it best before it opens the next.
// Suiting is the dot product of a task's needs and the agent's remaining
// resources, both as shares of the agent's offer (the DotProduct heuristic
// of Panigrahy et al., "Heuristics for Vector Bin Packing", 2011). Placing
// shape by shape strands resources when shapes differ (memory-heavy tasks
// leave cpus idle); mixing them on each agent does not.
func (p *planner) fill(s *state) {
	var plain, gpu []int32
	for _, k := range p.order {
		if p.classes[k].gpu {
			gpu = append(gpu, k)
		} else {
			plain = append(plain, k)
		}
	}
	if !p.anyGPU {
		p.fillTier(s, tierAll, plain)
		return
	}
	p.fillTier(s, tierGPU, gpu)
	p.fillTier(s, tierPlain, plain)
	p.fillTier(s, tierGPU, plain)
}

func (p *planner) fillTier(s *state, tier int, classes []int32) {
	if len(classes) == 0 {
		return
	}
	for _, b := range slices.Clone(s.open) {
		if p.inTier(s, b, tier) {
			p.fillBin(s, b, classes)
		}
	}
	// Largest first: an agent's offer as a share of all offers, summed
	// over what the classes ask for.
	var dims []int
	ports := false
	for _, k := range classes {
		for _, d := range p.classes[k].need {
			if !slices.Contains(dims, d) {
				dims = append(dims, d)
			}
		}
		ports = ports || p.classes[k].ports > 0
	}
	type sized struct {
		b    int32
		size float64
	}
	h := heap[sized]{better: func(x, y *sized) bool {
		if x.size != y.size {
			return x.size > y.size
		}
		return p.nameCmp(x.b, y.b) < 0
	}}
	for b := range int32(len(p.bins)) {
		if s.placed[b] > 0 || !p.inTier(s, b, tier) || p.bins[b].first < 0 {
			continue
		}
		size := 0.0
		for _, d := range dims {
			if p.total[d] > 0 {
				size += float64(p.init[int(b)*p.nd+d]) / float64(p.total[d])
			}
		}
		if ports && p.totalPorts > 0 {
			size += float64(p.initPorts[b]) / float64(p.totalPorts)
		}
		h.items = append(h.items, sized{b, size})
	}
	h.init()
	waiting := func() bool {
		for _, k := range classes {
			if s.left[k] > 0 {
				return true
			}
		}
		return false
	}
	for len(h.items) > 0 && waiting() {
		b := h.items[0].b
		h.pop()
		p.fillBin(s, b, classes)
	}
}

// fillBin puts tasks on bin b, each time of the class that suits what is
// left of it best, until none fits.
func (p *planner) fillBin(s *state, b int32, classes []int32) {
	base := int(b) * p.nd
	for {
		best, bestDot := int32(-1), -1.0
		for _, k := range classes {
			if s.left[k] == 0 || !p.eligible(k, b) || p.capacity(s, k, b) == 0 {
				continue
			}
			cl := &p.classes[k]
			free := p.free(s, b)
			dot := 0.0
			for _, d := range cl.need {
				offered := float64(p.init[base+d])
				dot += float64(cl.demand[d]) / offered * float64(free[d]) / offered
			}
			if cl.ports > 0 {
				offered := float64(p.initPorts[b])
				dot += float64(cl.ports) / offered * float64(p.freePorts(s, b)) / offered
			}
			if dot > bestDot {
				best, bestDot = k, dot
			}
		}
		if best < 0 {
			return
		}
		p.place(s, best, b, 1)
	}
}
