// Package midline finds the patient's midline, which divides the left-side
// structures (kidney, renal vessels, ureter) from the right-side ones.
package midline

import (
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// X is the world x (RAS mm) halfway between the centroids of the two
// kidneys' masks, or the middle of the grid g when either is nil or
// empty. Left structures lie at smaller x.
func X(g volume.Grid, left, right *volume.Volume[uint8]) float64 {
	return XParts(g, whole(left), whole(right))
}

// XParts is X of masks held as parts (volume.LoadPart); it reads their
// boxes alone.
func XParts(g volume.Grid, left, right *volume.Part[uint8]) float64 {
	lo, hi := g.Bounds()
	mid := (lo[0] + hi[0]) / 2
	var xs [2]float64
	for s, m := range []*volume.Part[uint8]{left, right} {
		if m == nil {
			return mid
		}
		c, ok := centroid(m)
		if !ok {
			return mid
		}
		xs[s] = m.VoxelToWorld(c)[0]
	}
	return (xs[0] + xs[1]) / 2
}

func whole(m *volume.Volume[uint8]) *volume.Part[uint8] {
	if m == nil {
		return nil
	}
	return volume.WholePart(m)
}

// centroid is the mean voxel position of m's nonzero voxels, summed
// exactly in integers over the bounding box of m's box, slices in
// parallel; ok is false when m is empty. The affine being linear, the
// world centroid is the centroid's world position.
func centroid(p *volume.Part[uint8]) ([3]float64, bool) {
	if p.Box == nil || p.Box.Len() == 0 {
		return [3]float64{}, false
	}
	m := p.Box
	lo, hi, ok := volume.BoundingBox(m)
	if !ok {
		return [3]float64{}, false
	}
	nx, ny := m.Dims[0], m.Dims[1]
	sums := make([][4]int64, hi[2]-lo[2]) // Σi, Σj, Σk and the count, per slice
	parallel.For(hi[2]-lo[2], 1, func(k0, k1 int) {
		for k := lo[2] + k0; k < lo[2]+k1; k++ {
			s := &sums[k-lo[2]]
			for j := lo[1]; j < hi[1]; j++ {
				row := m.Data[(k*ny+j)*nx : (k*ny+j+1)*nx]
				var si, n int64
				for i := lo[0]; i < hi[0]; i++ {
					if row[i] != 0 {
						si += int64(i)
						n++
					}
				}
				s[0] += si
				s[1] += int64(j) * n
				s[2] += int64(k) * n
				s[3] += n
			}
		}
	})
	var t [4]int64
	for _, s := range sums {
		for a := range t {
			t[a] += s[a]
		}
	}
	// In the whole grid's voxels.
	for a := range 3 {
		t[a] += int64(p.Lo[a]) * t[3]
	}
	n := float64(t[3])
	return [3]float64{float64(t[0]) / n, float64(t[1]) / n, float64(t[2]) / n}, true
}
