package mesh

import (
	"math/bits"
	"sort"
	"sync"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// surface is an extracted surface before smoothing: the mesh and, for each
// vertex, the voxel face it stands for.
type surface struct {
	Mesh
	// face is ±(axis+1) for a vertex on the edge between two voxel centres
	// along axis: the voxel face it crosses and the sign of that face's
	// outward normal along the axis. It is 0 for a centroid vertex.
	face []int8
}

// extractor runs the discrete marching cubes over a bitGrid: two passes
// number and place the vertices row by row from the bit changes along each
// axis (so that any cell finds the id of an edge vertex by a popcount), a
// third walks the cells that are neither all inside nor all outside and
// emits their triangles. Every pass splits over rows or layers, so a large
// label uses every core, and the output does not depend on the split.
type extractor struct {
	g       *bitGrid
	toWorld volume.Affine // padded-box voxel index -> world
	flip    bool          // the affine mirrors: reverse every triangle
	// first[a][row*words+w] is the id of the first vertex on an axis-a edge
	// owned by word w of the row.
	first [3][]int32
	base  []int32  // id of each row's first vertex
	zero  []uint64 // a row of zeros, for rows past the box
}

// rowGrain is how many rows one parallel task takes at least.
const rowGrain = 64

// extract returns the surface of g's set voxels, in world coordinates
// through affine (volume voxel index -> world).
func extract(g *bitGrid, affine volume.Affine) *surface {
	e := &extractor{g: g, zero: make([]uint64, g.words+1), flip: affine.Det3() < 0}
	o := g.origin
	e.toWorld = affine.Translated(sub3(affine.Apply([3]float64{float64(o[0]), float64(o[1]), float64(o[2])}), affine.Apply([3]float64{})))
	nrows := g.dims[1] * g.dims[2]
	for a := range e.first {
		e.first[a] = make([]int32, nrows*g.words)
	}
	// Pass 1: count each row's vertices per axis, and each word's offset
	// within its row's block.
	counts := make([][3]int32, nrows)
	parallel.For(nrows, rowGrain, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			j, k := r%g.dims[1], r/g.dims[1]
			for a := 0; a < 3; a++ {
				n := int32(0)
				for w := 0; w < g.words; w++ {
					e.first[a][r*g.words+w] = n
					n += int32(bits.OnesCount64(e.change(a, j, k, w)))
				}
				counts[r][a] = n
			}
		}
	})
	// Rows number their vertices in order, x-edges then y then z.
	e.base = make([]int32, nrows+1)
	total := int32(0)
	for r := range counts {
		e.base[r] = total
		total += counts[r][0] + counts[r][1] + counts[r][2]
	}
	e.base[nrows] = total
	s := &surface{}
	s.Positions = make([][3]float32, total)
	s.face = make([]int8, total)
	// Pass 2: make the ids absolute and place the vertices.
	parallel.For(nrows, rowGrain, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			if counts[r] == [3]int32{} {
				continue
			}
			e.placeRow(s, r, e.base[r], counts[r])
		}
	})
	e.cells(s, int(total))
	return s
}

// placeRow turns row r's word offsets into vertex ids and writes the
// position and face of each of its vertices.
func (e *extractor) placeRow(s *surface, r int, base int32, counts [3]int32) {
	g := e.g
	j, k := r%g.dims[1], r/g.dims[1]
	own := g.row(j, k)
	for a := 0; a < 3; a++ {
		for w := 0; w < g.words; w++ {
			n := r*g.words + w
			e.first[a][n] += base
			id := e.first[a][n]
			for c := e.change(a, j, k, w); c != 0; c &= c - 1 {
				b := bits.TrailingZeros64(c)
				i := w<<6 | b
				p := [3]float64{float64(i), float64(j), float64(k)}
				p[a] += 0.5
				q := e.toWorld.Apply(p)
				s.Positions[id] = [3]float32{float32(q[0]), float32(q[1]), float32(q[2])}
				// The face's outward normal points up the axis when the
				// lower voxel is the inside one.
				f := int8(a + 1)
				if own[w]>>b&1 == 0 {
					f = -f
				}
				s.face[id] = f
				id++
			}
		}
		base += counts[a]
	}
}

// rowOrZero is row (j, k), or zeros past the box.
func (e *extractor) rowOrZero(j, k int) []uint64 {
	if j >= e.g.dims[1] || k >= e.g.dims[2] {
		return e.zero[:e.g.words]
	}
	return e.g.row(j, k)
}

// change is word w of the bit changes along axis a owned by row (j, k): bit
// i is set when voxel (i, j, k) differs from its neighbour up the axis.
func (e *extractor) change(a, j, k, w int) uint64 {
	r := e.rowOrZero(j, k)
	switch a {
	case 0:
		next := uint64(0)
		if w+1 < len(r) {
			next = r[w+1]
		}
		return r[w] ^ (r[w]>>1 | next<<63)
	case 1:
		return r[w] ^ e.rowOrZero(j+1, k)[w]
	}
	return r[w] ^ e.rowOrZero(j, k+1)[w]
}

// vertexID is the id of the vertex on the axis-a edge from voxel (i, j, k).
func (e *extractor) vertexID(a, i, j, k int) int32 {
	w := i >> 6
	below := e.change(a, j, k, w) & (1<<(i&63) - 1)
	return e.first[a][(j+e.g.dims[1]*k)*e.g.words+w] + int32(bits.OnesCount64(below))
}

