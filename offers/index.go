package offers

import "hash/maphash"

// index maps strings to positions in a caller's slice. It is an
// open-addressing table because placement on ten thousand offers has to
// group them by agent in a fraction of a millisecond; a Go map with string
// keys costs several times more here. Each slot keeps the upper half of
// the key's hash next to the position, so a probe that meets another key
// almost never has to read that key's string. The hash seed is random, but
// nothing about the table's layout reaches the plan.
type index struct {
	seed  maphash.Seed
	mask  uint64
	slots []uint64 // hash<<32 | (1 + position); 0 is empty
}

// newIndex makes an index for n keys in slots (reused if big enough). A
// load of at most three quarters keeps linear probes short.
func newIndex(n int, slots []uint64) *index {
	size := 8
	for size*3 < 4*n {
		size <<= 1
	}
	slots = sized(slots, size)
	clear(slots)
	return &index{seed: maphash.MakeSeed(), mask: uint64(size - 1), slots: slots}
}

// add returns the position already stored under key, or stores pos and
// returns -1. keyAt gives the key of a stored position.
func (x *index) add(key string, pos int32, keyAt func(int32) string) int32 {
	h := maphash.String(x.seed, key)
	tag := h &^ (1<<32 - 1)
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			x.slots[i] = tag | uint64(pos+1)
			return -1
		}
		if s&^(1<<32-1) == tag {
			if p := int32(s&(1<<32-1)) - 1; keyAt(p) == key {
				return p
			}
		}
	}
}

// get returns the position stored under key, or -1.
func (x *index) get(key string, keyAt func(int32) string) int32 {
	h := maphash.String(x.seed, key)
	tag := h &^ (1<<32 - 1)
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			return -1
		}
		if s&^(1<<32-1) == tag {
			if p := int32(s&(1<<32-1)) - 1; keyAt(p) == key {
				return p
			}
		}
	}
}

// heap is a binary heap with the best element (by better) on top.
type heap[T any] struct {
	items  []T
	better func(a, b T) bool
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
		if l := 2*i + 1; l < n && h.better(h.items[l], h.items[best]) {
			best = l
		}
		if r := 2*i + 2; r < n && h.better(h.items[r], h.items[best]) {
			best = r
		}
		if best == i {
			return
		}
		h.items[i], h.items[best] = h.items[best], h.items[i]
		i = best
	}
}
