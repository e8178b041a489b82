package offers

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

const (
	// MaxScalar is the largest scalar amount an offer or a task may carry.
	// Nothing real comes close (it is an exabyte of mem in MB); the bound
	// keeps every sum exact in 64-bit fixed point.
	MaxScalar = 1e12
	// MaxPorts is the most ports one task may ask for.
	MaxPorts = 65536
)

// Resource names with a meaning of their own.
const (
	nameCPUs  = "cpus"
	nameGPUs  = "gpus"
	nameMem   = "mem"
	nameDisk  = "disk"
	namePorts = "ports"
)

// toMilli converts an amount to Mesos' fixed point: thousandths, rounded
// half away from zero (convertToFixed in Mesos src/common/values.cpp).
func toMilli(v float64) int64 { return int64(math.Round(v * 1000)) }

// milli is toMilli for 0 <= v <= MaxScalar, without a call: the
// conversion truncates, which for these amounts is math.Floor, and x-t is
// exact (t < 2^53), so rounding up from a half is math.Round's.
func milli(v float64) int64 {
	x := v * 1000
	t := int64(x)
	if x-float64(t) >= 0.5 {
		t++
	}
	return t
}

// fromMilli is the float64 nearest to m/1000, which converts back to m.
func fromMilli(m int64) float64 { return float64(m) / 1000 }

func fmtMilli(m int64) string { return strconv.FormatFloat(fromMilli(m), 'f', -1, 64) }

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// scalarProblem says what is wrong with an amount, or "" if nothing is.
func scalarProblem(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "must be a finite number"
	case v < 0:
		return "must not be negative"
	case v > MaxScalar:
		return "must be at most 1e12"
	}
	return ""
}

// checkOffer finds the first thing wrong with an offer on its own. Port
// ranges that collide with another offer of the same agent are found later,
// when the agent's offers are seen together.
func checkOffer(o *Offer) *OfferError {
	bad := func(field, value, problem string) *OfferError {
		return &OfferError{OfferID: o.ID, Field: field, Value: value, Problem: problem, Err: ErrInvalidOffer}
	}
	switch {
	case o.ID == "":
		return bad("id", "", "is empty; every offer has an ID")
	case o.AgentID == "":
		return bad("agent_id", "", "is empty; every offer names its agent")
	case o.Hostname == "":
		return bad("hostname", "", "is empty; every offer names its agent's host")
	}
	for i := range o.Resources {
		r := &o.Resources[i]
		if r.Name == "" {
			return bad(fmt.Sprintf("resource %d", i), "", "has no name")
		}
		// Formatted only on error: this loop runs for every resource of
		// every offer.
		field := func() string { return fmt.Sprintf("resource %q", r.Name) }
		switch r.Kind {
		case KindScalar:
			if p := scalarProblem(r.Scalar); p != "" {
				return bad(field(), fmtFloat(r.Scalar), "a scalar "+p)
			}
		case KindRanges:
			if p, v := rangesProblem(r.Ranges); p != "" {
				return bad(field(), v, p)
			}
		case KindSet:
		default:
			return bad(field(), "", fmt.Sprintf("kind %d is unknown; allowed are scalar, ranges and set", r.Kind))
		}
		if r.Reservation == "*" {
			return bad(field(), "", `is reserved to role "*", which cannot hold reservations; unreserved resources have an empty Reservation`)
		}
		if (r.DiskSource != "" || r.Persistent) && r.Name != nameDisk {
			return bad(field(), "", "has disk information, which only disk resources may have")
		}
	}
	for i := range o.Attributes {
		if o.Attributes[i].Name == "" {
			return bad(fmt.Sprintf("attribute %d", i), "", "has no name")
		}
	}
	return nil
}

