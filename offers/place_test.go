package offers_test

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/offers"
)

func TestBinpack(t *testing.T) {
	tests := []struct {
		name   string
		offers []offers.Offer
		tasks  []offers.Task
		want   string // perAgent
	}{
		{
			name:   "fills one agent before the next",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), mem(4096)), offer("o2", "a2", "h2", cpus(4), mem(4096))},
			tasks:  tasks("tm", 5, task("", 1, 1024)),
			want:   "a1:4 a2:1",
		},
		{
			name:   "the agent left fullest when one takes all",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(8), mem(8192)), offer("o2", "a2", "h2", cpus(2), mem(2048)), offer("o3", "a3", "h3", cpus(3), mem(3072))},
			tasks:  tasks("tm", 2, task("", 1, 1024)),
			want:   "a2:2",
		},
		{
			name: "agents that take the most first, then the best fit for the rest",
			offers: []offers.Offer{
				offer("o1", "a1", "h1", cpus(2), mem(2048)), offer("o2", "a2", "h2", cpus(8), mem(8192)),
				offer("o3", "a3", "h3", cpus(3), mem(3072)),
			},
			tasks: tasks("tm", 10, task("", 1, 1024)),
			want:  "a1:2 a2:8",
		},
		{
			name:   "tops up the fullest used agent",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), mem(4096)), offer("o2", "a2", "h2", cpus(4), mem(8192))},
			tasks:  append(tasks("big", 2, task("", 3, 1024)), task("small", 1, 1024)),
			want:   "a1:2 a2:1",
		},
		{
			name:   "tops up agents this plan already uses before opening one",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), mem(4096)), offer("o2", "a2", "h2", cpus(4), mem(4096))},
			tasks:  append([]offers.Task{task("jm", 2, 2048)}, tasks("tm", 2, task("", 1, 1024))...),
			want:   "a1:3",
		},
		{
			name:   "memory binds as well as cpus",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(16), mem(4096)), offer("o2", "a2", "h2", cpus(16), mem(4096))},
			tasks:  tasks("tm", 5, task("", 1, 2048)),
			want:   "a1:2 a2:2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Offers: tt.offers, Tasks: tt.tasks})
			if got := perAgent(p); got != tt.want {
				t.Fatalf("got %q, want %q (unplaced %v)", got, tt.want, p.Unplaced)
			}
		})
	}
}

func TestBinpackLargestClassFirst(t *testing.T) {
	// In input order, first fit would put the small tasks on a1 and strand
	// the big one; largest first fits all on one agent each.
	in := offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), mem(4096)), offer("o2", "a2", "h2", cpus(2), mem(2048))},
		Tasks:  []offers.Task{task("small-1", 1, 1024), task("small-2", 1, 1024), task("big", 4, 4096)},
	}
	p := mustPlace(t, in)
	want := map[string]string{"big": "a1", "small-1": "a2", "small-2": "a2"}
	if got := where(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := p.Launches[0].Tasks[0].TaskID; got != "big" {
		t.Fatalf("first task on a1 is %s, want big", got)
	}
}

func TestSpread(t *testing.T) {
	four := []offers.Offer{
		offer("o1", "a1", "h1", cpus(8), mem(8192)), offer("o2", "a2", "h2", cpus(8), mem(8192)),
		offer("o3", "a3", "h3", cpus(8), mem(8192)), offer("o4", "a4", "h4", cpus(8), mem(8192)),
	}
	tests := []struct {
		name    string
		offers  []offers.Offer
		tasks   []offers.Task
		running []offers.Running
		want    string
	}{
		{"round robin over equal agents", four, tasks("tm", 6, offers.Task{Group: "tm", CPUs: 1, MemMB: 1024}), nil, "a1:2 a2:2 a3:1 a4:1"},
		{
			"running tasks of the group count", four, tasks("tm", 3, offers.Task{Group: "tm", CPUs: 1, MemMB: 1024}),
			[]offers.Running{{Hostname: "h1", Group: "tm", Count: 1}, {Hostname: "h2", Group: "tm", Count: 1}, {Hostname: "h3", Group: "jm", Count: 5}, {Hostname: "h9", Group: "tm", Count: 1}},
			"a1:1 a3:1 a4:1",
		},
		{
			"the emptiest agent among equal counts",
			[]offers.Offer{offer("o1", "a1", "h1", cpus(2), mem(2048)), offer("o2", "a2", "h2", cpus(8), mem(8192))},
			tasks("tm", 1, offers.Task{Group: "tm", CPUs: 1, MemMB: 1024}), nil, "a2:1",
		},
		{
			"full agents drop out",
			[]offers.Offer{offer("o1", "a1", "h1", cpus(1), mem(1024)), offer("o2", "a2", "h2", cpus(8), mem(8192))},
			tasks("tm", 4, offers.Task{Group: "tm", CPUs: 1, MemMB: 1024}), nil, "a1:1 a2:3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Offers: tt.offers, Tasks: tt.tasks, Running: tt.running, Strategy: offers.Spread})
			if got := perAgent(p); got != tt.want {
				t.Fatalf("got %q, want %q (unplaced %v)", got, tt.want, p.Unplaced)
			}
		})
	}
}

