package offers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flink-mesos/flink-mesos/offers"
)

// Offer and agent IDs look like a real master's: <master UUID>-O<n>, -S<n>.
const benchMaster = "2a9c4b61-0f7e-4c2d-9b9e-5d8f3c7a1e04"

func benchOffer(i int, cores float64, memPerCore float64) offers.Offer {
	return offers.Offer{
		ID:       fmt.Sprintf("%s-O%d", benchMaster, i),
		AgentID:  fmt.Sprintf("%s-S%d", benchMaster, i),
		Hostname: fmt.Sprintf("agent-%05d.example.com", i),
		Resources: []offers.Resource{
			{Name: "cpus", Scalar: cores},
			{Name: "mem", Scalar: cores * memPerCore},
			{Name: "disk", Scalar: 102400},
			{Name: "ports", Kind: offers.KindRanges, Ranges: []offers.Range{{Begin: 31000, End: 31999}}},
		},
		Attributes: []offers.Attribute{
			{Name: "az", Value: fmt.Sprintf("eu-1%c", 'a'+i%3)},
			{Name: "rack", Value: strconv.Itoa(i % 40), Scalar: true},
		},
	}
}

// identicalOffers are n agents of 8 cpus and 32 GiB. Their names come in
// a shuffled order, as offers do; each is built in its place, as offers
// decoded off the wire are, so memory order is slice order.
func identicalOffers(n int) []offers.Offer {
	out := make([]offers.Offer, n)
	for k, i := range rand.New(rand.NewPCG(1, 1)).Perm(n) {
		out[k] = benchOffer(i, 8, 4096)
	}
	return out
}

// taskManagers are n TaskManagers of 2 cpus, 8 GiB and 2 ports: four fill
// an agent of identicalOffers in cpus and mem at once.
func taskManagers(n int) []offers.Task {
	out := make([]offers.Task, n)
	for i := range out {
		out[i] = offers.Task{ID: fmt.Sprintf("taskmanager-%05d", i), Group: "taskmanager", CPUs: 2, MemMB: 8192, Ports: 2}
	}
	return out
}

// naiveFirstFit is the baseline: each task on the first offer, in the
// order given, that still has its cpus, mem and ports; no combining of
// offers, no roles, constraints or reasons, ports lowest first.
func naiveFirstFit(in offers.Input) (placed int, agents map[string]bool, assigned [][]uint64) {
	n := len(in.Offers)
	cpus, mem := make([]float64, n), make([]float64, n)
	next, last := make([]uint64, n), make([]uint64, n)
	for i, o := range in.Offers {
		for _, r := range o.Resources {
			switch r.Name {
			case "cpus":
				cpus[i] += r.Scalar
			case "mem":
				mem[i] += r.Scalar
			case "ports":
				next[i], last[i] = r.Ranges[0].Begin, r.Ranges[0].End+1
			}
		}
	}
	agents = map[string]bool{}
	assigned = make([][]uint64, len(in.Tasks))
	for ti, t := range in.Tasks {
		for i := range n {
			if cpus[i] < t.CPUs || mem[i] < t.MemMB || last[i]-next[i] < uint64(t.Ports) {
				continue
			}
			cpus[i] -= t.CPUs
			mem[i] -= t.MemMB
			ports := make([]uint64, t.Ports)
			for p := range ports {
				ports[p] = next[i]
				next[i]++
			}
			assigned[ti] = ports
			agents[in.Offers[i].AgentID] = true
			placed++
			break
		}
	}
	return placed, agents, assigned
}

