package nephrometry

import (
	"cmp"
	"math"
	"slices"

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
		fillPolygon(out, k, convexHull(pts))
	}
	return out
}

// convexHull is the convex hull of pts, counter-clockwise, by Andrew's
// monotone chain; collinear points are dropped.
func convexHull(pts [][2]float64) [][2]float64 {
	slices.SortFunc(pts, func(a, b [2]float64) int {
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		return cmp.Compare(a[1], b[1])
	})
	pts = slices.Compact(pts)
	if len(pts) < 3 {
		return pts
	}
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	hull := make([][2]float64, 0, 2*len(pts))
	for _, p := range pts {
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	lower := len(hull) + 1
	for i := len(pts) - 2; i >= 0; i-- {
		p := pts[i]
		for len(hull) >= lower && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	return hull[:len(hull)-1]
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
