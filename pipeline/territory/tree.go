package territory

import (
	"cmp"
	"context"
	"math"
	"slices"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

const (
	// coverRadii and coverPadMM: a voxel within coverRadii vessel radii
	// plus coverPadMM of a traced centreline belongs to that branch.
	coverRadii = 1.5
	coverPadMM = 1
)

// tree is one renal artery's centreline tree.
type tree struct {
	kidney    *kidney
	voxels    int
	fromAorta bool
	// firstBranch is the centreline length in mm from the start to the
	// first branching, -1 when it does not branch.
	firstBranch float64
	terminals   []terminal
}

// terminal is a terminal branch: its end (world mm), its length from the
// last branching before the end, and the vessel's voxels over that length
// (the territories' sources).
type terminal struct {
	endMM    [3]float64
	lengthMM float64
	seeds    [][3]int
}

// renalArteries traces the components of the artery label (value av)
// that reach a kidney's domain, each assigned to the kidney whose domain
// holds most of it.
func renalArteries(ctx context.Context, lab *volume.Volume[uint8], av, aorta uint8, kids []*kidney) ([]*tree, error) {
	if av == 0 || len(kids) == 0 {
		return nil, nil
	}
	part, sizes := labelops.ValueComponents(lab, av)
	comps, lo := part.Box, part.Lo
	inside := make([][]int, len(sizes)+1) // per component, voxels in each kidney's domain
	boxes := make([][2][3]int, len(sizes)+1)
	for c := range boxes {
		inside[c] = make([]int, len(kids))
		boxes[c] = [2][3]int{{math.MaxInt, math.MaxInt, math.MaxInt}, {}}
	}
	for n, c := range comps.Data {
		if c == 0 {
			continue
		}
		i, j, k := comps.Coords(n)
		g := [3]int{i + lo[0], j + lo[1], k + lo[2]}
		for a := range 3 {
			boxes[c][0][a], boxes[c][1][a] = min(boxes[c][0][a], g[a]), max(boxes[c][1][a], g[a]+1)
		}
		for x, kd := range kids {
			if kd.domain.Contains(g[0]-kd.lo[0], g[1]-kd.lo[1], g[2]-kd.lo[2]) && kd.domain.At(g[0]-kd.lo[0], g[1]-kd.lo[1], g[2]-kd.lo[2]) != 0 {
				inside[c][x]++
			}
		}
	}
	var trees []*tree
	for c := 1; c <= len(sizes); c++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		best := -1
		for x, n := range inside[c] {
			if n > 0 && (best < 0 || n > inside[c][best]) {
				best = x
			}
		}
		if best < 0 {
			continue
		}
		blo, bhi := volume.GrowBox(lab.Grid, boxes[c][0], boxes[c][1], [3]int{1, 1, 1})
		one := volume.New[uint8](volume.CropGrid(lab.Grid, blo, bhi))
		for n := range one.Data {
			i, j, k := one.Coords(n)
			if ci, cj, ck := i+blo[0]-lo[0], j+blo[1]-lo[1], k+blo[2]-lo[2]; comps.Contains(ci, cj, ck) && comps.At(ci, cj, ck) == int32(c) {
				one.Data[n] = 1
			}
		}
		t, err := trace(lab, one, blo, aorta, kids[best])
		if err != nil {
			return nil, err
		}
		t.voxels = sizes[c-1]
		trees = append(trees, t)
	}
	return trees, nil
}

// path is one traced branch of the centreline tree.
type path struct {
	vox      []int     // storage indices on the artery's crop, from the branching to the end
	pos      []float64 // mm along the centreline from the artery's start
	parent   int       // -1 for a branch from the start
	attach   float64   // where on the parent it branches (mm from the start)
	lastFork float64   // the farthest branching of a child on it, -1 for none
}

