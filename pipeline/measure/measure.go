// Package measure computes what a surgeon reads off a label map: each
// structure's volume, its maximal diameter, and whether the scan's field of
// view cuts it.
package measure

import (
	"bytes"
	"math"
	"sync"

	"kidney3d/pipeline/hull2d"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Counts is the number of voxels of each value of a label map.
func Counts(lab *volume.Volume[uint8]) [256]int {
	var total [256]int
	var mu sync.Mutex
	parallel.For(len(lab.Data), 1<<18, func(lo, hi int) {
		// Four histograms, so that runs of one value (mostly background)
		// do not wait on one counter.
		var c [4][256]int
		d := lab.Data[lo:hi]
		n := len(d) &^ 3
		for i := 0; i < n; i += 4 {
			c[0][d[i]]++
			c[1][d[i+1]]++
			c[2][d[i+2]]++
			c[3][d[i+3]]++
		}
		for _, v := range d[n:] {
			c[0][v]++
		}
		mu.Lock()
		for i := range total {
			total[i] += c[0][i] + c[1][i] + c[2][i] + c[3][i]
		}
		mu.Unlock()
	})
	return total
}

// directions are unit vectors spread evenly over a hemisphere (a Fibonacci
// lattice), so that every line through the origin is within coverAngle of
// one of them (TestDirectionsCoverEveryLine checks it).
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

// coverAngle bounds the angle between any line and the nearest of the
// directions: the lattice's covering radius is about 2.7° (at its rim),
// and a looser bound only widens the bands MaxDiameter searches.
const coverAngle = 4 * math.Pi / 180

// DiameterMethod says in words how MaxDiameter measures, for reports.
const DiameterMethod = "largest distance between the centres of the structure's voxels (world mm)"

// MaxDiameter is the largest distance in mm between the centres of two
// voxels of value v (world space, exact), or 0 when there are fewer than
// two. Only the hull's candidate vertices (hullCandidates) are looked at.
//
// Widths of the centres along many directions give a first pair and its
// distance L. The true diameter pair (p, q) is within coverAngle of some
// direction u, so along u the pair spans at least L·cos(coverAngle); p and
// q therefore lie in the thin bands at the two ends of u's range that such
// a span allows. The exact distances between the points of all the bands
// give the diameter.
func MaxDiameter(lab *volume.Volume[uint8], v uint8) float64 {
	return farthest(hullCandidates(lab, v), nil)
}

// SurfaceMethod says in words how SurfaceDiameter measures, for reports.
const SurfaceMethod = "largest distance between two points of the structure's voxelised surface (voxel corners, world mm); 3D Slicer's Feret diameter (ITK) is measured between voxel centres, like max_diameter_mm"

// SurfaceDiameter is the largest distance in mm between two points of the
// surface of the voxels of value v (their corners: the convex hull of the
// cubes is the hull of the corners of the cubes of hullCandidates), or 0
// when there are none. It exceeds MaxDiameter by up to a voxel's diagonal.
func SurfaceDiameter(lab *volume.Volume[uint8], v uint8) float64 {
	var half [3][3]float64 // half of each voxel axis, in world
	for c := range half {
		col := lab.Affine.Column(c)
		half[c] = [3]float64{col[0] / 2, col[1] / 2, col[2] / 2}
	}
	return farthest(hullCandidates(lab, v), &half)
}

// bandSearchAbove is the number of points above which farthest first
// narrows them by the band search; below it every pair costs less than
// two passes over the directions.
var bandSearchAbove = 4 * len(directions)

// farthest is the largest distance between two of pts (0 for fewer than
// two); with half, between two corners of the voxels centred at pts whose
// half axes half gives. Above bandSearchAbove points, the band search
// MaxDiameter describes keeps the points that can be ends (band); then
// every pair of them is looked at (farthestPair).
func farthest(pts [][3]float64, half *[3][3]float64) float64 {
	if len(pts) < 2 && (half == nil || len(pts) == 0) {
		return 0
	}
	var longest float64
	if len(pts) > bandSearchAbove {
		pts, longest = band(pts, half)
	}
	return math.Max(longest, farthestPair(pts, half))
}

// band is the band search on pts: the points that can be ends of the
// largest distance (with half, as farthest says: the search runs on the
// centres, each direction's extent widened by the voxel's), and the
// distance of the extreme pair along the directions, a lower bound.
func band(pts [][3]float64, half *[3][3]float64) ([][3]float64, float64) {
	// corner is p's voxel corner farthest along s·u; reach how far it lies.
	corner := func(p [3]float64, u [3]float64, s float64) [3]float64 {
		if half != nil {
			for _, h := range half {
				sign := s
				if dot(u, h) < 0 {
					sign = -s
				}
				p = [3]float64{p[0] + sign*h[0], p[1] + sign*h[1], p[2] + sign*h[2]}
			}
		}
		return p
	}
	reach := func(u [3]float64) float64 {
		var r float64
		if half != nil {
			for _, h := range half {
				r += math.Abs(dot(u, h))
			}
		}
		return r
	}
	lo := make([]float64, len(directions))
	hi := make([]float64, len(directions))
	first := make([]float64, len(directions)) // distance of the extreme pair along each direction
	parallel.For(len(directions), 16, func(d0, d1 int) {
		for d := d0; d < d1; d++ {
			u := directions[d]
			lo[d], hi[d] = math.Inf(1), math.Inf(-1)
			var a, b int
			for n, p := range pts {
				x := dot(u, p)
				if x < lo[d] {
					lo[d], a = x, n
				}
				if x > hi[d] {
					hi[d], b = x, n
				}
			}
			r := reach(u)
			lo[d], hi[d] = lo[d]-r, hi[d]+r
			first[d] = dist(corner(pts[a], u, -1), corner(pts[b], u, 1))
		}
	})
	var longest float64
	for _, l := range first {
		longest = math.Max(longest, l)
	}
	span := longest * math.Cos(coverAngle) * (1 - 1e-9) // rounding must not drop the pair
	inBand := make([]bool, len(pts))
	var mu sync.Mutex
	parallel.For(len(directions), 16, func(d0, d1 int) {
		var mine []int
		for d := d0; d < d1; d++ {
			slack := hi[d] - lo[d] - span
			if slack < 0 {
				continue
			}
			u := directions[d]
			r := reach(u)
			for n, p := range pts {
				if x := dot(u, p); x-r <= lo[d]+slack || x+r >= hi[d]-slack {
					mine = append(mine, n)
				}
			}
		}
		mu.Lock()
		for _, n := range mine {
			inBand[n] = true
		}
		mu.Unlock()
	})
	var cand [][3]float64
	for n, in := range inBand {
		if in {
			cand = append(cand, pts[n])
		}
	}
	return cand, longest
}

// farthestPair is the largest distance between two of pts, or with half
// between two corners of their voxels. For corners, only the pairs of
// centres that can beat the farthest corners of the farthest centres
// (their distance plus the two corners' reach) are looked at, corner by
// corner.
func farthestPair(pts [][3]float64, half *[3][3]float64) float64 {
	sq := func(p, q [3]float64) float64 {
		d := [3]float64{p[0] - q[0], p[1] - q[1], p[2] - q[2]}
		return d[0]*d[0] + d[1]*d[1] + d[2]*d[2]
	}
	best := make([]float64, len(pts))
	pair := make([]int, len(pts))
	parallel.For(len(pts), 64, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			for j, q := range pts[i+1:] {
				if d := sq(pts[i], q); d > best[i] {
					best[i], pair[i] = d, i+1+j
				}
			}
		}
	})
	var b float64
	at := -1
	for i, x := range best {
		if x > b || at < 0 {
			b, at = x, i
		}
	}
	if half == nil {
		return math.Sqrt(b)
	}
	corners := make([][8][3]float64, len(pts))
	for n, p := range pts {
		for c := range 8 {
			q := p
			for a, h := range half {
				sign := float64(c>>a&1)*2 - 1
				q = [3]float64{q[0] + sign*h[0], q[1] + sign*h[1], q[2] + sign*h[2]}
			}
			corners[n][c] = q
		}
	}
	cornerMax := func(i, j int) float64 {
		var m float64
		for _, p := range corners[i] {
			for _, q := range corners[j] {
				m = math.Max(m, sq(p, q))
			}
		}
		return m
	}
	var reach float64 // the farthest corner from its centre
	for _, q := range corners[0] {
		reach = math.Max(reach, math.Sqrt(sq(q, pts[0])))
	}
	lower := cornerMax(at, at)
	if at+1 < len(pts) {
		lower = math.Max(lower, cornerMax(at, pair[at]))
	}
	need := math.Sqrt(lower) - 2*reach*(1+1e-9) // rounding must not drop a pair
	need = math.Copysign(need*need, need)
	parallel.For(len(pts), 64, func(i0, i1 int) {
		for i := i0; i < i1; i++ {
			m := cornerMax(i, i)
			for j := i + 1; j < len(pts); j++ {
				if sq(pts[i], pts[j]) >= need {
					m = math.Max(m, cornerMax(i, j))
				}
			}
			best[i] = m
		}
	})
	b = 0
	for _, x := range best {
		b = math.Max(b, x)
	}
	return math.Sqrt(b)
}

