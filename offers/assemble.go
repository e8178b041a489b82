package offers

import (
	"fmt"
	"slices"
	"strings"
)

// sources are the usable resources of one bin in the order they are handed
// out: reserved before unreserved (as Flink's MesosResourceAllocation did),
// then by offer ID and position in the offer; ports lowest first within a
// resource. A bin has a handful of resources, so one flat list serves all
// dimensions.
type sources struct {
	scalar []scalarSrc
	ports  []portsSrc
}

type scalarSrc struct {
	offer, res int32
	dim        int32
	left       int64
}

type portsSrc struct {
	offer, res int32
	ranges     []Range // what is left, sorted
}

// slabs hold everything a plan hands out, so that a plan of thousands of
// tasks is a handful of allocations. Every placement gets a full slice
// expression, so appending to one never touches another.
type slabs struct {
	pieces  []Piece
	ranges  []Range  // of pieces
	ports   []uint64 // of placements
	scalars []scalarSrc
	portSrc []portsSrc
	left    []Range // what sources have left
}

func (p *planner) sourcesOf(b int32, sl *slabs) sources {
	bn := &p.bins[b]
	s0, p0 := len(sl.scalars), len(sl.portSrc)
	for _, reserved := range [2]bool{true, false} {
		for i := bn.first; i >= 0; i = p.offerNext[i] {
			o := &p.in.Offers[i]
			for j := range o.Resources {
				r := &o.Resources[j]
				if (r.Reservation != "") != reserved {
					continue
				}
				d, ports := p.slot(r, o.Role)
				switch {
				case d >= 0:
					if m := toMilli(r.Scalar); m > 0 {
						sl.scalars = append(sl.scalars, scalarSrc{i, int32(j), int32(d), m})
					}
				case ports && len(r.Ranges) > 0:
					l0 := len(sl.left)
					sl.left = append(sl.left, r.Ranges...)
					rs := sl.left[l0:len(sl.left):len(sl.left)]
					slices.SortFunc(rs, func(x, y Range) int { return cmpU64(x.Begin, y.Begin) })
					sl.portSrc = append(sl.portSrc, portsSrc{i, int32(j), rs})
				}
			}
		}
	}
	return sources{
		scalar: sl.scalars[s0:len(sl.scalars):len(sl.scalars)],
		ports:  sl.portSrc[p0:len(sl.portSrc):len(sl.portSrc)],
	}
}

// take cuts one task of class cl out of a bin's sources. The state said it
// fits, so the sources hold enough.
func (p *planner) take(src *sources, cl *class, id string, sl *slabs) Placement {
	offers := p.in.Offers
	start := len(sl.pieces)
	for _, d := range cl.need {
		want := cl.demand[d]
		for j := range src.scalar {
			sc := &src.scalar[j]
			if want == 0 {
				break
			}
			if int(sc.dim) != d || sc.left == 0 {
				continue
			}
			t := min(sc.left, want)
			sc.left -= t
			want -= t
			sl.pieces = append(sl.pieces, Piece{OfferID: offers[sc.offer].ID, Index: int(sc.res), Name: p.dims[d], Scalar: fromMilli(t)})
			p.offerUsed[sc.offer] = true
		}
	}
	pl := Placement{TaskID: id}
	if cl.ports > 0 {
		portStart := len(sl.ports)
		want := uint64(cl.ports)
		for x := range src.ports {
			ps := &src.ports[x]
			if want == 0 {
				break
			}
			rangeStart := len(sl.ranges)
			for want > 0 && len(ps.ranges) > 0 {
				r := &ps.ranges[0]
				n := want
				if span := r.End - r.Begin; want-1 >= span {
					n = span + 1 // the whole range; want is small, so this cannot wrap
				}
				last := r.Begin + n - 1
				if k := len(sl.ranges); k > rangeStart && sl.ranges[k-1].End+1 == r.Begin {
					sl.ranges[k-1].End = last
				} else {
					sl.ranges = append(sl.ranges, Range{r.Begin, last})
				}
				for port := r.Begin; ; port++ {
					sl.ports = append(sl.ports, port)
					if port == last {
						break
					}
				}
				want -= n
				if last == r.End {
					ps.ranges = ps.ranges[1:]
				} else {
					r.Begin = last + 1
				}
			}
			if end := len(sl.ranges); end > rangeStart {
				sl.pieces = append(sl.pieces, Piece{
					OfferID: offers[ps.offer].ID, Index: int(ps.res), Name: namePorts,
					Ranges: sl.ranges[rangeStart:end:end],
				})
				p.offerUsed[ps.offer] = true
			}
		}
		pl.Ports = sl.ports[portStart:len(sl.ports):len(sl.ports)]
	}
	pl.Resources = sl.pieces[start:len(sl.pieces):len(sl.pieces)]
	return pl
}

