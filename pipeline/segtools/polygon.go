package segtools

import (
	"fmt"
	"math"
)

// polygon answers the even-odd point-in-polygon test (a point is inside
// when a ray from it towards +x crosses the outline an odd number of
// times; the outline is closed from the last vertex to the first). Edges
// are kept in buckets of unit height so that a test looks only at the
// edges that cross the point's row: the cost per point does not grow with
// the number of vertices.
type polygon struct {
	y0    int       // the first bucket's row: floor of the lowest y
	rows  [][]int32 // per row floor(y) - y0, the edges that span it
	edges [][4]float64
	// lo and hi are the corners of the vertices' bounding box.
	lo, hi [2]float64
}

// newPolygon builds the test for vertices (x, y); it needs at least three
// finite vertices.
func newPolygon(vertices [][2]float64) (*polygon, error) {
	if len(vertices) < 3 {
		return nil, fmt.Errorf("segtools: a polygon needs at least 3 vertices, got %d", len(vertices))
	}
	pg := &polygon{lo: [2]float64{math.Inf(1), math.Inf(1)}, hi: [2]float64{math.Inf(-1), math.Inf(-1)}}
	for n, p := range vertices {
		for a, c := range p {
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return nil, fmt.Errorf("segtools: polygon vertex %d is (%g, %g)", n, p[0], p[1])
			}
			pg.lo[a], pg.hi[a] = math.Min(pg.lo[a], c), math.Max(pg.hi[a], c)
		}
	}
	if pg.hi[1]-pg.lo[1] > 1<<24 {
		return nil, fmt.Errorf("segtools: polygon spans %g in y, too far", pg.hi[1]-pg.lo[1])
	}
	pg.y0 = int(math.Floor(pg.lo[1]))
	pg.rows = make([][]int32, int(math.Floor(pg.hi[1]))-pg.y0+1)
	for n, a := range vertices {
		b := vertices[(n+1)%len(vertices)]
		if a[1] == b[1] {
			continue // a horizontal edge crosses no row's ray
		}
		e := int32(len(pg.edges))
		pg.edges = append(pg.edges, [4]float64{a[0], a[1], b[0], b[1]})
		for r := int(math.Floor(math.Min(a[1], b[1]))); r <= int(math.Floor(math.Max(a[1], b[1]))); r++ {
			pg.rows[r-pg.y0] = append(pg.rows[r-pg.y0], e)
		}
	}
	return pg, nil
}

// inside is the even-odd test of point (x, y).
func (pg *polygon) inside(x, y float64) bool {
	if !(y >= float64(pg.y0)) { // also NaN
		return false
	}
	r := int(math.Floor(y)) - pg.y0
	if r >= len(pg.rows) {
		return false
	}
	in := false
	for _, e := range pg.rows[r] {
		x1, y1, x2, y2 := pg.edges[e][0], pg.edges[e][1], pg.edges[e][2], pg.edges[e][3]
		if (y1 > y) != (y2 > y) && x < x1+(y-y1)*(x2-x1)/(y2-y1) {
			in = !in
		}
	}
	return in
}
