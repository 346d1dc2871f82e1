package cputime

import "testing"

// TestUsedGrows: work done between two readings shows as CPU time.
func TestUsedGrows(t *testing.T) {
	a, ok := Used()
	if !ok {
		t.Skip("no CPU time on this system")
	}
	x := 0
	for i := range 50_000_000 {
		x ^= i
	}
	b, _ := Used()
	if b <= a || x == 1 {
		t.Errorf("CPU time %v then %v after work: want it to grow", a, b)
	}
}