func TestConstraints(t *testing.T) {
	attrs := func(o offers.Offer, as ...offers.Attribute) offers.Offer { o.Attributes = as; return o }
	agents := []offers.Offer{
		attrs(offer("o1", "a1", "h1", cpus(4), mem(4096)), offers.Attribute{Name: "az", Value: "eu-1a"}, offers.Attribute{Name: "rack", Value: "2", Scalar: true}),
		attrs(offer("o2", "a2", "h2", cpus(4), mem(4096)), offers.Attribute{Name: "az", Value: "eu-1b"}, offers.Attribute{Name: "ports", Value: "[1-5]"}),
		offer("o3", "a3", "h3", cpus(4), mem(4096)),
	}
	tests := []struct {
		name string
		cons []offers.Constraint
		want string // agent, or the reason
	}{
		{"text attribute", []offers.Constraint{{Attribute: "az", Value: "eu-1b"}}, "a2"},
		{"hostname", []offers.Constraint{{Attribute: "HOSTNAME", Value: "h3"}}, "a3"},
		{"scalar attribute as a number", []offers.Constraint{{Attribute: "rack", Value: "2.000"}}, "a1"},
		{"ranges attribute as its text", []offers.Constraint{{Attribute: "ports", Value: "[1-5]"}}, "a2"},
		{"all must hold", []offers.Constraint{{Attribute: "az", Value: "eu-1a"}, {Attribute: "rack", Value: "2"}}, "a1"},
		{"text is compared exactly", []offers.Constraint{{Attribute: "az", Value: "EU-1A"}}, "no agent satisfies constraint az=EU-1A"},
		{"missing attribute", []offers.Constraint{{Attribute: "gpu-type", Value: "a100"}}, "no agent satisfies constraint gpu-type=a100"},
		{"a text attribute is no number", []offers.Constraint{{Attribute: "az", Value: "eu-1a"}, {Attribute: "rack", Value: "3"}}, "no agent satisfies constraint rack=3"},
		{
			"each holds somewhere, never together",
			[]offers.Constraint{{Attribute: "az", Value: "eu-1b"}, {Attribute: "rack", Value: "2"}},
			"no agent satisfies all of az=eu-1b, rack=2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := task("t", 1, 1024)
			tk.Constraints = tt.cons
			p := mustPlace(t, offers.Input{Offers: agents, Tasks: []offers.Task{tk}})
			got := where(p)["t"]
			if len(p.Unplaced) == 1 {
				got = p.Unplaced[0].Reason.Error()
				if !errors.Is(p.Unplaced[0].Reason, offers.ErrConstraint) {
					t.Fatalf("reason %v is not ErrConstraint", p.Unplaced[0].Reason)
				}
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMaxPerHost(t *testing.T) {
	tm := offers.Task{Group: "tm", CPUs: 1, MemMB: 1024, MaxPerHost: 1}
	tests := []struct {
		name     string
		offers   []offers.Offer
		running  []offers.Running
		strategy offers.Strategy
		want     string
		unplaced int
	}{
		{
			name:   "one per host",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(8), mem(8192)), offer("o2", "a2", "h2", cpus(8), mem(8192))},
			want:   "a1:1 a2:1", unplaced: 1,
		},
		{
			name:    "running tasks count",
			offers:  []offers.Offer{offer("o1", "a1", "h1", cpus(8), mem(8192)), offer("o2", "a2", "h2", cpus(8), mem(8192))},
			running: []offers.Running{{Hostname: "h1", Group: "tm", Count: 1}},
			want:    "a2:1", unplaced: 2,
		},
		{
			name:   "two agents on one host share the limit",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(8), mem(8192)), offer("o2", "a2", "h1", cpus(8), mem(8192)), offer("o3", "a3", "h3", cpus(8), mem(8192))},
			want:   "a1:1 a3:1", unplaced: 1,
		},
		{
			name:     "spread too",
			offers:   []offers.Offer{offer("o1", "a1", "h1", cpus(8), mem(8192)), offer("o2", "a2", "h1", cpus(8), mem(8192)), offer("o3", "a3", "h3", cpus(8), mem(8192))},
			strategy: offers.Spread,
			want:     "a1:1 a3:1", unplaced: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Offers: tt.offers, Tasks: tasks("tm", 3, tm), Running: tt.running, Strategy: tt.strategy})
			if got := perAgent(p); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if len(p.Unplaced) != tt.unplaced {
				t.Fatalf("unplaced %v, want %d", p.Unplaced, tt.unplaced)
			}
			for _, u := range p.Unplaced {
				if !errors.Is(u.Reason, offers.ErrMaxPerHost) || u.Reason.Error() != "max 1 per host reached on every agent" {
					t.Fatalf("reason %q, want ErrMaxPerHost \"max 1 per host reached on every agent\"", u.Reason)
				}
			}
		})
	}
}

