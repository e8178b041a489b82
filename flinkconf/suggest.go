package flinkconf

// suggest returns the known key closest to an unknown one, or "" when none
// is close enough to be a likely typo.
func suggest(key string) string {
	best, bestD := "", -1
	consider := func(k string) {
		d := levenshtein(key, k)
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

// levenshtein is the edit distance between a and b in bytes.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
