package mesh

import (
	"math"
	"slices"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Smoothing shrinks what is thin: a tube two voxels wide is all high
// frequencies across, and the low-pass filter draws it towards its axis. To
// keep volume, the parts of a surface that the filter collapses are
// smoothed again with a lighter filter and get back the drift it left
// (restoreThin), then each connected part is offset along its normals until
// it encloses its voxel volume again (offset).
//
// The voxel volume of each part comes from the extracted surface itself:
// every edge vertex stands for one voxel face, and the divergence theorem
// over those faces gives the voxels the part encloses, minus the voxels of
// any cavity, without labelling components in the volume.

const (
	// driftPasses is how many neighbourhood averages smooth the drift.
	driftPasses = 8
	// driftNoise is how much, in voxels, of the averaged drift is the
	// staircase's residue rather than shrinkage; it is not put back.
	driftNoise = 0.1
	// thinRatio is the fraction of its volume below which smoothing is
	// taken to have collapsed a part.
	thinRatio = 0.9
	// volumeTolerance is the relative volume error at which a part stops
	// being offset.
	volumeTolerance = 1e-3
	// maxOffsetSteps bounds the Newton steps on each part's offset.
	maxOffsetSteps = 8
)

// parts labels the connected parts of a mesh.
type parts struct {
	of []int32 // part of each vertex
	n  int
}

// findParts labels the connected components of the vertex graph.
func findParts(adj adjacency) parts {
	nv := len(adj.start) - 1
	p := parts{of: make([]int32, nv)}
	for v := range p.of {
		p.of[v] = -1
	}
	var stack []uint32
	for v := 0; v < nv; v++ {
		if p.of[v] >= 0 {
			continue
		}
		id := int32(p.n)
		p.n++
		p.of[v] = id
		stack = append(stack[:0], uint32(v))
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, w := range adj.nbr[adj.start[u]:adj.start[u+1]] {
				if p.of[w] < 0 {
					p.of[w] = id
					stack = append(stack, w)
				}
			}
		}
	}
	return p
}

// voxelVolumes is, per part, the volume in mm³ enclosed by the voxel faces
// its edge vertices stand for: (1/3) Σ x·n dA over the faces, with x the
// face centre (the vertex's extracted position) relative to centre and n dA
// the face's world area vector.
func voxelVolumes(raw [][3]float32, face []int8, p parts, affine volume.Affine, centre [3]float64) []float64 {
	vol := make([]float64, p.n)
	inv, err := affine.Inverse()
	if err != nil {
		return vol
	}
	// A voxel face across axis a has world area vector |det| M⁻ᵀ eₐ, which
	// is row a of the inverse's linear part scaled by |det|.
	det := math.Abs(affine.Det3())
	var area [3][3]float64
	for a := 0; a < 3; a++ {
		for b := 0; b < 3; b++ {
			area[a][b] = det * inv[a][b] / 3
		}
	}
	for v, f := range face {
		if f == 0 {
			continue
		}
		a, sign := int(f)-1, 1.0
		if f < 0 {
			a, sign = int(-f)-1, -1
		}
		vol[p.of[v]] += sign * dot3(sub3(to64(raw[v]), centre), area[a])
	}
	return vol
}

// restoreVolume moves the smoothed vertices pos so that each part encloses
// target[part] again, and returns the unit vertex normals of the result.
// Thin parts first get their drift back, after being smoothed again from
// raw with the filter thin when it is not nil (restoreThin); then every part
// is offset.
func restoreVolume(pos, raw [][3]float32, tris [][3]uint32, idx *partIndex, target []float64, thin *Smoothing, centre [3]float64, voxel float64) [][3]float32 {
	idx.restoreThin(pos, raw, tris, target, thin, centre, voxel)
	normals := make([][3]float32, len(pos))
	idx.offsetAll(pos, raw, tris, target, normals)
	return normals
}

