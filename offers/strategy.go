package offers

import (
	"maps"
	"math"
	"slices"
)

// state is one placement in progress: what is left on each bin, what went
// where. Strategies change nothing else, so a candidate is a cloned state.
type state struct {
	free      []int64 // per bin and dimension, thousandths
	ports     []int64 // per bin
	placed    []int64 // tasks per bin
	counts    map[hostGroup]int64
	left      []int64 // per class, tasks still to place
	allocs    []alloc // in placement order
	open      []int32 // bins in the order they got their first task
	agentUsed []bool
	agents    int
	total     int64
}

type hostGroup struct{ host, group int32 }

type alloc struct {
	class, bin int32
	n          int64
}

// newState starts a placement with everything offered still free. Its
// arrays come from the scratch; clones of it allocate their own.
func (p *planner) newState() *state {
	sc := p.sc
	sc.free = append(sc.free[:0], p.init...)
	sc.ports = append(sc.ports[:0], p.initPorts...)
	sc.placed = sized(sc.placed, len(p.bins))
	clear(sc.placed)
	sc.agentUsed = sized(sc.agentUsed, len(p.agents))
	clear(sc.agentUsed)
	s := &state{
		free:      sc.free,
		ports:     sc.ports,
		placed:    sc.placed,
		left:      make([]int64, len(p.classes)),
		agentUsed: sc.agentUsed,
	}
	for k := range p.classes {
		s.left[k] = int64(len(p.classes[k].tasks))
	}
	if p.hostIx != nil {
		s.counts = map[hostGroup]int64{}
		key := func(i int32) string { return p.hostNames[i] }
		for _, r := range p.in.Running {
			h := p.hostIx.get(r.Hostname, key)
			g, ok := p.groupIx[r.Group]
			if h >= 0 && ok {
				hg := hostGroup{h, g}
				s.counts[hg] = satAdd(s.counts[hg], int64(r.Count))
			}
		}
	}
	return s
}

func (s *state) clone() *state {
	c := *s
	c.free = slices.Clone(s.free)
	c.ports = slices.Clone(s.ports)
	c.placed = slices.Clone(s.placed)
	c.counts = maps.Clone(s.counts)
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
	base := int(b) * p.nd
	for _, d := range cl.need {
		c = min(c, s.free[base+d]/cl.demand[d])
	}
	if cl.ports > 0 {
		c = min(c, s.ports[b]/cl.ports)
	}
	if cl.maxPerHost > 0 {
		c = min(c, max(0, cl.maxPerHost-s.counts[hostGroup{p.hostOf[b], cl.group}]))
	}
	return c
}

