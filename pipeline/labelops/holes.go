package labelops

import (
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// FillHoles is m with its holes filled, as scipy's binary_fill_holes: zero
// voxels not 6-connected through zero voxels to the grid's border become 1.
func FillHoles(m *volume.Volume[uint8]) *volume.Volume[uint8] {
	bg := label(findRuns(m, false), Face)
	nx, ny, nz := m.Dims[0], m.Dims[1], m.Dims[2]
	hole := make([]bool, len(bg.sizes))
	fill(hole, true)
	for k := 0; k < nz; k++ {
		for j := 0; j < ny; j++ {
			rs, base := bg.row(j, k)
			border := j == 0 || k == 0 || j == ny-1 || k == nz-1
			for i, r := range rs {
				if border || r.x0 == 0 || int(r.x1) == nx {
					hole[bg.label[base+int32(i)]-1] = false
				}
			}
		}
	}
	out := bg.mask(m.Grid, hole)
	parallel.For(len(m.Data), 1<<16, func(lo, hi int) {
		for i, v := range m.Data[lo:hi] {
			if v != 0 {
				out.Data[lo+i] = 1
			}
		}
	})
	return out
}