// cellEdgeSite says where each cell edge's vertex is owned: the axis, and
// the offsets (di, dj, dk) of the owning voxel from the cell's low corner.
var cellEdgeSite = func() (s [12][4]int) {
	for e, c := range cellEdges {
		p, q := cornerPos(c[0]), cornerPos(c[1])
		for a := 0; a < 3; a++ {
			if p[a] != q[a] {
				s[e][0] = a
			}
		}
		s[e][1], s[e][2], s[e][3] = int(p[0]), int(p[1]), int(p[2])
	}
	return s
}()

// centroidTag marks a triangle corner that refers to a chunk's own
// centroid vertex until the chunks are joined.
const centroidTag = 1 << 31

// cellChunk is the output of one slab of cell layers.
type cellChunk struct {
	k0        int
	tris      [][3]uint32
	centroids [][3]float32 // positions of the slab's centroid vertices
}

// cells runs the second pass over all cell layers and joins the slabs'
// triangles in layer order, so the output does not depend on the split.
func (e *extractor) cells(s *surface, nEdgeVerts int) {
	g := e.g
	var mu sync.Mutex
	var chunks []cellChunk
	grain := max(1, (rowGrain+g.dims[1]-1)/g.dims[1])
	parallel.For(g.dims[2]-1, grain, func(k0, k1 int) {
		// A closed surface has about two triangles per vertex.
		n := e.base[min(k1+1, g.dims[2])*g.dims[1]] - e.base[k0*g.dims[1]]
		c := cellChunk{k0: k0, tris: make([][3]uint32, 0, 2*n+16)}
		for k := k0; k < k1; k++ {
			for j := 0; j+1 < g.dims[1]; j++ {
				e.cellRow(s, &c, j, k)
			}
		}
		mu.Lock()
		chunks = append(chunks, c)
		mu.Unlock()
	})
	sort.Slice(chunks, func(a, b int) bool { return chunks[a].k0 < chunks[b].k0 })
	if len(chunks) == 1 && len(chunks[0].centroids) == 0 {
		s.Triangles = chunks[0].tris
		return
	}
	nTris, nCentroids := 0, 0
	for _, c := range chunks {
		nTris += len(c.tris)
		nCentroids += len(c.centroids)
	}
	s.Triangles = make([][3]uint32, 0, nTris)
	next := uint32(nEdgeVerts)
	for _, c := range chunks {
		for _, t := range c.tris {
			for i, v := range t {
				if v&centroidTag != 0 {
					t[i] = v&^centroidTag + next
				}
			}
			s.Triangles = append(s.Triangles, t)
		}
		next += uint32(len(c.centroids))
		s.Positions = append(s.Positions, c.centroids...)
	}
	s.face = append(s.face, make([]int8, nCentroids)...)
}

// cellRow emits the triangles of the cells between rows j, j+1 and layers
// k, k+1.
func (e *extractor) cellRow(s *surface, c *cellChunk, j, k int) {
	rows := [4][]uint64{e.g.row(j, k), e.g.row(j+1, k), e.g.row(j, k+1), e.g.row(j+1, k+1)}
	words := e.g.words
	var or, and uint64
	for w := 0; w < words; w++ {
		if w == 0 {
			or = rows[0][0] | rows[1][0] | rows[2][0] | rows[3][0]
			and = rows[0][0] & rows[1][0] & rows[2][0] & rows[3][0]
		}
		var orNext, andNext uint64
		if w+1 < words {
			orNext = rows[0][w+1] | rows[1][w+1] | rows[2][w+1] | rows[3][w+1]
			andNext = rows[0][w+1] & rows[1][w+1] & rows[2][w+1] & rows[3][w+1]
		}
		// Cell i spans voxels i and i+1: it is mixed when it touches an
		// inside voxel and is not inside everywhere.
		touch := or | or>>1 | orNext<<63
		full := and & (and>>1 | andNext<<63)
		for mixed := touch &^ full; mixed != 0; mixed &= mixed - 1 {
			i := w<<6 | bits.TrailingZeros64(mixed)
			cfg := uint8(0)
			for r := 0; r < 4; r++ {
				cfg |= uint8(twoBits(rows[r], i)) << (2 * r)
			}
			e.emit(s, c, &cases[cfg], i, j, k)
		}
		or, and = orNext, andNext
	}
}

// twoBits returns bits i and i+1 of a row.
func twoBits(r []uint64, i int) uint64 {
	w, b := i>>6, i&63
	v := r[w] >> b
	if b == 63 && w+1 < len(r) {
		v |= r[w+1] << 1
	}
	return v & 3
}

// emit writes one cell's triangles.
func (e *extractor) emit(s *surface, c *cellChunk, cc *cellCase, i, j, k int) {
	var ids [12 + 4]uint32
	for m := cc.edges; m != 0; m &= m - 1 {
		ed := bits.TrailingZeros16(m)
		site := cellEdgeSite[ed]
		ids[ed] = uint32(e.vertexID(site[0], i+site[1], j+site[2], k+site[3]))
	}
	for n, poly := range cc.centroids {
		var p [3]float32
		for _, ed := range poly {
			q := s.Positions[ids[ed]]
			p[0], p[1], p[2] = p[0]+q[0], p[1]+q[1], p[2]+q[2]
		}
		inv := 1 / float32(len(poly))
		ids[centroidVertex+n] = centroidTag | uint32(len(c.centroids))
		c.centroids = append(c.centroids, [3]float32{p[0] * inv, p[1] * inv, p[2] * inv})
	}
	t := cc.tris
	for n := 0; n+2 < len(t); n += 3 {
		a, b, d := ids[t[n]], ids[t[n+1]], ids[t[n+2]]
		if e.flip {
			b, d = d, b
		}
		c.tris = append(c.tris, [3]uint32{a, b, d})
	}
}
