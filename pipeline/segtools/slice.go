package segtools

import (
	"fmt"

	"kidney3d/pipeline/volume"
)

// Slice is one slice of a grid: the voxels whose index along voxel axis
// Axis (0, 1 or 2) is Index.
type Slice struct {
	Axis, Index int
}

// check reports a slice that is not on g.
func (s Slice) check(g volume.Grid) error {
	if s.Axis < 0 || s.Axis > 2 {
		return fmt.Errorf("segtools: slice axis %d is not a voxel axis (0, 1 or 2)", s.Axis)
	}
	if s.Index < 0 || s.Index >= g.Dims[s.Axis] {
		return fmt.Errorf("segtools: slice %d along voxel axis %d is outside the grid (0..%d)", s.Index, s.Axis, g.Dims[s.Axis]-1)
	}
	return nil
}

// checkSeed reports a slice that is not on g or does not hold the seed
// voxel of tool.
func (s Slice) checkSeed(g volume.Grid, seedVoxel [3]int, tool string) error {
	if err := s.check(g); err != nil {
		return err
	}
	if seedVoxel[s.Axis] != s.Index {
		return fmt.Errorf("segtools: %s: seed voxel %v is not on slice %d along voxel axis %d", tool, seedVoxel, s.Index, s.Axis)
	}
	return nil
}

// inPlane are the two voxel axes of the slice, in increasing order.
func (s Slice) inPlane() (u, v int) {
	switch s.Axis {
	case 0:
		return 1, 2
	case 1:
		return 0, 2
	}
	return 0, 1
}

// SliceAt is the slice normal to voxel axis that holds the world point
// pointMM (RAS millimetres), or an error when the point lies outside the
// grid.
func SliceAt(g volume.Grid, axis int, pointMM [3]float64) (Slice, error) {
	v, err := g.NearestVoxel(pointMM)
	if err != nil {
		return Slice{}, err
	}
	s := Slice{Axis: axis, Index: 0}
	if axis >= 0 && axis <= 2 {
		s.Index = v[axis]
	}
	return s, s.check(g)
}

// sameDims reports a volume whose dims differ from g's.
func sameDims(what string, g, other volume.Grid) error {
	if g.Dims != other.Dims {
		return fmt.Errorf("segtools: %s is %v voxels, the image %v", what, other.Dims, g.Dims)
	}
	return nil
}

// sliceOf copies slice s of v into a flat volume (dims [nu, nv, 1], u < v
// the in-plane voxel axes) whose grid has the slice's in-plane spacing, so
// that distances on it are in millimetres.
func sliceOf[T volume.Voxel](v *volume.Volume[T], s Slice) *volume.Volume[T] {
	a, b := s.inPlane()
	sp := v.Spacing()
	aff := volume.Identity
	aff[0][0], aff[1][1] = sp[a], sp[b]
	out := volume.New[T](volume.Grid{Dims: [3]int{v.Dims[a], v.Dims[b], 1}, Affine: aff})
	n := 0
	forSlice(v.Grid, s, func(at int) {
		out.Data[n] = v.Data[at]
		n++
	})
	return out
}

// putSlice writes the flat volume p (as sliceOf makes it) into slice s of v.
func putSlice[T volume.Voxel](v *volume.Volume[T], s Slice, p *volume.Volume[T]) {
	n := 0
	forSlice(v.Grid, s, func(at int) {
		v.Data[at] = p.Data[n]
		n++
	})
}

// onSlice is the mask on g that holds the flat mask p on slice s.
func onSlice(g volume.Grid, s Slice, p *volume.Volume[uint8]) *volume.Volume[uint8] {
	out := volume.New[uint8](g)
	putSlice(out, s, p)
	return out
}

// forSlice calls f with the storage index of every voxel of slice s, the
// lower in-plane axis fastest.
func forSlice(g volume.Grid, s Slice, f func(n int)) {
	u, v := s.inPlane()
	var at [3]int
	at[s.Axis] = s.Index
	for b := 0; b < g.Dims[v]; b++ {
		for a := 0; a < g.Dims[u]; a++ {
			at[u], at[v] = a, b
			f(g.Index(at[0], at[1], at[2]))
		}
	}
}