func TestMultiOfferAgent(t *testing.T) {
	in := offers.Input{
		Offers: []offers.Offer{
			offer("o2", "a1", "h1", cpus(1), mem(4096)),
			offer("o1", "a1", "h1", cpus(1), ports(offers.Range{Begin: 31000, End: 31000})),
			offer("o3", "a1", "h1", disk(500)),
			offer("o4", "a2", "h2", cpus(1), mem(4096)),
		},
		Tasks: []offers.Task{{ID: "t", CPUs: 2, MemMB: 1024, Ports: 1}},
	}
	p := mustPlace(t, in)
	if len(p.Launches) != 1 {
		t.Fatalf("launches %+v, want one on a1", p.Launches)
	}
	l := p.Launches[0]
	if l.AgentID != "a1" || !slices.Equal(l.OfferIDs, []string{"o1", "o2"}) {
		t.Fatalf("launch on %s with %v, want a1 with [o1 o2]", l.AgentID, l.OfferIDs)
	}
	// Split across offers in offer ID order.
	if got, want := pieces(l.Tasks[0]), "o1[0] cpus 1, o2[0] cpus 1, o2[1] mem 1024, o1[1] ports 31000-31000"; got != want {
		t.Fatalf("pieces\n got %s\nwant %s", got, want)
	}
	if !slices.Equal(p.Declines, []string{"o3", "o4"}) {
		t.Fatalf("declines %v, want [o3 o4]: o3 is on the used agent but gave nothing", p.Declines)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		name   string
		roles  []string
		offers []offers.Offer
		tasks  []offers.Task
		want   string // pieces of task t, or where, or the reason
	}{
		{
			name:   "reserved before unreserved",
			roles:  []string{"flink"},
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(2), reservedTo("flink", cpus(2)), mem(1024))},
			tasks:  []offers.Task{task("t", 3, 512)},
			want:   "o1[1] cpus 2, o1[0] cpus 1, o1[2] mem 512",
		},
		{
			name:   "another role's reservation is not ours",
			roles:  []string{"flink"},
			offers: []offers.Offer{offer("o1", "a1", "h1", reservedTo("spark", cpus(8)), cpus(1), mem(4096))},
			tasks:  []offers.Task{task("t", 2, 512)},
			want:   "needs 2 cpus, the largest offer has 1 cpus",
		},
		{
			name:   "a reservation to the parent role is ours",
			roles:  []string{"eng/flink"},
			offers: []offers.Offer{offer("o1", "a1", "h1", reservedTo("eng", cpus(2)), reservedTo("eng/flinkx", mem(512)), mem(1024))},
			tasks:  []offers.Task{task("t", 2, 1024)},
			want:   "o1[0] cpus 2, o1[2] mem 1024",
		},
		{
			name:   "without roles only unreserved resources",
			offers: []offers.Offer{offer("o1", "a1", "h1", reservedTo("flink", cpus(8)), cpus(1), mem(4096))},
			tasks:  []offers.Task{task("t", 2, 512)},
			want:   "needs 2 cpus, the largest offer has 1 cpus",
		},
		{
			name:   "revocable, shared, mount and persistent disk are never taken",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(1), mem(1024), offers.Resource{Name: "cpus", Scalar: 8, Revocable: true}, offers.Resource{Name: "disk", Scalar: 900, Shared: true, Persistent: true}, offers.Resource{Name: "disk", Scalar: 900, DiskSource: "MOUNT"}, disk(100), offers.Resource{Name: "zones", Kind: offers.KindSet})},
			tasks:  []offers.Task{{ID: "t", CPUs: 1, MemMB: 1024, DiskMB: 200}},
			want:   "needs 200 MB disk, the largest offer has 100 MB",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Roles: tt.roles, Offers: tt.offers, Tasks: tt.tasks})
			var got string
			if len(p.Unplaced) > 0 {
				got = p.Unplaced[0].Reason.Error()
			} else {
				got = pieces(placement(t, p, "t"))
			}
			if got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMultiRole(t *testing.T) {
	withRole := func(o offers.Offer, role string) offers.Offer { o.Role = role; return o }
	in := offers.Input{
		Roles: []string{"r1", "r2"},
		Offers: []offers.Offer{
			withRole(offer("o1", "a1", "h1", cpus(2), mem(2048)), "r1"),
			withRole(offer("o2", "a1", "h1", reservedTo("r2", cpus(2)), mem(2048)), "r2"),
			withRole(offer("o3", "a2", "h2", cpus(16), mem(16384)), "other"),
		},
		Tasks: []offers.Task{task("big", 3, 1024), task("t1", 2, 1024), task("t2", 2, 1024)},
	}
	p := mustPlace(t, in)
	// No task may combine offers of two roles, even on one agent.
	want := map[string]string{"t1": "a1/r1", "t2": "a1/r2"}
	if got := where(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if len(p.Launches) != 2 || p.Launches[0].Role != "r1" || p.Launches[1].Role != "r2" {
		t.Fatalf("launches %+v, want one per role", p.Launches)
	}
	if !slices.Equal(p.Declines, []string{"o3"}) {
		t.Fatalf("declines %v, want the offer for a role we do not have", p.Declines)
	}
	if u := unplacedIDs(p); !slices.Equal(u, []string{"big"}) || !errors.Is(p.Unplaced[0].Reason, offers.ErrInsufficient) {
		t.Fatalf("unplaced %v, want big for lack of resources", p.Unplaced)
	}
}

func TestPorts(t *testing.T) {
	tests := []struct {
		name   string
		offers []offers.Offer
		tasks  []offers.Task
		want   map[string]string // task -> pieces, or "unplaced: reason"
		ports  map[string][]uint64
	}{
		{
			name:   "lowest first and never twice",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), ports(offers.Range{Begin: 31005, End: 31006}, offers.Range{Begin: 31000, End: 31002}))},
			tasks:  []offers.Task{{ID: "t1", CPUs: 1, Ports: 3}, {ID: "t2", CPUs: 1, Ports: 2}},
			want:   map[string]string{"t1": "o1[0] cpus 1, o1[1] ports 31000-31002", "t2": "o1[0] cpus 1, o1[1] ports 31005-31006"},
			ports:  map[string][]uint64{"t1": {31000, 31001, 31002}, "t2": {31005, 31006}},
		},
		{
			name:   "across ranges and resources, reserved first",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), ports(offers.Range{Begin: 20, End: 20}, offers.Range{Begin: 22, End: 22}), reservedTo("*flink", ports(offers.Range{Begin: 40, End: 41})))},
			tasks:  []offers.Task{{ID: "t1", CPUs: 1, Ports: 4}},
			want:   map[string]string{"t1": "o1[0] cpus 1, o1[2] ports 40-41, o1[1] ports 20-20,22-22"},
			ports:  map[string][]uint64{"t1": {40, 41, 20, 22}},
		},
		{
			name:   "adjacent ranges make one piece",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), ports(offers.Range{Begin: 20, End: 21}, offers.Range{Begin: 22, End: 23}))},
			tasks:  []offers.Task{{ID: "t1", CPUs: 1, Ports: 4}},
			want:   map[string]string{"t1": "o1[0] cpus 1, o1[1] ports 20-23"},
			ports:  map[string][]uint64{"t1": {20, 21, 22, 23}},
		},
		{
			name:   "not enough ports",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), ports(offers.Range{Begin: 31000, End: 31001}))},
			tasks:  []offers.Task{{ID: "t1", CPUs: 1, Ports: 3}},
			want:   map[string]string{"t1": "unplaced: needs 3 ports, the largest offer has 2 ports"},
		},
		{
			name:   "the very last port of the range",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), ports(offers.Range{Begin: math.MaxUint64 - 1, End: math.MaxUint64}))},
			tasks:  []offers.Task{{ID: "t1", CPUs: 1, Ports: 2}},
			want:   map[string]string{"t1": "o1[0] cpus 1, o1[1] ports 18446744073709551614-18446744073709551615"},
			ports:  map[string][]uint64{"t1": {math.MaxUint64 - 1, math.MaxUint64}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roles := []string{"*flink"}
			if tt.name != "across ranges and resources, reserved first" {
				roles = nil
			}
			p := mustPlace(t, offers.Input{Offers: tt.offers, Tasks: tt.tasks, Roles: roles})
			for id, want := range tt.want {
				var got string
				if i := slices.IndexFunc(p.Unplaced, func(u offers.Unplaced) bool { return u.TaskID == id }); i >= 0 {
					got = "unplaced: " + p.Unplaced[i].Reason.Error()
				} else {
					pl := placement(t, p, id)
					got = pieces(pl)
					if !slices.Equal(pl.Ports, tt.ports[id]) {
						t.Fatalf("task %s ports %v, want %v", id, pl.Ports, tt.ports[id])
					}
				}
				if got != want {
					t.Fatalf("task %s\n got %s\nwant %s", id, got, want)
				}
			}
		})
	}
}

