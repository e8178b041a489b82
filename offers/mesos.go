package offers

// This is the only file that knows the Mesos protobuf types.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// ErrNotFromOffers means a placement does not fit the offers it is said to
// come from: a wrong or stale offer map.
var ErrNotFromOffers = errors.New("offers: placement does not match the given offers")

// FromMesos converts a Mesos offer. An error, always an *OfferError naming
// the offer, the resource or attribute and the value, means the offer is
// malformed: decline it, the others are unaffected.
func FromMesos(o *mesospb.Offer) (Offer, error) {
	if o == nil {
		return Offer{}, &OfferError{Field: "offer", Problem: "is nil", Err: ErrInvalidOffer}
	}
	out := Offer{
		ID:       o.GetId().GetValue(),
		AgentID:  o.GetAgentId().GetValue(),
		Hostname: o.GetHostname(),
		Role:     o.GetAllocationInfo().GetRole(),
	}
	bad := func(field, value, problem string) (Offer, error) {
		return Offer{}, &OfferError{OfferID: out.ID, Field: field, Value: value, Problem: problem, Err: ErrInvalidOffer}
	}
	if len(o.Resources) > 0 {
		out.Resources = make([]Resource, len(o.Resources))
	}
	for i, r := range o.Resources {
		field := fmt.Sprintf("resource %q", r.GetName())
		if r.GetName() == "" {
			field = fmt.Sprintf("resource %d", i)
		}
		res := Resource{Name: r.GetName()}
		if r.Type == nil {
			return bad(field, "", "has no type")
		}
		// One value per type (Resources::validate, src/common/resources.cpp).
		switch t := r.GetType(); t {
		case mesospb.Value_SCALAR:
			if r.Scalar == nil || r.Scalar.Value == nil || r.Ranges != nil || r.Set != nil {
				return bad(field, "", "is SCALAR, so it needs a scalar value and nothing else")
			}
			res.Kind, res.Scalar = KindScalar, r.Scalar.GetValue()
		case mesospb.Value_RANGES:
			if r.Ranges == nil || r.Scalar != nil || r.Set != nil {
				return bad(field, "", "is RANGES, so it needs ranges and nothing else")
			}
			res.Kind = KindRanges
			res.Ranges = make([]Range, len(r.Ranges.Range))
			for j, rg := range r.Ranges.Range {
				if rg.Begin == nil || rg.End == nil {
					return bad(field, "", fmt.Sprintf("range %d lacks its begin or end", j))
				}
				res.Ranges[j] = Range{rg.GetBegin(), rg.GetEnd()}
			}
		case mesospb.Value_SET:
			if r.Set == nil || r.Scalar != nil || r.Ranges != nil {
				return bad(field, "", "is SET, so it needs a set and nothing else")
			}
			res.Kind = KindSet
		default:
			return bad(field, t.String(), "resources must be SCALAR, RANGES or SET")
		}
		role, problem := reservationOf(r)
		if problem != "" {
			return bad(field, "", problem)
		}
		res.Reservation = role
		if ai := r.GetAllocationInfo(); ai != nil && ai.GetRole() != out.Role {
			return bad(field, "", fmt.Sprintf("is allocated to role %q but the offer to %q; one offer is for one role", ai.GetRole(), out.Role))
		}
		res.Revocable = r.Revocable != nil
		res.Shared = r.Shared != nil
		if d := r.Disk; d != nil {
			if d.Source != nil {
				res.DiskSource = d.Source.GetType().String()
			}
			res.Persistent = d.Persistence != nil || d.Volume != nil
		}
		out.Resources[i] = res
	}
	if len(o.Attributes) > 0 {
		out.Attributes = make([]Attribute, len(o.Attributes))
	}
	for i, a := range o.Attributes {
		field := fmt.Sprintf("attribute %q", a.GetName())
		if a.GetName() == "" {
			field = fmt.Sprintf("attribute %d", i)
		}
		at := Attribute{Name: a.GetName()}
		switch a.GetType() {
		case mesospb.Value_TEXT:
			if a.Text == nil || a.Text.Value == nil {
				return bad(field, "", "is TEXT but has no text")
			}
			at.Value = a.Text.GetValue()
		case mesospb.Value_SCALAR:
			if a.Scalar == nil || a.Scalar.Value == nil {
				return bad(field, "", "is SCALAR but has no scalar value")
			}
			v := a.Scalar.GetValue()
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return bad(field, fmtFloat(v), "a scalar attribute must be a finite number")
			}
			at.Value, at.Scalar = scalarText(v), true
		case mesospb.Value_RANGES:
			var b strings.Builder
			b.WriteByte('[')
			for j, rg := range a.GetRanges().GetRange() {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.FormatUint(rg.GetBegin(), 10) + "-" + strconv.FormatUint(rg.GetEnd(), 10))
			}
			b.WriteByte(']')
			at.Value = b.String()
		case mesospb.Value_SET:
			at.Value = "{" + strings.Join(a.GetSet().GetItem(), ", ") + "}"
		default:
			return bad(field, a.GetType().String(), "attributes must be TEXT, SCALAR, RANGES or SET")
		}
		out.Attributes[i] = at
	}
	if e := checkOffer(&out); e != nil {
		return Offer{}, e
	}
	return out, nil
}

