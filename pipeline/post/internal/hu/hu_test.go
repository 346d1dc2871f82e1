package hu

import (
	"math"
	"testing"
)

func TestBoundsCompareAsTheFloats(t *testing.T) {
	for _, x := range []float64{-190, -30.5, 0, 0.25, 499.999, 500, 1e9, -1e9, math.Inf(1), math.Inf(-1), math.NaN()} {
		c, f := Ceil(x), Floor(x)
		for _, v := range []int{math.MinInt16, -191, -190, -31, -30, -1, 0, 1, 499, 500, 501, math.MaxInt16} {
			if got, want := v >= c, float64(v) >= x; got != want {
				t.Errorf("x %g, v %d: v >= Ceil %v, float compare %v", x, v, got, want)
			}
			if got, want := v > f, float64(v) > x; got != want {
				t.Errorf("x %g, v %d: v > Floor %v, float compare %v", x, v, got, want)
			}
		}
	}
}
