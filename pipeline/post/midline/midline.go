// Package midline finds the patient's midline, which divides the left-side
// structures (kidney, renal vessels, ureter) from the right-side ones.
package midline

import "kidney3d/pipeline/volume"

// X is the world x (RAS mm) halfway between the centroids of the two
// kidneys' masks, or the middle of the grid g when either is nil or
// empty. Left structures lie at smaller x.
func X(g volume.Grid, left, right *volume.Volume[uint8]) float64 {
	lo, hi := g.Bounds()
	mid := (lo[0] + hi[0]) / 2
	var xs [2]float64
	for s, m := range []*volume.Volume[uint8]{left, right} {
		if m == nil {
			return mid
		}
		var sum float64
		var n int
		for idx, v := range m.Data {
			if v != 0 {
				i, j, k := m.Coords(idx)
				sum += m.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})[0]
				n++
			}
		}
		if n == 0 {
			return mid
		}
		xs[s] = sum / float64(n)
	}
	return (xs[0] + xs[1]) / 2
}
