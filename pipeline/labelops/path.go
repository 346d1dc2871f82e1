package labelops

import (
	"errors"
	"fmt"
	"math"

	"kidney3d/pipeline/volume"
)

// ErrUnreachable is MinimalPath's error when no voxel of to can be reached.
var ErrUnreachable = errors.New("labelops: no path: the target cannot be reached")

// MinimalPath is the cheapest path from any voxel of from to the nearest
// (cheapest) voxel of to through cost, by Dijkstra's algorithm: a step
// between neighbours (c) costs the mean of their two voxel costs times the
// step's length in millimetres. A voxel of cost +Inf cannot be entered;
// a negative or NaN cost is an error. path runs from a voxel of from to a
// voxel of to in voxel indices; total is its cost. Ties are broken by
// voxel index, so the path is the same on every run.
func MinimalPath(cost *volume.Volume[float32], from, to *volume.Volume[uint8], c Connectivity) (path [][3]int, total float64, err error) {
	if from.Dims != cost.Dims || to.Dims != cost.Dims {
		return nil, 0, fmt.Errorf("labelops: minimal path: cost %v, from %v and to %v differ in size", cost.Dims, from.Dims, to.Dims)
	}
	if err := checkCost(cost); err != nil {
		return nil, 0, err
	}
	reached := -1
	_, prev := search(cost, from, c, func(u int, d float64) bool {
		if to.Data[u] != 0 {
			reached, total = u, d
			return true
		}
		return false
	}, nil)
	if reached < 0 {
		return nil, 0, ErrUnreachable
	}
	return tracePath(cost.Grid, prev, reached), total, nil
}

// ShortestPaths is, for every voxel, the cost of the cheapest path to it
// from any voxel of from through cost (+Inf where none reaches), and the
// voxel (storage index) each path comes through, -1 at its start and where
// none reaches: Dijkstra's algorithm with MinimalPath's costs and ties.
func ShortestPaths(cost *volume.Volume[float32], from *volume.Volume[uint8], c Connectivity) (dist []float64, prev []int32, err error) {
	if from.Dims != cost.Dims {
		return nil, nil, fmt.Errorf("labelops: shortest paths: cost %v and from %v differ in size", cost.Dims, from.Dims)
	}
	if err := checkCost(cost); err != nil {
		return nil, nil, err
	}
	dist, prev = search(cost, from, c, nil, nil)
	return dist, prev, nil
}

// NearestSource gives each voxel of domain the value of the source voxel
// nearest to it along paths inside domain (steps between c-neighbours,
// in millimetres): a geodesic Voronoi partition of domain by the nonzero
// values of sources. Sources outside domain still start paths; voxels
// outside domain, and those no source reaches, get 0. Ties go to the
// path settled first, the same on every run.
func NearestSource(domain, sources *volume.Volume[uint8], c Connectivity) (*volume.Volume[uint8], error) {
	if domain.Dims != sources.Dims {
		return nil, fmt.Errorf("labelops: nearest source: domain %v and sources %v differ in size", domain.Dims, sources.Dims)
	}
	cost := volume.New[float32](domain.Grid)
	inf := float32(math.Inf(1))
	for n, x := range domain.Data {
		if x == 0 && sources.Data[n] == 0 {
			cost.Data[n] = inf
		} else {
			cost.Data[n] = 1
		}
	}
	out := volume.New[uint8](domain.Grid)
	copy(out.Data, sources.Data)
	search(cost, sources, c, nil, func(u, v int) { out.Data[v] = out.Data[u] })
	for n, x := range domain.Data {
		if x == 0 {
			out.Data[n] = 0
		}
	}
	return out, nil
}

// checkCost refuses a negative or NaN cost.
func checkCost(cost *volume.Volume[float32]) error {
	for n, x := range cost.Data {
		if x < 0 || x != x {
			i, j, k := cost.Coords(n)
			return fmt.Errorf("labelops: minimal path: cost %g at voxel (%d, %d, %d) is not a non-negative number", x, i, j, k)
		}
	}
	return nil
}

