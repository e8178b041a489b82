package flinkconf

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

const mib = 1 << 20

// DefaultJobManagerProcessSize is the JobManager process size used when no
// JobManager memory key is set: the value Flink's shipped flink-conf.yaml
// sets.
const DefaultJobManagerProcessSize = 1600 * mib

// multiply is MemorySize.multiply: the fraction enters as
// BigDecimal.valueOf(double), i.e. its shortest decimal form, and the
// product is truncated.
func multiply(bytes int64, f float64) (int64, bool) {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt64(bytes))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

// rangeFraction is Flink's RangeFraction: a fraction capped to [min, max].
type rangeFraction struct {
	min, max int64
	fraction float64
}

func (rf rangeFraction) capped(v int64) int64 {
	return min(max(v, rf.min), rf.max)
}

func fmtSize(b int64) string {
	switch {
	case b%(1<<30) == 0 && b != 0:
		return fmt.Sprintf("%dg", b>>30)
	case b%mib == 0 && b != 0:
		return fmt.Sprintf("%dm", b>>20)
	case b%(1<<10) == 0 && b != 0:
		return fmt.Sprintf("%dk", b>>10)
	}
	return fmt.Sprintf("%db", b)
}

// memKeys names one process's memory keys.
type memKeys struct {
	process, flink, metaspace, ovMin, ovMax, ovFraction string
}

var (
	tmMemKeys = memKeys{keyTMProcessSize, keyTMFlinkSize, keyTMMetaspace, keyTMOverheadMin, keyTMOverheadMax, keyTMOverheadFraction}
	jmMemKeys = memKeys{keyJMProcessSize, keyJMFlinkSize, keyJMMetaspace, keyJMOverheadMin, keyJMOverheadMax, keyJMOverheadFraction}
)

// sized is a memory value and the key it came from ("" for none).
type sized struct {
	bytes int64
	key   string
	bad   bool // set but rejected (the problem is recorded)
}

func (s sized) set() bool { return s.key != "" }

// optSize reads an optional size; the key is "" when unset or invalid.
func (r *reader) optSize(key string) sized {
	if !r.isSet(key) {
		return sized{}
	}
	v, ok := r.size(key)
	if !ok {
		return sized{bad: true}
	}
	return sized{bytes: v, key: key}
}

func (r *reader) fraction(key string) (float64, bool) {
	f, ok := parse(r, key, parseFloat32, "a number >= 0 and < 1")
	if ok && (f < 0 || f >= 1) {
		r.rejectf(key, ErrOutOfRange, "", "must be >= 0 and < 1")
		return 0, false
	}
	return f, ok
}

func (r *reader) rangeOf(minKey, maxKey, fracKey string) (rangeFraction, bool) {
	lo, ok1 := r.size(minKey)
	hi, ok2 := r.size(maxKey)
	f, ok3 := r.fraction(fracKey)
	if !ok1 || !ok2 || !ok3 {
		return rangeFraction{}, false
	}
	if lo > hi {
		if r.isSet(maxKey) || !r.isSet(minKey) {
			r.rejectf(maxKey, ErrConflict, "", "is smaller than %s (%s)", minKey, fmtSize(lo))
		} else {
			r.rejectf(minKey, ErrConflict, "", "is larger than %s (%s)", maxKey, fmtSize(hi))
		}
		return rangeFraction{}, false
	}
	return rangeFraction{min: lo, max: hi, fraction: f}, true
}

// legacyHeap reads a deprecated heap size (*.heap.size, else *.heap.mb).
func (r *reader) legacyHeap(sizeKey, mbKey, target string) sized {
	if s := r.optSize(sizeKey); s.set() || s.bad {
		e, _, _ := r.lookup(sizeKey)
		r.warn(sizeKey, e.source, "deprecated; read as %s", target)
		return s
	}
	if r.isSet(mbKey) {
		n, ok := r.integer(mbKey)
		if !ok {
			return sized{bad: true}
		}
		if n < 0 {
			r.rejectf(mbKey, ErrOutOfRange, "", "must be >= 0")
			return sized{bad: true}
		}
		e, _, _ := r.lookup(mbKey)
		r.warn(mbKey, e.source, "deprecated; read as %s", target)
		return sized{bytes: int64(n) << 20, key: mbKey}
	}
	return sized{}
}

