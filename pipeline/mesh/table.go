package mesh

import "math"

// The case table of the discrete marching cubes, built at start-up from one
// rule rather than typed in, so that every case is consistent with its
// neighbours by construction.
//
// A cell is the cube between eight voxel centres. Corner c sits at offset
// (c&1, c>>1&1, c>>2&1). Its twelve edges are numbered 0-3 along x, 4-7
// along y and 8-11 along z (cellEdges). A surface vertex sits at the
// midpoint of every edge whose two voxels differ.
//
// The rule: on each cube face, every cyclic run of inside corners is cut off
// by its own segment, so two inside corners that touch only diagonally are
// kept apart (the object is 6-connected, the background 18-connected across
// faces). Segments are directed so that, seen from outside the cube, the
// outside is on their left; chained over the six faces they close into
// polygons wound counter-clockwise around the outward normal. Each polygon
// is triangulated as a disc: a fan from its best-shaped apex, or, when the
// polygon crosses one face twice (a tunnel through the cell), a fan around a
// new vertex at its centroid, so that no diagonal can lie on a face shared
// with the neighbouring cell. Every edge of the result is then in exactly two
// triangles and every vertex has one fan: the surface is a closed 2-manifold.

// cellEdges are the two corners of each cell edge, low corner first.
var cellEdges = [12][2]uint8{
	{0, 1}, {2, 3}, {4, 5}, {6, 7}, // x
	{0, 2}, {1, 3}, {4, 6}, {5, 7}, // y
	{0, 4}, {1, 5}, {2, 6}, {3, 7}, // z
}

// centroidVertex marks, in a case's triangles, the extra vertex at the
// centroid of the polygon being triangulated.
const centroidVertex = 12

// cellCase is how one configuration of inside corners is triangulated.
type cellCase struct {
	// tris holds three vertex references per triangle: an edge number
	// (0-11) or centroidVertex, counter-clockwise seen from outside.
	tris []uint8
	// centroids lists, for each polygon that needs a centroid vertex, the
	// edges it averages; triangles refer to them in order.
	centroids [][]uint8
	// edges has bit e set when edge e carries a vertex.
	edges uint16
}

// cases is the table, indexed by the bit set of inside corners.
var cases = buildCases()

func buildCases() [256]cellCase {
	var t [256]cellCase
	for cfg := range t {
		t[cfg] = buildCase(uint8(cfg))
	}
	return t
}

// cornerPos is the position of corner c in the unit cell.
func cornerPos(c uint8) [3]float64 {
	return [3]float64{float64(c & 1), float64(c >> 1 & 1), float64(c >> 2 & 1)}
}

// edgeMid is the midpoint of cell edge e.
func edgeMid(e uint8) [3]float64 {
	a, b := cornerPos(cellEdges[e][0]), cornerPos(cellEdges[e][1])
	return [3]float64{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2}
}

// edgeOf returns the cell edge joining corners a and b.
func edgeOf(a, b uint8) uint8 {
	if a > b {
		a, b = b, a
	}
	for e, c := range cellEdges {
		if c[0] == a && c[1] == b {
			return uint8(e)
		}
	}
	panic("mesh: corners are not joined by an edge")
}

// faceCorners lists each face's corners counter-clockwise around its
// outward normal; faces 2a and 2a+1 are the low and high faces across axis a.
func faceCorners() [6][4]uint8 {
	var f [6][4]uint8
	for a := 0; a < 3; a++ {
		b, c := (a+1)%3, (a+2)%3 // (b, c, a) is right-handed
		for s := 0; s < 2; s++ {
			// Counter-clockwise around +a in the (b, c) plane.
			quad := [4][2]int{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
			for n, q := range quad {
				if s == 0 { // the low face looks along -a: reverse
					q = quad[3-n]
				}
				f[2*a+s][n] = uint8(s<<a | q[0]<<b | q[1]<<c)
			}
		}
	}
	return f
}

// buildCase triangulates one configuration of inside corners.
func buildCase(cfg uint8) cellCase {
	in := func(c uint8) bool { return cfg>>c&1 == 1 }
	next := map[uint8]uint8{} // entering edge -> leaving edge of a face segment
	edgeFaces := map[uint8][]int{}
	for f, cs := range faceCorners() {
		for p := 0; p < 4; p++ {
			// A run of inside corners starts at p when p is inside and its
			// predecessor is not; it ends at the last inside corner.
			if !in(cs[p]) || in(cs[(p+3)%4]) {
				continue
			}
			q := p
			for in(cs[(q+1)%4]) {
				q = (q + 1) % 4
			}
			enter := edgeOf(cs[(p+3)%4], cs[p])
			leave := edgeOf(cs[q], cs[(q+1)%4])
			next[enter] = leave
			edgeFaces[enter] = append(edgeFaces[enter], f)
			edgeFaces[leave] = append(edgeFaces[leave], f)
		}
	}
	var cc cellCase
	done := map[uint8]bool{}
	for e := uint8(0); e < 12; e++ {
		if _, ok := next[e]; !ok || done[e] {
			continue
		}
		var poly []uint8
		for v := e; !done[v]; v = next[v] {
			done[v] = true
			poly = append(poly, v)
			cc.edges |= 1 << v
		}
		cc.addPolygon(poly, edgeFaces)
	}
	return cc
}

// addPolygon triangulates one closed polygon of edge vertices.
func (cc *cellCase) addPolygon(poly []uint8, edgeFaces map[uint8][]int) {
	n := len(poly)
	if n == 3 {
		cc.tris = append(cc.tris, poly...)
		return
	}
	if crossesFaceTwice(poly, edgeFaces) {
		ref := uint8(centroidVertex + len(cc.centroids))
		cc.centroids = append(cc.centroids, append([]uint8(nil), poly...))
		for i := range poly {
			cc.tris = append(cc.tris, ref, poly[i], poly[(i+1)%n])
		}
		return
	}
	// Fan from the apex whose worst triangle angle is largest.
	bestApex, bestAngle := 0, -1.0
	for a := 0; a < n; a++ {
		worst := math.Inf(1)
		for i := 1; i < n-1; i++ {
			worst = math.Min(worst, minAngle(edgeMid(poly[a]), edgeMid(poly[(a+i)%n]), edgeMid(poly[(a+i+1)%n])))
		}
		if worst > bestAngle+1e-9 {
			bestApex, bestAngle = a, worst
		}
	}
	for i := 1; i < n-1; i++ {
		cc.tris = append(cc.tris, poly[bestApex], poly[(bestApex+i)%n], poly[(bestApex+i+1)%n])
	}
}

// crossesFaceTwice reports whether two vertices of poly that are not
// neighbours on it lie on the same cube face, i.e. the polygon holds both
// segments of an ambiguous face.
func crossesFaceTwice(poly []uint8, edgeFaces map[uint8][]int) bool {
	n := len(poly)
	for i := 0; i < n; i++ {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			for _, f := range edgeFaces[poly[i]] {
				for _, g := range edgeFaces[poly[j]] {
					if f == g {
						return true
					}
				}
			}
		}
	}
	return false
}

// minAngle is the smallest angle of triangle abc, in radians.
func minAngle(a, b, c [3]float64) float64 {
	angle := func(p, q, r [3]float64) float64 {
		u, v := sub3(q, p), sub3(r, p)
		return math.Acos(math.Max(-1, math.Min(1, dot3(u, v)/math.Sqrt(dot3(u, u)*dot3(v, v)))))
	}
	return math.Min(angle(a, b, c), math.Min(angle(b, c, a), angle(c, a, b)))
}

func sub3(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func dot3(a, b [3]float64) float64    { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func cross3(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}