// search is Dijkstra's algorithm from the voxels of from through cost: a
// step between neighbours (c) costs the mean of their two voxel costs
// times its length in mm, and a voxel of cost +Inf cannot be entered.
// settle, when given, sees each voxel as its distance becomes final and
// stops the search by returning true; moved, when given, sees each
// improvement of v's path through u. Ties are broken by voxel index.
func search(cost *volume.Volume[float32], from *volume.Volume[uint8], c Connectivity, settle func(u int, d float64) bool, moved func(u, v int)) ([]float64, []int32) {
	steps := neighbourSteps(cost.Grid, c)
	dist := make([]float64, len(cost.Data))
	fill(dist, math.Inf(1))
	prev := make([]int32, len(cost.Data))
	fill(prev, -1)
	var h pathHeap
	for n, v := range from.Data {
		if v != 0 && !math.IsInf(float64(cost.Data[n]), 1) {
			dist[n] = 0
			h.push(pathItem{0, int32(n)})
		}
	}
	for len(h) > 0 {
		it := h.pop()
		u := int(it.n)
		if it.d > dist[u] {
			continue
		}
		if settle != nil && settle(u, it.d) {
			break
		}
		i, j, k := cost.Coords(u)
		cu := float64(cost.Data[u])
		for _, s := range steps {
			if !cost.Contains(i+s.d[0], j+s.d[1], k+s.d[2]) {
				continue
			}
			v := u + s.offset
			cv := float64(cost.Data[v])
			if math.IsInf(cv, 1) {
				continue
			}
			if d := it.d + 0.5*(cu+cv)*s.length; d < dist[v] {
				dist[v], prev[v] = d, int32(u)
				if moved != nil {
					moved(u, v)
				}
				h.push(pathItem{d, int32(v)})
			}
		}
	}
	return dist, prev
}

// step is a move to a neighbouring voxel.
type step struct {
	d      [3]int
	offset int     // in storage order
	length float64 // in millimetres
}

// neighbourSteps lists the moves of a connectivity on g.
func neighbourSteps(g volume.Grid, c Connectivity) []step {
	sp := g.Spacing()
	var out []step
	for dk := -1; dk <= 1; dk++ {
		for dj := -1; dj <= 1; dj++ {
			for di := -1; di <= 1; di++ {
				nonzero := di*di + dj*dj + dk*dk
				if nonzero == 0 || (c == Face && nonzero > 1) {
					continue
				}
				x, y, z := float64(di)*sp[0], float64(dj)*sp[1], float64(dk)*sp[2]
				out = append(out, step{[3]int{di, dj, dk}, di + g.Dims[0]*(dj+g.Dims[1]*dk), math.Sqrt(x*x + y*y + z*z)})
			}
		}
	}
	return out
}

// tracePath follows prev back from voxel n to a source.
func tracePath(g volume.Grid, prev []int32, n int) [][3]int {
	var path [][3]int
	for ; n >= 0; n = int(prev[n]) {
		i, j, k := g.Coords(n)
		path = append(path, [3]int{i, j, k})
	}
	for a, b := 0, len(path)-1; a < b; a, b = a+1, b-1 {
		path[a], path[b] = path[b], path[a]
	}
	return path
}

// pathItem is a voxel queued at a tentative distance.
type pathItem struct {
	d float64
	n int32
}

// pathHeap is a binary min-heap of pathItems ordered by distance, then
// voxel index.
type pathHeap []pathItem

func (a pathItem) less(b pathItem) bool { return a.d < b.d || (a.d == b.d && a.n < b.n) }

func (h *pathHeap) push(it pathItem) {
	*h = append(*h, it)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].less(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *pathHeap) pop() pathItem {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l].less(s[m]) {
			m = l
		}
		if r < len(s) && s[r].less(s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
