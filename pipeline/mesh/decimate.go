package mesh

import (
	"container/heap"
	"math"
	"slices"
)

// Decimation collapses edges in order of quadric error (Garland and
// Heckbert, "Surface simplification using quadric error metrics"): each
// vertex carries the area-weighted sum of the squared distances to the
// planes of the triangles it has absorbed, and an edge collapses to the
// point that minimises that sum. The error of a collapse is the root mean
// square distance, in mm, of that point from those planes. A collapse is
// refused when it would break the surface: when the two vertices share more
// neighbours than the two across the edge (the link condition), when a
// neighbour across the edge would be left with fewer than three triangles,
// or when a triangle around the edge would flip or vanish.

// quadric is a symmetric 4×4 matrix, upper triangle row by row, plus the
// area that weighs it.
type quadric struct {
	q    [10]float64
	area float64
}

// addPlane adds the plane n·x = d (n a unit vector) with weight w.
func (q *quadric) addPlane(n [3]float64, d, w float64) {
	p := [4]float64{n[0], n[1], n[2], -d}
	k := 0
	for i := 0; i < 4; i++ {
		for j := i; j < 4; j++ {
			q.q[k] += w * p[i] * p[j]
			k++
		}
	}
	q.area += w
}

func (q *quadric) add(o *quadric) {
	for k := range q.q {
		q.q[k] += o.q[k]
	}
	q.area += o.area
}

// eval is the weighted sum of squared distances of x from the planes.
func (q *quadric) eval(x [3]float64) float64 {
	a := &q.q
	return a[0]*x[0]*x[0] + 2*a[1]*x[0]*x[1] + 2*a[2]*x[0]*x[2] + 2*a[3]*x[0] +
		a[4]*x[1]*x[1] + 2*a[5]*x[1]*x[2] + 2*a[6]*x[1] +
		a[7]*x[2]*x[2] + 2*a[8]*x[2] + a[9]
}

// minimise returns the point minimising q plus a small pull towards m,
// which keeps the point near the edge where the planes leave it free (a
// flat or cylindrical patch).
func (q *quadric) minimise(m [3]float64) [3]float64 {
	a := &q.q
	lambda := 1e-3 * (a[0] + a[4] + a[7]) / 3
	if lambda == 0 {
		return m
	}
	A := [3][3]float64{{a[0] + lambda, a[1], a[2]}, {a[1], a[4] + lambda, a[5]}, {a[2], a[5], a[7] + lambda}}
	b := [3]float64{lambda*m[0] - a[3], lambda*m[1] - a[6], lambda*m[2] - a[8]}
	det := A[0][0]*(A[1][1]*A[2][2]-A[1][2]*A[2][1]) - A[0][1]*(A[1][0]*A[2][2]-A[1][2]*A[2][0]) + A[0][2]*(A[1][0]*A[2][1]-A[1][1]*A[2][0])
	if det == 0 || math.IsNaN(det) {
		return m
	}
	var x [3]float64
	for c := 0; c < 3; c++ { // Cramer's rule
		M := A
		for r := 0; r < 3; r++ {
			M[r][c] = b[r]
		}
		x[c] = (M[0][0]*(M[1][1]*M[2][2]-M[1][2]*M[2][1]) - M[0][1]*(M[1][0]*M[2][2]-M[1][2]*M[2][0]) + M[0][2]*(M[1][0]*M[2][1]-M[1][1]*M[2][0])) / det
	}
	return x
}

// collapse is a candidate edge collapse in the queue.
type collapse struct {
	cost   float64 // squared RMS error, mm²
	a, b   uint32
	va, vb uint32 // versions of a and b when queued
	to     [3]float64
}

// collapseQueue is a min-heap of collapses by cost, for container/heap.
type collapseQueue []collapse