// rangesProblem checks ranges the way Mesos validates a RANGES resource
// (Resources::validate in src/common/resources.cpp): no range ends before
// it begins and no two overlap. It returns the problem and the value at
// fault.
func rangesProblem(rs []Range) (string, string) {
	for _, r := range rs {
		if r.Begin > r.End {
			return "a range must not begin after it ends", r.String()
		}
	}
	// Mesos sends ranges sorted and apart; only others need sorting.
	inOrder := true
	for i := 1; i < len(rs) && inOrder; i++ {
		inOrder = rs[i].Begin > rs[i-1].End
	}
	if inOrder {
		return "", ""
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b Range) int { return cmpU64(a.Begin, b.Begin) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Begin <= sorted[i-1].End {
			return "ranges must not overlap, but " + sorted[i-1].String() + " does", sorted[i].String()
		}
	}
	return "", ""
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkTask finds the first thing wrong with a task.
func checkTask(t *Task) *TaskError {
	bad := func(field, value, problem string) *TaskError {
		return &TaskError{TaskID: t.ID, Field: field, Value: value, Problem: problem, Err: ErrInvalidTask}
	}
	if t.ID == "" {
		return bad("id", "", "is empty; every task has an ID")
	}
	asks := false
	for _, s := range [...]struct {
		name string
		v    float64
	}{{nameCPUs, t.CPUs}, {nameMem, t.MemMB}, {nameDisk, t.DiskMB}, {nameGPUs, t.GPUs}} {
		if p := scalarProblem(s.v); p != "" {
			return bad(s.name, fmtFloat(s.v), p)
		}
		asks = asks || toMilli(s.v) > 0
	}
	if len(t.Scalars) > 0 {
		names := make([]string, 0, len(t.Scalars))
		for n := range t.Scalars {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			v := t.Scalars[n]
			switch n {
			case "":
				return bad(`scalar ""`, fmtFloat(v), "has no name")
			case nameCPUs, nameMem, nameDisk, nameGPUs:
				return bad(fmt.Sprintf("scalar %q", n), fmtFloat(v), "belongs in the Task field of that name, not in Scalars")
			case namePorts:
				return bad(`scalar "ports"`, fmtFloat(v), "ports are a count in Task.Ports, not a scalar")
			}
			if p := scalarProblem(v); p != "" {
				return bad(fmt.Sprintf("scalar %q", n), fmtFloat(v), p)
			}
			asks = asks || toMilli(v) > 0
		}
	}
	if t.Ports < 0 || t.Ports > MaxPorts {
		return bad("ports", strconv.Itoa(t.Ports), fmt.Sprintf("must be between 0 and %d", MaxPorts))
	}
	if !asks && t.Ports == 0 {
		// Mesos refuses such a task ("Task uses no resources",
		// src/master/validation.cpp).
		return bad("resources", "", "the task asks for nothing; Mesos refuses tasks without resources")
	}
	for _, c := range t.Constraints {
		if c.Attribute == "" {
			return bad("constraint", c.String(), "has no attribute name")
		}
		if c.Value == "" {
			return bad("constraint", c.String(), "has an empty value, which no agent attribute has")
		}
	}
	if t.MaxPerHost < 0 {
		return bad("max per host", strconv.Itoa(t.MaxPerHost), "must be 0 (no limit) or more")
	}
	return nil
}

// checkInput finds problems that make the whole input meaningless.
func checkInput(in *Input) error {
	if in.Strategy != Binpack && in.Strategy != Spread {
		return fmt.Errorf("offers: %v is unknown; allowed are binpack and spread", in.Strategy)
	}
	for _, r := range in.Roles {
		if r == "" || strings.TrimSpace(r) != r {
			return fmt.Errorf("offers: framework role %q is not a role name", r)
		}
	}
	for _, r := range in.Running {
		if r.Count < 0 {
			return fmt.Errorf("offers: running count %d for group %q on host %q is negative", r.Count, r.Group, r.Hostname)
		}
	}
	return nil
}

// allocatable reports whether resources reserved to reservation may be used
// by role: the same role or a sub-role of it (Resources::isAllocatableTo in
// Mesos src/common/resources.cpp).
func allocatable(role, reservation string) bool {
	return role == reservation ||
		(len(role) > len(reservation) && role[len(reservation)] == '/' && strings.HasPrefix(role, reservation))
}
