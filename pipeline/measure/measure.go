// Package measure computes what a surgeon reads off a label map: each
// structure's volume and a tumour's maximal diameter.
package measure

import (
	"math"
	"sync"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Counts is the number of voxels of each value of a label map.
func Counts(lab *volume.Volume[uint8]) [256]int {
	var total [256]int
	var mu sync.Mutex
	parallel.For(len(lab.Data), 1<<18, func(lo, hi int) {
		var c [256]int
		for _, v := range lab.Data[lo:hi] {
			c[v]++
		}
		mu.Lock()
		for i := range c {
			total[i] += c[i]
		}
		mu.Unlock()
	})
	return total
}

// directions are unit vectors spread evenly over a hemisphere (a Fibonacci
// lattice); the largest angle from any direction to the nearest of them is
// about 2°, so a caliper width taken along the best of them is within
// 1 − cos(2°) ≈ 0.06% of the true maximum.
var directions = func() [][3]float64 {
	const n = 2000
	out := make([][3]float64, n)
	golden := math.Pi * (3 - math.Sqrt(5))
	for i := range out {
		z := 1 - float64(i)/float64(n-1) // hemisphere: z in [0, 1]
		r := math.Sqrt(1 - z*z)
		out[i] = [3]float64{r * math.Cos(golden*float64(i)), r * math.Sin(golden*float64(i)), z}
	}
	return out
}()

// MaxDiameter is the largest distance in mm across the voxels of value v
// (the caliper width of the union of their cubes, world space), or 0 when
// there is none. Only boundary voxels can be extremes, so only they are
// projected.
func MaxDiameter(lab *volume.Volume[uint8], v uint8) float64 {
	pts := boundaryCentres(lab, v)
	if len(pts) == 0 {
		return 0
	}
	cols := [3][3]float64{lab.Affine.Column(0), lab.Affine.Column(1), lab.Affine.Column(2)}
	widths := make([]float64, len(directions))
	parallel.For(len(directions), 16, func(lo, hi int) {
		for d := lo; d < hi; d++ {
			u := directions[d]
			min, max := math.Inf(1), math.Inf(-1)
			for _, p := range pts {
				x := u[0]*p[0] + u[1]*p[1] + u[2]*p[2]
				min, max = math.Min(min, x), math.Max(max, x)
			}
			// A voxel cube adds its own projected width to that of the centres.
			var cube float64
			for _, c := range cols {
				cube += math.Abs(u[0]*c[0] + u[1]*c[1] + u[2]*c[2])
			}
			widths[d] = max - min + cube
		}
	})
	best := 0.0
	for _, w := range widths {
		best = math.Max(best, w)
	}
	return best
}

// boundaryCentres are the world positions of the voxels of value v that
// have a face neighbour of another value (or the volume's edge).
func boundaryCentres(lab *volume.Volume[uint8], v uint8) [][3]float64 {
	nx, ny, nz := lab.Dims[0], lab.Dims[1], lab.Dims[2]
	is := func(i, j, k int) bool { return lab.Contains(i, j, k) && lab.At(i, j, k) == v }
	var mu sync.Mutex
	var out [][3]float64
	parallel.For(nz, 1, func(k0, k1 int) {
		var local [][3]float64
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				for i := 0; i < nx; i++ {
					if lab.Data[lab.Index(i, j, k)] != v {
						continue
					}
					if is(i-1, j, k) && is(i+1, j, k) && is(i, j-1, k) && is(i, j+1, k) && is(i, j, k-1) && is(i, j, k+1) {
						continue
					}
					local = append(local, lab.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
				}
			}
		}
		mu.Lock()
		out = append(out, local...)
		mu.Unlock()
	})
	return out
}