func TestGPUAgentsLast(t *testing.T) {
	gpuAgent := offer("o1", "a1", "h1", cpus(16), mem(16384), gpus(2))
	plain := offer("o2", "a2", "h2", cpus(2), mem(2048))
	for _, strategy := range []offers.Strategy{offers.Binpack, offers.Spread} {
		t.Run(strategy.String(), func(t *testing.T) {
			p := mustPlace(t, offers.Input{Strategy: strategy, Offers: []offers.Offer{gpuAgent, plain}, Tasks: []offers.Task{
				task("cpu-1", 1, 1024), task("cpu-2", 1, 1024), task("cpu-3", 1, 1024), {ID: "gpu", CPUs: 1, MemMB: 1024, GPUs: 1},
			}})
			want := map[string]string{"cpu-1": "a2", "cpu-2": "a2", "cpu-3": "a1", "gpu": "a1"}
			if got := where(p); !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v, want %v: tasks without GPUs use the GPU agent only when the plain one is full", got, want)
			}
		})
	}
}

func TestFixedPoint(t *testing.T) {
	// 0.1+0.1+0.1 > 0.3 in float64; Mesos counts thousandths, so do we.
	p := mustPlace(t, offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(0.3), mem(0.3))},
		Tasks:  tasks("t", 3, task("", 0.1, 0.1)),
	})
	if len(p.Unplaced) != 0 || perAgent(p) != "a1:3" {
		t.Fatalf("got %q, unplaced %v; want all three on a1", perAgent(p), p.Unplaced)
	}
	if got := pieces(p.Launches[0].Tasks[2]); got != "o1[0] cpus 0.1, o1[1] mem 0.1" {
		t.Fatalf("pieces %s", got)
	}
	// Amounts are rounded to thousandths before they are compared.
	p = mustPlace(t, offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(1.0004))},
		Tasks:  []offers.Task{{ID: "t", CPUs: 1.0001}},
	})
	if got := pieces(placement(t, p, "t")); got != "o1[0] cpus 1" {
		t.Fatalf("pieces %s, want cpus rounded to 1", got)
	}
}

func TestOtherScalars(t *testing.T) {
	net := func(v float64) offers.Resource { return scalar("network", v) }
	p := mustPlace(t, offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(8), mem(8192), net(100), scalar("fpga", 1)), offer("o2", "a2", "h2", cpus(8), mem(8192), net(100))},
		Tasks:  tasks("t", 5, offers.Task{CPUs: 1, MemMB: 1024, GPUs: 0, Scalars: map[string]float64{"network": 40, "unused": 0}}),
	})
	if got := perAgent(p); got != "a1:2 a2:2" {
		t.Fatalf("got %q, want two per agent (network binds)", got)
	}
	if got := pieces(p.Launches[0].Tasks[0]); got != "o1[0] cpus 1, o1[1] mem 1024, o1[2] network 40" {
		t.Fatalf("pieces %s", got)
	}
	if u := p.Unplaced; len(u) != 1 || u[0].Reason.Error() != "needs 40 network, the largest offer has 20 network left after the other placements of this plan" {
		t.Fatalf("unplaced %v", u)
	}
}

func TestBadOffers(t *testing.T) {
	good := offer("good", "a1", "h1", cpus(4), mem(4096))
	tests := []struct {
		name    string
		bad     offers.Offer
		field   string
		value   string
		problem string
	}{
		{"negative scalar", offer("bad", "a2", "h2", cpus(-1), mem(1024)), `resource "cpus"`, "-1", "must not be negative"},
		{"NaN scalar", offer("bad", "a2", "h2", cpus(1), mem(math.NaN())), `resource "mem"`, "NaN", "finite"},
		{"infinite scalar", offer("bad", "a2", "h2", cpus(math.Inf(1))), `resource "cpus"`, "+Inf", "finite"},
		{"huge scalar", offer("bad", "a2", "h2", disk(2e12)), `resource "disk"`, "2e+12", "at most 1e12"},
		{"inverted range", offer("bad", "a2", "h2", cpus(1), ports(offers.Range{Begin: 32000, End: 31000})), `resource "ports"`, "32000-31000", "must not begin after it ends"},
		{"overlapping ranges", offer("bad", "a2", "h2", ports(offers.Range{Begin: 1, End: 5}, offers.Range{Begin: 5, End: 9})), `resource "ports"`, "5-9", "must not overlap"},
		{"no ID", offer("", "a2", "h2", cpus(1)), "id", "", "is empty"},
		{"no agent", offer("bad", "", "h2", cpus(1)), "agent_id", "", "is empty"},
		{"no hostname", offer("bad", "a2", "", cpus(1)), "hostname", "", "is empty"},
		{"nameless resource", offer("bad", "a2", "h2", scalar("", 1)), "resource 0", "", "has no name"},
		{"reserved to *", offer("bad", "a2", "h2", reservedTo("*", cpus(1))), `resource "cpus"`, "", `role "*"`},
		{"disk information on cpus", offer("bad", "a2", "h2", offers.Resource{Name: "cpus", Scalar: 1, DiskSource: "MOUNT"}), `resource "cpus"`, "", "only disk resources"},
		{"unknown kind", offer("bad", "a2", "h2", offers.Resource{Name: "x", Kind: 7}), `resource "x"`, "", "kind 7 is unknown"},
		{"nameless attribute", offers.Offer{ID: "bad", AgentID: "a2", Hostname: "h2", Attributes: []offers.Attribute{{Value: "x"}}}, "attribute 0", "", "has no name"},
		{"ports clash with another offer of the agent", offer("zbad", "a1", "h1", ports(offers.Range{Begin: 10, End: 20})), `resource "ports"`, "10-20", `overlaps ports 15-15 of offer "good" of the same agent`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := good
			if tt.name == "ports clash with another offer of the agent" {
				g.Resources = append(slices.Clone(g.Resources), ports(offers.Range{Begin: 15, End: 15}))
			}
			p := mustPlace(t, offers.Input{Offers: []offers.Offer{tt.bad, g}, Tasks: []offers.Task{task("t", 1, 1024)}})
			if where(p)["t"] != "a1" {
				t.Fatalf("the good offer was not used: %+v", p)
			}
			if len(p.BadOffers) != 1 {
				t.Fatalf("bad offers %v, want one", p.BadOffers)
			}
			e, ok := errors.AsType[*offers.OfferError](error(p.BadOffers[0]))
			if !ok || !errors.Is(e, offers.ErrInvalidOffer) {
				t.Fatalf("error %v is not an *OfferError for ErrInvalidOffer", p.BadOffers[0])
			}
			if e.OfferID != tt.bad.ID || e.Field != tt.field || e.Value != tt.value || !strings.Contains(e.Problem, tt.problem) {
				t.Fatalf("got %+v\nwant offer %q field %q value %q problem ~%q", e, tt.bad.ID, tt.field, tt.value, tt.problem)
			}
			if !strings.Contains(e.Error(), tt.field) || (tt.bad.ID != "" && !strings.Contains(e.Error(), tt.bad.ID)) {
				t.Fatalf("message %q does not name the offer and field", e.Error())
			}
			wantDeclines := []string{tt.bad.ID}
			if tt.bad.ID == "" {
				wantDeclines = nil // nothing to decline it by
			}
			if !slices.Equal(p.Declines, wantDeclines) {
				t.Fatalf("declines %v, want %v", p.Declines, wantDeclines)
			}
		})
	}
}

