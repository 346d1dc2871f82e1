package infer

import "kidney3d/pipeline/volume"

// view is a volume seen in the model's storage without copying it: voxel
// (i, j, k) of the relabelled grid is data[base + i·step[0] + j·step[1] +
// k·step[2]]. The sliding window reads the phases and writes the labels
// through views, so that a study stored otherwise than the model was
// trained costs no copy.
type view[T volume.Voxel] struct {
	data []T
	base int
	step [3]int
}

// viewOf is v relabelled by o.
func viewOf[T volume.Voxel](v *volume.Volume[T], o volume.Orientation) view[T] {
	base, step := o.Strides(v.Dims, [3]int{}, v.Dims)
	return view[T]{data: v.Data, base: base, step: step}
}

// index is the storage index of the relabelled voxel (i, j, k).
func (w view[T]) index(i, j, k int) int {
	return w.base + i*w.step[0] + j*w.step[1] + k*w.step[2]
}
