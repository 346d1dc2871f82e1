package labelops

import (
	"encoding/binary"
	"sync"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Connectivity says which voxels touch: Face (6 neighbours sharing a face)
// or Full (26 neighbours sharing a face, an edge or a corner). Any value
// other than Face is taken as Full.
type Connectivity int

// The connectivities of voxels.
const (
	Face Connectivity = 6
	Full Connectivity = 26
)

// run is a row's stretch [x0, x1) of voxels on the same side of a mask.
type run struct{ x0, x1 int32 }

// runSet is a mask (or its complement) as runs: the runs of row r = j +
// ny*k are runs[first[r]:first[r+1]], in scan order.
type runSet struct {
	dims  [3]int
	runs  []run
	first []int32
}

// findRuns collects the runs of nonzero voxels (inside) or of zero voxels
// (!inside), slice by slice in parallel.
func findRuns(m *volume.Volume[uint8], inside bool) *runSet {
	nx, ny, nz := m.Dims[0], m.Dims[1], m.Dims[2]
	perSlice := make([][]run, nz)
	counts := make([]int32, ny*nz)
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			var rs []run
			for j := 0; j < ny; j++ {
				before := len(rs)
				rs = rowRuns(rs, m.Data[(k*ny+j)*nx:(k*ny+j+1)*nx], inside)
				counts[k*ny+j] = int32(len(rs) - before)
			}
			perSlice[k] = rs
		}
	})
	s := &runSet{dims: m.Dims, first: make([]int32, ny*nz+1)}
	total := 0
	for r, c := range counts {
		s.first[r] = int32(total)
		total += int(c)
	}
	s.first[ny*nz] = int32(total)
	s.runs = make([]run, 0, total)
	for _, rs := range perSlice {
		s.runs = append(s.runs, rs...)
	}
	return s
}

// rowRuns appends the runs of one row to rs.
func rowRuns(rs []run, row []uint8, inside bool) []run {
	n := len(row)
	for i := 0; i < n; {
		if inside {
			for i+8 <= n && binary.LittleEndian.Uint64(row[i:]) == 0 {
				i += 8
			}
		}
		for i < n && (row[i] != 0) != inside {
			i++
		}
		if i == n {
			break
		}
		start := i
		for i < n && (row[i] != 0) == inside {
			i++
		}
		rs = append(rs, run{int32(start), int32(i)})
	}
	return rs
}

// row is the runs of row (j, k) and the index of the first.
func (s *runSet) row(j, k int) ([]run, int32) {
	r := j + s.dims[1]*k
	return s.runs[s.first[r]:s.first[r+1]], s.first[r]
}

// unionFind links runs; every set's root is its first run in scan order,
// so that the partition, not the order of unions, decides the roots.
type unionFind []int32

func (u unionFind) find(x int32) int32 {
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b int32) {
	ra, rb := u.find(a), u.find(b)
	switch {
	case ra < rb:
		u[rb] = ra
	case rb < ra:
		u[ra] = rb
	}
}

// components is the labelling of a run set: label[i] is run i's component
// (1-based) and sizes[c-1] the voxels of component c.
type components struct {
	*runSet
	label []int32
	sizes []int
}

// label finds the connected components of a run set: runs are linked
// within slabs of slices in parallel, then across slab borders, then
// numbered in scan order.
func label(s *runSet, c Connectivity) *components {
	u := make(unionFind, len(s.runs))
	for i := range u {
		u[i] = int32(i)
	}
	ny, nz := s.dims[1], s.dims[2]
	var mu sync.Mutex
	var slabStarts []int
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				s.linkRow(u, j, k, c, k > k0)
			}
		}
		mu.Lock()
		slabStarts = append(slabStarts, k0)
		mu.Unlock()
	})
	for _, k := range slabStarts {
		if k > 0 {
			for j := 0; j < ny; j++ {
				s.linkSlices(u, j, k, c)
			}
		}
	}
	out := &components{runSet: s, label: make([]int32, len(s.runs))}
	for i := range s.runs {
		root := u.find(int32(i))
		if root == int32(i) {
			out.sizes = append(out.sizes, 0)
			out.label[i] = int32(len(out.sizes))
		} else {
			out.label[i] = out.label[root]
		}
		out.sizes[out.label[i]-1] += int(s.runs[i].x1 - s.runs[i].x0)
	}
	return out
}

// linkRow links row (j, k) to the row before it in its slice and, when
// withSlice is set, to its neighbour rows in slice k-1.
func (s *runSet) linkRow(u unionFind, j, k int, c Connectivity, withSlice bool) {
	cur, base := s.row(j, k)
	if len(cur) == 0 {
		return
	}
	if j > 0 {
		prev, pbase := s.row(j-1, k)
		linkRuns(u, cur, base, prev, pbase, c)
	}
	if withSlice {
		s.linkSlices(u, j, k, c)
	}
}