func (p *planner) place(s *state, k, b int32, n int64) {
	cl := &p.classes[k]
	base := int(b) * p.nd
	for _, d := range cl.need {
		s.free[base+d] -= n * cl.demand[d]
	}
	s.ports[b] -= n * cl.ports
	if s.placed[b] == 0 {
		s.open = append(s.open, b)
		if a := p.bins[b].agent; !s.agentUsed[a] {
			s.agentUsed[a] = true
			s.agents++
		}
	}
	s.placed[b] += n
	if p.hostOf != nil {
		s.counts[hostGroup{p.hostOf[b], cl.group}] += n
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
	sum, parts := 0.0, 0
	for _, d := range cl.score {
		offered := p.init[base+d]
		if offered <= 0 {
			continue
		}
		sum += 1 - float64(s.free[base+d]-n*cl.demand[d])/float64(offered)
		parts++
	}
	if cl.ports > 0 && p.initPorts[b] > 0 {
		sum += 1 - float64(s.ports[b]-n*cl.ports)/float64(p.initPorts[b])
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

func (p *planner) hasGPU(s *state, b int32) bool { return s.free[int(b)*p.nd+dimGPUs] > 0 }

type cand struct {
	b     int32
	c     int64
	score float64
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
			cands = append(cands, cand{b, c, p.fullness(s, k, b, min(c, s.left[k]))})
		}
	}
	slices.SortFunc(cands, func(x, y cand) int {
		switch {
		case x.score > y.score:
			return -1
		case x.score < y.score:
			return 1
		}
		return p.nameCmp(x.b, y.b)
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
	h := heap[cand]{better: func(x, y cand) bool {
		if x.c != y.c {
			return x.c > y.c
		}
		if x.score != y.score {
			return x.score > y.score
		}
		return p.nameCmp(x.b, y.b) < 0
	}}
	h.items = p.sc.cands[:0]
	defer func() { p.sc.cands = h.items[:0] }()
	// A fresh bin's capacity and score depend only on what it offers, so
	// a run of identical agents is scored once.
	memo := cand{b: -1}
	for b := range int32(len(p.bins)) {
		if s.placed[b] > 0 || !p.inTier(s, b, tier) || !p.eligible(k, b) {
			continue
		}
		if memo.b >= 0 && p.classes[k].maxPerHost == 0 && p.sameOffer(memo.b, b) {
			if memo.c > 0 {
				h.items = append(h.items, cand{b, memo.c, memo.score})
			}
			continue
		}
		c := min(p.capacity(s, k, b), left0)
		memo = cand{b, c, 0}
		if c > 0 {
			memo.score = p.fullness(s, k, b, c)
			h.items = append(h.items, memo)
		}
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
			best := *top
			if left < left0 {
				// The keys were capped at left0; among the bins that take
				// all that is left, the fullest afterwards wins.
				best = p.bestFit(s, k, h.items, left)
			}
			p.place(s, k, best.b, left)
			return
		case c < top.c:
			top.c, top.score = c, p.fullness(s, k, top.b, c)
			h.fixTop()
		default:
			p.place(s, k, top.b, c)
			h.pop()
		}
	}
}

// sameOffer says whether bins a and b offer the same usable amounts.
func (p *planner) sameOffer(a, b int32) bool {
	return p.initPorts[a] == p.initPorts[b] &&
		slices.Equal(p.init[int(a)*p.nd:int(a+1)*p.nd], p.init[int(b)*p.nd:int(b+1)*p.nd])
}

// bestFit finds, among fresh bins, the one that n tasks of class k leave
// fullest. Like fillFresh, it scores a run of identical agents once.
func (p *planner) bestFit(s *state, k int32, items []cand, n int64) cand {
	best := cand{b: -1}
	memo, fits, sc := int32(-1), false, 0.0
	for _, it := range items {
		if memo < 0 || p.classes[k].maxPerHost > 0 || !p.sameOffer(memo, it.b) {
			memo = it.b
			if fits = p.capacity(s, k, it.b) >= n; fits {
				sc = p.fullness(s, k, it.b, n)
			}
		}
		if fits && (best.b < 0 || sc > best.score || (sc == best.score && p.nameCmp(it.b, best.b) < 0)) {
			best = cand{it.b, n, sc}
		}
	}
	return best
}

type spreadKey struct {
	b       int32
	onGPU   bool // a task without GPUs on a GPU agent
	count   int64
	fullest float64
}

// spread places one task at a time on the bin with the fewest tasks of
// its group on the host, then the least full after the task.
func (p *planner) spread(s *state) {
	for _, k := range p.order {
		cl := &p.classes[k]
		key := func(b int32) spreadKey {
			return spreadKey{
				b:       b,
				onGPU:   !cl.gpu && p.hasGPU(s, b),
				count:   s.counts[hostGroup{p.hostOf[b], cl.group}],
				fullest: p.fullness(s, k, b, 1),
			}
		}
		h := heap[spreadKey]{better: func(x, y spreadKey) bool {
			if x.onGPU != y.onGPU {
				return !x.onGPU
			}
			if x.count != y.count {
				return x.count < y.count
			}
			if x.fullest != y.fullest {
				return x.fullest < y.fullest
			}
			return p.nameCmp(x.b, y.b) < 0
		}}
		for b := range int32(len(p.bins)) {
			if p.eligible(k, b) && p.capacity(s, k, b) > 0 {
				h.items = append(h.items, key(b))
			}
		}
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
	h := heap[sized]{better: func(x, y sized) bool {
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
			dot := 0.0
			for _, d := range cl.need {
				offered := float64(p.init[base+d])
				dot += float64(cl.demand[d]) / offered * float64(s.free[base+d]) / offered
			}
			if cl.ports > 0 {
				offered := float64(p.initPorts[b])
				dot += float64(cl.ports) / offered * float64(s.ports[b]) / offered
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