// restoreThin handles the parts that smoothing has shrunk below thinRatio
// of their target volume: thin vessels, ribs, small islands. When s is not
// nil, they are smoothed again from their unsmoothed positions raw with
// that lighter filter: the low pass that gives organs 3D Slicer's look
// leaves of a tube two voxels wide a crumpled thread, which no offset turns
// back into a smooth tube. Even a light filter shrinks what is thinnest, so
// each vertex then gets back its drift: how far smoothing moved it along
// its normal, averaged over its neighbourhood, less the staircase's residue
// (driftNoise voxels). A thin branch gets back the radius it lost, while
// the thick trunk it hangs from, whose in-and-out moves cancel, stays as
// smoothed.
func (x *partIndex) restoreThin(pos, raw [][3]float32, tris [][3]uint32, target []float64, s *Smoothing, centre [3]float64, voxel float64) {
	var verts, ts []uint32
	for c := range target {
		if v, _ := partVolume(pos, tris, x.tris[x.triStart[c]:x.triStart[c+1]]); v/target[c] < thinRatio {
			verts = append(verts, x.verts[x.vertStart[c]:x.vertStart[c+1]]...)
			ts = append(ts, x.tris[x.triStart[c]:x.triStart[c+1]]...)
		}
	}
	if len(verts) == 0 {
		return
	}
	// The thin parts, as a mesh of their own.
	local := make(map[uint32]uint32, len(verts))
	sub := make([][3]float32, len(verts))
	subRaw := make([][3]float32, len(verts))
	for i, v := range verts {
		local[v] = uint32(i)
		sub[i], subRaw[i] = pos[v], raw[v]
		if s != nil {
			sub[i] = raw[v]
		}
	}
	subTris := make([][3]uint32, len(ts))
	for i, t := range ts {
		for k, v := range tris[t] {
			subTris[i][k] = local[v]
		}
	}
	adj := buildAdjacency(subTris, len(sub))
	if s != nil {
		smooth(sub, adj, *s, centre)
	}
	n := len(sub)
	normals := make([][3]float32, n)
	vertexNormals(sub, subTris, normals)
	drift, tmp := make([]float32, n), make([]float32, n)
	for v := range sub {
		r, q, nv := &subRaw[v], &sub[v], &normals[v]
		drift[v] = (r[0]-q[0])*nv[0] + (r[1]-q[1])*nv[1] + (r[2]-q[2])*nv[2]
	}
	for pass := 0; pass < driftPasses; pass++ {
		averageNeighbours(tmp, drift, adj, 0, n)
		drift, tmp = tmp, drift
	}
	tau := float32(driftNoise * voxel)
	for i, v := range verts {
		d, nv, q := shrink(drift[i], tau), &normals[i], &sub[i]
		pos[v] = [3]float32{q[0] + d*nv[0], q[1] + d*nv[1], q[2] + d*nv[2]}
	}
}

// averageNeighbours sets dst[v], for v in [lo, hi), to the mean of src over
// v and its neighbours.
func averageNeighbours(dst, src []float32, adj adjacency, lo, hi int) {
	for v := lo; v < hi; v++ {
		nb := adj.nbr[adj.start[v]:adj.start[v+1]]
		s := src[v]
		for _, u := range nb {
			s += src[u]
		}
		dst[v] = s / float32(len(nb)+1)
	}
}

// shrink moves x towards zero by tau, stopping at zero.
func shrink(x, tau float32) float32 {
	switch {
	case x > tau:
		return x - tau
	case x < -tau:
		return x + tau
	}
	return 0
}

// partIndex lists the triangles and vertices of each part.
type partIndex struct {
	triStart, vertStart []int32
	tris, verts         []uint32
}

// indexParts groups triangles and vertices by part (a counting sort).
func indexParts(p parts, tris [][3]uint32) *partIndex {
	x := &partIndex{}
	x.triStart = make([]int32, p.n+1)
	x.vertStart = make([]int32, p.n+1)
	for _, t := range tris {
		x.triStart[p.of[t[0]]+1]++
	}
	for _, c := range p.of {
		x.vertStart[c+1]++
	}
	for c := 0; c < p.n; c++ {
		x.triStart[c+1] += x.triStart[c]
		x.vertStart[c+1] += x.vertStart[c]
	}
	x.tris = make([]uint32, len(tris))
	x.verts = make([]uint32, len(p.of))
	fill := slices.Clone(x.triStart)
	for t, tri := range tris {
		c := p.of[tri[0]]
		x.tris[fill[c]] = uint32(t)
		fill[c]++
	}
	copy(fill, x.vertStart)
	for v, c := range p.of {
		x.verts[fill[c]] = uint32(v)
		fill[c]++
	}
	return x
}

// offsetAll offsets every part to its target volume (see offset), in
// parallel over parts, and leaves the unit vertex normals in normals.
func (x *partIndex) offsetAll(pos, raw [][3]float32, tris [][3]uint32, target []float64, normals [][3]float32) {
	vertexNormals(pos, tris, normals)
	parallel.For(len(x.triStart)-1, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			x.offset(c, pos, raw, tris, normals, target[c])
		}
	})
}