func (h collapseQueue) Len() int           { return len(h) }
func (h collapseQueue) Less(i, j int) bool { return h[i].cost < h[j].cost }
func (h collapseQueue) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *collapseQueue) Push(x any)        { *h = append(*h, x.(collapse)) }
func (h *collapseQueue) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// decimator holds a mesh being simplified.
type decimator struct {
	pos     [][3]float64
	tris    [][3]uint32
	dead    []bool     // per triangle
	around  [][]uint32 // live triangles of each vertex
	quad    []quadric
	version []uint32 // bumped when a vertex moves or dies
	queue   collapseQueue
	live    int
}

// decimate simplifies m in place and returns, for each vertex of the
// result, its index before.
func decimate(m *Mesh, d Decimation) []uint32 {
	dc := newDecimator(m)
	target := 0
	if d.Ratio > 0 && d.Ratio < 1 {
		target = int(math.Ceil(d.Ratio * float64(len(m.Triangles))))
	}
	maxCost := math.Inf(1)
	if d.MaxError > 0 {
		maxCost = d.MaxError * d.MaxError
	}
	for dc.live > target && dc.queue.Len() > 0 {
		c := heap.Pop(&dc.queue).(collapse)
		if c.cost > maxCost {
			break
		}
		if dc.version[c.a] != c.va || dc.version[c.b] != c.vb {
			continue
		}
		dc.tryCollapse(c)
	}
	return dc.compact(m)
}

// newDecimator builds the triangles around each vertex, the vertices'
// quadrics and the queue of every edge's collapse.
func newDecimator(m *Mesh) *decimator {
	nv := len(m.Positions)
	dc := &decimator{
		pos:     make([][3]float64, nv),
		tris:    slices.Clone(m.Triangles),
		dead:    make([]bool, len(m.Triangles)),
		around:  make([][]uint32, nv),
		quad:    make([]quadric, nv),
		version: make([]uint32, nv),
		live:    len(m.Triangles),
	}
	for v, p := range m.Positions {
		dc.pos[v] = to64(p)
	}
	count := make([]int32, nv+1)
	for _, t := range dc.tris {
		for _, v := range t {
			count[v+1]++
		}
	}
	for v := 0; v < nv; v++ {
		count[v+1] += count[v]
	}
	store := make([]uint32, count[nv])
	for v := 0; v < nv; v++ {
		dc.around[v] = store[count[v]:count[v]:count[v+1]]
	}
	for t, tri := range dc.tris {
		n, d, area := dc.plane(tri)
		for _, v := range tri {
			dc.around[v] = append(dc.around[v], uint32(t))
			dc.quad[v].addPlane(n, d, area)
		}
	}
	for _, tri := range dc.tris {
		for i, a := range tri {
			// Each edge is a->b in one triangle and b->a in the other:
			// queue it once, from its lower end.
			if b := tri[(i+1)%3]; a < b {
				dc.queue = append(dc.queue, dc.candidate(a, b))
			}
		}
	}
	heap.Init(&dc.queue)
	return dc
}

// plane is a triangle's unit normal, offset and area.
func (dc *decimator) plane(t [3]uint32) (n [3]float64, d, area float64) {
	a, b, c := dc.pos[t[0]], dc.pos[t[1]], dc.pos[t[2]]
	n = cross3(sub3(b, a), sub3(c, a))
	l := math.Sqrt(dot3(n, n))
	if l == 0 {
		return n, 0, 0
	}
	n = [3]float64{n[0] / l, n[1] / l, n[2] / l}
	return n, dot3(n, a), l / 2
}

