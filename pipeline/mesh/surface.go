package mesh

import (
	"math"
	"slices"

	"kidney3d/pipeline/volume"
)

// surfaceOf makes the surface of g's set voxels with settings s: extract,
// smooth, restore the volume, decimate (and restore it again), add normals.
func surfaceOf(g *bitGrid, affine volume.Affine, s Settings) *Mesh {
	sf := extract(g, affine)
	m := &sf.Mesh
	nv := m.NumVertices()
	keep := s.KeepVolume && s.Smoothing.Iterations > 0 && nv > 0
	var (
		raw    [][3]float32
		p      parts
		target []float64
	)
	if s.Smoothing.Iterations > 0 && nv > 0 {
		adj := buildAdjacency(m.Triangles, nv)
		// VTK normalises about the centre of the points' box, which is
		// the centre of the label's voxel box.
		var mid [3]float64
		for a := 0; a < 3; a++ {
			mid[a] = float64(g.origin[a]) + float64(g.dims[a]-1)/2
		}
		centre := affine.Apply(mid)
		if keep {
			raw = slices.Clone(m.Positions)
		}
		smooth(m.Positions, adj, s.Smoothing, centre)
		if keep {
			p = findParts(adj)
			target = voxelVolumes(raw, sf.face, p, affine, centre)
			// Parts the filter collapses are smoothed again with the
			// vessel filter, when it is the lighter one.
			var thin *Smoothing
			if vessel := Vessel.Smoothing; s.Smoothing.PassBand < vessel.PassBand {
				thin = &vessel
			}
			voxel := math.Cbrt(math.Abs(affine.Det3()))
			m.Normals = restoreVolume(m.Positions, raw, m.Triangles, indexParts(p, m.Triangles), target, thin, centre, voxel)
		}
	}
	if s.Decimation.active() && nv > 0 {
		old := decimate(m, s.Decimation)
		m.Normals = nil
		if keep {
			// Collapses stay within a part, so each kept vertex keeps its
			// part and target.
			kept := parts{of: make([]int32, len(old)), n: p.n}
			keptRaw := make([][3]float32, len(old))
			for v, o := range old {
				kept.of[v], keptRaw[v] = p.of[o], raw[o]
			}
			m.Normals = make([][3]float32, len(old))
			indexParts(kept, m.Triangles).offsetAll(m.Positions, keptRaw, m.Triangles, target, m.Normals)
		}
	}
	switch {
	case !s.Normals:
		m.Normals = nil
	case m.Normals == nil:
		m.Normals = make([][3]float32, len(m.Positions))
		vertexNormals(m.Positions, m.Triangles, m.Normals)
	}
	return m
}
