package mesh

import (
	"math"

	"kidney3d/pipeline/parallel"
)

// Smoothing is a windowed-sinc low-pass filter of the vertex positions
// (Taubin, Zhang and Golub, "Optimal surface smoothing as filter design"),
// computed exactly as VTK's vtkWindowedSincPolyDataFilter does with a
// Hamming window and normalised coordinates; 3D Slicer's default surface is
// 40 iterations with pass band 0.01.
type Smoothing struct {
	Iterations int     // filter order; 0 leaves the surface as extracted
	PassBand   float64 // in (0, 2]: lower is smoother
}

// vertexGrain is how many vertices one parallel task takes at least.
const vertexGrain = 1 << 13

// adjacency lists each vertex's neighbours: nbr[start[v]:start[v+1]].
type adjacency struct {
	start []int32
	nbr   []uint32
}

// buildAdjacency lists the neighbours of each vertex of a closed,
// consistently oriented mesh: the heads of its outgoing half-edges, each
// neighbour once.
func buildAdjacency(tris [][3]uint32, nv int) adjacency {
	start := make([]int32, nv+1)
	for _, t := range tris {
		start[t[0]+1]++
		start[t[1]+1]++
		start[t[2]+1]++
	}
	for v := 0; v < nv; v++ {
		start[v+1] += start[v]
	}
	fill := make([]int32, nv)
	copy(fill, start[:nv])
	nbr := make([]uint32, 3*len(tris))
	for _, t := range tris {
		for i, v := range t {
			nbr[fill[v]] = t[(i+1)%3]
			fill[v]++
		}
	}
	return adjacency{start: start, nbr: nbr}
}

// sincCoefficients are the filter's Chebyshev coefficients c[0..n]: a
// Hamming-windowed ideal low-pass, its cut-off shifted by Newton's method so
// that the response at the pass band is 1, as VTK computes them.
func sincCoefficients(n int, passBand float64) []float64 {
	w := make([]float64, n+1)
	c := make([]float64, n+1)
	cp := make([]float64, n+1)
	for i := range w {
		w[i] = 0.54 + 0.46*math.Cos(float64(i)*math.Pi/float64(n+1))
	}
	thetaPB := math.Acos(1 - 0.5*passBand)
	sigma := 0.0
	for iter := 0; iter < 500; iter++ {
		c[0] = w[0] * (thetaPB + sigma) / math.Pi
		for i := 1; i <= n; i++ {
			c[i] = 2 * w[i] * math.Sin(float64(i)*(thetaPB+sigma)) / (float64(i) * math.Pi)
		}
		if n < 2 {
			break // order 1: no offset to search
		}
		cp[n], cp[n-1] = 0, 0
		cp[n-2] = 2 * float64(n-1) * c[n-1]
		for i := n - 3; i >= 0; i-- {
			cp[i] = cp[i+2] + 2*float64(i+1)*c[i+1]
		}
		f, fp := 0.0, 0.0
		for i := 0; i <= n; i++ {
			t := math.Cos(float64(i) * thetaPB)
			f += c[i] * t
			fp += cp[i] * t
		}
		if math.Abs(f-1) < 1e-3 {
			break
		}
		sigma -= (f - 1) / fp
	}
	return c
}

// smooth applies the filter to pos in place. Points are taken relative to
// centre, as VTK's NormalizeCoordinates does, because the filter's gain at
// zero frequency is not exactly one.
func smooth(pos [][3]float32, adj adjacency, s Smoothing, centre [3]float64) {
	nv := len(pos)
	if s.Iterations <= 0 || nv == 0 {
		return
	}
	c := sincCoefficients(s.Iterations, s.PassBand)
	r := newRings(adj)
	n := nv + 1 + len(r.spill) // the points, a zero, the spill sums
	buf := make([][3]float32, 2*n)
	p0, p1 := buf[:n:n], buf[n:]
	for v, p := range pos {
		for a := 0; a < 3; a++ {
			p0[v][a] = float32(float64(p[a]) - centre[a])
		}
	}
	// The first step: p1 = p0 - L(p0)/2 with L(p) = p - mean of the
	// neighbours; the result (kept in pos) starts as c0 p0 + c1 p1.
	r.sumSpill(p0)
	parallel.For(nv, vertexGrain, func(lo, hi int) { sincFirst(p0, p1, pos, r, float32(c[0]), float32(c[1]), lo, hi) })
	// Then the Chebyshev recurrence p2 = 2 p1 - p0 - L(p1), accumulated
	// with weights c; p2 overwrites p0, which no other vertex reads.
	for it := 2; it <= s.Iterations; it++ {
		ci := float32(c[it])
		r.sumSpill(p1)
		parallel.For(nv, vertexGrain, func(lo, hi int) { sincStep(p0, p1, pos, r, ci, lo, hi) })
		p0, p1 = p1, p0
	}
	for v := range pos {
		for a := 0; a < 3; a++ {
			pos[v][a] = float32(float64(pos[v][a]) + centre[a])
		}
	}
}

