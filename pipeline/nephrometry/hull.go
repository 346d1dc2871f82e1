package nephrometry

import (
	"math"
	"slices"

	"kidney3d/pipeline/hull2d"
	"kidney3d/pipeline/volume"
)

// axialHull is, for each axial slice (third voxel axis) of m, the filled
// 2D convex hull of m's nonzero voxels in that slice: the voxels whose
// centres lie in it. m must be stored closest to RAS (volume.Canonical).
func axialHull(m *volume.Volume[uint8]) *volume.Volume[uint8] {
	nx, ny, nz := m.Dims[0], m.Dims[1], m.Dims[2]
	out := volume.New[uint8](m.Grid)
	for k := range nz {
		var pts [][2]float64
		for j := range ny {
			row := m.Data[m.Index(0, j, k):][:nx]
			first := slices.IndexFunc(row, func(x uint8) bool { return x != 0 })
			if first < 0 {
				continue
			}
			last := len(row) - 1
			for row[last] == 0 {
				last--
			}
			pts = append(pts, [2]float64{float64(first), float64(j)}, [2]float64{float64(last), float64(j)})
		}
		fillPolygon(out, k, hull2d.Convex(pts))
	}
	return out
}

// fillPolygon sets to 1 the voxels of slice k whose centres lie in the
// convex polygon poly (voxel coordinates; a point or a segment fills the
// voxels on it).
func fillPolygon(out *volume.Volume[uint8], k int, poly [][2]float64) {
	if len(poly) == 0 {
		return
	}
	const eps = 1e-9
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, p := range poly {
		ylo, yhi = math.Min(ylo, p[1]), math.Max(yhi, p[1])
	}
	for j := int(math.Ceil(ylo - eps)); float64(j) <= yhi+eps; j++ {
		y := float64(j)
		xlo, xhi := math.Inf(1), math.Inf(-1)
		for n, a := range poly {
			b := poly[(n+1)%len(poly)]
			if (a[1]-y)*(b[1]-y) > eps {
				continue
			}
			var x0, x1 float64
			if math.Abs(a[1]-b[1]) < eps {
				x0, x1 = math.Min(a[0], b[0]), math.Max(a[0], b[0])
			} else {
				x := a[0] + (y-a[1])*(b[0]-a[0])/(b[1]-a[1])
				x0, x1 = x, x
			}
			xlo, xhi = math.Min(xlo, x0), math.Max(xhi, x1)
		}
		if len(poly) == 1 {
			xlo, xhi = poly[0][0], poly[0][0]
		}
		row := out.Data[out.Index(0, j, k):][:out.Dims[0]]
		for i := max(int(math.Ceil(xlo-eps)), 0); i < len(row) && float64(i) <= xhi+eps; i++ {
			row[i] = 1
		}
	}
}
