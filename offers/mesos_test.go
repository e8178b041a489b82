package offers_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/flink-mesos/flink-mesos/mesospb"
	"github.com/flink-mesos/flink-mesos/offers"
)

func mScalar(name string, v float64) *mesospb.Resource {
	return &mesospb.Resource{Name: proto.String(name), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(v)}}
}

func mRanges(name string, rs ...[2]uint64) *mesospb.Resource {
	r := &mesospb.Resource{Name: proto.String(name), Type: mesospb.Value_RANGES.Enum(), Ranges: &mesospb.Value_Ranges{}}
	for _, x := range rs {
		r.Ranges.Range = append(r.Ranges.Range, &mesospb.Value_Range{Begin: proto.Uint64(x[0]), End: proto.Uint64(x[1])})
	}
	return r
}

func allocated(role string, r *mesospb.Resource) *mesospb.Resource {
	r.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String(role)}
	return r
}

func refined(r *mesospb.Resource, roles ...string) *mesospb.Resource {
	for i, role := range roles {
		typ := mesospb.Resource_ReservationInfo_DYNAMIC
		if i == 0 {
			typ = mesospb.Resource_ReservationInfo_STATIC
		}
		r.Reservations = append(r.Reservations, &mesospb.Resource_ReservationInfo{Type: typ.Enum(), Role: proto.String(role)})
	}
	return r
}

func mOffer(id, agent, host string, res ...*mesospb.Resource) *mesospb.Offer {
	return &mesospb.Offer{
		Id: &mesospb.OfferID{Value: proto.String(id)}, FrameworkId: &mesospb.FrameworkID{Value: proto.String("fw")},
		AgentId: &mesospb.AgentID{Value: proto.String(agent)}, Hostname: proto.String(host), Resources: res,
	}
}

func textAttr(name, v string) *mesospb.Attribute {
	return &mesospb.Attribute{Name: proto.String(name), Type: mesospb.Value_TEXT.Enum(), Text: &mesospb.Value_Text{Value: proto.String(v)}}
}

