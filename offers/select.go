package offers

import (
	"math"
	"math/bits"
	"slices"
)

// ranked is a bin in the running: its name key and its rank, an index
// into a table of ranks that runs of bins alike share. Two words of rank
// and two of name make a key of four words, compared in order (equal keys
// fall back to nameCmp). The items are small because there is one per
// agent: ten thousand of them are written and read a few times per class.
type ranked struct {
	name [2]uint64
	b    int32
	rank int32
}

// rank is the first two words of a key and the weight: how many tasks the
// bin takes.
type rank struct {
	key    [2]uint64
	weight int64
}

// keyWord is word w of x's key.
func keyWord(x *ranked, ranks []rank, w int) uint64 {
	if w < 2 {
		return ranks[x.rank].key[w]
	}
	return x.name[w-2]
}

// rankBinpack ranks a candidate for binpack as before does: the most tasks
// first, then the higher score (scores are never negative, so their bits
// order like they do); names come after.
func rankBinpack(c *cand) rank {
	return rank{key: [2]uint64{uint64(math.MaxInt64 - c.c), ^math.Float64bits(c.score)}, weight: c.c}
}

// rankSpread ranks a bin for spread as spreadBefore does: plain agents
// first, then the fewest tasks of the group (a count is never negative, so
// it fits the 63 bits below the flag), then the least full; names come
// after. Each bin takes one task at a time.
func rankSpread(k *spreadKey) rank {
	var gpu uint64
	if k.onGPU {
		gpu = 1 << 63
	}
	return rank{key: [2]uint64{gpu | uint64(k.count), math.Float64bits(k.fullest)}, weight: 1}
}

// addRank appends r to ranks unless it equals the last one, and returns
// its index.
func addRank(ranks []rank, r rank) ([]rank, int32) {
	if n := len(ranks); n > 0 && ranks[n-1] == r {
		return ranks, int32(n - 1)
	}
	return append(ranks, r), int32(len(ranks))
}

// firstRanked returns the fewest first items in key order whose weights
// add up to n or more (all of them if they add up to less), sorted if
// asked to. It reorders items (they stay all there) and appends to out.
//
// It is a radix selection, byte by byte from the first byte in which the
// keys differ: the items below the byte value where the running weight
// reaches n are in, those above are out, and only those at it are looked
// at again. Choosing a few hundred agents out of ten thousand this way
// costs a few passes without a single unpredictable comparison, where a
// heap or a sort compares the agents' names thousands of times.
func (p *planner) firstRanked(items []ranked, ranks []rank, n int64, sorted bool, out []ranked) []ranked {
	s := items
	for len(s) > 0 && n > 0 {
		var diff [4]uint64
		r0, n0 := ranks[s[0].rank].key, s[0].name
		var total int64
		for i := range s {
			x := &s[i]
			r := &ranks[x.rank]
			diff[0] |= r.key[0] ^ r0[0]
			diff[1] |= r.key[1] ^ r0[1]
			diff[2] |= x.name[0] ^ n0[0]
			diff[3] |= x.name[1] ^ n0[1]
			total = satAdd(total, r.weight)
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
				if n -= ranks[s[i].rank].weight; n <= 0 {
					break
				}
			}
			break
		}
		shift := 56 - bits.LeadingZeros64(diff[w])/8*8
		var weights [256]int64
		for i := range s {
			d := uint8(keyWord(&s[i], ranks, w) >> shift)
			weights[d] = satAdd(weights[d], ranks[s[i].rank].weight)
		}
		var t int // the byte value at which the running weight reaches n
		var below int64
		for ; below+weights[t] < n; t++ {
			below += weights[t]
		}
		kept := 0
		for i := range s {
			switch d := int(uint8(keyWord(&s[i], ranks, w) >> shift)); {
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
	if !sorted {
		return out
	}
	slices.SortFunc(out, func(x, y ranked) int {
		if x.rank != y.rank {
			a, b := &ranks[x.rank].key, &ranks[y.rank].key
			if a[0] != b[0] {
				return cmpU64(a[0], b[0])
			}
			if a[1] != b[1] {
				return cmpU64(a[1], b[1])
			}
		}
		if x.name[0] != y.name[0] {
			return cmpU64(x.name[0], y.name[0])
		}
		if x.name[1] != y.name[1] {
			return cmpU64(x.name[1], y.name[1])
		}
		return p.nameCmp(x.b, y.b)
	})
	return out
}
