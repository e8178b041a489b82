package offers

import (
	"math"
	"math/bits"
	"slices"
)

// ranked is a bin in the running, with its rank as a key of four words
// compared in order (equal keys fall back to nameCmp) and a weight: how
// many tasks it takes.
type ranked struct {
	key    [4]uint64
	weight int64
	b      int32
}

// rankBinpack ranks candidates for binpack as before does: the most tasks
// first, then the higher score (scores are never negative, so their bits
// order like they do), then by name.
func rankBinpack(c *cand) ranked {
	return ranked{
		key:    [4]uint64{uint64(math.MaxInt64 - c.c), ^math.Float64bits(c.score), c.hkey[0], c.hkey[1]},
		weight: c.c,
		b:      c.b,
	}
}

// rankSpread ranks bins for spread as spreadBefore does: plain agents
// first, then the fewest tasks of the group (a count is never negative, so
// it fits the 63 bits below the flag), then the least full, then by name.
func rankSpread(k *spreadKey) ranked {
	var gpu uint64
	if k.onGPU {
		gpu = 1 << 63
	}
	return ranked{
		key:    [4]uint64{gpu | uint64(k.count), math.Float64bits(k.fullest), k.hkey[0], k.hkey[1]},
		weight: 1,
		b:      k.b,
	}
}

// firstRanked returns, in rank order, the fewest first items whose weights
// add up to n or more (all of them if they add up to less). It reorders
// items (they stay all there) and appends to out.
//
// It is a radix selection, byte by byte from the first byte in which the
// keys differ: the items below the byte value where the running weight
// reaches n are in, those above are out, and only those at it are looked
// at again. Choosing a few hundred agents out of ten thousand this way
// costs a few passes without a single unpredictable comparison, where a
// heap or a sort compares the agents' names thousands of times.
func (p *planner) firstRanked(items []ranked, n int64, out []ranked) []ranked {
	s := items
	for len(s) > 0 && n > 0 {
		var diff [4]uint64
		k0 := s[0].key
		var total int64
		for i := range s {
			k := &s[i].key
			diff[0] |= k[0] ^ k0[0]
			diff[1] |= k[1] ^ k0[1]
			diff[2] |= k[2] ^ k0[2]
			diff[3] |= k[3] ^ k0[3]
			total = satAdd(total, s[i].weight)
		}
		if total <= n {
			out = append(out, s...)
			break
		}
		w := 0
		for w < 4 && diff[w] == 0 {
			w++
		}
		if w == 4 {
			// Keys alike: names decide.
			slices.SortFunc(s, func(x, y ranked) int { return p.nameCmp(x.b, y.b) })
			for i := range s {
				out = append(out, s[i])
				if n -= s[i].weight; n <= 0 {
					break
				}
			}
			break
		}
		shift := 56 - bits.LeadingZeros64(diff[w])/8*8
		var weights [256]int64
		for i := range s {
			d := uint8(s[i].key[w] >> shift)
			weights[d] = satAdd(weights[d], s[i].weight)
		}
		var t int // the byte value at which the running weight reaches n
		var below int64
		for ; below+weights[t] < n; t++ {
			below += weights[t]
		}
		kept := 0
		for i := range s {
			switch d := int(uint8(s[i].key[w] >> shift)); {
			case d < t:
				out = append(out, s[i])
			case d == t:
				s[kept], s[i] = s[i], s[kept] // a permutation: callers may look at all items after
				kept++
			}
		}
		s = s[:kept]
		n -= below
	}
	slices.SortFunc(out, func(x, y ranked) int {
		for w := range x.key {
			if x.key[w] != y.key[w] {
				return cmpU64(x.key[w], y.key[w])
			}
		}
		return p.nameCmp(x.b, y.b)
	})
	return out
}