func (p *planner) assemble(s *state) Plan {
	var plan Plan
	offers := p.in.Offers
	tasks := p.in.Tasks
	sc := p.sc
	p.offerUsed = sized(sc.offerUsed, len(offers))
	clear(p.offerUsed)
	defer func() { sc.offerUsed = p.offerUsed }()

	// What a plan hands out is allocated afresh, since the caller keeps
	// it; the working lists come from the scratch.
	sl := slabs{scalars: sc.scalars[:0], portSrc: sc.portSrc[:0], left: sc.left[:0]}
	defer func() { sc.scalars, sc.portSrc, sc.left = sl.scalars[:0], sl.portSrc[:0], sl.left[:0] }()
	var pieces, ports int64
	for _, a := range s.allocs {
		cl := &p.classes[a.class]
		pieces += a.n * int64(len(cl.need)+1)
		ports += a.n * cl.ports
	}
	sl.pieces = make([]Piece, 0, pieces)
	sl.ports = make([]uint64, 0, ports)
	sl.ranges = make([]Range, 0, ports) // a range has a port at least

	// Launches in name order (s.open lists each bin once), which is the
	// order of the plan.
	open := slices.Clone(s.open)
	slices.SortFunc(open, p.nameCmp)
	launchOf := sized(sc.launchOf, len(p.bins)) // read only for open bins
	sc.launchOf = launchOf
	srcs := make([]sources, len(open))
	placements := make([]Placement, 0, s.total)
	plan.Launches = make([]Launch, len(open))
	for li, b := range open {
		launchOf[b] = int32(li)
		n := len(placements)
		placements = placements[:n+int(s.placed[b])]
		plan.Launches[li] = Launch{
			AgentID: p.agentID(b), Hostname: p.host(b), Role: p.role(b),
			Tasks: placements[n : n : n+int(s.placed[b])],
		}
		srcs[li] = p.sourcesOf(b, &sl)
	}
	cursor := make([]int, len(p.classes))
	for _, a := range s.allocs {
		li := launchOf[a.bin]
		cl := &p.classes[a.class]
		for range a.n {
			t := cl.tasks[cursor[a.class]]
			cursor[a.class]++
			plan.Launches[li].Tasks = append(plan.Launches[li].Tasks, p.take(&srcs[li], cl, tasks[t].ID, &sl))
		}
	}
	var used int
	for _, b := range open {
		for i := p.bins[b].first; i >= 0; i = p.offerNext[i] {
			if p.offerUsed[i] {
				used++
			}
		}
	}
	ids := make([]string, 0, used) // one allocation for all launches
	for li, b := range open {
		start := len(ids)
		for i := p.bins[b].first; i >= 0; i = p.offerNext[i] {
			if p.offerUsed[i] {
				ids = append(ids, offers[i].ID)
			}
		}
		plan.Launches[li].OfferIDs = ids[start:len(ids):len(ids)]
	}

	plan.Declines = p.declines()

	issues := p.invalid
	for k := range p.classes {
		cl := &p.classes[k]
		if cursor[k] == len(cl.tasks) {
			continue
		}
		why := p.why(s, int32(k))
		for _, t := range cl.tasks[cursor[k]:] {
			issues = append(issues, taskIssue{int(t), why})
		}
	}
	slices.SortFunc(issues, func(x, y taskIssue) int { return x.at - y.at })
	for _, is := range issues {
		plan.Unplaced = append(plan.Unplaced, Unplaced{TaskID: tasks[is.at].ID, Reason: is.err})
	}

	slices.SortFunc(p.bad, func(x, y offerIssue) int { return x.at - y.at })
	for _, b := range p.bad {
		plan.BadOffers = append(plan.BadOffers, b.err)
	}
	return plan
}