func TestDuplicateOffer(t *testing.T) {
	o := offer("o1", "a1", "h1", cpus(1), mem(1024))
	p := mustPlace(t, offers.Input{Offers: []offers.Offer{o, o}, Tasks: tasks("t", 2, task("", 1, 1024))})
	if perAgent(p) != "a1:1" || len(p.Declines) != 0 {
		t.Fatalf("got %q, declines %v; want one task on the one offer, nothing declined", perAgent(p), p.Declines)
	}
	if len(p.BadOffers) != 1 || !errors.Is(p.BadOffers[0], offers.ErrDuplicateOffer) {
		t.Fatalf("bad offers %v, want one ErrDuplicateOffer", p.BadOffers)
	}
}

func TestBadTasks(t *testing.T) {
	ok := task("ok", 1, 1024)
	tests := []struct {
		name  string
		task  offers.Task
		err   error
		field string
	}{
		{"negative cpus", offers.Task{ID: "x", CPUs: -1}, offers.ErrInvalidTask, "cpus"},
		{"NaN mem", offers.Task{ID: "x", CPUs: 1, MemMB: math.NaN()}, offers.ErrInvalidTask, "mem"},
		{"infinite gpus", offers.Task{ID: "x", CPUs: 1, GPUs: math.Inf(1)}, offers.ErrInvalidTask, "gpus"},
		{"cpus among the scalars", offers.Task{ID: "x", Scalars: map[string]float64{"cpus": 1}}, offers.ErrInvalidTask, `scalar "cpus"`},
		{"ports as a scalar", offers.Task{ID: "x", CPUs: 1, Scalars: map[string]float64{"ports": 1}}, offers.ErrInvalidTask, `scalar "ports"`},
		{"nameless scalar", offers.Task{ID: "x", CPUs: 1, Scalars: map[string]float64{"": 1}}, offers.ErrInvalidTask, `scalar ""`},
		{"negative scalar", offers.Task{ID: "x", CPUs: 1, Scalars: map[string]float64{"network": -1}}, offers.ErrInvalidTask, `scalar "network"`},
		{"negative ports", offers.Task{ID: "x", CPUs: 1, Ports: -1}, offers.ErrInvalidTask, "ports"},
		{"too many ports", offers.Task{ID: "x", CPUs: 1, Ports: offers.MaxPorts + 1}, offers.ErrInvalidTask, "ports"},
		{"asks for nothing", offers.Task{ID: "x", CPUs: 0.0001}, offers.ErrInvalidTask, "resources"},
		{"nameless constraint", offers.Task{ID: "x", CPUs: 1, Constraints: []offers.Constraint{{Value: "a"}}}, offers.ErrInvalidTask, "constraint"},
		{"empty constraint value", offers.Task{ID: "x", CPUs: 1, Constraints: []offers.Constraint{{Attribute: "az"}}}, offers.ErrInvalidTask, "constraint"},
		{"negative limit", offers.Task{ID: "x", CPUs: 1, MaxPerHost: -1}, offers.ErrInvalidTask, "max per host"},
		{"no ID", offers.Task{CPUs: 1}, offers.ErrInvalidTask, "id"},
		{"repeated ID", offers.Task{ID: "ok", CPUs: 1}, offers.ErrDuplicateTask, "id"},
		{"another limit in the group", offers.Task{ID: "x", CPUs: 1, MemMB: 1, MaxPerHost: 3}, offers.ErrInvalidTask, "max per host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{
				Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(8), mem(8192))},
				Tasks:  []offers.Task{ok, tt.task},
			})
			if where(p)["ok"] != "a1" {
				t.Fatalf("the good task was not placed: %+v", p)
			}
			if len(p.Unplaced) != 1 || p.Unplaced[0].TaskID != tt.task.ID {
				t.Fatalf("unplaced %v, want only %q", p.Unplaced, tt.task.ID)
			}
			e, isTaskErr := errors.AsType[*offers.TaskError](p.Unplaced[0].Reason)
			if !isTaskErr || !errors.Is(e, tt.err) || e.Field != tt.field {
				t.Fatalf("reason %v (%+v), want a *TaskError for %v on %q", p.Unplaced[0].Reason, e, tt.err, tt.field)
			}
		})
	}
}

func TestPlaceRefusesMeaninglessInput(t *testing.T) {
	tests := []struct {
		name string
		in   offers.Input
		want string
	}{
		{"unknown strategy", offers.Input{Strategy: 9}, "Strategy(9) is unknown"},
		{"empty role", offers.Input{Roles: []string{"flink", ""}}, `role "" is not a role name`},
		{"negative running count", offers.Input{Running: []offers.Running{{Hostname: "h", Group: "tm", Count: -1}}}, "running count -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := offers.Place(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !reflect.DeepEqual(p, offers.Plan{}) {
				t.Fatalf("plan %+v, want none", p)
			}
		})
	}
}