// scalarText prints a number with Mesos' three decimals and no trailing
// zeros, as Mesos prints scalars.
func scalarText(v float64) string {
	if math.Abs(v) < 1e15 {
		v = math.Round(v*1000) / 1000
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// reservationOf reads the role a resource is reserved to ("" when
// unreserved) from either format: refinement (the reservations list; the
// last entry's role counts) or pre-refinement (role, "*" meaning
// unreserved). The consistency rules are Mesos' (Resources::validate in
// src/common/resources.cpp).
func reservationOf(r *mesospb.Resource) (string, string) {
	if n := len(r.Reservations); n > 0 {
		for i, rv := range r.Reservations {
			switch rv.GetRole() {
			case "":
				return "", fmt.Sprintf("reservation %d has no role", i)
			case "*":
				return "", fmt.Sprintf(`reservation %d is to role "*", which cannot hold reservations`, i)
			}
		}
		if r.Role != nil {
			if n > 1 {
				return "", "sets role although it has more than one reservation"
			}
			if r.GetRole() != r.Reservations[0].GetRole() {
				return "", fmt.Sprintf("has role %q but is reserved to %q", r.GetRole(), r.Reservations[0].GetRole())
			}
		}
		return r.Reservations[n-1].GetRole(), ""
	}
	switch role := r.GetRole(); role {
	case "":
		return "", "has an empty role"
	case "*":
		if r.Reservation != nil {
			return "", `role "*" cannot be dynamically reserved`
		}
		return "", ""
	default:
		return role, ""
	}
}

// TaskResources returns the resources of a placement for its TaskInfo, in
// the placement's order. Each piece is a copy of its source resource, so
// allocation_info, reservations or role and reservation, disk, revocable,
// shared and provider_id are those of the offer, with the piece's amount or
// port ranges. offers maps offer IDs to the offers the plan was made from.
func TaskResources(pl Placement, offers map[string]*mesospb.Offer) ([]*mesospb.Resource, error) {
	out := make([]*mesospb.Resource, 0, len(pl.Resources))
	for _, pc := range pl.Resources {
		wrong := func(problem string) error {
			return fmt.Errorf("%w: task %q: %s of offer %q, resource %d: %s", ErrNotFromOffers, pl.TaskID, pc.Name, pc.OfferID, pc.Index, problem)
		}
		o := offers[pc.OfferID]
		if o == nil {
			return nil, wrong("the offer is not among the given ones")
		}
		if pc.Index < 0 || pc.Index >= len(o.Resources) {
			return nil, wrong(fmt.Sprintf("the offer has %d resources", len(o.Resources)))
		}
		src := o.Resources[pc.Index]
		if src.GetName() != pc.Name {
			return nil, wrong(fmt.Sprintf("the resource there is %q", src.GetName()))
		}
		r := proto.Clone(src).(*mesospb.Resource)
		switch src.GetType() {
		case mesospb.Value_SCALAR:
			m := toMilli(pc.Scalar)
			if m <= 0 || m > toMilli(src.GetScalar().GetValue()) {
				return nil, wrong(fmt.Sprintf("the piece of %s is not within the offered %s", fmtFloat(pc.Scalar), fmtFloat(src.GetScalar().GetValue())))
			}
			r.Scalar = &mesospb.Value_Scalar{Value: proto.Float64(fromMilli(m))}
		case mesospb.Value_RANGES:
			if len(pc.Ranges) == 0 {
				return nil, wrong("the piece has no ranges")
			}
			rs := make([]*mesospb.Value_Range, len(pc.Ranges))
			for i, pr := range pc.Ranges {
				if !within(pr, src.GetRanges().GetRange()) {
					return nil, wrong(fmt.Sprintf("ports %v are not all offered", pr))
				}
				rs[i] = &mesospb.Value_Range{Begin: proto.Uint64(pr.Begin), End: proto.Uint64(pr.End)}
			}
			r.Ranges = &mesospb.Value_Ranges{Range: rs}
		default:
			return nil, wrong("only scalar and ranges resources are handed out")
		}
		out = append(out, r)
	}
	return out, nil
}

func within(r Range, in []*mesospb.Value_Range) bool {
	if r.Begin > r.End {
		return false
	}
	for _, x := range in {
		if x.GetBegin() <= r.Begin && r.End <= x.GetEnd() {
			return true
		}
	}
	return false
}