// declines lists the offers to decline in input order: every offer with an
// ID but those used and the later copies of a repeated one. readOffers
// copied all IDs while it read the offers (p.ids), so that here, when most
// of ten thousand offers are declined, only the few gaps are cut out,
// instead of every offer read again.
func (p *planner) declines() []string {
	offers := p.in.Offers
	if p.ids == nil {
		// An offer without an ID: the slow way.
		out := make([]string, 0, len(offers))
		for i := range offers {
			if p.offerUsed[i] || offers[i].ID == "" || (p.dupOffer != nil && p.dupOffer[i]) {
				continue
			}
			out = append(out, offers[i].ID)
		}
		return out
	}
	out := p.ids // one per offer, in input order
	w, from := 0, 0
	for i := range out {
		if p.offerUsed[i] || (p.dupOffer != nil && p.dupOffer[i]) {
			w += copy(out[w:], out[from:i])
			from = i + 1
		}
	}
	w += copy(out[w:], out[from:])
	clear(out[w:]) // let the cut IDs go
	return out[:w]
}

// why explains why tasks of class k are left over in the final state s.
func (p *planner) why(s *state, k int32) error {
	cl := &p.classes[k]
	if len(p.in.Offers) == 0 {
		return &reason{ErrNoOffers, "no offers"}
	}
	if p.liveBins == 0 {
		return &reason{ErrNoOffers, fmt.Sprintf("none of the %d offers is valid and for a role of this framework (%s)",
			len(p.in.Offers), strings.Join(p.roles, ", "))}
	}
	someEligible := false
	for b := range int32(len(p.bins)) {
		if p.eligible(k, b) {
			someEligible = true
			break
		}
	}
	if !someEligible {
		for _, c := range cl.cons {
			sat := false
			for b := range int32(len(p.bins)) {
				if p.satisfies(b, c) {
					sat = true
					break
				}
			}
			if !sat {
				return &reason{ErrConstraint, "no agent satisfies constraint " + c.String()}
			}
		}
		all := make([]string, len(cl.cons))
		for i, c := range cl.cons {
			all[i] = c.String()
		}
		return &reason{ErrConstraint, "no agent satisfies all of " + strings.Join(all, ", ")}
	}

	most := make([]int64, p.nd)
	mostInit := make([]int64, p.nd)
	var mostPorts, mostInitPorts int64
	roomy := false
	for b := range int32(len(p.bins)) {
		if !p.eligible(k, b) {
			continue
		}
		if cl.maxPerHost > 0 && s.counts.get(p.hostOf[b], cl.group) >= cl.maxPerHost {
			continue
		}
		roomy = true
		for _, d := range cl.need {
			most[d] = max(most[d], p.free(s, b)[d])
			mostInit[d] = max(mostInit[d], p.init[int(b)*p.nd+d])
		}
		mostPorts = max(mostPorts, p.freePorts(s, b))
		mostInitPorts = max(mostInitPorts, p.initPorts[b])
	}
	if !roomy {
		return &reason{ErrMaxPerHost, fmt.Sprintf("max %d per host reached on every agent", cl.maxPerHost)}
	}
	// If no offer ever had enough, say what the largest had; if one had
	// but this plan used it up, say what is left.
	short := func(needs string, has func(int64) string, left, offered, want int64) error {
		if offered < want {
			return &reason{ErrInsufficient, "needs " + needs + ", the largest offer has " + has(offered)}
		}
		return &reason{ErrInsufficient, "needs " + needs + ", the largest offer has " + has(left) + " left after the other placements of this plan"}
	}
	var wants []string
	for _, d := range cl.need {
		if cl.demand[d] > most[d] {
			return short(p.amount(d, cl.demand[d]), func(m int64) string { return p.held(d, m) }, most[d], mostInit[d], cl.demand[d])
		}
		wants = append(wants, p.amount(d, cl.demand[d]))
	}
	if cl.ports > 0 {
		if cl.ports > mostPorts {
			return short(fmt.Sprintf("%d ports", cl.ports), func(n int64) string { return fmt.Sprintf("%d ports", n) }, mostPorts, mostInitPorts, cl.ports)
		}
		wants = append(wants, fmt.Sprintf("%d ports", cl.ports))
	}
	return &reason{ErrInsufficient, "needs " + strings.Join(wants, ", ") + " on one agent, and no offer has all of them at once"}
}

// amount is a demand as people say it: "4096 MB mem", "2 cpus".
func (p *planner) amount(d int, m int64) string {
	if n := p.dims[d]; n == nameMem || n == nameDisk {
		return fmtMilli(m) + " MB " + n
	}
	return fmtMilli(m) + " " + p.dims[d]
}

// held is what an offer has of a dimension: "2048 MB", "1.5 cpus".
func (p *planner) held(d int, m int64) string {
	if n := p.dims[d]; n == nameMem || n == nameDisk {
		return fmtMilli(m) + " MB"
	}
	return fmtMilli(m) + " " + p.dims[d]
}
