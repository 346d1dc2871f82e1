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
	for n, x := range cost.Data {
		if x < 0 || x != x {
			i, j, k := cost.Coords(n)
			return nil, 0, fmt.Errorf("labelops: minimal path: cost %g at voxel (%d, %d, %d) is not a non-negative number", x, i, j, k)
		}
	}
	steps := neighbourSteps(cost.Grid, c)
	dist := make([]float64, len(cost.Data))
	fill(dist, math.Inf(1))
	prev := make([]int32, len(cost.Data))
	var h pathHeap
	for n, v := range from.Data {
		if v != 0 && !math.IsInf(float64(cost.Data[n]), 1) {
			dist[n], prev[n] = 0, -1
			h.push(pathItem{0, int32(n)})
		}
	}
	for len(h) > 0 {
		it := h.pop()
		u := int(it.n)
		if it.d > dist[u] {
			continue
		}
		if to.Data[u] != 0 {
			return tracePath(cost.Grid, prev, u), it.d, nil
		}
		i, j, k := cost.Coords(u)
		cu := float64(cost.Data[u])
		for _, s := range steps {
			ii, jj, kk := i+s.d[0], j+s.d[1], k+s.d[2]
			if !cost.Contains(ii, jj, kk) {
				continue
			}
			v := u + s.offset
			cv := float64(cost.Data[v])
			if math.IsInf(cv, 1) {
				continue
			}
			if d := it.d + 0.5*(cu+cv)*s.length; d < dist[v] {
				dist[v], prev[v] = d, int32(u)
				h.push(pathItem{d, int32(v)})
			}
		}
	}
	return nil, 0, ErrUnreachable
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
