package parallel

import (
	"strings"
	"sync/atomic"
	"testing"

	"kidney3d/pipeline/panics"
)

func TestForCoversEveryIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, grain int }{{0, 1}, {1, 1}, {7, 1}, {1000, 3}, {1000, 5000}, {12345, 64}} {
		seen := make([]int32, tc.n)
		For(tc.n, tc.grain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&seen[i], 1)
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d grain=%d: index %d visited %d times", tc.n, tc.grain, i, c)
			}
		}
	}
}

func TestPanicInAWorkerIsRaisedInTheCallerWithItsStack(t *testing.T) {
	if Workers() < 2 {
		t.Skip("needs two workers")
	}
	got := func() (v any) {
		defer func() { v = recover() }()
		For(1<<20, 1, func(lo, hi int) {
			if lo == 0 {
				var m map[string]int
				m["boom"]++ // a runtime panic in the first chunk's worker
			}
		})
		return nil
	}()
	p, ok := got.(*panics.Error)
	if !ok {
		t.Fatalf("recovered %v (%T), want *panics.Error", got, got)
	}
	if !strings.Contains(p.Error(), "assignment to entry in nil map") || !strings.Contains(string(p.Stack), "parallel.TestPanicInAWorker") {
		t.Errorf("error %q, stack:\n%s", p.Error(), p.Stack)
	}
}