// processFromFlink adds JVM metaspace and overhead to a total Flink memory
// size (ProcessMemoryUtils.deriveJvmMetaspaceAndOverheadFromTotalFlinkMemory
// in Flink 1.13): with a configured process size the overhead is what is
// left and must lie in the overhead range; without one the overhead is the
// fraction of the process size, derived inversely and capped.
func (r *reader) processFromFlink(k memKeys, total int64, totalKey string, process sized, meta int64, ov rangeFraction) (int64, bool) {
	withMeta := total + meta
	if process.set() {
		if process.bytes < withMeta {
			r.rejectf(process.key, ErrConflict, "", "is less than the Flink memory (%s, from %s) plus JVM metaspace (%s)", fmtSize(total), totalKey, fmtSize(meta))
			return 0, false
		}
		overhead := process.bytes - withMeta
		if overhead < ov.min || overhead > ov.max {
			r.rejectf(process.key, ErrConflict, "", "leaves %s of JVM overhead next to the Flink memory (%s, from %s) and metaspace (%s), outside [%s, %s] (%s, %s)",
				fmtSize(overhead), fmtSize(total), totalKey, fmtSize(meta), fmtSize(ov.min), fmtSize(ov.max), k.ovMin, k.ovMax)
			return 0, false
		}
		return process.bytes, true
	}
	rel, ok := multiply(withMeta, ov.fraction/(1-ov.fraction))
	if !ok {
		r.rejectf(totalKey, ErrOutOfRange, "", "is too large")
		return 0, false
	}
	sum := withMeta + ov.capped(rel)
	if sum < 0 || total > math.MaxInt64-meta-ov.max {
		r.rejectf(totalKey, ErrOutOfRange, "", "is too large")
		return 0, false
	}
	return sum, true
}

// flinkFromProcess splits a process size into JVM metaspace, overhead and
// the Flink memory left (deriveJvmMetaspaceAndOverheadWithTotalProcessMemory).
func (r *reader) flinkFromProcess(process sized, meta int64, ov rangeFraction, k memKeys) (int64, bool) {
	rel, ok := multiply(process.bytes, ov.fraction)
	if !ok {
		r.rejectf(process.key, ErrOutOfRange, "", "is too large")
		return 0, false
	}
	overhead := ov.capped(rel)
	if meta+overhead > process.bytes {
		r.rejectf(r.blame(process.key, k.metaspace, k.ovMin), ErrOutOfRange, "", "leaves no room: total process memory %s (%s) is smaller than JVM metaspace (%s, %s) plus JVM overhead (%s, %s..%s)",
			fmtSize(process.bytes), process.key, fmtSize(meta), k.metaspace, fmtSize(overhead), k.ovMin, k.ovMax)
		return 0, false
	}
	return process.bytes - meta - overhead, true
}

