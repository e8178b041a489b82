package localmesos

import (
	"errors"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
)

// valueRange is an inclusive range of a RANGES resource.
type valueRange struct{ begin, end uint64 }

// resource is one resource in the master's arithmetic: scalars in fixed
// point with three decimals (src/common/values.cpp convertToFixed), ranges
// coalesced and sorted, sets sorted. Everything that makes two resources of
// the same name different (reservations, disk, revocable, shared, provider,
// allocation role) is folded into key, so same-key resources add up.
type resource struct {
	name   string
	typ    mesospb.Value_Type
	scalar int64 // thousandths
	ranges []valueRange
	set    []string

	reservations []*mesospb.Resource_ReservationInfo // post-refinement stack
	meta         *mesospb.Resource                   // disk/revocable/shared/provider, values and name cleared; nil if none
	alloc        string                              // allocation_info.role
	hasAlloc     bool
	key          string
}

// reservationRole is the role the resource is reserved to, or "" when it is
// unreserved.
func (r *resource) reservationRole() string {
	if len(r.reservations) == 0 {
		return ""
	}
	return r.reservations[len(r.reservations)-1].GetRole()
}

func (r *resource) isEmpty() bool {
	switch r.typ {
	case mesospb.Value_SCALAR:
		return r.scalar == 0
	case mesospb.Value_RANGES:
		return len(r.ranges) == 0
	case mesospb.Value_SET:
		return len(r.set) == 0
	}
	return true
}

func (r resource) clone() resource {
	r.ranges = slices.Clone(r.ranges)
	r.set = slices.Clone(r.set)
	return r
}

// fixedPoint is llround(v * 1000), Mesos' scalar representation.
func fixedPoint(v float64) int64 {
	f := math.Round(v * 1000)
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func floating(fixed int64) float64 {
	return float64(fixed/1000) + float64(fixed%1000)/1000
}

// computeKey derives the identity of r from everything but its value.
func (r *resource) computeKey() {
	var b strings.Builder
	b.WriteString(r.name)
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(int(r.typ)))
	b.WriteByte(0)
	if r.hasAlloc {
		b.WriteString("A:")
		b.WriteString(r.alloc)
	}
	b.WriteByte(0)
	for _, res := range r.reservations {
		enc, _ := proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(res)
		b.Write(enc)
		b.WriteByte(0)
	}
	if r.meta != nil {
		enc, _ := proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(r.meta)
		b.Write(enc)
	}
	r.key = b.String()
}

// upgradeResource converts a validated resource from the pre-refinement
// format (role, reservation) to the post-refinement one (reservations), as
// src/common/resources_utils.cpp convertResourceFormat does.
func upgradeResource(pb *mesospb.Resource) {
	if len(pb.Reservations) > 0 {
		pb.Role = nil
		pb.Reservation = nil
		return
	}
	role := pb.GetRole()
	if role == "*" {
		pb.Role = nil
		return
	}
	res := &mesospb.Resource_ReservationInfo{}
	if pb.Reservation == nil {
		res.Type = mesospb.Resource_ReservationInfo_STATIC.Enum()
	} else {
		res = proto.Clone(pb.Reservation).(*mesospb.Resource_ReservationInfo)
		res.Type = mesospb.Resource_ReservationInfo_DYNAMIC.Enum()
	}
	res.Role = proto.String(role)
	pb.Reservations = []*mesospb.Resource_ReservationInfo{res}
	pb.Role = nil
	pb.Reservation = nil
}

