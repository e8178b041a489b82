package offers_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/offers"
)

// FuzzPlace builds offers and tasks from the fuzz input and checks the
// safety properties of every plan: nothing handed out beyond what was
// offered or to a role that may not use it, no port twice on an agent,
// constraints and per-host limits hold, every task placed or reported,
// every offer launched or declined, the same input gives the same plan
// (also with the offers reversed), and binpack does at least as well as a
// plain first-fit-decreasing reference.
func FuzzPlace(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{0, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		[]byte("binpack with a few agents and tasks of several shapes"),
		[]byte("\x01\x01\x05spread over roles r1 r2 with reservations and gpus"),
		[]byte("\x00\x00\x03\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07\x07"),
		[]byte("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9\xe8\xe7\xe6\xe5"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w := generate(data)
		plan, err := offers.Place(w.in)
		if err != nil {
			t.Fatalf("Place: %v", err)
		}
		checkPlan(t, w, plan)

		again, err := offers.Place(w.in)
		if err != nil || !reflect.DeepEqual(plan, again) {
			t.Fatalf("the same input gave another plan:\n%+v\n%+v (%v)", plan, again, err)
		}
		if !w.dupOffers {
			rev := w.in
			rev.Offers = slices.Clone(w.in.Offers)
			slices.Reverse(rev.Offers)
			back, err := offers.Place(rev)
			if err != nil {
				t.Fatalf("Place with offers reversed: %v", err)
			}
			if !reflect.DeepEqual(plan.Launches, back.Launches) || !reflect.DeepEqual(plan.Unplaced, back.Unplaced) ||
				!sameSet(plan.Declines, back.Declines) || !sameSet(badIDs(plan), badIDs(back)) {
				t.Fatalf("reversing the offers changed the plan:\n%+v\n%+v", plan, back)
			}
		}
		if w.in.Strategy == offers.Binpack {
			placed, agents := ffdReference(w, plan)
			gotPlaced, gotAgents := 0, map[string]bool{}
			for _, l := range plan.Launches {
				gotPlaced += len(l.Tasks)
				gotAgents[l.AgentID] = true
			}
			if gotPlaced < placed || (gotPlaced == placed && len(gotAgents) > agents) {
				t.Fatalf("binpack placed %d tasks on %d agents; first-fit decreasing places %d on %d",
					gotPlaced, len(gotAgents), placed, agents)
			}
		}
	})
}

type world struct {
	in        offers.Input
	corrupt   map[string]bool // offers made malformed on purpose
	badTasks  map[int]bool    // tasks made malformed on purpose
	dupOffers bool
}

type bytesrc struct {
	b []byte
	i int
}

func (s *bytesrc) n(k int) int {
	if k <= 1 || s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i])
	s.i++
	return v % k
}