func dot(u, p [3]float64) float64 { return u[0]*p[0] + u[1]*p[1] + u[2]*p[2] }

func dist(p, q [3]float64) float64 {
	return math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
}

// hullCandidates are the world positions of the voxels of value v whose
// centres can be vertices of the convex hull of all of them, and so ends
// of a diameter: those first or last of v along each of their three grid
// lines (a voxel between two others on a line lies on the segment that
// joins them), and a vertex of the 2D hull of its slice across each voxel
// axis (sliceHullVertices). In storage order, so the result is
// deterministic.
func hullCandidates(lab *volume.Volume[uint8], v uint8) [][3]float64 {
	nx, ny, nz := lab.Dims[0], lab.Dims[1], lab.Dims[2]
	unset := func(n int) []int32 {
		s := make([]int32, n)
		for i := range s {
			s[i] = -1
		}
		return s
	}
	// The first and last index of v along i per (j, k), along j per (i, k)
	// and along k per (i, j); -1 where the line holds none.
	iLo, iHi, jLo, jHi, kLo, kHi := unset(ny*nz), unset(ny*nz), unset(nx*nz), unset(nx*nz), unset(nx*ny), unset(nx*ny)
	var mu sync.Mutex
	parallel.For(nz, 1, func(k0, k1 int) {
		lo, hi := unset(nx*ny), unset(nx*ny) // this slab's k range per (i, j)
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				row := lab.Data[lab.Index(0, j, k):][:nx]
				r := j + ny*k
				for i := bytes.IndexByte(row, v); i >= 0; {
					if iLo[r] < 0 {
						iLo[r] = int32(i)
					}
					iHi[r] = int32(i)
					if c := i + nx*k; jLo[c] < 0 {
						jLo[c], jHi[c] = int32(j), int32(j)
					} else {
						jHi[c] = int32(j)
					}
					if l := i + nx*j; lo[l] < 0 {
						lo[l], hi[l] = int32(k), int32(k)
					} else {
						hi[l] = int32(k)
					}
					next := bytes.IndexByte(row[i+1:], v)
					if next < 0 {
						break
					}
					i += 1 + next
				}
			}
		}
		mu.Lock()
		for l, k := range lo {
			if k >= 0 {
				if kLo[l] < 0 || k < kLo[l] {
					kLo[l] = k
				}
				kHi[l] = max(kHi[l], hi[l])
			}
		}
		mu.Unlock()
	})
	var vox [][3]int32
	for k := 0; k < nz; k++ {
		for j := 0; j < ny; j++ {
			r := j + ny*k
			if iLo[r] < 0 {
				continue
			}
			for _, i := range []int32{iLo[r], iHi[r]} {
				c, l := int(i)+nx*k, int(i)+nx*j
				if (jLo[c] == int32(j) || jHi[c] == int32(j)) && (kLo[l] == int32(k) || kHi[l] == int32(k)) {
					vox = append(vox, [3]int32{i, int32(j), int32(k)})
				}
				if iLo[r] == iHi[r] {
					break
				}
			}
		}
	}
	for a := range 3 {
		vox = sliceHullVertices(vox, a)
	}
	out := make([][3]float64, len(vox))
	for n, p := range vox {
		out[n] = lab.VoxelToWorld([3]float64{float64(p[0]), float64(p[1]), float64(p[2])})
	}
	return out
}

// sliceHullVertices keeps, in order, the points of vox that are vertices
// of the 2D convex hull of the points in their slice across voxel axis a.
// A vertex of the 3D hull is one of its slice's hull too (the direction
// that singles it out in 3D does so in the slice), so no diameter end is
// lost; the grid is affine to the world, so hulls in voxel coordinates are
// the world's.
func sliceHullVertices(vox [][3]int32, a int) [][3]int32 {
	b, c := (a+1)%3, (a+2)%3
	slice := map[int32][][2]float64{}
	for _, p := range vox {
		slice[p[a]] = append(slice[p[a]], [2]float64{float64(p[b]), float64(p[c])})
	}
	vertex := make(map[[3]int32]bool, len(vox))
	for s, pts := range slice {
		for _, q := range hull2d.Convex(pts) {
			var p [3]int32
			p[a], p[b], p[c] = s, int32(q[0]), int32(q[1])
			vertex[p] = true
		}
	}
	out := vox[:0]
	for _, p := range vox {
		if vertex[p] {
			out = append(out, p)
		}
	}
	return out
}