func TestReasons(t *testing.T) {
	big := offer("o1", "a1", "h1", cpus(4), mem(2048), ports(offers.Range{Begin: 1, End: 2}))
	other := offer("o2", "a2", "h2", cpus(1), mem(8192))
	tests := []struct {
		name   string
		offers []offers.Offer
		roles  []string
		tasks  []offers.Task
		kind   error
		want   string
	}{
		{"no offers", nil, nil, []offers.Task{task("t", 1, 1)}, offers.ErrNoOffers, "no offers"},
		{
			"no usable offers", []offers.Offer{{ID: "o1", AgentID: "a1", Hostname: "h1", Role: "spark"}}, []string{"flink"},
			[]offers.Task{task("t", 1, 1)}, offers.ErrNoOffers, "none of the 1 offers is valid and for a role of this framework (flink)",
		},
		{"too little of one", []offers.Offer{big, other}, nil, []offers.Task{task("t", 1, 16384)}, offers.ErrInsufficient, "needs 16384 MB mem, the largest offer has 8192 MB"},
		{"too little together", []offers.Offer{big, other}, nil, []offers.Task{task("t", 2, 4096)}, offers.ErrInsufficient, "needs 2 cpus, 4096 MB mem on one agent, and no offer has all of them at once"},
		{"too few ports", []offers.Offer{big, other}, nil, []offers.Task{{ID: "t", CPUs: 1, Ports: 3}}, offers.ErrInsufficient, "needs 3 ports, the largest offer has 2 ports"},
		{
			"only agents that satisfy the constraints count",
			[]offers.Offer{big, func() offers.Offer {
				o := offer("o3", "a3", "h3", cpus(1), mem(1))
				o.Attributes = []offers.Attribute{{Name: "az", Value: "a"}}
				return o
			}()},
			nil, []offers.Task{{ID: "t", CPUs: 2, Constraints: []offers.Constraint{{Attribute: "az", Value: "a"}}}},
			offers.ErrInsufficient, "needs 2 cpus, the largest offer has 1 cpus",
		},
		{
			"ports and cpus on different agents", []offers.Offer{offer("o1", "a1", "h1", cpus(4)), offer("o2", "a2", "h2", cpus(1), ports(offers.Range{Begin: 1, End: 1}))}, nil,
			[]offers.Task{{ID: "t", CPUs: 2, Ports: 1}}, offers.ErrInsufficient, "needs 2 cpus, 1 ports on one agent, and no offer has all of them at once",
		},
		{
			"taken by this plan", []offers.Offer{big}, nil, []offers.Task{task("t0", 3, 1), task("t", 3, 1)},
			offers.ErrInsufficient, "needs 3 cpus, the largest offer has 1 cpus left after the other placements of this plan",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Offers: tt.offers, Roles: tt.roles, Tasks: tt.tasks})
			i := slices.IndexFunc(p.Unplaced, func(u offers.Unplaced) bool { return u.TaskID == "t" })
			if i < 0 {
				t.Fatalf("t was placed: %+v", p)
			}
			r := p.Unplaced[i].Reason
			if !errors.Is(r, tt.kind) || r.Error() != tt.want {
				t.Fatalf("reason %q, want %v %q", r, tt.kind, tt.want)
			}
		})
	}
}

func TestOfferOrderDoesNotMatter(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var in offers.Input
	for a := range 40 {
		id := string(rune('a'+a%26)) + string(rune('0'+a/26))
		in.Offers = append(in.Offers, offer("o-"+id, "agent-"+id, "host-"+id, cpus(float64(1+rnd.IntN(8))), mem(float64(1024*(1+rnd.IntN(8)))), ports(offers.Range{Begin: 31000, End: uint64(31000 + rnd.IntN(10))})))
	}
	in.Tasks = append(tasks("tm", 25, offers.Task{Group: "tm", CPUs: 1, MemMB: 2048, Ports: 2}), tasks("jm", 2, offers.Task{Group: "jm", CPUs: 2, MemMB: 1024, Ports: 1})...)
	for _, strategy := range []offers.Strategy{offers.Binpack, offers.Spread} {
		in.Strategy = strategy
		want := mustPlace(t, in)
		for range 5 {
			shuffled := in
			shuffled.Offers = slices.Clone(in.Offers)
			rnd.Shuffle(len(shuffled.Offers), func(i, j int) { shuffled.Offers[i], shuffled.Offers[j] = shuffled.Offers[j], shuffled.Offers[i] })
			got := mustPlace(t, shuffled)
			if !reflect.DeepEqual(got.Launches, want.Launches) || !slices.Equal(sorted(got.Declines), sorted(want.Declines)) {
				t.Fatalf("%v: shuffling the offers changed the plan", strategy)
			}
		}
	}
}

func TestLogAttrs(t *testing.T) {
	p := mustPlace(t, offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(2), mem(2048)), offer("o2", "a2", "h2", cpus(1), mem(1024)), offer("o3", "a3", "h3", cpus(-1))},
		Tasks:  tasks("t", 4, task("", 1, 1024)),
	})
	got := map[string]int64{}
	for _, a := range p.LogAttrs() {
		if a.Value.Kind() != slog.KindInt64 {
			t.Fatalf("attr %v is not a count", a)
		}
		got[a.Key] = a.Value.Int64()
	}
	want := map[string]int64{"launches": 2, "tasks": 3, "agents": 2, "declines": 1, "unplaced": 1, "bad_offers": 1}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestParseStrategy(t *testing.T) {
	for _, s := range []offers.Strategy{offers.Binpack, offers.Spread} {
		got, err := offers.ParseStrategy(s.String())
		if err != nil || got != s {
			t.Fatalf("ParseStrategy(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := offers.ParseStrategy("Binpack"); err == nil || !strings.Contains(err.Error(), "allowed are binpack and spread") {
		t.Fatalf("error %v, want one that lists the allowed values", err)
	}
}

func TestPortClashes(t *testing.T) {
	withPorts := func(id, agent string, rs ...offers.Resource) offers.Offer {
		return offer(id, agent, "h-"+agent, append([]offers.Resource{cpus(4)}, rs...)...)
	}
	r := func(b, e uint64) offers.Range { return offers.Range{Begin: b, End: e} }
	tests := []struct {
		name   string
		offers []offers.Offer
		bad    []string // "offer: message part"
		ports  []uint64 // of tasks t-0 and t-1, one port each
	}{
		{
			name:   "two resources of one offer",
			offers: []offers.Offer{withPorts("o1", "a1", ports(r(10, 10)), reservedTo("r", ports(r(10, 11))))},
			bad:    []string{`o1: overlaps ports 10-11 of the same offer`},
		},
		{
			name: "later offers of the agent lose",
			offers: []offers.Offer{
				// o3 would clash only with o2, which is out.
				withPorts("o3", "a1", ports(r(1, 1), r(4, 4))), withPorts("o1", "a1", ports(r(2, 3))), withPorts("o2", "a1", ports(r(3, 4))),
				withPorts("o4", "a2", ports(r(3, 3))),
			},
			bad:   []string{`o2: overlaps ports 2-3 of offer "o1" of the same agent`},
			ports: []uint64{2, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Roles: []string{"r"}, Offers: tt.offers, Tasks: tasks("t", 2, offers.Task{CPUs: 1, Ports: 1})})
			var bad []string
			for _, e := range p.BadOffers {
				bad = append(bad, e.OfferID+": "+e.Problem)
			}
			if len(bad) != len(tt.bad) {
				t.Fatalf("bad offers %q, want %q", bad, tt.bad)
			}
			for i := range bad {
				if !strings.HasPrefix(bad[i], tt.bad[i]) {
					t.Fatalf("bad offers %q, want %q", bad, tt.bad)
				}
			}
			var got []uint64
			for _, l := range p.Launches {
				for _, pl := range l.Tasks {
					got = append(got, pl.Ports...)
				}
			}
			if !slices.Equal(got, tt.ports) {
				t.Fatalf("ports %v, want %v", got, tt.ports)
			}
		})
	}
}

