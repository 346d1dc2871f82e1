package render

import (
	"math"

	"kidney3d/pipeline/mesh"
)

// lodCells are the grid cells, in millimetres, of each object's coarser
// levels of detail. CT meshes have about one vertex per 0.8 mm voxel, more
// than a picture shows once a millimetre is under a pixel or two; software
// OpenGL (llvmpipe) spends its time per triangle, so frames draw the
// coarsest level whose cell still spans at most lodPixels pixels. The
// cells grow by √2, each level about half the triangles of the one before,
// so that a frame is never drawn much finer than that needs: with steps of
// 2, a full-size case at 1280×800 drew twice the triangles it needed.
var lodCells = []float64{1.2, 1.7, 2.4, 3.4, 4.8}

// lodPixels is the largest cell, in pixels, a frame may show.
const lodPixels = 2.5

// lod is one level of detail of an object's surface.
type lod struct {
	cell      float64 // grid cell in mm; 0 for the full mesh
	positions [][3]float32
	normals   [][3]float32
	triangles [][3]uint32
}

// levels makes the full mesh and its clustered levels, dropping a level
// that saves less than a third of the triangles of the one before.
func levels(m *mesh.Mesh, normals [][3]float32) []lod {
	out := []lod{{positions: m.Positions, normals: normals, triangles: m.Triangles}}
	for _, cell := range lodCells {
		l := cluster(m, normals, cell)
		if len(l.triangles) == 0 || 3*len(l.triangles) > 2*len(out[len(out)-1].triangles) {
			continue
		}
		out = append(out, l)
	}
	return out
}

// cluster simplifies m by merging the vertices in each cell of a grid
// (vertex clustering): a cell's vertex is the mean of its members, its
// normal their summed normal; triangles that collapse are dropped.
func cluster(m *mesh.Mesh, normals [][3]float32, cell float64) lod {
	ids := make(map[[3]int32]uint32, len(m.Positions)/4)
	remap := make([]uint32, len(m.Positions))
	var sum [][3]float64
	var nsum [][3]float64
	var count []float64
	for i, p := range m.Positions {
		k := [3]int32{int32(math.Floor(float64(p[0]) / cell)), int32(math.Floor(float64(p[1]) / cell)), int32(math.Floor(float64(p[2]) / cell))}
		id, ok := ids[k]
		if !ok {
			id = uint32(len(sum))
			ids[k] = id
			sum = append(sum, [3]float64{})
			nsum = append(nsum, [3]float64{})
			count = append(count, 0)
		}
		remap[i] = id
		sum[id] = add(sum[id], to64(p))
		nsum[id] = add(nsum[id], to64(normals[i]))
		count[id]++
	}
	l := lod{cell: cell, positions: make([][3]float32, len(sum)), normals: make([][3]float32, len(sum))}
	for i := range sum {
		p, n := scale(sum[i], 1/count[i]), normalize(nsum[i])
		l.positions[i] = [3]float32{float32(p[0]), float32(p[1]), float32(p[2])}
		l.normals[i] = [3]float32{float32(n[0]), float32(n[1]), float32(n[2])}
	}
	for _, t := range m.Triangles {
		a, b, c := remap[t[0]], remap[t[1]], remap[t[2]]
		if a != b && b != c && a != c {
			l.triangles = append(l.triangles, [3]uint32{a, b, c})
		}
	}
	return l
}

// pick is the level to draw when one millimetre at the object covers
// pxPerMM pixels: the coarsest whose cell spans at most lodPixels pixels.
func pickLevel(ls []lod, pxPerMM float64) int {
	best := 0
	for i, l := range ls {
		if l.cell*pxPerMM <= lodPixels {
			best = i
		}
	}
	return best
}