// BenchmarkIdenticalTaskManagers places identical TaskManagers on
// identical agents. bound is ceil(placed tasks · a task's largest share of
// an agent), the least agents any placement can use, and agents/bound
// compares the agents used with it. The goal is the row
// tasks=1000/offers=10000/binpack: under 2 ms (2,000,000 ns/op) with
// agents/bound at most 1.01.
func BenchmarkIdenticalTaskManagers(b *testing.B) {
	for _, nTasks := range []int{200, 1000, 10000} {
		for _, nOffers := range []int{1000, 10000} {
			in := offers.Input{Offers: identicalOffers(nOffers), Tasks: taskManagers(nTasks)}
			for _, impl := range []string{"binpack", "spread", "naive-first-fit"} {
				b.Run(fmt.Sprintf("tasks=%d/offers=%d/%s", nTasks, nOffers, impl), func(b *testing.B) {
					var placed, agents int
					for b.Loop() {
						switch impl {
						case "naive-first-fit":
							n, used, _ := naiveFirstFit(in)
							placed, agents = n, len(used)
						default:
							in := in
							if impl == "spread" {
								in.Strategy = offers.Spread
							}
							p, err := offers.Place(in)
							if err != nil {
								b.Fatal(err)
							}
							placed, agents = 0, len(p.Launches)
							for _, l := range p.Launches {
								placed += len(l.Tasks)
							}
						}
					}
					bound := math.Ceil(float64(placed) * 0.25)
					b.ReportMetric(float64(placed), "placed")
					b.ReportMetric(float64(agents), "agents")
					b.ReportMetric(bound, "bound")
					b.ReportMetric(float64(agents)/bound, "agents/bound")
				})
			}
		}
	}
}

// BenchmarkCommonHostPrefix is the goal row of
// BenchmarkIdenticalTaskManagers with hostnames that share their first 24
// bytes, as clusters name hosts (mesos-agent-production-00042...): agents
// alike but for their names are told apart by hostname.
func BenchmarkCommonHostPrefix(b *testing.B) {
	in := offers.Input{Offers: identicalOffers(10000), Tasks: taskManagers(1000)}
	for i := range in.Offers {
		in.Offers[i].Hostname = "mesos-agent-production-" + in.Offers[i].Hostname
	}
	for _, impl := range []string{"binpack", "naive-first-fit"} {
		b.Run(impl, func(b *testing.B) {
			var agents int
			for b.Loop() {
				if impl == "naive-first-fit" {
					_, used, _ := naiveFirstFit(in)
					agents = len(used)
					continue
				}
				p, err := offers.Place(in)
				if err != nil {
					b.Fatal(err)
				}
				agents = len(p.Launches)
			}
			b.ReportMetric(float64(agents), "agents")
		})
	}
}

// BenchmarkScatteredOffers is the goal row of
// BenchmarkIdenticalTaskManagers with the parts of every offer (resources,
// ports, attributes, strings) allocated again in a random order of offers,
// with garbage between: memory order is not slice order, as for offers
// decoded into the heap of a scheduler that has run for a while. Reading
// an offer then waits for memory several times instead of streaming.
func BenchmarkScatteredOffers(b *testing.B) {
	in := offers.Input{Offers: identicalOffers(10000), Tasks: taskManagers(1000)}
	var garbage [][]byte
	for _, k := range rand.New(rand.NewPCG(3, 3)).Perm(len(in.Offers)) {
		o := &in.Offers[k]
		garbage = append(garbage, make([]byte, 64+k%200))
		o.Resources = slices.Clone(o.Resources)
		for r := range o.Resources {
			o.Resources[r].Ranges = slices.Clone(o.Resources[r].Ranges)
		}
		o.Attributes = slices.Clone(o.Attributes)
		o.ID, o.AgentID, o.Hostname = strings.Clone(o.ID), strings.Clone(o.AgentID), strings.Clone(o.Hostname)
	}
	runtime.KeepAlive(garbage)
	for _, impl := range []string{"binpack", "naive-first-fit"} {
		b.Run(impl, func(b *testing.B) {
			var agents int
			for b.Loop() {
				if impl == "naive-first-fit" {
					_, used, _ := naiveFirstFit(in)
					agents = len(used)
					continue
				}
				p, err := offers.Place(in)
				if err != nil {
					b.Fatal(err)
				}
				agents = len(p.Launches)
			}
			b.ReportMetric(float64(agents), "agents")
		})
	}
}

// mixAgents are heterogeneous agents at 1000 MB per core, as in Fenzo's
// TestLotsOfTasks: 40 % with 8 cores, 40 % with 16, 20 % with 32.
func mixAgents(n int) []offers.Offer {
	out := make([]offers.Offer, n)
	for i := range out {
		out[i] = benchOffer(i, []float64{8, 8, 16, 16, 32}[i%5], 1000)
	}
	return out
}