func TestBinpackKeepsFFDWhenItIsBetter(t *testing.T) {
	// Found by searching random inputs: the fullest-first packer needs four
	// agents here, first-fit decreasing three. Place keeps the better plan.
	in := offers.Input{
		Offers: []offers.Offer{
			offer("o1", "a1", "h1", cpus(5), mem(4096)), offer("o2", "a2", "h2", cpus(4), mem(8192)),
			offer("o3", "a3", "h3", cpus(2), mem(7168)), offer("o4", "a4", "h4", cpus(4), mem(5120)),
		},
		Tasks: []offers.Task{task("t1", 1, 1024), task("t2", 1, 1024), task("t3", 2, 1024), task("t4", 1, 4096), task("t5", 3, 2048), task("t6", 2, 1024)},
	}
	p := mustPlace(t, in)
	want := map[string]string{"t5": "a1", "t3": "a1", "t4": "a2", "t6": "a2", "t1": "a2", "t2": "a3"}
	if got := where(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want the first-fit-decreasing plan %v", got, want)
	}
}

func TestSharedHosts(t *testing.T) {
	tests := []struct {
		name     string
		strategy offers.Strategy
		offers   []offers.Offer
		tm       offers.Task
		n        int
		want     string
	}{
		{
			// a1 fills two of the three slots of h1, which leaves a2 room
			// for one: its key is recomputed before it is used.
			name:   "binpack: a per-host limit shared by two agents",
			offers: []offers.Offer{offer("o1", "a1", "h1", cpus(2)), offer("o2", "a2", "h1", cpus(2)), offer("o3", "a3", "h3", cpus(1))},
			tm:     offers.Task{Group: "tm", CPUs: 1, MaxPerHost: 3},
			n:      5,
			want:   "a1:2 a2:1 a3:1",
		},
		{
			name:     "spread: tasks on a host count for all its agents",
			strategy: offers.Spread,
			offers:   []offers.Offer{offer("o1", "a1", "h1", cpus(8)), offer("o2", "a2", "h1", cpus(8)), offer("o3", "a3", "h3", cpus(8))},
			tm:       offers.Task{Group: "tm", CPUs: 1},
			n:        3,
			want:     "a1:1 a2:1 a3:1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Strategy: tt.strategy, Offers: tt.offers, Tasks: tasks("tm", tt.n, tt.tm)})
			if got := perAgent(p); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNoGPUAgentWhenPlainAgentsSuffice(t *testing.T) {
	p := mustPlace(t, offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(16), mem(16384), gpus(1)), offer("o2", "a2", "h2", cpus(2), mem(2048))},
		Tasks:  tasks("tm", 2, task("", 1, 1024)),
	})
	if got := perAgent(p); got != "a2:2" {
		t.Fatalf("got %q, want both on the plain agent", got)
	}
}

func TestConstraintOrderDoesNotSplitClasses(t *testing.T) {
	o := offer("o1", "a1", "h1", cpus(4))
	o.Attributes = []offers.Attribute{{Name: "az", Value: "a"}, {Name: "rack", Value: "1"}}
	az, rack := offers.Constraint{Attribute: "az", Value: "a"}, offers.Constraint{Attribute: "rack", Value: "1"}
	p := mustPlace(t, offers.Input{Offers: []offers.Offer{o}, Tasks: []offers.Task{
		{ID: "t1", CPUs: 1, Constraints: []offers.Constraint{rack, az}},
		{ID: "t2", CPUs: 1, Constraints: []offers.Constraint{az, rack, az}},
		{ID: "t3", CPUs: 1, Constraints: []offers.Constraint{{Attribute: "az", Value: "b"}, az}},
	}})
	if got := perAgent(p); got != "a1:2" {
		t.Fatalf("got %q, want t1 and t2 on a1", got)
	}
	if r := p.Unplaced[0].Reason.Error(); r != "no agent satisfies constraint az=b" {
		t.Fatalf("reason %q", r)
	}
}

func TestHugeAmounts(t *testing.T) {
	// Sums saturate instead of wrapping; a full 64-bit port range counts.
	many := make([]offers.Resource, 10000)
	for i := range many {
		many[i] = cpus(offers.MaxScalar)
	}
	many[0] = cpus(6e11)
	many = append(many, ports(offers.Range{Begin: 0, End: math.MaxUint64}))
	p := mustPlace(t, offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", many...)},
		Tasks:  []offers.Task{{ID: "t", CPUs: offers.MaxScalar, Ports: offers.MaxPorts}},
	})
	pl := placement(t, p, "t")
	if len(pl.Ports) != offers.MaxPorts || pl.Ports[0] != 0 || pl.Ports[offers.MaxPorts-1] != offers.MaxPorts-1 {
		t.Fatalf("ports %d from %d, want the lowest %d", len(pl.Ports), pl.Ports[0], offers.MaxPorts)
	}
	if got := pieces(pl); got != "o1[0] cpus 6e+11, o1[1] cpus 4e+11, o1[10000] ports 0-65535" {
		t.Fatalf("pieces %s", got)
	}
}