// ringWidth is how many neighbour slots each vertex has in rings: enough
// for 99% of the vertices of a marching-cubes surface.
const ringWidth = 8

// rings is the adjacency laid out for the smoothing loop, which is the hot
// loop of meshing: every vertex has ringWidth neighbour slots, so the loop
// has no branch on the vertex's degree. Unused slots refer to a point kept
// at zero (index nv). A vertex with more neighbours has its last slot refer
// to a spill point (index nv+1+i) that sumSpill sets, before each step, to
// the sum of its remaining neighbours.
type rings struct {
	slot  [][ringWidth]uint32
	inv   []float32  // 1 / degree
	spill [][]uint32 // the remaining neighbours of each spilling vertex
	nv    int
}

func newRings(adj adjacency) *rings {
	nv := len(adj.start) - 1
	r := &rings{slot: make([][ringWidth]uint32, nv), inv: make([]float32, nv), nv: nv}
	for v := 0; v < nv; v++ {
		nb := adj.nbr[adj.start[v]:adj.start[v+1]]
		r.inv[v] = 1 / float32(len(nb))
		s := &r.slot[v]
		for i := range s {
			s[i] = uint32(nv)
		}
		if len(nb) > ringWidth {
			s[ringWidth-1] = uint32(nv + 1 + len(r.spill))
			r.spill = append(r.spill, nb[ringWidth-1:])
			nb = nb[:ringWidth-1]
		}
		copy(s[:], nb)
	}
	return r
}

// sumSpill sets the spill points of p.
func (r *rings) sumSpill(p [][3]float32) {
	for i, nb := range r.spill {
		var x, y, z float32
		for _, u := range nb {
			x += p[u][0]
			y += p[u][1]
			z += p[u][2]
		}
		p[r.nv+1+i] = [3]float32{x, y, z}
	}
}

// The loops below use scalars, not [3]float32 values: the compiler keeps
// scalars in registers but spills small arrays to the stack.

// sincFirst is the filter's first step on vertices [lo, hi).
func sincFirst(p0, p1, out [][3]float32, r *rings, c0, c1 float32, lo, hi int) {
	for v := lo; v < hi; v++ {
		var mx, my, mz float32
		for _, u := range r.slot[v] {
			mx += p0[u][0]
			my += p0[u][1]
			mz += p0[u][2]
		}
		x, inv := &p0[v], r.inv[v]
		yx, yy, yz := 0.5*(x[0]+mx*inv), 0.5*(x[1]+my*inv), 0.5*(x[2]+mz*inv)
		p1[v] = [3]float32{yx, yy, yz}
		out[v] = [3]float32{c0*x[0] + c1*yx, c0*x[1] + c1*yy, c0*x[2] + c1*yz}
	}
}

// sincStep is one step of the recurrence on vertices [lo, hi): p0 becomes
// p1 - p0 + mean(p1 over the neighbours), and out gains c times it. It is
// the hot loop of meshing: the eight slots are summed as a tree, so that
// the additions do not wait on each other.
func sincStep(p0, p1, out [][3]float32, r *rings, c float32, lo, hi int) {
	slot, invs := r.slot, r.inv
	for v := lo; v < hi; v++ {
		s := &slot[v]
		a, b, cc, d := &p1[s[0]], &p1[s[1]], &p1[s[2]], &p1[s[3]]
		e, f, g, h := &p1[s[4]], &p1[s[5]], &p1[s[6]], &p1[s[7]]
		inv := invs[v]
		mx := ((a[0] + b[0]) + (cc[0] + d[0]) + ((e[0] + f[0]) + (g[0] + h[0]))) * inv
		my := ((a[1] + b[1]) + (cc[1] + d[1]) + ((e[1] + f[1]) + (g[1] + h[1]))) * inv
		mz := ((a[2] + b[2]) + (cc[2] + d[2]) + ((e[2] + f[2]) + (g[2] + h[2]))) * inv
		x, y, o := &p0[v], &p1[v], &out[v]
		zx, zy, zz := y[0]-x[0]+mx, y[1]-x[1]+my, y[2]-x[2]+mz
		x[0], x[1], x[2] = zx, zy, zz
		o[0] += c * zx
		o[1] += c * zy
		o[2] += c * zz
	}
}