// offset moves part c along its vertex normals until it is within
// volumeTolerance of target. Each step models the part as a ball (volume ∝
// (r+d)³, area ∝ r²), which is Newton's step for small errors and does not
// overshoot when smoothing has shrunk a part to a sliver; the step is then
// stretched by how much the last one fell short (vertex offsets move the
// faces of a sharp part less than the ball model assumes). A part that
// smoothing has turned flat or inside out goes back to its unsmoothed
// positions raw, which enclose about its voxel volume, and is offset from
// there.
func (x *partIndex) offset(c int, pos, raw [][3]float32, tris [][3]uint32, normals [][3]float32, target float64) {
	ts := x.tris[x.triStart[c]:x.triStart[c+1]]
	vs := x.verts[x.vertStart[c]:x.vertStart[c+1]]
	reset := false
	gain, lastVol, expected := 1.0, 0.0, 0.0
	vol, area := partVolume(pos, tris, ts)
	for it := 0; it < maxOffsetSteps; it++ {
		if math.Abs(target-vol) <= volumeTolerance*math.Abs(target) || area == 0 {
			return
		}
		if expected != 0 {
			gain = min(1, max(0.5, (vol-lastVol)/expected))
		}
		switch {
		case vol/target < 1e-3 && !reset:
			reset, expected = true, 0
			for _, v := range vs {
				pos[v] = raw[v]
			}
		case vol/target <= 0:
			return // inside out even unsmoothed: nothing to offset
		default:
			d := float32(3 * vol / area * (math.Cbrt(target/vol) - 1) / gain)
			lastVol, expected = vol, target-vol
			for _, v := range vs {
				n := &normals[v]
				q := &pos[v]
				q[0] += d * n[0]
				q[1] += d * n[1]
				q[2] += d * n[2]
			}
		}
		vol, area = x.measure(c, pos, tris, normals)
	}
}

// measure recomputes part c's unit vertex normals and returns its volume
// and area.
func (x *partIndex) measure(c int, pos [][3]float32, tris [][3]uint32, normals [][3]float32) (vol, area float64) {
	ts := x.tris[x.triStart[c]:x.triStart[c+1]]
	vs := x.verts[x.vertStart[c]:x.vertStart[c+1]]
	for _, v := range vs {
		normals[v] = [3]float32{}
	}
	for _, t := range ts {
		addNormal(pos, tris[t], normals)
	}
	for _, v := range vs {
		normals[v] = unit(normals[v])
	}
	return partVolume(pos, tris, ts)
}

// partVolume is the volume and area enclosed by triangles ts, in float64
// for the sums (terms relative to the first vertex keep them precise).
func partVolume(pos [][3]float32, tris [][3]uint32, ts []uint32) (vol, area float64) {
	if len(ts) == 0 {
		return 0, 0
	}
	o := &pos[tris[ts[0]][0]]
	ox, oy, oz := float64(o[0]), float64(o[1]), float64(o[2])
	for _, t := range ts {
		tri := &tris[t]
		a, b, c := &pos[tri[0]], &pos[tri[1]], &pos[tri[2]]
		ax, ay, az := float64(a[0])-ox, float64(a[1])-oy, float64(a[2])-oz
		bx, by, bz := float64(b[0])-ox, float64(b[1])-oy, float64(b[2])-oz
		cx, cy, cz := float64(c[0])-ox, float64(c[1])-oy, float64(c[2])-oz
		vol += ax*(by*cz-bz*cy) + ay*(bz*cx-bx*cz) + az*(bx*cy-by*cx)
		ux, uy, uz := bx-ax, by-ay, bz-az
		wx, wy, wz := cx-ax, cy-ay, cz-az
		nx, ny, nz := uy*wz-uz*wy, uz*wx-ux*wz, ux*wy-uy*wx
		area += math.Sqrt(nx*nx + ny*ny + nz*nz)
	}
	return vol / 6, area / 2
}

// vertexNormals writes each vertex's unit normal: the normalised sum of its
// triangles' area vectors (zero for a vertex whose triangles cancel).
func vertexNormals(pos [][3]float32, tris [][3]uint32, out [][3]float32) {
	clear(out)
	for _, t := range tris {
		addNormal(pos, t, out)
	}
	parallel.For(len(out), vertexGrain, func(lo, hi int) {
		for v := lo; v < hi; v++ {
			out[v] = unit(out[v])
		}
	})
}

// addNormal adds triangle t's area vector (twice its area) to its vertices.
func addNormal(pos [][3]float32, t [3]uint32, out [][3]float32) {
	a, b, c := &pos[t[0]], &pos[t[1]], &pos[t[2]]
	ux, uy, uz := b[0]-a[0], b[1]-a[1], b[2]-a[2]
	vx, vy, vz := c[0]-a[0], c[1]-a[1], c[2]-a[2]
	nx, ny, nz := uy*vz-uz*vy, uz*vx-ux*vz, ux*vy-uy*vx
	for _, v := range t {
		o := &out[v]
		o[0] += nx
		o[1] += ny
		o[2] += nz
	}
}

// unit is n scaled to length one, or zero.
func unit(n [3]float32) [3]float32 {
	x, y, z := n[0], n[1], n[2]
	l := float32(math.Sqrt(float64(x*x + y*y + z*z)))
	if l == 0 {
		return n
	}
	return [3]float32{x / l, y / l, z / l}
}