// taskManagerMemory derives a TaskManager's total process memory the way
// Flink 1.13 does (TaskExecutorProcessUtils with the legacy heap keys read
// as the process size, as ActiveResourceManagerFactory does): fine-grained
// task heap + managed memory first, then the total Flink memory, then the
// process size.
func (r *reader) taskManagerMemory() (int64, bool) {
	k := tmMemKeys
	process := r.optSize(k.process)
	if !process.set() && !process.bad {
		process = r.legacyHeap(keyTMHeapSize, keyTMHeapMB, k.process)
	}
	flink := r.optSize(k.flink)
	taskHeap, managed := r.optSize(keyTMTaskHeap), r.optSize(keyTMManaged)
	meta, ok1 := r.size(k.metaspace)
	ov, ok2 := r.rangeOf(k.ovMin, k.ovMax, k.ovFraction)
	fwHeap, ok3 := r.size(keyTMFrameworkHeap)
	fwOff, ok4 := r.size(keyTMFrameworkOffHeap)
	taskOff, ok5 := r.size(keyTMTaskOffHeap)
	net, ok6 := r.rangeOf(keyTMNetworkMin, keyTMNetworkMax, keyTMNetworkFraction)
	managedFraction, ok7 := r.fraction(keyTMManagedFraction)
	legacyNet, ok8 := r.legacyNetwork()
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) || anyBad(process, flink, taskHeap, managed) {
		return 0, false
	}
	fixed := fwHeap + fwOff + taskOff
	switch {
	case taskHeap.set() && managed.set():
		exclNet := fixed + taskHeap.bytes + managed.bytes
		var network int64
		if flink.set() {
			if exclNet > flink.bytes {
				r.rejectf(k.flink, ErrConflict, "", "is less than framework heap, framework off-heap, task heap, task off-heap and managed memory together (%s)", fmtSize(exclNet))
				return 0, false
			}
			network = flink.bytes - exclNet
			if !r.checkNetwork(network, net, legacyNet, k.flink) {
				return 0, false
			}
		} else if legacyNet >= 0 {
			network = legacyNet
		} else {
			rel, ok := multiply(exclNet, net.fraction/(1-net.fraction))
			if !ok {
				r.rejectf(keyTMTaskHeap, ErrOutOfRange, "", "is too large")
				return 0, false
			}
			network = net.capped(rel)
		}
		return r.processFromFlink(k, exclNet+network, keyTMTaskHeap+" and "+keyTMManaged, process, meta, ov)
	case flink.set():
		if !r.checkFlinkBreakdown(flink.bytes, k.flink, fixed, taskHeap, managed, managedFraction, net, legacyNet) {
			return 0, false
		}
		return r.processFromFlink(k, flink.bytes, k.flink, process, meta, ov)
	case process.set():
		total, ok := r.flinkFromProcess(process, meta, ov, k)
		if !ok || !r.checkFlinkBreakdown(total, process.key, fixed, taskHeap, managed, managedFraction, net, legacyNet) {
			return 0, false
		}
		return process.bytes, true
	}
	r.probs = append(r.probs, &KeyError{Key: k.process, Source: SourceDefault,
		Err:     newProblem(ErrRequired, "TaskManager memory is not configured"),
		Allowed: fmt.Sprintf("set %s (e.g. 1728m) or %s, or both %s and %s", k.process, k.flink, keyTMTaskHeap, keyTMManaged)})
	return 0, false
}

// blame picks the key a derived-size problem is reported on: the first of
// keys the user set, so the message points at something they wrote.
func (r *reader) blame(keys ...string) string {
	for _, k := range keys {
		if r.isSet(k) {
			return k
		}
	}
	return keys[0]
}

func anyBad(s ...sized) bool {
	for _, v := range s {
		if v.bad {
			return true
		}
	}
	return false
}

// legacyNetwork returns the network memory of the deprecated
// taskmanager.network.numberOfBuffers, or -1 when it does not apply (it does
// only when set and no taskmanager.memory.network.* key is).
func (r *reader) legacyNetwork() (int64, bool) {
	if !r.isSet(keyTMNetworkBuffers) || r.isSet(keyTMNetworkMin) || r.isSet(keyTMNetworkMax) || r.isSet(keyTMNetworkFraction) {
		return -1, true
	}
	n, ok := r.integer(keyTMNetworkBuffers)
	seg, ok2 := r.size(keyTMSegmentSize)
	if !ok || !ok2 {
		return 0, false
	}
	if n < 0 {
		r.rejectf(keyTMNetworkBuffers, ErrOutOfRange, "", "must be >= 0")
		return 0, false
	}
	if seg != 0 && int64(n) > math.MaxInt64/seg {
		r.rejectf(keyTMNetworkBuffers, ErrOutOfRange, "", "times %s is too large", keyTMSegmentSize)
		return 0, false
	}
	return int64(n) * seg, true
}

func (r *reader) checkNetwork(network int64, net rangeFraction, legacy int64, key string) bool {
	if legacy >= 0 {
		if network != legacy {
			r.rejectf(key, ErrConflict, "", "leaves %s of network memory, but %s x %s is %s", fmtSize(network), keyTMNetworkBuffers, keyTMSegmentSize, fmtSize(legacy))
			return false
		}
		return true
	}
	if network < net.min || network > net.max {
		r.rejectf(key, ErrConflict, "", "leaves %s of network memory, outside [%s, %s] (%s, %s)", fmtSize(network), fmtSize(net.min), fmtSize(net.max), keyTMNetworkMin, keyTMNetworkMax)
		return false
	}
	return true
}