func generate(data []byte) world {
	r := &bytesrc{b: data}
	w := world{corrupt: map[string]bool{}, badTasks: map[int]bool{}}
	multi := r.n(2) == 1
	switch {
	case multi:
		w.in.Roles = []string{"r1", "r2"}
	case r.n(2) == 1:
		w.in.Roles = []string{"r1"}
	}
	w.in.Strategy = offers.Strategy(r.n(2))
	seq := 0
	for a := range 1 + r.n(6) {
		agentID := fmt.Sprintf("agent-%d", a)
		host := fmt.Sprintf("host-%d", r.n(4))
		var attrs []offers.Attribute
		if r.n(4) != 0 {
			attrs = append(attrs, offers.Attribute{Name: "az", Value: fmt.Sprintf("z%d", r.n(2))})
		}
		attrs = append(attrs, offers.Attribute{Name: "rack", Value: fmt.Sprint(r.n(3)), Scalar: true})
		for k := range 1 + r.n(3) {
			id := fmt.Sprintf("offer-%02d", seq)
			seq++
			// Mesos never repeats an offer ID, so a repeat is the same
			// offer passed twice: the same agent's.
			dup := k > 0 && r.n(8) == 0
			if dup {
				id = w.in.Offers[len(w.in.Offers)-1].ID
				w.dupOffers = true
			}
			o := offers.Offer{ID: id, AgentID: agentID, Hostname: host, Attributes: attrs}
			if multi {
				o.Role = []string{"r1", "r2", "r3"}[r.n(3)]
			}
			scalars := []struct {
				name string
				unit float64
				max  int
			}{{"cpus", 0.1, 40}, {"mem", 256, 33}, {"disk", 100, 10}, {"gpus", 1, 3}, {"network", 10, 5}}
			for _, s := range scalars {
				if r.n(5) == 0 {
					continue
				}
				res := offers.Resource{Name: s.name, Scalar: s.unit * float64(r.n(s.max)), Reservation: pickReservation(r)}
				res.Revocable = r.n(10) == 0
				res.Shared = r.n(12) == 0
				if s.name == "disk" && r.n(5) == 0 {
					res.DiskSource = "MOUNT"
				}
				o.Resources = append(o.Resources, res)
			}
			for range r.n(3) {
				var rs []offers.Range
				begin := uint64(31000 + r.n(30))
				for range 1 + r.n(2) {
					end := begin + uint64(r.n(5))
					rs = append(rs, offers.Range{Begin: begin, End: end})
					begin = end + 2 + uint64(r.n(4))
				}
				o.Resources = append(o.Resources, offers.Resource{Name: "ports", Kind: offers.KindRanges, Ranges: rs, Reservation: pickReservation(r)})
			}
			if r.n(12) == 0 {
				switch r.n(4) {
				case 0:
					o.Resources = append(o.Resources, offers.Resource{Name: "cpus", Scalar: -1})
				case 1:
					o.Resources = append(o.Resources, offers.Resource{Name: "mem", Scalar: math.NaN()})
				case 2:
					o.Resources = append(o.Resources, offers.Resource{Name: "ports", Kind: offers.KindRanges, Ranges: []offers.Range{{32000, 31000}}})
				default:
					o.Resources = append(o.Resources, offers.Resource{Name: "disk", Scalar: math.Inf(1)})
				}
				if !dup {
					w.corrupt[id] = true
				}
			}
			w.in.Offers = append(w.in.Offers, o)
		}
	}
	constraints := [][]offers.Constraint{nil, nil, {{Attribute: "az", Value: "z0"}}, {{Attribute: "rack", Value: "1.0"}},
		{{Attribute: "HOSTNAME", Value: "host-1"}}, {{Attribute: "az", Value: "z1"}, {Attribute: "rack", Value: "2"}}}
	for i := range r.n(14) {
		t := offers.Task{
			ID:          fmt.Sprintf("task-%02d", i),
			Group:       []string{"tm", "jm"}[r.n(2)],
			CPUs:        []float64{0.1, 0.3, 0.5, 1, 2}[r.n(5)],
			MemMB:       []float64{0, 256, 1024, 2048}[r.n(4)],
			DiskMB:      []float64{0, 0, 100}[r.n(3)],
			GPUs:        []float64{0, 0, 0, 1}[r.n(4)],
			Ports:       r.n(4),
			Constraints: constraints[r.n(len(constraints))],
			MaxPerHost:  []int{0, 0, 1, 2}[r.n(4)],
		}
		if r.n(4) == 0 {
			t.Scalars = map[string]float64{"network": 10}
		}
		switch r.n(16) {
		case 0:
			t.CPUs = -0.5
			w.badTasks[i] = true
		case 1:
			if i > 0 {
				t.ID = fmt.Sprintf("task-%02d", i-1)
			}
		}
		w.in.Tasks = append(w.in.Tasks, t)
	}
	for range r.n(4) {
		w.in.Running = append(w.in.Running, offers.Running{
			Hostname: fmt.Sprintf("host-%d", r.n(4)), Group: []string{"tm", "jm"}[r.n(2)], Count: r.n(3),
		})
	}
	return w
}

func pickReservation(r *bytesrc) string {
	return []string{"", "", "", "r1", "r2", "r1/sub", "other"}[r.n(7)]
}

func milli(v float64) int64 { return int64(math.Round(v * 1000)) }

func allocatableTo(role, reservation string) bool {
	return role == reservation || strings.HasPrefix(role, reservation+"/")
}

// usableBy is the test's own statement of which resources a launch for an
// allocation role may take.
func usableBy(r offers.Resource, role string, roles []string) bool {
	if r.Revocable || r.Shared || (r.Name == "disk" && (r.DiskSource != "" || r.Persistent)) {
		return false
	}
	if r.Reservation == "" {
		return true
	}
	if role != "" {
		return allocatableTo(role, r.Reservation)
	}
	if len(roles) == 0 {
		roles = []string{"*"}
	}
	for _, x := range roles {
		if allocatableTo(x, r.Reservation) {
			return true
		}
	}
	return false
}