func TestTaskErrorText(t *testing.T) {
	p := mustPlace(t, offers.Input{Tasks: []offers.Task{{ID: "tm-7", CPUs: -2}, {ID: "tm-8"}}})
	want := []string{
		`offers: task "tm-7": cpus value -2: must not be negative`,
		`offers: task "tm-8": resources: the task asks for nothing; Mesos refuses tasks without resources`,
	}
	for i, u := range p.Unplaced {
		if u.Reason.Error() != want[i] {
			t.Fatalf("got %q, want %q", u.Reason, want[i])
		}
	}
}

func TestRepeatedOfferIDs(t *testing.T) {
	good := offer("o1", "a1", "h1", cpus(1), mem(1024))
	bad := offer("o1", "a1", "h1", cpus(-1))
	tests := []struct {
		name     string
		offers   []offers.Offer
		placed   string
		declines []string
		errs     []error
	}{
		{"a bad first copy decides", []offers.Offer{bad, good}, "", []string{"o1"}, []error{offers.ErrInvalidOffer, offers.ErrDuplicateOffer}},
		{"a bad later copy is only a repeat", []offers.Offer{good, bad}, "a1:1", nil, []error{offers.ErrDuplicateOffer}},
		{"three copies", []offers.Offer{good, good, good}, "a1:1", nil, []error{offers.ErrDuplicateOffer, offers.ErrDuplicateOffer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPlace(t, offers.Input{Offers: tt.offers, Tasks: []offers.Task{task("t", 1, 1024)}})
			if got := perAgent(p); got != tt.placed || !slices.Equal(p.Declines, tt.declines) {
				t.Fatalf("placed %q declines %v, want %q %v", got, p.Declines, tt.placed, tt.declines)
			}
			if len(p.BadOffers) != len(tt.errs) {
				t.Fatalf("bad offers %v, want %v", p.BadOffers, tt.errs)
			}
			for i, e := range p.BadOffers {
				if !errors.Is(e, tt.errs[i]) {
					t.Fatalf("bad offer %d: %v, want %v", i, e, tt.errs[i])
				}
			}
		})
	}
}

func TestAgentWithEveryOfferDropped(t *testing.T) {
	clash := offer("o1", "a1", "h1", cpus(8), ports(offers.Range{Begin: 1, End: 5}), ports(offers.Range{Begin: 5, End: 6}))
	clash.Attributes = []offers.Attribute{{Name: "az", Value: "a"}}
	p := mustPlace(t, offers.Input{Offers: []offers.Offer{clash, offer("o2", "a2", "h2", cpus(1))}, Tasks: []offers.Task{
		{ID: "t", CPUs: 1, Constraints: []offers.Constraint{{Attribute: "az", Value: "a"}}},
	}})
	if len(p.Launches) != 0 || !errors.Is(p.Unplaced[0].Reason, offers.ErrConstraint) || !slices.Equal(p.Declines, []string{"o1", "o2"}) {
		t.Fatalf("plan %+v, want nothing placed, both declined", p)
	}
}

func TestBinpackMixesShapesOnAnAgent(t *testing.T) {
	// Found by searching random inputs: placing shape by shape fits four
	// of these tasks on the two agents; filling each agent with the shapes
	// that suit what is left of it fits five.
	in := offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(4), mem(4096)), offer("o2", "a2", "h2", cpus(4), mem(4096))},
		Tasks: []offers.Task{
			task("t1", 2, 512), task("t2", 2, 512), task("t3", 1, 2048), task("t4", 2, 2048), task("t5", 1, 1024), task("t6", 2, 2048),
		},
	}
	p := mustPlace(t, in)
	want := map[string]string{"t4": "a1", "t6": "a1", "t1": "a2", "t3": "a2", "t5": "a2"}
	if got := where(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestGPUAgentWithItsGPUsGivenAway(t *testing.T) {
	// Once the GPU task has the agent's only GPU, the agent is as good as
	// any for tasks without GPUs, and binpack fills it.
	p := mustPlace(t, offers.Input{
		Offers: []offers.Offer{offer("o1", "a1", "h1", cpus(16), mem(16384), gpus(1)), offer("o2", "a2", "h2", cpus(2), mem(2048))},
		Tasks:  append([]offers.Task{{ID: "gpu", CPUs: 1, MemMB: 1024, GPUs: 1}}, tasks("cpu", 2, task("", 1, 1024))...),
	})
	if got := perAgent(p); got != "a1:3" {
		t.Fatalf("got %q, want all three on a1", got)
	}
}

// Hosts named alike for their first twenty-odd bytes, as clusters name
// them, are still taken in name order: among identical agents, the first
// by hostname, a hostname that is the common prefix itself first of all.
func TestHostnamesWithALongCommonPrefix(t *testing.T) {
	const prefix = "mesos-agent-production-"
	names := []string{prefix}
	for n := 1; n <= 30; n++ {
		names = append(names, prefix+strconv.Itoa(n))
	}
	rand.New(rand.NewPCG(5, 6)).Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	var in offers.Input
	for i, host := range names {
		in.Offers = append(in.Offers, offer(fmt.Sprintf("o%d", i), "agent@"+host, host, cpus(2), mem(4096)))
	}
	for _, tc := range []struct {
		name     string
		strategy offers.Strategy
		tasks    int
		want     []string // hostnames used, in plan order
	}{
		{"binpack", offers.Binpack, 6, []string{prefix, prefix + "1", prefix + "10"}},
		{"spread", offers.Spread, 4, []string{prefix, prefix + "1", prefix + "10", prefix + "11"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := in
			in.Strategy = tc.strategy
			in.Tasks = tasks("tm", tc.tasks, offers.Task{CPUs: 1, MemMB: 2048})
			p := mustPlace(t, in)
			var got []string
			for _, l := range p.Launches {
				got = append(got, l.Hostname)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got hosts %q, want %q", got, tc.want)
			}
		})
	}
}
