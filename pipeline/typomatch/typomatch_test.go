package typomatch

import (
	"slices"
	"testing"
)

func TestWords(t *testing.T) {
	got := Words("Smith, John — K3D-2024-00123 Nephrectomy (pre-op)")
	want := []string{"smith", "john", "k3d", "2024", "00123", "nephrectomy", "pre", "op"}
	if !slices.Equal(got, want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"john", "john", 2, 0},
		{"jonh", "john", 2, 1},              // swap
		{"smiht", "smith", 2, 1},            // swap
		{"nephrectmy", "nephrectomy", 2, 1}, // deletion
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 1, 2}, // stops past the limit
		{"ab", "abcdef", 2, 3},      // lengths alone exceed it
		{"", "abc", 3, 3},
		{"müller", "muller", 2, 1}, // runes, not bytes
		{"ca", "abc", 3, 3},        // OSA, not full Damerau (which says 2)
	} {
		if got := Distance(c.a, c.b, c.limit); got != c.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
}

func TestSimilarity(t *testing.T) {
	for _, c := range []struct {
		q, w string
		want float64
	}{
		{"smith", "smith", 1},
		{"neph", "nephrectomy", 0.9},
		{"rect", "nephrectomy", 0.8},
		{"smiht", "smith", 0.75},
		{"smthi", "smith", 0.5}, // two typos in five letters
		{"jhn", "john", 0.75},   // one typo in three letters
		{"jn", "john", 0},       // two letters must be exact
		{"xyzzy", "smith", 0},
	} {
		if got := Similarity(c.q, c.w); got != c.want {
			t.Errorf("Similarity(%q, %q) = %v, want %v", c.q, c.w, got, c.want)
		}
	}
}

func TestScore(t *testing.T) {
	doc := Words("John Smith CT abdomen partial nephrectomy")
	if got := Score(Words("jonh smiht"), doc); got != 0.75 {
		t.Errorf("Score = %v, want 0.75", got)
	}
	if got := Score(Words("john nephrectmy"), doc); got != 0.875 {
		t.Errorf("Score = %v, want 0.875", got)
	}
	if got := Score(nil, doc); got != 0 {
		t.Errorf("empty query scores %v", got)
	}
}