func roleAllowed(role string, roles []string) bool {
	return role == "" || slices.Contains(roles, role)
}

func hasConstraints(attrs []offers.Attribute, host string, cs []offers.Constraint) bool {
	for _, c := range cs {
		ok := false
		if c.Attribute == "HOSTNAME" {
			ok = host == c.Value
		}
		for _, a := range attrs {
			if c.Attribute != "HOSTNAME" && a.Name == c.Attribute {
				ok = ok || a.Value == c.Value
				if a.Scalar {
					var x, y float64
					if _, err := fmt.Sscan(a.Value, &x); err == nil {
						if _, err := fmt.Sscan(c.Value, &y); err == nil && milli(x) == milli(y) {
							ok = true
						}
					}
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func demandOf(t offers.Task) map[string]int64 {
	d := map[string]int64{}
	add := func(name string, v float64) {
		if m := milli(v); m > 0 {
			d[name] = m
		}
	}
	add("cpus", t.CPUs)
	add("gpus", t.GPUs)
	add("mem", t.MemMB)
	add("disk", t.DiskMB)
	for n, v := range t.Scalars {
		add(n, v)
	}
	return d
}

func checkPlan(t *testing.T, w world, plan offers.Plan) {
	t.Helper()
	in := w.in
	offerByID := map[string]*offers.Offer{}
	for i := range in.Offers {
		if _, dup := offerByID[in.Offers[i].ID]; !dup {
			offerByID[in.Offers[i].ID] = &in.Offers[i]
		}
	}
	bad := map[string]bool{} // the first offer of the ID is bad
	for _, e := range plan.BadOffers {
		switch {
		case errors.Is(e, offers.ErrInvalidOffer):
			bad[e.OfferID] = true
		case errors.Is(e, offers.ErrDuplicateOffer):
		default:
			t.Fatalf("bad offer error %v is neither ErrInvalidOffer nor ErrDuplicateOffer", e)
		}
	}
	for _, e := range plan.BadOffers {
		if errors.Is(e, offers.ErrInvalidOffer) && !w.corrupt[e.OfferID] && !realPortClash(in.Offers, offerByID[e.OfferID], bad) {
			t.Fatalf("offer %s reported bad for no reason: %v", e.OfferID, e)
		}
	}
	// Ports of the offers Place accepted never overlap on an agent.
	accepted := map[string][]offers.Range{}
	for id, o := range offerByID {
		if bad[id] || id == "" {
			continue
		}
		for _, r := range o.Resources {
			if r.Kind == offers.KindRanges && r.Name == "ports" {
				for _, a := range r.Ranges {
					for _, b := range accepted[o.AgentID] {
						if a.Begin <= b.End && b.Begin <= a.End {
							t.Fatalf("accepted offers of %s offer ports %v and %v twice", o.AgentID, a, b)
						}
					}
					accepted[o.AgentID] = append(accepted[o.AgentID], a)
				}
			}
		}
	}
	for id := range w.corrupt {
		if !bad[id] {
			t.Fatalf("offer %s was malformed on purpose but is not in BadOffers %v", id, plan.BadOffers)
		}
	}

	// Every task is placed once or unplaced once.
	placedTask := map[string]offers.Placement{}
	placedHost := map[string]string{}
	launchOf := map[string]int{}
	usedScalar := map[string]int64{} // offer/index
	usedPorts := map[string]bool{}   // agent/port
	for li, l := range plan.Launches {
		if len(l.Tasks) == 0 || len(l.OfferIDs) == 0 {
			t.Fatalf("launch %d is empty: %+v", li, l)
		}
		if !roleAllowed(l.Role, in.Roles) {
			t.Fatalf("launch on %s for role %q, which the framework does not have", l.AgentID, l.Role)
		}
		contributed := map[string]bool{}
		for _, id := range l.OfferIDs {
			o := offerByID[id]
			if o == nil || bad[id] {
				t.Fatalf("launch uses offer %q that is unknown or bad", id)
			}
			if o.AgentID != l.AgentID || o.Role != l.Role || o.Hostname != l.Hostname {
				t.Fatalf("launch for %s/%q/%s uses offer %s of %s/%q/%s", l.AgentID, l.Role, l.Hostname, id, o.AgentID, o.Role, o.Hostname)
			}
			if prev, ok := launchOf[id]; ok {
				t.Fatalf("offer %s is in launches %d and %d", id, prev, li)
			}
			launchOf[id] = li
		}
		for _, pl := range l.Tasks {
			if _, dup := placedTask[pl.TaskID]; dup {
				t.Fatalf("task %s placed twice", pl.TaskID)
			}
			placedTask[pl.TaskID] = pl
			placedHost[pl.TaskID] = l.Hostname
			got := map[string]int64{}
			var ports []uint64
			for _, pc := range pl.Resources {
				if !slices.Contains(l.OfferIDs, pc.OfferID) {
					t.Fatalf("task %s takes from offer %s outside the launch's offers %v", pl.TaskID, pc.OfferID, l.OfferIDs)
				}
				contributed[pc.OfferID] = true
				o := offerByID[pc.OfferID]
				if pc.Index < 0 || pc.Index >= len(o.Resources) {
					t.Fatalf("piece index %d out of offer %s", pc.Index, o.ID)
				}
				src := o.Resources[pc.Index]
				if src.Name != pc.Name || !usableBy(src, l.Role, in.Roles) {
					t.Fatalf("task %s takes %s from %+v, which it may not use (role %q)", pl.TaskID, pc.Name, src, l.Role)
				}
				key := fmt.Sprintf("%s/%d", pc.OfferID, pc.Index)
				if pc.Name == "ports" {
					for _, rg := range pc.Ranges {
						for p := rg.Begin; p <= rg.End; p++ {
							inSrc := false
							for _, s := range src.Ranges {
								inSrc = inSrc || (s.Begin <= p && p <= s.End)
							}
							if !inSrc {
								t.Fatalf("port %d is not in %s's %v", p, o.ID, src.Ranges)
							}
							pk := fmt.Sprintf("%s/%d", l.AgentID, p)
							if usedPorts[pk] {
								t.Fatalf("port %d handed out twice on %s", p, l.AgentID)
							}
							usedPorts[pk] = true
							ports = append(ports, p)
						}
					}
					continue
				}
				m := milli(pc.Scalar)
				if m <= 0 || float64(m)/1000 != pc.Scalar {
					t.Fatalf("piece %+v is not a positive multiple of 0.001", pc)
				}
				usedScalar[key] += m
				if usedScalar[key] > milli(src.Scalar) {
					t.Fatalf("offer %s resource %d (%s %v) handed out %d thousandths", o.ID, pc.Index, src.Name, src.Scalar, usedScalar[key])
				}
				got[pc.Name] += m
			}
			task := taskByID(in.Tasks, pl.TaskID)
			if want := demandOf(task); !reflect.DeepEqual(got, want) {
				t.Fatalf("task %s got %v, want %v", pl.TaskID, got, want)
			}
			if len(ports) != task.Ports || !slices.Equal(ports, pl.Ports) {
				t.Fatalf("task %s got ports %v (pieces %v), wants %d", pl.TaskID, pl.Ports, ports, task.Ports)
			}
			if !hasConstraints(offerByID[l.OfferIDs[0]].Attributes, l.Hostname, task.Constraints) {
				t.Fatalf("task %s on %s breaks its constraints %v", pl.TaskID, l.AgentID, task.Constraints)
			}
		}
		for _, id := range l.OfferIDs {
			if !contributed[id] {
				t.Fatalf("offer %s is in launch %d but contributed nothing", id, li)
			}
		}
	}
	unplaced := map[string]int{}
	for _, u := range plan.Unplaced {
		unplaced[u.TaskID]++
		if u.Reason == nil {
			t.Fatalf("task %s unplaced without a reason", u.TaskID)
		}
		kinds := []error{offers.ErrNoOffers, offers.ErrConstraint, offers.ErrMaxPerHost, offers.ErrInsufficient, offers.ErrInvalidTask, offers.ErrDuplicateTask}
		if !slices.ContainsFunc(kinds, func(k error) bool { return errors.Is(u.Reason, k) }) {
			t.Fatalf("task %s reason %v is of no known kind", u.TaskID, u.Reason)
		}
		if _, ok := placedTask[u.TaskID]; ok && !errors.Is(u.Reason, offers.ErrDuplicateTask) {
			t.Fatalf("task %s is both placed and unplaced: %v", u.TaskID, u.Reason)
		}
	}
	if n := len(placedTask) + len(plan.Unplaced); n != len(in.Tasks) {
		t.Fatalf("%d placed + %d unplaced, but %d tasks", len(placedTask), len(plan.Unplaced), len(in.Tasks))
	}
	for i := range w.badTasks {
		if _, ok := placedTask[in.Tasks[i].ID]; ok && taskByID(in.Tasks, in.Tasks[i].ID).CPUs < 0 {
			t.Fatalf("malformed task %s was placed", in.Tasks[i].ID)
		}
	}

	// Per-host limits.
	count := map[[2]string]int{}
	for _, r := range in.Running {
		count[[2]string{r.Hostname, r.Group}] += r.Count
	}
	before := maps2(count)
	for id, host := range placedHost {
		count[[2]string{host, taskByID(in.Tasks, id).Group}]++
	}
	for id, host := range placedHost {
		task := taskByID(in.Tasks, id)
		k := [2]string{host, task.Group}
		if task.MaxPerHost > 0 && count[k] > max(task.MaxPerHost, before[k]) {
			t.Fatalf("task %s makes %d of group %s on %s, max %d", id, count[k], task.Group, host, task.MaxPerHost)
		}
		if task.MaxPerHost > 0 && before[k] >= task.MaxPerHost {
			t.Fatalf("task %s placed on %s where %d of group %s already run, max %d", id, host, before[k], task.Group, task.MaxPerHost)
		}
	}

	// Every offer is launched or declined, once.
	declined := map[string]bool{}
	for _, id := range plan.Declines {
		if declined[id] {
			t.Fatalf("offer %s declined twice", id)
		}
		declined[id] = true
		if _, ok := launchOf[id]; ok {
			t.Fatalf("offer %s both launched and declined", id)
		}
	}
	for id := range offerByID {
		if _, ok := launchOf[id]; !ok && !declined[id] && id != "" {
			t.Fatalf("offer %s neither launched nor declined", id)
		}
	}
}

func maps2(m map[[2]string]int) map[[2]string]int {
	c := make(map[[2]string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func taskByID(tasks []offers.Task, id string) offers.Task {
	for _, t := range tasks {
		if t.ID == id {
			return t
		}
	}
	return offers.Task{}
}

func sameSet(a, b []string) bool {
	return reflect.DeepEqual(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func badIDs(p offers.Plan) []string {
	var ids []string
	for _, e := range p.BadOffers {
		ids = append(ids, e.Error())
	}
	return ids
}

// ffdReference is plain first-fit decreasing, written from its
// definition: tasks sorted by their largest share of all offered
// resources (ties: the first appearance of an equal task, then input
// order), each task on the first agent bin (agent and allocation role, by
// hostname, agent ID, role) that fits it, bins without GPUs left before
// bins with GPUs left for tasks without GPUs. It trusts plan.BadOffers for which
// offers were refused; checkPlan checks those separately.
func ffdReference(w world, plan offers.Plan) (int, int) {
	in := w.in
	bad := map[string]bool{}
	for _, e := range plan.BadOffers {
		if errors.Is(e, offers.ErrInvalidOffer) {
			bad[e.OfferID] = true
		}
	}
	type binT struct {
		host, agent, role string
		attrs             []offers.Attribute
		free              map[string]int64
		ports             int64
	}
	bins := map[[2]string]*binT{}
	seen := map[string]bool{}
	for _, o := range in.Offers {
		if seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		if bad[o.ID] || !roleAllowed(o.Role, in.Roles) {
			continue
		}
		k := [2]string{o.AgentID, o.Role}
		b := bins[k]
		if b == nil {
			b = &binT{host: o.Hostname, agent: o.AgentID, role: o.Role, attrs: o.Attributes, free: map[string]int64{}}
			bins[k] = b
		}
		for _, r := range o.Resources {
			if !usableBy(r, o.Role, in.Roles) {
				continue
			}
			switch {
			case r.Kind == offers.KindScalar:
				b.free[r.Name] += milli(r.Scalar)
			case r.Kind == offers.KindRanges && r.Name == "ports":
				for _, rg := range r.Ranges {
					b.ports += int64(rg.End-rg.Begin) + 1
				}
			}
		}
	}
	var order []*binT
	total := map[string]int64{}
	var totalPorts int64
	anyGPU := false
	for _, b := range bins {
		order = append(order, b)
		for n, v := range b.free {
			total[n] += v
		}
		totalPorts += b.ports
		anyGPU = anyGPU || b.free["gpus"] > 0
	}
	sort.Slice(order, func(i, j int) bool {
		x, y := order[i], order[j]
		if x.host != y.host {
			return x.host < y.host
		}
		if x.agent != y.agent {
			return x.agent < y.agent
		}
		return x.role < y.role
	})

	// Valid tasks: the first of each ID, with its group's limit.
	type taskT struct {
		i     int
		t     offers.Task
		d     map[string]int64
		size  float64
		class int
	}
	var tasks []taskT
	ids := map[string]bool{}
	groupMax := map[string]int{}
	classOf := map[string]int{}
	for i, t := range in.Tasks {
		if ids[t.ID] {
			continue
		}
		ids[t.ID] = true
		if w.badTasks[i] {
			continue
		}
		if m, ok := groupMax[t.Group]; ok && m != t.MaxPerHost {
			continue
		} else if !ok {
			groupMax[t.Group] = t.MaxPerHost
		}
		d := demandOf(t)
		size := 0.0
		share := func(want, have int64) {
			if have <= 0 {
				size = math.Inf(1)
			} else {
				size = max(size, float64(want)/float64(have))
			}
		}
		for n, v := range d {
			share(v, total[n])
		}
		if t.Ports > 0 {
			share(int64(t.Ports), totalPorts)
		}
		cons := slices.Clone(t.Constraints)
		slices.SortFunc(cons, func(a, b offers.Constraint) int { return strings.Compare(a.String(), b.String()) })
		cons = slices.Compact(cons)
		key := fmt.Sprint(t.Group, t.MaxPerHost, t.Ports, d, cons)
		c, ok := classOf[key]
		if !ok {
			c = len(classOf)
			classOf[key] = c
		}
		tasks = append(tasks, taskT{i, t, d, size, c})
	}
	sort.SliceStable(tasks, func(a, b int) bool {
		if tasks[a].size != tasks[b].size {
			return tasks[a].size > tasks[b].size
		}
		return tasks[a].class < tasks[b].class
	})
	count := map[[2]string]int{}
	for _, r := range in.Running {
		count[[2]string{r.Hostname, r.Group}] += r.Count
	}
	placed := 0
	used := map[string]bool{}
	for _, tk := range tasks {
		tiers := [][]bool{{false, true}}
		if tk.d["gpus"] == 0 && anyGPU {
			tiers = [][]bool{{false}, {true}}
		}
	tiers:
		for _, tier := range tiers {
			for _, b := range order {
				if !slices.Contains(tier, b.free["gpus"] > 0) || !hasConstraints(b.attrs, b.host, tk.t.Constraints) {
					continue
				}
				hk := [2]string{b.host, tk.t.Group}
				if tk.t.MaxPerHost > 0 && count[hk] >= tk.t.MaxPerHost {
					continue
				}
				fits := b.ports >= int64(tk.t.Ports)
				for n, v := range tk.d {
					fits = fits && b.free[n] >= v
				}
				if !fits {
					continue
				}
				for n, v := range tk.d {
					b.free[n] -= v
				}
				b.ports -= int64(tk.t.Ports)
				count[hk]++
				placed++
				used[b.agent] = true
				break tiers
			}
		}
	}
	return placed, len(used)
}

// realPortClash says whether o's ports overlap each other or the ports of
// another good offer of its agent.
func realPortClash(all []offers.Offer, o *offers.Offer, bad map[string]bool) bool {
	var mine []offers.Range
	for _, r := range o.Resources {
		if r.Kind == offers.KindRanges && r.Name == "ports" {
			mine = append(mine, r.Ranges...)
		}
	}
	overlap := func(a, b offers.Range) bool { return a.Begin <= b.End && b.Begin <= a.End }
	for i := range mine {
		for j := i + 1; j < len(mine); j++ {
			if overlap(mine[i], mine[j]) {
				return true
			}
		}
	}
	for _, x := range all {
		if x.ID == o.ID || x.AgentID != o.AgentID || bad[x.ID] {
			continue
		}
		for _, r := range x.Resources {
			if r.Kind == offers.KindRanges && r.Name == "ports" {
				for _, a := range r.Ranges {
					for _, b := range mine {
						if overlap(a, b) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}
