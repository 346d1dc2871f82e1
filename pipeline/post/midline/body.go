package midline

import (
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// BodyHU is the threshold of the body whose centre BodyX finds.
const BodyHU = -500

// BodyX is the world x (RAS mm) of the body's centre on a CT phase: the
// mean world x of its voxels above BodyHU, or the middle of the grid when
// there are none. It is the midline before any kidney is found (X needs
// both kidneys); being a mean in world coordinates, it does not depend on
// how the phase is stored.
func BodyX[T volume.Voxel](ct *volume.Volume[T]) float64 {
	nx, ny, nz := ct.Dims[0], ct.Dims[1], ct.Dims[2]
	sums := make([][2]float64, nz)
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			var s, n float64
			for j := range ny {
				row := ct.Data[(k*ny+j)*nx : (k*ny+j+1)*nx]
				for i, v := range row {
					if float64(v) > BodyHU {
						s += ct.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})[0]
						n++
					}
				}
			}
			sums[k] = [2]float64{s, n}
		}
	})
	var s, n float64
	for _, v := range sums {
		s += v[0]
		n += v[1]
	}
	if n == 0 {
		lo, hi := ct.Bounds()
		return (lo[0] + hi[0]) / 2
	}
	return s / n
}
