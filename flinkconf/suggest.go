package flinkconf

import "github.com/flink-mesos/flink-mesos/internal/editdist"

// suggest returns the known key closest to an unknown one, or "" when none
// is close enough to be a likely typo.
func suggest(key string) string {
	best, bestD := "", -1
	consider := func(k string) {
		d := editdist.Levenshtein(key, k)
		if bestD < 0 || d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	for _, o := range registry {
		consider(o.Key)
		for _, d := range o.Deprecated {
			consider(d)
		}
	}
	limit := max(3, len(key)/3)
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}