func TestFromMesos(t *testing.T) {
	preRefinement := mScalar("mem", 1024)
	preRefinement.Role = proto.String("flink")
	preRefinement.Reservation = &mesospb.Resource_ReservationInfo{Principal: proto.String("p")}
	star := mScalar("disk", 100)
	star.Role = proto.String("*")
	mount := mScalar("disk", 5000)
	mount.Disk = &mesospb.Resource_DiskInfo{Source: &mesospb.Resource_DiskInfo_Source{Type: mesospb.Resource_DiskInfo_Source_MOUNT.Enum()}}
	volume := mScalar("disk", 64)
	volume.Disk = &mesospb.Resource_DiskInfo{Persistence: &mesospb.Resource_DiskInfo_Persistence{Id: proto.String("v1")}}
	volume.Shared = &mesospb.Resource_SharedInfo{}
	revocable := mScalar("cpus", 2)
	revocable.Revocable = &mesospb.Resource_RevocableInfo{}
	set := &mesospb.Resource{Name: proto.String("zones"), Type: mesospb.Value_SET.Enum(), Set: &mesospb.Value_Set{Item: []string{"a"}}}

	o := mOffer("O1", "S1", "agent1.example.com",
		allocated("flink", refined(mScalar("cpus", 4), "eng", "eng/flink")),
		allocated("flink", preRefinement),
		allocated("flink", star), allocated("flink", mount), allocated("flink", volume), allocated("flink", revocable),
		allocated("flink", mRanges("ports", [2]uint64{31000, 31099}, [2]uint64{32000, 32000})),
		allocated("flink", set),
	)
	o.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String("flink")}
	o.Attributes = []*mesospb.Attribute{
		textAttr("az", "eu-1a"),
		{Name: proto.String("rack"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(2.00049)}},
		{Name: proto.String("spare"), Type: mesospb.Value_RANGES.Enum(), Ranges: &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{
			{Begin: proto.Uint64(1), End: proto.Uint64(5)}, {Begin: proto.Uint64(7), End: proto.Uint64(9)}}}},
		{Name: proto.String("tags"), Type: mesospb.Value_SET.Enum(), Set: &mesospb.Value_Set{Item: []string{"ssd", "10g"}}},
	}
	got, err := offers.FromMesos(o)
	if err != nil {
		t.Fatal(err)
	}
	want := offers.Offer{
		ID: "O1", AgentID: "S1", Hostname: "agent1.example.com", Role: "flink",
		Resources: []offers.Resource{
			{Name: "cpus", Scalar: 4, Reservation: "eng/flink"},
			{Name: "mem", Scalar: 1024, Reservation: "flink"},
			{Name: "disk", Scalar: 100},
			{Name: "disk", Scalar: 5000, DiskSource: "MOUNT"},
			{Name: "disk", Scalar: 64, Persistent: true, Shared: true},
			{Name: "cpus", Scalar: 2, Revocable: true},
			{Name: "ports", Kind: offers.KindRanges, Ranges: []offers.Range{{31000, 31099}, {32000, 32000}}},
			{Name: "zones", Kind: offers.KindSet},
		},
		Attributes: []offers.Attribute{
			{Name: "az", Value: "eu-1a"},
			{Name: "rack", Value: "2", Scalar: true},
			{Name: "spare", Value: "[1-5, 7-9]"},
			{Name: "tags", Value: "{ssd, 10g}"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestFromMesosErrors(t *testing.T) {
	with := func(r *mesospb.Resource, f func(*mesospb.Resource)) *mesospb.Resource { f(r); return r }
	tests := []struct {
		name  string
		offer *mesospb.Offer
		field string
		value string
		want  string
	}{
		{"nil", nil, "offer", "", "is nil"},
		{"no ID", mOffer("", "S1", "h"), "id", "", "is empty"},
		{"no agent", mOffer("O1", "", "h"), "agent_id", "", "is empty"},
		{"negative scalar", mOffer("O1", "S1", "h", mScalar("cpus", -1)), `resource "cpus"`, "-1", "must not be negative"},
		{"NaN scalar", mOffer("O1", "S1", "h", mScalar("mem", math.NaN())), `resource "mem"`, "NaN", "finite"},
		{"inverted range", mOffer("O1", "S1", "h", mRanges("ports", [2]uint64{32000, 31000})), `resource "ports"`, "32000-31000", "must not begin after it ends"},
		{"no type", mOffer("O1", "S1", "h", with(mScalar("cpus", 1), func(r *mesospb.Resource) { r.Type = nil })), `resource "cpus"`, "", "has no type"},
		{"scalar without value", mOffer("O1", "S1", "h", with(mScalar("cpus", 1), func(r *mesospb.Resource) { r.Scalar = nil })), `resource "cpus"`, "", "needs a scalar value"},
		{"scalar with ranges", mOffer("O1", "S1", "h", with(mScalar("cpus", 1), func(r *mesospb.Resource) { r.Ranges = &mesospb.Value_Ranges{} })), `resource "cpus"`, "", "and nothing else"},
		{"range without end", mOffer("O1", "S1", "h", with(mRanges("ports", [2]uint64{1, 2}), func(r *mesospb.Resource) { r.Ranges.Range[0].End = nil })), `resource "ports"`, "", "range 0 lacks"},
		{"nameless resource", mOffer("O1", "S1", "h", mScalar("", 1)), "resource 0", "", "has no name"},
		{"ranges with a scalar", mOffer("O1", "S1", "h", with(mRanges("ports", [2]uint64{1, 2}), func(r *mesospb.Resource) { r.Scalar = &mesospb.Value_Scalar{Value: proto.Float64(1)} })), `resource "ports"`, "", "needs ranges and nothing else"},
		{"text resource", mOffer("O1", "S1", "h", &mesospb.Resource{Name: proto.String("x"), Type: mesospb.Value_TEXT.Enum()}), `resource "x"`, "TEXT", "must be SCALAR, RANGES or SET"},
		{"set without set", mOffer("O1", "S1", "h", &mesospb.Resource{Name: proto.String("x"), Type: mesospb.Value_SET.Enum()}), `resource "x"`, "", "needs a set"},
		{"reservation without role", mOffer("O1", "S1", "h", refined(mScalar("cpus", 1), "")), `resource "cpus"`, "", "reservation 0 has no role"},
		{"reservation to *", mOffer("O1", "S1", "h", refined(mScalar("cpus", 1), "*")), `resource "cpus"`, "", `role "*"`},
		{"role disagrees with reservation", mOffer("O1", "S1", "h", with(refined(mScalar("cpus", 1), "a"), func(r *mesospb.Resource) { r.Role = proto.String("b") })), `resource "cpus"`, "", `has role "b" but is reserved to "a"`},
		{"role with refined reservations", mOffer("O1", "S1", "h", with(refined(mScalar("cpus", 1), "a", "a/b"), func(r *mesospb.Resource) { r.Role = proto.String("a") })), `resource "cpus"`, "", "more than one reservation"},
		{"* dynamically reserved", mOffer("O1", "S1", "h", with(mScalar("cpus", 1), func(r *mesospb.Resource) {
			r.Role = proto.String("*")
			r.Reservation = &mesospb.Resource_ReservationInfo{}
		})), `resource "cpus"`, "", "cannot be dynamically reserved"},
		{"empty role", mOffer("O1", "S1", "h", with(mScalar("cpus", 1), func(r *mesospb.Resource) { r.Role = proto.String("") })), `resource "cpus"`, "", "empty role"},
		{"allocated elsewhere", mOffer("O1", "S1", "h", allocated("spark", mScalar("cpus", 1))), `resource "cpus"`, "", `allocated to role "spark" but the offer to ""`},
		{"disk info on cpus", mOffer("O1", "S1", "h", with(mScalar("cpus", 1), func(r *mesospb.Resource) {
			r.Disk = &mesospb.Resource_DiskInfo{Persistence: &mesospb.Resource_DiskInfo_Persistence{Id: proto.String("v")}}
		})), `resource "cpus"`, "", "only disk resources"},
		{"text attribute without text", func() *mesospb.Offer {
			o := mOffer("O1", "S1", "h")
			o.Attributes = []*mesospb.Attribute{{Name: proto.String("az"), Type: mesospb.Value_TEXT.Enum()}}
			return o
		}(), `attribute "az"`, "", "has no text"},
		{"nameless attribute", func() *mesospb.Offer {
			o := mOffer("O1", "S1", "h")
			o.Attributes = []*mesospb.Attribute{textAttr("", "x")}
			return o
		}(), "attribute 0", "", "has no name"},
		{"scalar attribute without value", func() *mesospb.Offer {
			o := mOffer("O1", "S1", "h")
			o.Attributes = []*mesospb.Attribute{{Name: proto.String("rack"), Type: mesospb.Value_SCALAR.Enum()}}
			return o
		}(), `attribute "rack"`, "", "has no scalar value"},
		{"attribute of unknown type", func() *mesospb.Offer {
			o := mOffer("O1", "S1", "h")
			o.Attributes = []*mesospb.Attribute{{Name: proto.String("x"), Type: mesospb.Value_Type(9).Enum()}}
			return o
		}(), `attribute "x"`, "9", "attributes must be TEXT, SCALAR, RANGES or SET"},
		{"NaN attribute", func() *mesospb.Offer {
			o := mOffer("O1", "S1", "h")
			o.Attributes = []*mesospb.Attribute{{Name: proto.String("rack"), Type: mesospb.Value_SCALAR.Enum(), Scalar: &mesospb.Value_Scalar{Value: proto.Float64(math.Inf(-1))}}}
			return o
		}(), `attribute "rack"`, "-Inf", "finite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := offers.FromMesos(tt.offer)
			e, ok := errors.AsType[*offers.OfferError](err)
			if !ok || !errors.Is(err, offers.ErrInvalidOffer) {
				t.Fatalf("error %v, want an *OfferError for ErrInvalidOffer", err)
			}
			if e.OfferID != tt.offer.GetId().GetValue() || e.Field != tt.field || e.Value != tt.value || !strings.Contains(e.Problem, tt.want) {
				t.Fatalf("got %+v\nwant field %q value %q problem ~%q", e, tt.field, tt.value, tt.want)
			}
		})
	}
}

// The pieces keep everything of their source resource but the amount.
func TestTaskResources(t *testing.T) {
	cpus := allocated("flink", refined(mScalar("cpus", 3), "flink"))
	cpus.Reservations[0].Principal = proto.String("ops")
	cpus.Reservations[0].Labels = &mesospb.Labels{Labels: []*mesospb.Label{{Key: proto.String("k"), Value: proto.String("v")}}}
	cpus2 := allocated("flink", mScalar("cpus", 4))
	mem := allocated("flink", mScalar("mem", 4096))
	mem.Role = proto.String("*")
	plainDisk := allocated("flink", mScalar("disk", 1000))
	plainDisk.ProviderId = &mesospb.ResourceProviderID{Value: proto.String("rp")}
	plainDisk.Disk = &mesospb.Resource_DiskInfo{}
	portsRes := allocated("flink", mRanges("ports", [2]uint64{31000, 31001}, [2]uint64{31010, 31020}))
	o1 := mOffer("O1", "S1", "h1", cpus, mem, plainDisk)
	o1.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String("flink")}
	o2 := mOffer("O2", "S1", "h1", cpus2, portsRes)
	o2.AllocationInfo = &mesospb.Resource_AllocationInfo{Role: proto.String("flink")}

	var plain []offers.Offer
	byID := map[string]*mesospb.Offer{}
	for _, o := range []*mesospb.Offer{o1, o2} {
		x, err := offers.FromMesos(o)
		if err != nil {
			t.Fatal(err)
		}
		plain = append(plain, x)
		byID[o.GetId().GetValue()] = o
	}
	p := mustPlace(t, offers.Input{Roles: []string{"flink"}, Offers: plain, Tasks: []offers.Task{{ID: "tm-1", CPUs: 4, MemMB: 2048, DiskMB: 500, Ports: 3}}})
	if len(p.Launches) != 1 {
		t.Fatalf("launches %+v", p.Launches)
	}
	got, err := offers.TaskResources(p.Launches[0].Tasks[0], byID)
	if err != nil {
		t.Fatal(err)
	}
	cut := func(r *mesospb.Resource, v float64) *mesospb.Resource {
		c := proto.Clone(r).(*mesospb.Resource)
		c.Scalar = &mesospb.Value_Scalar{Value: proto.Float64(v)}
		return c
	}
	wantPorts := proto.Clone(portsRes).(*mesospb.Resource)
	wantPorts.Ranges = &mesospb.Value_Ranges{Range: []*mesospb.Value_Range{
		{Begin: proto.Uint64(31000), End: proto.Uint64(31001)}, {Begin: proto.Uint64(31010), End: proto.Uint64(31010)},
	}}
	want := []*mesospb.Resource{cut(cpus, 3), cut(cpus2, 1), cut(mem, 2048), cut(plainDisk, 500), wantPorts}
	if len(got) != len(want) {
		t.Fatalf("got %d resources, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Fatalf("resource %d\n got %v\nwant %v", i, got[i], want[i])
		}
	}
	if cpus.GetScalar().GetValue() != 3 {
		t.Fatalf("the source resource changed: %v", cpus)
	}
}

func TestTaskResourcesErrors(t *testing.T) {
	o := mOffer("O1", "S1", "h1", mScalar("cpus", 2), mRanges("ports", [2]uint64{10, 20}),
		&mesospb.Resource{Name: proto.String("zones"), Type: mesospb.Value_SET.Enum(), Set: &mesospb.Value_Set{}})
	byID := map[string]*mesospb.Offer{"O1": o}
	tests := []struct {
		name  string
		piece offers.Piece
		want  string
	}{
		{"unknown offer", offers.Piece{OfferID: "O9", Index: 0, Name: "cpus", Scalar: 1}, "not among the given ones"},
		{"index out of the offer", offers.Piece{OfferID: "O1", Index: 5, Name: "cpus", Scalar: 1}, "has 3 resources"},
		{"a set", offers.Piece{OfferID: "O1", Index: 2, Name: "zones"}, "only scalar and ranges resources"},
		{"inverted ports", offers.Piece{OfferID: "O1", Index: 1, Name: "ports", Ranges: []offers.Range{{12, 11}}}, "ports 12-11 are not all offered"},
		{"another resource there", offers.Piece{OfferID: "O1", Index: 0, Name: "mem", Scalar: 1}, `the resource there is "cpus"`},
		{"more than offered", offers.Piece{OfferID: "O1", Index: 0, Name: "cpus", Scalar: 2.001}, "not within the offered 2"},
		{"nothing", offers.Piece{OfferID: "O1", Index: 0, Name: "cpus", Scalar: 0}, "not within"},
		{"ports not offered", offers.Piece{OfferID: "O1", Index: 1, Name: "ports", Ranges: []offers.Range{{19, 21}}}, "ports 19-21 are not all offered"},
		{"no ports", offers.Piece{OfferID: "O1", Index: 1, Name: "ports"}, "has no ranges"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := offers.TaskResources(offers.Placement{TaskID: "t", Resources: []offers.Piece{tt.piece}}, byID)
			if !errors.Is(err, offers.ErrNotFromOffers) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrNotFromOffers with %q", err, tt.want)
			}
		})
	}
}