// candidate is the collapse of edge a-b.
func (dc *decimator) candidate(a, b uint32) collapse {
	q := dc.quad[a]
	q.add(&dc.quad[b])
	pa, pb := dc.pos[a], dc.pos[b]
	to := q.minimise([3]float64{(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, (pa[2] + pb[2]) / 2})
	cost := 0.0
	if q.area > 0 {
		cost = math.Max(0, q.eval(to)/q.area)
	}
	return collapse{cost: cost, a: a, b: b, va: dc.version[a], vb: dc.version[b], to: to}
}

// neighbours appends v's neighbours to buf.
func (dc *decimator) neighbours(v uint32, buf []uint32) []uint32 {
	buf = buf[:0]
	for _, t := range dc.around[v] {
		for _, u := range dc.tris[t] {
			if u != v && !slices.Contains(buf, u) {
				buf = append(buf, u)
			}
		}
	}
	return buf
}

// tryCollapse moves a to c.to and merges b into it, unless that would break
// the surface.
func (dc *decimator) tryCollapse(c collapse) {
	a, b := c.a, c.b
	var shared []uint32 // triangles with both a and b
	for _, t := range dc.around[a] {
		if slices.Contains(dc.tris[t][:], b) {
			shared = append(shared, t)
		}
	}
	if len(shared) != 2 {
		return
	}
	na := dc.neighbours(a, nil)
	nb := dc.neighbours(b, nil)
	common := 0
	for _, u := range na {
		if slices.Contains(nb, u) {
			common++
		}
	}
	if common != 2 {
		return // the link condition: the collapse would pinch the surface
	}
	for _, t := range shared {
		for _, u := range dc.tris[t] {
			if u != a && u != b && len(dc.around[u]) <= 3 {
				return // u would be left on two triangles
			}
		}
	}
	for _, v := range [2]uint32{a, b} {
		for _, t := range dc.around[v] {
			if slices.Contains(shared, t) {
				continue
			}
			if !dc.keepsFacing(dc.tris[t], v, c.to) {
				return
			}
		}
	}
	for _, t := range shared {
		dc.dead[t] = true
		dc.live--
		for _, u := range dc.tris[t] {
			dc.around[u] = slices.DeleteFunc(dc.around[u], func(x uint32) bool { return x == t })
		}
	}
	for _, t := range dc.around[b] {
		for i, u := range dc.tris[t] {
			if u == b {
				dc.tris[t][i] = a
			}
		}
		dc.around[a] = append(dc.around[a], t)
	}
	dc.around[b] = nil
	dc.pos[a] = c.to
	dc.quad[a].add(&dc.quad[b])
	dc.version[a]++
	dc.version[b]++
	for _, u := range dc.neighbours(a, nb[:0]) {
		heap.Push(&dc.queue, dc.candidate(a, u))
	}
}

// keepsFacing reports whether triangle t, with vertex v moved to p, keeps
// most of its area and does not turn over.
func (dc *decimator) keepsFacing(t [3]uint32, v uint32, p [3]float64) bool {
	var before, after [3][3]float64
	for i, u := range t {
		before[i], after[i] = dc.pos[u], dc.pos[u]
		if u == v {
			after[i] = p
		}
	}
	n0 := cross3(sub3(before[1], before[0]), sub3(before[2], before[0]))
	n1 := cross3(sub3(after[1], after[0]), sub3(after[2], after[0]))
	l0, l1 := math.Sqrt(dot3(n0, n0)), math.Sqrt(dot3(n1, n1))
	return l1 > 1e-3*l0 && dot3(n0, n1) > 0.2*l0*l1
}

// compact writes the live triangles and vertices back to m and returns the
// old index of each new vertex.
func (dc *decimator) compact(m *Mesh) []uint32 {
	index := make([]int32, len(dc.pos))
	for i := range index {
		index[i] = -1
	}
	var old []uint32
	m.Triangles = m.Triangles[:0]
	m.Positions = m.Positions[:0]
	for t, tri := range dc.tris {
		if dc.dead[t] {
			continue
		}
		for i, v := range tri {
			if index[v] < 0 {
				index[v] = int32(len(old))
				old = append(old, v)
			}
			tri[i] = uint32(index[v])
		}
		m.Triangles = append(m.Triangles, tri)
	}
	for _, v := range old {
		p := dc.pos[v]
		m.Positions = append(m.Positions, [3]float32{float32(p[0]), float32(p[1]), float32(p[2])})
	}
	return old
}
