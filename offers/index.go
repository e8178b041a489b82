package offers

import (
	"hash/maphash"
	"math/bits"
)

// index maps strings to positions in a caller's slice. It is a small
// Swiss table, because placement on ten thousand offers has to group them
// by agent in a fraction of a millisecond: a Go map with string keys costs
// several times more here, and so does plain linear probing, whose probe
// loop ends at an unpredictable place on every insert. Slots come in
// groups of eight with one control byte each (high bit set: empty; else
// seven bits of the key's hash), so one 64-bit load and a few bit
// operations look at a whole group and almost never meet another key. The
// hash seed is random, but nothing about the table's layout reaches the
// plan.
type index struct {
	seed maphash.Seed
	mask uint64   // groups - 1
	ctrl []uint64 // per group, eight control bytes
	pos  []int32  // per slot, the position stored there
}

const (
	ctrlEmpty = 0x8080808080808080 // every byte empty
	ctrlLows  = 0x0101010101010101
)

// newIndex makes an index for n keys, reusing the memory of old if it is
// big enough. At most three quarters of the slots fill up, so a group has
// room nearly always.
func newIndex(n int, old *index) *index {
	groups := 1
	for groups*6 < n {
		groups <<= 1
	}
	x := &index{seed: maphash.MakeSeed(), mask: uint64(groups - 1)}
	if old != nil {
		x.ctrl, x.pos = old.ctrl, old.pos
	}
	x.ctrl = sized(x.ctrl, groups)
	for i := range x.ctrl {
		x.ctrl[i] = ctrlEmpty
	}
	x.pos = sized(x.pos, 8*groups)
	return x
}

// find returns the position stored under key, or -1 and the hash.
func (x *index) find(key string, keyAt func(int32) string) (int32, uint64) {
	h := maphash.String(x.seed, key)
	tag := h >> 57 * ctrlLows
	for g := h & x.mask; ; g = (g + 1) & x.mask {
		c := x.ctrl[g]
		// Bytes equal to the tag come out 0x80 (and, rarely, a byte after
		// one of them: the key comparison sorts that out).
		t := c ^ tag
		for m := (t - ctrlLows) &^ t & ctrlEmpty; m != 0; m &= m - 1 {
			if p := x.pos[g*8+uint64(bits.TrailingZeros64(m)/8)]; keyAt(p) == key {
				return p, h
			}
		}
		if c&ctrlEmpty != 0 {
			return -1, h // nothing is stored past an empty slot
		}
	}
}

// add returns the position already stored under key, or stores pos and
// returns -1. keyAt gives the key of a stored position.
func (x *index) add(key string, pos int32, keyAt func(int32) string) int32 {
	p, h := x.find(key, keyAt)
	if p >= 0 {
		return p
	}
	for g := h & x.mask; ; g = (g + 1) & x.mask {
		// Slots fill from the lowest, so the first empty byte is the
		// lowest set high bit.
		if e := x.ctrl[g] & ctrlEmpty; e != 0 {
			i := uint64(bits.TrailingZeros64(e) / 8)
			x.ctrl[g] = x.ctrl[g]&^(0xff<<(8*i)) | h>>57<<(8*i)
			x.pos[g*8+i] = pos
			return -1
		}
	}
}

// get returns the position stored under key, or -1.
func (x *index) get(key string, keyAt func(int32) string) int32 {
	p, _ := x.find(key, keyAt)
	return p
}

// heap is a binary heap with the best element (by better) on top.
type heap[T any] struct {
	items  []T
	better func(a, b *T) bool // pointers: items may be large
}

func (h *heap[T]) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *heap[T]) pop() {
	n := len(h.items) - 1
	h.items[0] = h.items[n]
	h.items = h.items[:n]
	if n > 0 {
		h.down(0)
	}
}

// fixTop restores the order after the top element got worse.
func (h *heap[T]) fixTop() { h.down(0) }

func (h *heap[T]) down(i int) {
	n := len(h.items)
	for {
		best := i
		if l := 2*i + 1; l < n && h.better(&h.items[l], &h.items[best]) {
			best = l
		}
		if r := 2*i + 2; r < n && h.better(&h.items[r], &h.items[best]) {
			best = r
		}
		if best == i {
			return
		}
		h.items[i], h.items[best] = h.items[best], h.items[i]
		i = best
	}
}
