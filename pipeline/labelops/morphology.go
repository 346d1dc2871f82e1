package labelops

import (
	"math"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// ballTolerance widens a radius by a relative 1e-6 so that voxels exactly
// on the ball's surface are inside it despite rounding.
const ballTolerance = 1 + 1e-6

// Dilate is m grown by a ball of radiusMM millimetres: every voxel within
// radiusMM of a nonzero voxel (spacing taken into account). The result is
// on m's grid, so growth past the grid's edge is cut: callers crop with a
// margin of at least Margin(m.Grid, radiusMM) voxels.
func Dilate(m *volume.Volume[uint8], radiusMM float64) *volume.Volume[uint8] {
	return threshold(m, squaredDistance(m, true), radiusMM, false)
}

// Erode is m shrunk by a ball of radiusMM millimetres: the voxels whose
// ball lies wholly inside m, voxels beyond the grid counting as outside
// (as scipy's binary_erosion with border_value=0).
func Erode(m *volume.Volume[uint8], radiusMM float64) *volume.Volume[uint8] {
	return threshold(m, squaredDistance(m, false), radiusMM, true)
}

// Margin is the number of voxels per axis that a radius in millimetres
// spans on g, the margin a crop needs around a mask for Dilate.
func Margin(g volume.Grid, radiusMM float64) [3]int {
	var out [3]int
	for a, s := range g.Spacing() {
		out[a] = int(math.Ceil(radiusMM / s))
	}
	return out
}

// threshold makes the mask of voxels whose squared distance sq is within
// (erode false) or beyond (erode true) the radius; eroding also keeps
// voxels at least the radius away from the grid's outside.
func threshold(m *volume.Volume[uint8], sq []float32, radiusMM float64, erode bool) *volume.Volume[uint8] {
	r2 := radiusMM * radiusMM * ballTolerance
	out := volume.New[uint8](m.Grid)
	nx, ny, nz := m.Dims[0], m.Dims[1], m.Dims[2]
	sp := m.Spacing()
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				base := (k*ny + j) * nx
				for i := 0; i < nx; i++ {
					d := float64(sq[base+i])
					if !erode {
						if d <= r2 {
							out.Data[base+i] = 1
						}
						continue
					}
					if d > r2 && edgeDistance(i, nx, sp[0]) > r2 && edgeDistance(j, ny, sp[1]) > r2 && edgeDistance(k, nz, sp[2]) > r2 {
						out.Data[base+i] = 1
					}
				}
			}
		}
	})
	return out
}

// edgeDistance is the squared distance from voxel i of n to the nearest
// voxel beyond the grid along one axis of spacing s.
func edgeDistance(i, n int, s float64) float64 {
	t := float64(min(i+1, n-i)) * s
	return t * t
}
