package offers_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/flink-mesos/flink-mesos/offers"
)

func offer(id, agent, host string, res ...offers.Resource) offers.Offer {
	return offers.Offer{ID: id, AgentID: agent, Hostname: host, Resources: res}
}

func scalar(name string, v float64) offers.Resource { return offers.Resource{Name: name, Scalar: v} }
func cpus(v float64) offers.Resource                { return scalar("cpus", v) }
func mem(v float64) offers.Resource                 { return scalar("mem", v) }
func gpus(v float64) offers.Resource                { return scalar("gpus", v) }
func disk(v float64) offers.Resource                { return scalar("disk", v) }

func ports(rs ...offers.Range) offers.Resource {
	return offers.Resource{Name: "ports", Kind: offers.KindRanges, Ranges: rs}
}

func reservedTo(role string, r offers.Resource) offers.Resource {
	r.Reservation = role
	return r
}

func task(id string, c, m float64) offers.Task { return offers.Task{ID: id, CPUs: c, MemMB: m} }

func tasks(prefix string, n int, t offers.Task) []offers.Task {
	out := make([]offers.Task, n)
	for i := range out {
		out[i] = t
		out[i].ID = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

func mustPlace(t *testing.T, in offers.Input) offers.Plan {
	t.Helper()
	p, err := offers.Place(in)
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	return p
}

// where maps each placed task to "agent" or, with roles, "agent/role".
func where(p offers.Plan) map[string]string {
	m := map[string]string{}
	for _, l := range p.Launches {
		at := l.AgentID
		if l.Role != "" {
			at += "/" + l.Role
		}
		for _, pl := range l.Tasks {
			m[pl.TaskID] = at
		}
	}
	return m
}

// perAgent counts placed tasks per agent, as "a1:3 a2:1".
func perAgent(p offers.Plan) string {
	var parts []string
	for _, l := range p.Launches {
		parts = append(parts, fmt.Sprintf("%s:%d", l.AgentID, len(l.Tasks)))
	}
	return strings.Join(parts, " ")
}

func unplacedIDs(p offers.Plan) []string {
	var ids []string
	for _, u := range p.Unplaced {
		ids = append(ids, u.TaskID)
	}
	return ids
}

func placement(t *testing.T, p offers.Plan, id string) offers.Placement {
	t.Helper()
	for _, l := range p.Launches {
		for _, pl := range l.Tasks {
			if pl.TaskID == id {
				return pl
			}
		}
	}
	t.Fatalf("task %s is not placed: %+v", id, p)
	return offers.Placement{}
}

// pieces prints a placement's resources as "o1[0] cpus 1, o1[2] ports 31000-31001".
func pieces(pl offers.Placement) string {
	var parts []string
	for _, pc := range pl.Resources {
		v := fmt.Sprint(pc.Scalar)
		if pc.Name == "ports" {
			var rs []string
			for _, r := range pc.Ranges {
				rs = append(rs, r.String())
			}
			v = strings.Join(rs, ",")
		}
		parts = append(parts, fmt.Sprintf("%s[%d] %s %s", pc.OfferID, pc.Index, pc.Name, v))
	}
	return strings.Join(parts, ", ")
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