// trace builds the centreline tree of one artery (mask one, a crop of the
// label map's grid at lo) assigned to kidney k: it starts where the artery
// touches the aorta label (else at its voxel farthest from the kidney),
// follows paths that keep away from the wall (each voxel costs 1 +
// (largest radius / its distance to the wall)²) to the farthest voxel,
// then repeatedly from the farthest voxel not yet within coverRadii radii
// + coverPadMM of the tree back to it, keeping branches of minBranchMM.
func trace(lab, one *volume.Volume[uint8], lo [3]int, aorta uint8, k *kidney) (*tree, error) {
	g := one.Grid
	wall := labelops.DistanceMM(one)
	var rmax float32
	for n, x := range one.Data {
		if x != 0 {
			rmax = max(rmax, wall.Data[n])
		}
	}
	cost := volume.New[float32](g)
	start := volume.New[uint8](g)
	t := &tree{kidney: k, firstBranch: -1}
	for n, x := range one.Data {
		if x == 0 {
			cost.Data[n] = float32(math.Inf(1))
			continue
		}
		r := rmax / wall.Data[n]
		cost.Data[n] = 1 + r*r
		if aorta != 0 && touches(lab, one, n, lo, aorta) {
			start.Data[n], t.fromAorta = 1, true
		}
	}
	if !t.fromAorta {
		start.Data[farthestFrom(one, k)] = 1
	}
	reach, prev, err := labelops.ShortestPaths(cost, start, labelops.Full)
	if err != nil {
		return nil, err
	}
	var order []int
	for n, x := range one.Data {
		if x != 0 && !math.IsInf(reach[n], 1) {
			order = append(order, n)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(reach[b], reach[a]) })

	cov := newCover(g, wall)
	var paths []path
	for _, end := range order {
		if cov.path[end] != 0 {
			continue
		}
		var chain []int
		junction := -1
		for v := end; ; v = int(prev[v]) {
			if cov.path[v] != 0 {
				junction = v
				break
			}
			chain = append(chain, v)
			if prev[v] < 0 {
				break
			}
		}
		slices.Reverse(chain)
		p := path{vox: chain, parent: -1, lastFork: -1}
		at := chain[0]
		if junction >= 0 {
			p.parent, p.attach, at = int(cov.path[junction])-1, cov.pos[junction], junction
		}
		p.pos = make([]float64, len(chain))
		d := p.attach
		for x, v := range chain {
			d += cov.mm(at, v)
			p.pos[x], at = d, v
		}
		id := len(paths)
		if len(paths) > 0 && d-p.attach < minBranchMM {
			// A bump of the wall: part of the branch it leaves.
			id = max(p.parent, 0)
			for x := range p.pos {
				p.pos[x] = p.attach
			}
		} else {
			if p.parent >= 0 {
				paths[p.parent].lastFork = max(paths[p.parent].lastFork, p.attach)
				if p.parent == 0 && (t.firstBranch < 0 || p.attach < t.firstBranch) {
					t.firstBranch = p.attach
				}
			}
			paths = append(paths, p)
		}
		for x, v := range chain {
			cov.add(v, id, p.pos[x])
		}
	}
	for id, p := range paths {
		from := p.attach
		if p.lastFork >= 0 {
			from = p.lastFork
		}
		last := len(p.vox) - 1
		if p.lastFork >= 0 && p.pos[last]-from < minBranchMM {
			continue // the parent ends where its last child leaves
		}
		tm := terminal{endMM: g.VoxelToWorld(voxel(g, p.vox[last])), lengthMM: p.pos[last] - from}
		for q, x := range cov.path {
			if int(x) == id+1 && (p.lastFork < 0 || cov.pos[q] > from) {
				i, j, kk := g.Coords(q)
				tm.seeds = append(tm.seeds, [3]int{i + lo[0], j + lo[1], kk + lo[2]})
			}
		}
		t.terminals = append(t.terminals, tm)
	}
	return t, nil
}

// touches reports whether voxel n of the artery's crop (at lo on lab's
// grid) has a 26-neighbour of value v in the label map.
func touches(lab, one *volume.Volume[uint8], n int, lo [3]int, v uint8) bool {
	i, j, k := one.Coords(n)
	i, j, k = i+lo[0], j+lo[1], k+lo[2]
	for dk := -1; dk <= 1; dk++ {
		for dj := -1; dj <= 1; dj++ {
			for di := -1; di <= 1; di++ {
				if lab.Contains(i+di, j+dj, k+dk) && lab.At(i+di, j+dj, k+dk) == v {
					return true
				}
			}
		}
	}
	return false
}

// farthestFrom is the voxel of one farthest (world) from the centre of
// kidney k's box: an artery's start when it does not reach the aorta.
func farthestFrom(one *volume.Volume[uint8], k *kidney) int {
	d := k.crop.Dims
	c := k.crop.VoxelToWorld([3]float64{float64(d[0]-1) / 2, float64(d[1]-1) / 2, float64(d[2]-1) / 2})
	best, far := -1, -1.0
	for n, x := range one.Data {
		if x == 0 {
			continue
		}
		if w := one.VoxelToWorld(voxel(one.Grid, n)); dist(w, c) > far {
			best, far = n, dist(w, c)
		}
	}
	return best
}

// cover records, per voxel of the artery's crop, the traced branch it
// belongs to (path id + 1, 0 for none), the position on it and how far
// from its centreline the voxel is.
type cover struct {
	g    volume.Grid
	wall *volume.Volume[float32]
	path []int32
	pos  []float64
	off  []float64
}

func newCover(g volume.Grid, wall *volume.Volume[float32]) *cover {
	c := &cover{g: g, wall: wall, path: make([]int32, g.Len()), pos: make([]float64, g.Len()), off: make([]float64, g.Len())}
	for n := range c.off {
		c.off[n] = math.Inf(1)
	}
	return c
}

// add gives the voxels of the vessel within coverRadii radii + coverPadMM
// of centreline voxel v to branch id at position pos, unless they lie
// nearer another centreline voxel.
func (c *cover) add(v, id int, pos float64) {
	r := coverRadii*float64(c.wall.Data[v]) + coverPadMM
	m := labelops.Margin(c.g, r)
	i, j, k := c.g.Coords(v)
	for kk := k - m[2]; kk <= k+m[2]; kk++ {
		for jj := j - m[1]; jj <= j+m[1]; jj++ {
			for ii := i - m[0]; ii <= i+m[0]; ii++ {
				if !c.g.Contains(ii, jj, kk) {
					continue
				}
				q := c.g.Index(ii, jj, kk)
				if c.wall.Data[q] == 0 && q != v {
					continue
				}
				if d := c.mm(v, q); d <= r && d < c.off[q] {
					c.path[q], c.pos[q], c.off[q] = int32(id+1), pos, d
				}
			}
		}
	}
}

// mm is the world distance between two voxels of the crop.
func (c *cover) mm(a, b int) float64 {
	return dist(c.g.VoxelToWorld(voxel(c.g, a)), c.g.VoxelToWorld(voxel(c.g, b)))
}

// voxel is storage index n as voxel coordinates.
func voxel(g volume.Grid, n int) [3]float64 {
	i, j, k := g.Coords(n)
	return [3]float64{float64(i), float64(j), float64(k)}
}

func dist(p, q [3]float64) float64 {
	return math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
}
