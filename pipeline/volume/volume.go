package volume

import "fmt"

// Voxel is the set of element types a volume can hold: those NIfTI stores.
type Voxel interface {
	uint8 | int8 | int16 | uint16 | int32 | uint32 | float32 | float64
}

// Volume is a 3D image: voxels stored x fastest on a grid.
type Volume[T Voxel] struct {
	Grid
	Data []T
}

// New returns a zero-filled volume on g.
func New[T Voxel](g Grid) *Volume[T] {
	return &Volume[T]{Grid: g, Data: make([]T, g.Len())}
}

// Wrap makes a volume from existing voxels, checking that their number fits g.
func Wrap[T Voxel](g Grid, data []T) (*Volume[T], error) {
	if len(data) != g.Len() {
		return nil, fmt.Errorf("volume: %d voxels for a %v grid (%d expected)", len(data), g.Dims, g.Len())
	}
	return &Volume[T]{Grid: g, Data: data}, nil
}

// At is the voxel at (i, j, k); it panics outside the grid, like a slice.
func (v *Volume[T]) At(i, j, k int) T { return v.Data[v.Index(i, j, k)] }

// Set stores x at (i, j, k).
func (v *Volume[T]) Set(i, j, k int, x T) { v.Data[v.Index(i, j, k)] = x }

// Clone returns a deep copy.
func (v *Volume[T]) Clone() *Volume[T] {
	return &Volume[T]{Grid: v.Grid, Data: append([]T(nil), v.Data...)}
}

// Convert returns the volume's voxels as another type, rounding to nearest
// and saturating at the target type's range when it is an integer type.
func Convert[D, S Voxel](v *Volume[S]) *Volume[D] {
	out := New[D](v.Grid)
	lo, hi, isInt := limits[D]()
	parallelFor(len(v.Data), func(a, b int) {
		for n := a; n < b; n++ {
			out.Data[n] = castVoxel[D](float64(v.Data[n]), lo, hi, isInt)
		}
	})
	return out
}
