package editdist_test

import (
	"testing"

	"github.com/flink-mesos/flink-mesos/internal/editdist"
)

func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"mesos.master", "mesos.master", 0},
		{"mesos.mastr", "mesos.master", 1},   // one insertion
		{"mesos.masterr", "mesos.master", 1}, // one deletion
		{"mesos.maste", "mesos.mastr", 1},    // one substitution
		{"kitten", "sitting", 3},             // the textbook case
		{"Mesos", "mesos", 1},                // case counts
		{"taskmanager", "jobmanager", 4},     // a prefix replaced
		{"mesos.initial-taks", "mesos.initial-tasks", 1},
	} {
		if got := editdist.Levenshtein(c.a, c.b); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := editdist.Levenshtein(c.b, c.a); got != c.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.want)
		}
	}
}