// fromProto turns a validated, upgraded protobuf resource into the
// internal form.
func fromProto(pb *mesospb.Resource) resource {
	r := resource{name: pb.GetName(), typ: pb.GetType(), reservations: pb.Reservations}
	switch r.typ {
	case mesospb.Value_SCALAR:
		r.scalar = fixedPoint(pb.GetScalar().GetValue())
	case mesospb.Value_RANGES:
		for _, rg := range pb.GetRanges().GetRange() {
			r.ranges = addRange(r.ranges, valueRange{rg.GetBegin(), rg.GetEnd()})
		}
	case mesospb.Value_SET:
		r.set = slices.Clone(pb.GetSet().GetItem())
		sort.Strings(r.set)
		r.set = slices.Compact(r.set)
	}
	if pb.AllocationInfo != nil && pb.AllocationInfo.Role != nil {
		r.alloc, r.hasAlloc = pb.AllocationInfo.GetRole(), true
	}
	if pb.Disk != nil || pb.Revocable != nil || pb.Shared != nil || pb.ProviderId != nil {
		r.meta = &mesospb.Resource{Disk: pb.Disk, Revocable: pb.Revocable, Shared: pb.Shared, ProviderId: pb.ProviderId}
	}
	r.computeKey()
	return r
}

// resourceFormat is how resources are rendered for a framework.
type resourceFormat int

const (
	postRefinement resourceFormat = iota // reservations
	preRefinement                        // role + reservation (frameworks without RESERVATION_REFINEMENT)
)

// toProto renders r. withAlloc controls allocation_info (stripped for
// frameworks without MULTI_ROLE).
func (r *resource) toProto(format resourceFormat, withAlloc bool) *mesospb.Resource {
	pb := &mesospb.Resource{Name: proto.String(r.name), Type: r.typ.Enum()}
	switch r.typ {
	case mesospb.Value_SCALAR:
		pb.Scalar = &mesospb.Value_Scalar{Value: proto.Float64(floating(r.scalar))}
	case mesospb.Value_RANGES:
		rs := make([]*mesospb.Value_Range, len(r.ranges))
		for i, rg := range r.ranges {
			rs[i] = &mesospb.Value_Range{Begin: proto.Uint64(rg.begin), End: proto.Uint64(rg.end)}
		}
		pb.Ranges = &mesospb.Value_Ranges{Range: rs}
	case mesospb.Value_SET:
		pb.Set = &mesospb.Value_Set{Item: slices.Clone(r.set)}
	}
	if r.meta != nil {
		pb.Disk, pb.Revocable, pb.Shared, pb.ProviderId = r.meta.Disk, r.meta.Revocable, r.meta.Shared, r.meta.ProviderId
	}
	if withAlloc && r.hasAlloc {
		pb.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String(r.alloc)}
	}
	switch {
	case format == postRefinement:
		pb.Reservations = r.reservations
	case len(r.reservations) == 0:
		pb.Role = proto.String("*")
	default:
		// Pre-refinement frameworks never hold refined reservations: the
		// master refuses to create them for such frameworks.
		res := r.reservations[0]
		if res.GetType() == mesospb.Resource_ReservationInfo_DYNAMIC {
			pb.Reservation = &mesospb.Resource_ReservationInfo{Principal: res.Principal, Labels: res.Labels}
		}
		pb.Role = proto.String(res.GetRole())
	}
	return pb
}