// linkSlices links row (j, k) to its neighbour rows in slice k-1.
func (s *runSet) linkSlices(u unionFind, j, k int, c Connectivity) {
	cur, base := s.row(j, k)
	if len(cur) == 0 {
		return
	}
	if c == Face {
		prev, pbase := s.row(j, k-1)
		linkRuns(u, cur, base, prev, pbase, c)
		return
	}
	for jj := max(j-1, 0); jj <= min(j+1, s.dims[1]-1); jj++ {
		prev, pbase := s.row(jj, k-1)
		linkRuns(u, cur, base, prev, pbase, c)
	}
}

// linkRuns links the runs of two neighbouring rows that touch: runs that
// share an x (Face), or that share an x or are diagonal neighbours (Full).
func linkRuns(u unionFind, a []run, abase int32, b []run, bbase int32, c Connectivity) {
	var d int32
	if c != Face {
		d = 1
	}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		if a[i].x0 < b[j].x1+d && b[j].x0 < a[i].x1+d {
			u.union(abase+int32(i), bbase+int32(j))
		}
		if a[i].x1 < b[j].x1 {
			i++
		} else {
			j++
		}
	}
}

// paint calls set(n, run's component) for every voxel index n of every
// run, slice by slice in parallel.
func (cs *components) paint(set func(lo, hi int, comp int32)) {
	nx, ny := cs.dims[0], cs.dims[1]
	parallel.For(cs.dims[2], 1, func(k0, k1 int) {
		for r := k0 * ny; r < k1*ny; r++ {
			for i := cs.first[r]; i < cs.first[r+1]; i++ {
				off := r * nx
				set(off+int(cs.runs[i].x0), off+int(cs.runs[i].x1), cs.label[i])
			}
		}
	})
}

// mask is the 0/1 mask of the components c for which keep[c-1] is true,
// on grid g.
func (cs *components) mask(g volume.Grid, keep []bool) *volume.Volume[uint8] {
	out := volume.New[uint8](g)
	cs.paint(func(lo, hi int, comp int32) {
		if keep[comp-1] {
			fill(out.Data[lo:hi], 1)
		}
	})
	return out
}

// fill sets every element of s to x.
func fill[T any](s []T, x T) {
	for i := range s {
		s[i] = x
	}
}

// Components labels the connected components of m's nonzero voxels 1..n in
// scan order (the component holding the first voxel in storage order is 1);
// background is 0. sizes[i] is the number of voxels of component i+1.
func Components(m *volume.Volume[uint8], c Connectivity) (*volume.Volume[int32], []int) {
	cs := label(findRuns(m, true), c)
	out := volume.New[int32](m.Grid)
	cs.paint(func(lo, hi int, comp int32) { fill(out.Data[lo:hi], comp) })
	return out, cs.sizes
}

// Largest is the mask of m's largest connected component (the first in
// scan order among equals); it is empty when m is.
func Largest(m *volume.Volume[uint8], c Connectivity) *volume.Volume[uint8] {
	cs := label(findRuns(m, true), c)
	keep := make([]bool, len(cs.sizes))
	if len(keep) > 0 {
		best := 0
		for i, n := range cs.sizes {
			if n > cs.sizes[best] {
				best = i
			}
		}
		keep[best] = true
	}
	return cs.mask(m.Grid, keep)
}

// RemoveSmall drops the connected components of m whose volume is below
// minMM3 cubic millimetres and returns the mask left and how many
// components it dropped.
func RemoveSmall(m *volume.Volume[uint8], c Connectivity, minMM3 float64) (*volume.Volume[uint8], int) {
	cs := label(findRuns(m, true), c)
	keep := make([]bool, len(cs.sizes))
	vv := m.VoxelVolume()
	removed := 0
	for i, n := range cs.sizes {
		keep[i] = float64(n)*vv >= minMM3
		if !keep[i] {
			removed++
		}
	}
	return cs.mask(m.Grid, keep), removed
}

// ValueComponents labels the 26-connected components of the voxels of
// value v of a label map inside the box of those voxels (an empty box
// when there are none or v is 0), as Components numbers them.
func ValueComponents(lab *volume.Volume[uint8], v uint8) (*volume.Part[int32], []int) {
	lo, hi, ok := volume.ValueBox(lab, v)
	if v == 0 || !ok {
		lo, hi = [3]int{}, [3]int{}
	}
	m := volume.Crop(lab, lo, hi)
	for i, x := range m.Data {
		m.Data[i] = 0
		if x == v {
			m.Data[i] = 1
		}
	}
	c, sizes := Components(m, Full)
	return volume.CropPart(lab.Grid, lo, c), sizes
}
