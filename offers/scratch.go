package offers

import "sync"

// scratch holds the large working arrays of one Place call: per offer,
// per agent and per bin. On ten thousand offers they come to a couple of
// megabytes, and allocating that afresh on every call costs more than the
// placement itself (zeroing, page faults, garbage collection). Place takes
// a scratch from the pool and returns it; nothing in a Plan points into
// it, so callers cannot tell.
type scratch struct {
	agentNext, offerNext, offerBin []int32
	agentOf, hostOf, hostRep       []int32
	shape                          []int32
	launchOf                       []int32
	offerUsed                      []bool
	scalars                        []scalarSrc
	portSrc                        []portsSrc
	left                           []Range
	agentIx, hostIx                *index
	agents                         []agent
	bins                           []bin
	init, initPorts                []int64
	rows, rowPorts, placed         []int64
	rowOf                          []int32
	agentUsed                      []bool
	cands                          []cand
	ranked, first                  []ranked
	ranks                          []rank
	spread                         []spreadKey
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// sized returns s with length n, reusing its memory if it is big enough.
// The contents are not cleared.
func sized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