// mixTasks follows TestLotsOfTasks: of all cores, 20 % in 1-core tasks,
// 40 % in 4-core and 40 % in 6-core tasks, the rest in 1-core tasks so
// that the tasks ask for every core there is; 1000 MB per core and one port
// each; shuffled.
func mixTasks(agents []offers.Offer) []offers.Task {
	total := 0.0
	for _, o := range agents {
		total += o.Resources[0].Scalar
	}
	var out []offers.Task
	add := func(n int, cores float64) {
		for range n {
			out = append(out, offers.Task{ID: fmt.Sprintf("task-%06d", len(out)), Group: "tm", CPUs: cores, MemMB: 1000 * cores, Ports: 1})
		}
	}
	add(int(total*0.2), 1)
	add(int(total*0.4/4), 4)
	add(int(total*0.4/6), 6)
	used := 0.0
	for _, t := range out {
		used += t.CPUs
	}
	add(int(total-used), 1)
	rand.New(rand.NewPCG(2, 2)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// mixRun is a whole TestLotsOfTasks-style run: tasks in batches of 200,
// each batch placed on the offers in hand; an agent that got tasks comes
// back as one new offer with what is left (if it has cpus and mem left), as
// Mesos would offer it again.
type mixRun struct {
	placeTime       time.Duration
	batches, placed int
	usedCPU, usedMB float64 // of all tasks placed
	capCPU, capMB   float64 // of the agents that got tasks
	allCPU          float64
}

func runMix(b *testing.B, agents []offers.Offer, tasks []offers.Task, naive bool) mixRun {
	var r mixRun
	type agentUse struct {
		cpu, mb     float64
		capCPU      float64
		capMB       float64
		nextPort    uint64
		used        bool
		offerSerial int
	}
	use := map[string]*agentUse{}
	for _, o := range agents {
		use[o.AgentID] = &agentUse{capCPU: o.Resources[0].Scalar, capMB: o.Resources[1].Scalar, nextPort: 31000}
		r.allCPU += o.Resources[0].Scalar
	}
	pool := append([]offers.Offer(nil), agents...)
	serial := len(agents)
	for start := 0; start < len(tasks); start += 200 {
		batch := tasks[start:min(start+200, len(tasks))]
		in := offers.Input{Offers: pool, Tasks: batch}
		got := map[string][]offers.Task{} // agent -> tasks placed this batch
		t0 := time.Now()
		if naive {
			_, _, ports := naiveFirstFitOffers(in, got)
			_ = ports
		} else {
			p, err := offers.Place(in)
			if err != nil {
				b.Fatal(err)
			}
			for _, l := range p.Launches {
				for _, pl := range l.Tasks {
					got[l.AgentID] = append(got[l.AgentID], taskByID(batch, pl.TaskID))
				}
			}
		}
		r.placeTime += time.Since(t0)
		r.batches++
		next := pool[:0:0]
		for _, o := range pool {
			ts, ok := got[o.AgentID]
			if !ok {
				next = append(next, o)
				continue
			}
			u := use[o.AgentID]
			u.used = true
			cpu, mb := o.Resources[0].Scalar, o.Resources[1].Scalar
			for _, t := range ts {
				cpu -= t.CPUs
				mb -= t.MemMB
				u.cpu += t.CPUs
				u.mb += t.MemMB
				u.nextPort += uint64(t.Ports)
				r.placed++
			}
			if cpu > 0 && mb > 0 {
				left := benchOffer(0, 0, 0)
				left.ID, left.AgentID, left.Hostname = fmt.Sprintf("%s-O%d", benchMaster, serial), o.AgentID, o.Hostname
				serial++
				left.Resources[0].Scalar, left.Resources[1].Scalar = cpu, mb
				left.Resources[3].Ranges = []offers.Range{{Begin: u.nextPort, End: 31999}}
				next = append(next, left)
			}
		}
		pool = next
	}
	for _, u := range use {
		r.usedCPU += u.cpu
		r.usedMB += u.mb
		if u.used {
			r.capCPU += u.capCPU
			r.capMB += u.capMB
		}
	}
	return r
}

// naiveFirstFitOffers runs the baseline and records which agent got which
// task.
func naiveFirstFitOffers(in offers.Input, got map[string][]offers.Task) (int, map[string]bool, [][]uint64) {
	n, agents, ports := naiveFirstFit(in)
	// Replay to learn the agents: the baseline itself keeps no names.
	cpus, mem := make([]float64, len(in.Offers)), make([]float64, len(in.Offers))
	for i, o := range in.Offers {
		cpus[i], mem[i] = o.Resources[0].Scalar, o.Resources[1].Scalar
	}
	for ti, t := range in.Tasks {
		if ports[ti] == nil {
			continue
		}
		for i := range in.Offers {
			if cpus[i] >= t.CPUs && mem[i] >= t.MemMB {
				cpus[i] -= t.CPUs
				mem[i] -= t.MemMB
				got[in.Offers[i].AgentID] = append(got[in.Offers[i].AgentID], t)
				break
			}
		}
	}
	return n, agents, ports
}

// BenchmarkFenzoMix replays Fenzo's TestLotsOfTasks on heterogeneous
// agents: 10,000 agents, batches of 200 mixed tasks. ns/batch is the time
// of one placement call; cpu-fill is the share of all cores in use at the
// end (Fenzo's "Utilization"), cpu-used and mem-used the share of the
// cores and memory of the agents that got tasks.
func BenchmarkFenzoMix(b *testing.B) {
	agents := mixAgents(10000)
	tasks := mixTasks(agents)
	for _, impl := range []string{"binpack", "naive-first-fit"} {
		b.Run(impl, func(b *testing.B) {
			var r mixRun
			for b.Loop() {
				r = runMix(b, agents, tasks, impl == "naive-first-fit")
			}
			b.ReportMetric(float64(r.placeTime.Nanoseconds())/float64(r.batches), "ns/batch")
			b.ReportMetric(float64(r.placed)/float64(len(tasks)), "placed-share")
			b.ReportMetric(r.usedCPU/r.allCPU, "cpu-fill")
			b.ReportMetric(r.usedCPU/r.capCPU, "cpu-used")
			b.ReportMetric(r.usedMB/r.capMB, "mem-used")
		})
	}
}

// BenchmarkMixedOneCall places a mixed workload in one call: 1,000
// heterogeneous agents and tasks of five shapes, some memory-heavy, asking
// for 80 % of the cores. cpu-used and mem-used are the shares of the cores
// and memory of the agents used.
func BenchmarkMixedOneCall(b *testing.B) {
	agents := mixAgents(1000)
	shapes := []offers.Task{{CPUs: 1, MemMB: 1000}, {CPUs: 4, MemMB: 4000}, {CPUs: 6, MemMB: 6000}, {CPUs: 2, MemMB: 6000}, {CPUs: 3, MemMB: 1500}}
	var tasks []offers.Task
	rnd := rand.New(rand.NewPCG(3, 3))
	for cores := 0.0; cores < 0.8*16*1000; {
		t := shapes[rnd.IntN(len(shapes))]
		t.ID, t.Group, t.Ports = fmt.Sprintf("task-%05d", len(tasks)), "tm", 1
		tasks = append(tasks, t)
		cores += t.CPUs
	}
	in := offers.Input{Offers: agents, Tasks: tasks}
	capOf := map[string][2]float64{}
	for _, o := range agents {
		capOf[o.AgentID] = [2]float64{o.Resources[0].Scalar, o.Resources[1].Scalar}
	}
	byID := map[string]offers.Task{}
	for _, t := range tasks {
		byID[t.ID] = t
	}
	for _, impl := range []string{"binpack", "naive-first-fit"} {
		b.Run(impl, func(b *testing.B) {
			got := map[string][]offers.Task{}
			for b.Loop() {
				if impl == "naive-first-fit" {
					got = map[string][]offers.Task{}
					naiveFirstFitOffers(in, got)
					continue
				}
				p, err := offers.Place(in)
				if err != nil {
					b.Fatal(err)
				}
				got = map[string][]offers.Task{}
				for _, l := range p.Launches {
					for _, pl := range l.Tasks {
						got[l.AgentID] = append(got[l.AgentID], byID[pl.TaskID])
					}
				}
			}
			var usedCPU, usedMB, capCPU, capMB float64
			placed := 0
			for a, ts := range got {
				capCPU += capOf[a][0]
				capMB += capOf[a][1]
				for _, t := range ts {
					usedCPU += t.CPUs
					usedMB += t.MemMB
					placed++
				}
			}
			b.ReportMetric(float64(placed)/float64(len(tasks)), "placed-share")
			b.ReportMetric(float64(len(got)), "agents")
			b.ReportMetric(usedCPU/capCPU, "cpu-used")
			b.ReportMetric(usedMB/capMB, "mem-used")
		})
	}
}
