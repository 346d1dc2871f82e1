package infer

import (
	"testing"

	"kidney3d/pipeline/volume"
)

// benchPhase is a full-size demo phase's shape (512×512×300 at
// 0.8×0.8×1.5 mm) holding a body in air.
func benchPhase() *volume.Volume[int16] {
	ct, _ := phantom([3]int{512, 512, 300}, [3]float64{0.8, 0.8, 1.5}, [3]float64{20, 10, 0}, 40)
	return ct
}

// BenchmarkResample is the first resampling pass and the rest of the
// preparation of one channel for the demo models' spacing, reading the
// phase as stored (RAS) and relabelled (LPS, through a view).
func BenchmarkResample(b *testing.B) {
	ct := benchPhase()
	m := manifest([3]float64{3.5, 2.75, 2.75}, [3]int{48, 64, 64})
	for _, codes := range []string{"RAS", "LPS"} {
		o, err := volume.OrientationToward(ct.Grid, codes)
		if err != nil {
			b.Fatal(err)
		}
		lo, hi := bodyBox(ct, -500)
		lo, hi = o.Box(ct.Dims, lo, hi)
		g, err := plan(o.Grid(ct.Grid).Spacing(), lo, hi, m, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(codes, func(b *testing.B) {
			for b.Loop() {
				resample(viewOf(ct, o), g, m.Spacing)
			}
		})
	}
}