// String renders r as src/common/resources.cpp operator<<(Resource) does.
func (r *resource) String() string {
	var b strings.Builder
	b.WriteString(r.name)
	if r.hasAlloc {
		b.WriteString("(allocated: " + r.alloc + ")")
	}
	if len(r.reservations) > 0 {
		b.WriteString("(reservations: [")
		for i, res := range r.reservations {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(" + res.GetType().String() + "," + res.GetRole())
			if res.Principal != nil {
				b.WriteString("," + res.GetPrincipal())
			}
			if res.Labels != nil {
				b.WriteString("," + stringifyLabels(res.Labels))
			}
			b.WriteByte(')')
		}
		b.WriteString("])")
	}
	if r.meta != nil {
		if r.meta.Disk != nil {
			b.WriteString("[")
			if p := r.meta.Disk.Persistence; p != nil {
				b.WriteString(p.GetId())
			}
			if v := r.meta.Disk.Volume; v != nil {
				b.WriteString(":" + v.GetContainerPath())
			}
			b.WriteString("]")
		}
		if r.meta.Revocable != nil {
			b.WriteString("{REV}")
		}
		if r.meta.Shared != nil {
			b.WriteString("<SHARED>")
		}
	}
	b.WriteByte(':')
	b.WriteString(valueString(r))
	return b.String()
}

func valueString(r *resource) string {
	switch r.typ {
	case mesospb.Value_SCALAR:
		// ostream precision digits10 (15) in %g form.
		return strconv.FormatFloat(floating(r.scalar), 'g', 15, 64)
	case mesospb.Value_RANGES:
		parts := make([]string, len(r.ranges))
		for i, rg := range r.ranges {
			parts[i] = strconv.FormatUint(rg.begin, 10) + "-" + strconv.FormatUint(rg.end, 10)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case mesospb.Value_SET:
		return "{" + strings.Join(r.set, ", ") + "}"
	}
	return ""
}

func stringifyLabels(l *mesospb.Labels) string {
	parts := make([]string, len(l.Labels))
	for i, lb := range l.Labels {
		parts[i] = lb.GetKey()
		if lb.Value != nil {
			parts[i] += ": " + lb.GetValue()
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// addRange inserts rg into a sorted, coalesced list, merging overlapping
// and adjacent ranges, as Mesos' interval sets do.
func addRange(rs []valueRange, rg valueRange) []valueRange {
	out := make([]valueRange, 0, len(rs)+1)
	i := 0
	for ; i < len(rs) && rs[i].end < rg.begin && rg.begin-rs[i].end > 1; i++ {
		out = append(out, rs[i])
	}
	for ; i < len(rs) && (rs[i].begin <= rg.end || rs[i].begin-rg.end == 1); i++ {
		rg.begin = min(rg.begin, rs[i].begin)
		rg.end = max(rg.end, rs[i].end)
	}
	out = append(out, rg)
	return append(out, rs[i:]...)
}

// subtractRange removes rg from a sorted, coalesced list.
func subtractRange(rs []valueRange, rg valueRange) []valueRange {
	out := make([]valueRange, 0, len(rs)+1)
	for _, x := range rs {
		if x.end < rg.begin || x.begin > rg.end {
			out = append(out, x)
			continue
		}
		if x.begin < rg.begin {
			out = append(out, valueRange{x.begin, rg.begin - 1})
		}
		if x.end > rg.end {
			out = append(out, valueRange{rg.end + 1, x.end})
		}
	}
	return out
}

// rangesContain reports whether every range of sub lies inside have.
func rangesContain(have, sub []valueRange) bool {
	j := 0
	for _, s := range sub {
		for j < len(have) && have[j].end < s.begin {
			j++
		}
		if j == len(have) || have[j].begin > s.begin || have[j].end < s.end {
			return false
		}
	}
	return true
}

func setContains(have, sub []string) bool {
	for _, s := range sub {
		if _, ok := slices.BinarySearch(have, s); !ok {
			return false
		}
	}
	return true
}

// resources is a bag with at most one entry per key, in insertion order
// (the order Mesos prints them in).
type resources []resource

func (rs resources) clone() resources {
	out := make(resources, len(rs))
	for i := range rs {
		out[i] = rs[i].clone()
	}
	return out
}

func (rs resources) find(key string) int {
	for i := range rs {
		if rs[i].key == key {
			return i
		}
	}
	return -1
}

// add merges r into rs; empty resources are dropped, as Mesos does.
func (rs resources) add(r resource) resources {
	if r.isEmpty() {
		return rs
	}
	i := rs.find(r.key)
	if i < 0 {
		return append(rs, r.clone())
	}
	x := &rs[i]
	switch r.typ {
	case mesospb.Value_SCALAR:
		x.scalar += r.scalar
	case mesospb.Value_RANGES:
		for _, rg := range r.ranges {
			x.ranges = addRange(x.ranges, rg)
		}
	case mesospb.Value_SET:
		x.set = append(x.set, r.set...)
		sort.Strings(x.set)
		x.set = slices.Compact(x.set)
	}
	return rs
}

func (rs resources) addAll(other resources) resources {
	for _, r := range other {
		rs = rs.add(r)
	}
	return rs
}

// subtract removes r (which the caller knows to be contained) and drops
// entries that become empty.
func (rs resources) subtract(r resource) resources {
	i := rs.find(r.key)
	if i < 0 {
		return rs
	}
	x := &rs[i]
	switch r.typ {
	case mesospb.Value_SCALAR:
		x.scalar -= r.scalar
	case mesospb.Value_RANGES:
		for _, rg := range r.ranges {
			x.ranges = subtractRange(x.ranges, rg)
		}
	case mesospb.Value_SET:
		x.set = slices.DeleteFunc(x.set, func(s string) bool { return slices.Contains(r.set, s) })
	}
	if x.isEmpty() || (x.typ == mesospb.Value_SCALAR && x.scalar < 0) {
		return slices.Delete(rs, i, i+1)
	}
	return rs
}

func (rs resources) subtractAll(other resources) resources {
	for _, r := range other {
		rs = rs.subtract(r)
	}
	return rs
}

// containsOne reports whether rs holds at least r.
func (rs resources) containsOne(r *resource) bool {
	if r.isEmpty() {
		return true
	}
	i := rs.find(r.key)
	if i < 0 {
		return false
	}
	x := &rs[i]
	switch r.typ {
	case mesospb.Value_SCALAR:
		return r.scalar <= x.scalar
	case mesospb.Value_RANGES:
		return rangesContain(x.ranges, r.ranges)
	case mesospb.Value_SET:
		return setContains(x.set, r.set)
	}
	return false
}

// contains reports whether rs holds all of other (as a bag: the same key
// twice in other counts twice).
func (rs resources) contains(other resources) bool {
	if len(other) == 1 {
		return rs.containsOne(&other[0])
	}
	left := rs.clone()
	for i := range other {
		if !left.containsOne(&other[i]) {
			return false
		}
		left = left.subtract(other[i])
	}
	return true
}

// allocatableTo keeps what a framework in role may be offered: unreserved
// resources and those reserved to role or one of its ancestors.
func (rs resources) allocatableTo(role string) resources {
	var out resources
	for _, r := range rs {
		rr := r.reservationRole()
		if rr == "" || rr == role || isStrictSubrole(role, rr) {
			out = append(out, r.clone())
		}
	}
	return out
}

// allocate sets the allocation role of every resource.
func (rs resources) allocate(role string) resources {
	out := make(resources, 0, len(rs))
	for _, r := range rs {
		r = r.clone()
		r.alloc, r.hasAlloc = role, true
		r.computeKey()
		out = out.add(r)
	}
	return out
}

// unallocate clears the allocation role.
func (rs resources) unallocate() resources {
	out := make(resources, 0, len(rs))
	for _, r := range rs {
		r = r.clone()
		r.alloc, r.hasAlloc = "", false
		r.computeKey()
		out = out.add(r)
	}
	return out
}

// scalar sums the named scalar resource, in thousandths.
func (rs resources) scalar(name string) int64 {
	var n int64
	for i := range rs {
		if rs[i].name == name && rs[i].typ == mesospb.Value_SCALAR {
			n += rs[i].scalar
		}
	}
	return n
}

func (rs resources) toProto(format resourceFormat, withAlloc bool) []*mesospb.Resource {
	out := make([]*mesospb.Resource, len(rs))
	for i := range rs {
		out[i] = rs[i].toProto(format, withAlloc)
	}
	return out
}

// String renders the bag as Mesos' operator<<(Resources): "; "-joined, or
// "{}" when empty.
func (rs resources) String() string {
	if len(rs) == 0 {
		return "{}"
	}
	parts := make([]string, len(rs))
	for i := range rs {
		parts[i] = rs[i].String()
	}
	return strings.Join(parts, "; ")
}

// validateResource applies src/common/resources.cpp Resources::validate to
// one protobuf resource (before upgrading).
func validateResource(pb *mesospb.Resource) error {
	if pb.GetName() == "" {
		return errors.New("Empty resource name")
	}
	switch pb.GetType() {
	case mesospb.Value_SCALAR:
		if pb.Scalar == nil || pb.Ranges != nil || pb.Set != nil {
			return errors.New("Invalid scalar resource")
		}
		if v := pb.Scalar.GetValue(); v != 0 && fixedPoint(v) <= 0 {
			return errors.New("Invalid scalar resource: value <= 0")
		}
	case mesospb.Value_RANGES:
		if pb.Scalar != nil || pb.Ranges == nil || pb.Set != nil {
			return errors.New("Invalid ranges resource")
		}
		rs := pb.Ranges.GetRange()
		for i, rg := range rs {
			if rg.GetBegin() > rg.GetEnd() {
				return errors.New("Invalid ranges resource: begin > end")
			}
			for _, other := range rs[i+1:] {
				if rg.GetBegin() <= other.GetBegin() && other.GetBegin() <= rg.GetEnd() {
					return errors.New("Invalid ranges resource: overlapping ranges")
				}
			}
		}
	case mesospb.Value_SET:
		if pb.Scalar != nil || pb.Ranges != nil || pb.Set == nil {
			return errors.New("Invalid set resource")
		}
		items := pb.Set.GetItem()
		for i, it := range items {
			if slices.Contains(items[i+1:], it) {
				return errors.New("Invalid set resource: duplicated elements")
			}
		}
	default:
		return errors.New("Unsupported resource type")
	}
	if pb.Disk != nil && pb.GetName() != "disk" {
		return errors.New("DiskInfo should not be set for " + pb.GetName() + " resource")
	}
	if len(pb.Reservations) == 0 {
		if err := validateRole(pb.GetRole()); err != nil {
			return err
		}
		if pb.Reservation != nil {
			if pb.Reservation.Type != nil {
				return errors.New("'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field")
			}
			if pb.Reservation.Role != nil {
				return errors.New("'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field")
			}
			if pb.GetRole() == "*" {
				return errors.New(`Invalid reservation: role "*" cannot be dynamically reserved`)
			}
		}
	} else {
		for _, res := range pb.Reservations {
			if res.Type == nil {
				return errors.New("Invalid reservation: 'Resource.ReservationInfo.type' field must be set.")
			}
			if res.Role == nil {
				return errors.New("Invalid reservation: 'Resource.ReservationInfo.role' field must be set.")
			}
			if err := validateRole(res.GetRole()); err != nil {
				return err
			}
			if res.GetRole() == "*" {
				return errors.New(`Invalid reservation: role "*" cannot be reserved`)
			}
		}
		ancestor := pb.Reservations[0].GetRole()
		for _, res := range pb.Reservations[1:] {
			if res.GetType() == mesospb.Resource_ReservationInfo_STATIC {
				return errors.New("Invalid refined reservation: A refined reservation cannot be STATIC")
			}
			if !isStrictSubrole(res.GetRole(), ancestor) {
				return errors.New("Invalid refined reservation: role '" + res.GetRole() + "' is not a refinement of '" + ancestor + "'")
			}
			ancestor = res.GetRole()
		}
		if len(pb.Reservations) == 1 {
			res := pb.Reservations[0]
			if pb.Role != nil && pb.GetRole() != res.GetRole() {
				return errors.New("Invalid resource format: 'Resource.role' field with '" + pb.GetRole() +
					"' does not match the role '" + res.GetRole() + "' in 'Resource.reservations'")
			}
			switch res.GetType() {
			case mesospb.Resource_ReservationInfo_STATIC:
				if pb.Reservation != nil {
					return errors.New("Invalid resource format: 'Resource.reservation' must not be set if the single reservation in 'Resource.reservations' is STATIC")
				}
			case mesospb.Resource_ReservationInfo_DYNAMIC:
				if (pb.Role != nil) != (pb.Reservation != nil) {
					return errors.New("Invalid resource format: 'Resource.role' and 'Resource.reservation' must either be both set or both not set if the single reservation in 'Resource.reservations' is DYNAMIC")
				}
			default:
				return errors.New("Unsupported 'Resource.ReservationInfo.Type'")
			}
		} else {
			if pb.Role != nil {
				return errors.New("Invalid resource format: 'Resource.role' must not be set if there is more than one reservation in 'Resource.reservations'")
			}
			if pb.Reservation != nil {
				return errors.New("Invalid resource format: 'Resource.reservation' must not be set if there is more than one reservation in 'Resource.reservations'")
			}
		}
	}
	if pb.Shared != nil {
		if pb.GetName() != "disk" {
			return errors.New("Resource " + pb.GetName() + " cannot be shared")
		}
		if pb.Disk == nil || pb.Disk.Persistence == nil {
			return errors.New("Only persistent volumes can be shared")
		}
	}
	return nil
}

// validateResources is Resources::validate over a list: the first invalid
// resource is named in the error.
func validateResources(pbs []*mesospb.Resource) error {
	for _, pb := range pbs {
		if err := validateResource(pb); err != nil {
			return errors.New("Resource '" + protoResourceString(pb) + "' is invalid: " + err.Error())
		}
	}
	return nil
}

// protoResourceString prints a not yet upgraded resource the way
// operator<<(Resource) prints it (the pre-refinement role is not shown).
func protoResourceString(pb *mesospb.Resource) string {
	r := resource{name: pb.GetName(), typ: pb.GetType(), reservations: pb.Reservations}
	if pb.AllocationInfo != nil {
		r.alloc, r.hasAlloc = pb.AllocationInfo.GetRole(), true
	}
	switch r.typ {
	case mesospb.Value_SCALAR:
		r.scalar = fixedPoint(pb.GetScalar().GetValue())
	case mesospb.Value_RANGES:
		for _, rg := range pb.GetRanges().GetRange() {
			r.ranges = append(r.ranges, valueRange{rg.GetBegin(), rg.GetEnd()})
		}
	case mesospb.Value_SET:
		r.set = pb.GetSet().GetItem()
	}
	if pb.Disk != nil || pb.Revocable != nil || pb.Shared != nil {
		r.meta = &mesospb.Resource{Disk: pb.Disk, Revocable: pb.Revocable, Shared: pb.Shared}
	}
	return r.String()
}

// parseValue is src/common/values.cpp internal::values::parse: ranges
// "[a-b, c-d]", sets "{a,b}", non-negative scalars, else text.
func parseValue(text string) (*mesospb.Value, error) {
	temp := strings.ReplaceAll(text, " ", "")
	if temp == "" {
		return nil, errors.New("Expecting non-empty string")
	}
	if !bracketsMatch(temp, '{', '}') || !bracketsMatch(temp, '[', ']') || !bracketsMatch(temp, '(', ')') {
		return nil, errors.New("Mismatched brackets")
	}
	switch i := strings.IndexByte(temp, '['); {
	case i == 0:
		tokens := tokenize(temp, "[]-,\n")
		if len(tokens)%2 != 0 {
			return nil, errors.New(`Expecting one or more "ranges"`)
		}
		var rs []valueRange
		inverted := false
		for j := 0; j < len(tokens); j += 2 {
			b, err1 := strconv.ParseUint(tokens[j], 10, 64)
			e, err2 := strconv.ParseUint(tokens[j+1], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, errors.New("Expecting non-negative integers in '" + tokens[j] + "'")
			}
			if b > e {
				inverted = true
			}
			rs = append(rs, valueRange{b, e})
		}
		// Coalesce like values.cpp, but leave inverted ranges for
		// validation to name instead of silently dropping them.
		if !inverted {
			var merged []valueRange
			for _, rg := range rs {
				merged = addRange(merged, rg)
			}
			rs = merged
		}
		v := &mesospb.Value{Type: mesospb.Value_RANGES.Enum(), Ranges: &mesospb.Value_Ranges{}}
		for _, rg := range rs {
			v.Ranges.Range = append(v.Ranges.Range, &mesospb.Value_Range{Begin: proto.Uint64(rg.begin), End: proto.Uint64(rg.end)})
		}
		return v, nil
	case i > 0:
		return nil, errors.New("Unexpected '[' found")
	}
	switch i := strings.IndexByte(temp, '{'); {
	case i == 0:
		return &mesospb.Value{Type: mesospb.Value_SET.Enum(), Set: &mesospb.Value_Set{Item: tokenize(temp, "{},\n")}}, nil
	case i > 0:
		return nil, errors.New("Unexpected '{' found")
	}
	if f, err := strconv.ParseFloat(temp, 64); err == nil && !strings.ContainsAny(temp, "xXpP_") {
		switch {
		case math.IsInf(f, 0) || math.IsNaN(f):
			// Text, like any other non-number.
		case f < 0:
			// Text as well: values.cpp only accepts non-negative scalars.
		case f != 0 && math.Abs(f) < 0x1p-1022:
			return nil, errors.New("Subnormal values not supported")
		default:
			return &mesospb.Value{Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(f)}}, nil
		}
	}
	return &mesospb.Value{Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String(temp)}}, nil
}

func bracketsMatch(s string, open, close byte) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case open:
			depth++
		case close:
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// parseResourcesText reads an agent's --resources in the text form
// "name(role):value;...", as Resources::fromSimpleString plus validate do.
// A role in parentheses is a static reservation.
func parseResourcesText(text string) (resources, error) {
	var out resources
	for _, token := range tokenize(text, ";") {
		pair := tokenize(token, ":")
		if len(pair) != 2 {
			return nil, errors.New("Bad value for resources, missing or extra ':' in " + token)
		}
		name, role := strings.TrimSpace(pair[0]), "*"
		if open := strings.IndexByte(pair[0], '('); open >= 0 {
			closing := strings.IndexByte(pair[0], ')')
			if closing < 0 || closing < open {
				return nil, errors.New("Bad value for resources, mismatched parentheses in " + token)
			}
			name = strings.TrimSpace(pair[0][:open])
			role = strings.TrimSpace(pair[0][open+1 : closing])
		}
		v, err := parseValue(pair[1])
		if err != nil {
			return nil, errors.New("Failed to parse resource " + name + " value " + pair[1] + " error " + err.Error())
		}
		if v.GetType() == mesospb.Value_TEXT {
			return nil, errors.New("Bad type for resource " + name + " value " + pair[1] + " type TEXT")
		}
		pb := &mesospb.Resource{Name: proto.String(name), Type: v.Type, Scalar: v.Scalar, Ranges: v.Ranges, Set: v.Set}
		if role != "*" {
			pb.Reservations = []*mesospb.Resource_ReservationInfo{{
				Type: mesospb.Resource_ReservationInfo_STATIC.Enum(), Role: proto.String(role),
			}}
		}
		if err := validateResource(pb); err != nil {
			return nil, errors.New("Resource '" + protoResourceString(pb) + "' is invalid: " + err.Error())
		}
		out = out.add(fromProto(pb))
	}
	return out, nil
}

// parseAttributes reads an agent's --attributes "name:value;..." as
// src/common/attributes.cpp does: ranges, scalars or text (no sets).
func parseAttributes(text string) ([]*mesospb.Attribute, error) {
	var out []*mesospb.Attribute
	for _, token := range tokenize(text, ";\n") {
		name, value, ok := strings.Cut(token, ":")
		if !ok || name == "" || value == "" {
			return nil, errors.New("Invalid attribute key:value pair '" + token + "'")
		}
		v, err := parseValue(value)
		if err != nil {
			return nil, errors.New("Failed to parse attribute " + name + " text " + value + " error " + err.Error())
		}
		a := &mesospb.Attribute{Name: proto.String(name), Type: v.Type}
		switch v.GetType() {
		case mesospb.Value_SCALAR:
			a.Scalar = v.Scalar
		case mesospb.Value_RANGES:
			a.Ranges = v.Ranges
		case mesospb.Value_TEXT:
			a.Text = v.Text
		default:
			return nil, errors.New("Bad type for attribute " + name + " text " + value + " type SET")
		}
		out = append(out, a)
	}
	return out, nil
}
