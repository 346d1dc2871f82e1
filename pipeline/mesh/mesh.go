package mesh

import (
	"fmt"
	"math"
	"slices"
)

// Mesh is a triangle surface in world RAS millimetres. Vertices are shared
// between triangles; triangles are counter-clockwise seen from outside, so
// their right-hand normals point out of the object.
type Mesh struct {
	Positions [][3]float32
	Normals   [][3]float32 // unit outward normal per vertex; nil when not computed
	Triangles [][3]uint32  // vertex indices
}

// NumVertices is the number of vertices.
func (m *Mesh) NumVertices() int { return len(m.Positions) }

// NumTriangles is the number of triangles.
func (m *Mesh) NumTriangles() int { return len(m.Triangles) }

// vertex returns vertex v as float64s.
func (m *Mesh) vertex(v uint32) [3]float64 { return to64(m.Positions[v]) }

// to64 widens a point.
func to64(p [3]float32) [3]float64 { return [3]float64{float64(p[0]), float64(p[1]), float64(p[2])} }

// Volume is the signed volume enclosed by the mesh in mm³: positive when
// the triangles face outwards. It is exact for a closed mesh.
func (m *Mesh) Volume() float64 {
	if len(m.Triangles) == 0 {
		return 0
	}
	o := m.vertex(m.Triangles[0][0]) // a nearby origin keeps the sum precise
	var v float64
	for _, t := range m.Triangles {
		a, b, c := sub3(m.vertex(t[0]), o), sub3(m.vertex(t[1]), o), sub3(m.vertex(t[2]), o)
		v += dot3(a, cross3(b, c))
	}
	return v / 6
}

// Area is the surface area in mm².
func (m *Mesh) Area() float64 {
	var s float64
	for _, t := range m.Triangles {
		a := m.vertex(t[0])
		n := cross3(sub3(m.vertex(t[1]), a), sub3(m.vertex(t[2]), a))
		s += math.Sqrt(dot3(n, n))
	}
	return s / 2
}

// Bounds is the axis-aligned box of the vertices.
func (m *Mesh) Bounds() (lo, hi [3]float64) {
	for a := 0; a < 3; a++ {
		lo[a], hi[a] = math.Inf(1), math.Inf(-1)
	}
	for v := 0; v < m.NumVertices(); v++ {
		p := m.vertex(uint32(v))
		for a := 0; a < 3; a++ {
			lo[a], hi[a] = math.Min(lo[a], p[a]), math.Max(hi[a], p[a])
		}
	}
	return lo, hi
}

// CheckClosed reports the first defect that keeps the mesh from being a
// closed, consistently oriented 2-manifold: an index out of range, a
// triangle that repeats a vertex, an edge not in exactly two triangles of
// opposite directions, or a vertex whose triangles form more than one fan.
func (m *Mesh) CheckClosed() error {
	nv := uint32(m.NumVertices())
	half := make([]uint64, 0, 3*len(m.Triangles))
	for t, tri := range m.Triangles {
		for i, v := range tri {
			if v >= nv {
				return fmt.Errorf("mesh: triangle %d: vertex %d out of range (%d vertices)", t, v, nv)
			}
			if w := tri[(i+1)%3]; v == w {
				return fmt.Errorf("mesh: triangle %d repeats vertex %d", t, v)
			}
			half = append(half, uint64(v)<<32|uint64(tri[(i+1)%3]))
		}
	}
	slices.Sort(half)
	for i, h := range half {
		a, b := uint32(h>>32), uint32(h)
		if i > 0 && half[i-1] == h {
			return fmt.Errorf("mesh: edge %d-%d is in more than two triangles or they disagree on orientation", a, b)
		}
		if _, ok := slices.BinarySearch(half, uint64(b)<<32|uint64(a)); !ok {
			return fmt.Errorf("mesh: edge %d-%d is in only one triangle (a hole) or its triangles disagree on orientation", a, b)
		}
	}
	return checkFans(m.Triangles, int(nv))
}

// checkFans checks, for a mesh whose edges are already known to pair up,
// that the triangles around each vertex form a single fan.
func checkFans(tris [][3]uint32, nv int) error {
	// next[v] maps each neighbour u of v to the neighbour after it, going
	// around v: triangle (v, u, w) gives u -> w.
	start := make([]int32, nv+1)
	for _, t := range tris {
		for _, v := range t {
			start[v+1]++
		}
	}
	for v := 0; v < nv; v++ {
		start[v+1] += start[v]
	}
	fill := slices.Clone(start[:nv])
	from := make([]uint32, 3*len(tris))
	to := make([]uint32, 3*len(tris))
	for _, t := range tris {
		for i := 0; i < 3; i++ {
			v, u, w := t[i], t[(i+1)%3], t[(i+2)%3]
			from[fill[v]], to[fill[v]] = u, w
			fill[v]++
		}
	}
	for v := 0; v < nv; v++ {
		lo, hi := start[v], start[v+1]
		n := int(hi - lo)
		if n == 0 {
			continue
		}
		u, steps := from[lo], 0
		for {
			k := slices.Index(from[lo:hi], u)
			u = to[lo+int32(k)]
			steps++
			if u == from[lo] {
				break
			}
		}
		if steps != n {
			return fmt.Errorf("mesh: vertex %d is shared by separate fans of triangles (non-manifold)", v)
		}
	}
	return nil
}