// FuzzFromMesos decodes arbitrary bytes as an offer: conversion never
// panics, and an offer it accepts can be placed on and turned back into
// resources that are contained in it.
func FuzzFromMesos(f *testing.F) {
	good := mOffer("O1", "S1", "h1", mScalar("cpus", 4), mScalar("mem", 4096), mRanges("ports", [2]uint64{31000, 31010}))
	good.Attributes = []*mesospb.Attribute{textAttr("az", "a")}
	for _, o := range []*mesospb.Offer{
		good,
		mOffer("O2", "S1", "h1", mScalar("cpus", -1)),
		mOffer("O3", "S1", "h1", mRanges("ports", [2]uint64{32000, 31000})),
		mOffer("O4", "S1", "h1", allocated("r", refined(mScalar("cpus", 1), "r"))),
	} {
		b, err := proto.Marshal(o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var o mesospb.Offer
		if proto.Unmarshal(b, &o) != nil {
			return
		}
		x, err := offers.FromMesos(&o)
		if err != nil {
			if _, ok := errors.AsType[*offers.OfferError](err); !ok {
				t.Fatalf("error %v is not an *OfferError", err)
			}
			return
		}
		roles := []string{"*"}
		if x.Role != "" {
			roles = []string{x.Role}
		}
		for _, r := range x.Resources {
			if r.Reservation != "" {
				roles = append(roles, r.Reservation)
			}
		}
		p, err := offers.Place(offers.Input{Roles: roles, Offers: []offers.Offer{x}, Tasks: []offers.Task{{ID: "t", CPUs: 0.5, MemMB: 1, Ports: 1}}})
		if err != nil {
			return // a role name Place refuses
		}
		for _, l := range p.Launches {
			for _, pl := range l.Tasks {
				rs, err := offers.TaskResources(pl, map[string]*mesospb.Offer{x.ID: &o})
				if err != nil {
					t.Fatalf("TaskResources on its own plan: %v", err)
				}
				for i, r := range rs {
					src := o.Resources[pl.Resources[i].Index]
					if r.GetName() != src.GetName() || r.GetType() != src.GetType() || !proto.Equal(r.GetAllocationInfo(), src.GetAllocationInfo()) {
						t.Fatalf("resource %v is not a piece of %v", r, src)
					}
				}
			}
		}
	})
}