// checkFlinkBreakdown checks that a total Flink memory size has room for its
// components (TaskExecutorFlinkMemoryUtils.deriveFromTotalFlinkMemory).
func (r *reader) checkFlinkBreakdown(total int64, key string, fixed int64, taskHeap, managed sized, managedFraction float64, net rangeFraction, legacyNet int64) bool {
	m := managed.bytes
	if !managed.set() {
		v, ok := multiply(total, managedFraction)
		if !ok {
			r.rejectf(key, ErrOutOfRange, "", "is too large")
			return false
		}
		m = v
	}
	if taskHeap.set() {
		excl := fixed + taskHeap.bytes + m
		if excl > total {
			r.rejectf(key, ErrConflict, "", "gives %s of Flink memory, less than framework, task and managed memory together (%s)", fmtSize(total), fmtSize(excl))
			return false
		}
		return r.checkNetwork(total-excl, net, legacyNet, key)
	}
	network := legacyNet
	if network < 0 {
		v, ok := multiply(total, net.fraction)
		if !ok {
			r.rejectf(key, ErrOutOfRange, "", "is too large")
			return false
		}
		network = net.capped(v)
	}
	if excl := fixed + m + network; excl > total {
		r.rejectf(key, ErrOutOfRange, "", "gives %s of Flink memory, less than framework, managed and network memory together (%s)", fmtSize(total), fmtSize(excl))
		return false
	}
	return true
}

// jobManagerMemory derives the JobManager's total process memory the way
// Flink 1.13 does (JobManagerProcessUtils with the legacy heap keys read as
// jobmanager.memory.heap.size, as its start scripts do): JVM heap first,
// then total Flink memory, then process size, else 1600m.
func (r *reader) jobManagerMemory() (int64, bool) {
	k := jmMemKeys
	heap := r.optSize(keyJMHeap)
	if !heap.set() && !heap.bad {
		heap = r.legacyHeap(keyJMHeapSize, keyJMHeapMB, keyJMHeap)
	}
	process, flink := r.optSize(k.process), r.optSize(k.flink)
	meta, ok1 := r.size(k.metaspace)
	ov, ok2 := r.rangeOf(k.ovMin, k.ovMax, k.ovFraction)
	off, ok3 := r.size(keyJMOffHeap)
	if !(ok1 && ok2 && ok3) || anyBad(heap, process, flink) {
		return 0, false
	}
	switch {
	case heap.set():
		total := heap.bytes + off
		if flink.set() {
			if r.isSet(keyJMOffHeap) && total != flink.bytes {
				r.rejectf(k.flink, ErrConflict, "", "differs from %s plus %s (%s)", heap.key, keyJMOffHeap, fmtSize(total))
				return 0, false
			}
			if flink.bytes < heap.bytes {
				r.rejectf(k.flink, ErrConflict, "", "is less than %s (%s)", heap.key, fmtSize(heap.bytes))
				return 0, false
			}
			total = flink.bytes
		}
		return r.processFromFlink(k, total, heap.key, process, meta, ov)
	case flink.set():
		if flink.bytes <= off {
			r.rejectf(k.flink, ErrConflict, "", "is not more than %s (%s)", keyJMOffHeap, fmtSize(off))
			return 0, false
		}
		return r.processFromFlink(k, flink.bytes, k.flink, process, meta, ov)
	}
	if !process.set() {
		process = sized{bytes: DefaultJobManagerProcessSize, key: k.process}
	}
	total, ok := r.flinkFromProcess(process, meta, ov, k)
	if !ok {
		return 0, false
	}
	if total <= off {
		r.rejectf(r.blame(process.key, keyJMOffHeap), ErrOutOfRange, "", "leaves no room: %s (%s) leaves %s of Flink memory, not more than %s (%s)", process.key, fmtSize(process.bytes), fmtSize(total), keyJMOffHeap, fmtSize(off))
		return 0, false
	}
	return process.bytes, true
}
