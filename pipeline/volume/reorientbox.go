package volume

import "kidney3d/pipeline/parallel"

// ReorientBox returns the box lo..hi (hi exclusive) of v relabelled by o,
// in one pass: Reorient(Crop(v, lo, hi), o) without the cropped copy.
func ReorientBox[T Voxel](v *Volume[T], lo, hi [3]int, o Orientation) *Volume[T] {
	crop := CropGrid(v.Grid, lo, hi)
	out := New[T](o.Grid(crop))
	base, step := o.Strides(v.Dims, lo, hi)
	nx, ny := out.Dims[0], out.Dims[1]
	parallel.For(out.Dims[2], 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				src := base + j*step[1] + k*step[2]
				dst := out.Index(0, j, k)
				for i := 0; i < nx; i++ {
					out.Data[dst+i] = v.Data[src]
					src += step[0]
				}
			}
		}
	})
	return out
}

// Strides locate the voxels of the box lo..hi (hi exclusive) of a volume
// of dims relabelled by o, in the volume's own storage: the relabelled
// box's voxel (i, j, k) is stored at index base + i·step[0] + j·step[1] +
// k·step[2]. A view through them relabels without copying.
func (o Orientation) Strides(dims, lo, hi [3]int) (base int, step [3]int) {
	inStride := [3]int{1, dims[0], dims[0] * dims[1]}
	base = lo[0] + inStride[1]*lo[1] + inStride[2]*lo[2]
	for a := 0; a < 3; a++ {
		in := o.Perm[a]
		step[a] = inStride[in]
		if o.Flip[a] {
			base += (hi[in] - lo[in] - 1) * inStride[in]
			step[a] = -step[a]
		}
	}
	return base, step
}

// Box is the box lo..hi (hi exclusive) of a grid of dims, relabelled by
// o: the same voxels' box on o.Grid of that grid.
func (o Orientation) Box(dims, lo, hi [3]int) (olo, ohi [3]int) {
	for a := 0; a < 3; a++ {
		in := o.Perm[a]
		olo[a], ohi[a] = lo[in], hi[in]
		if o.Flip[a] {
			olo[a], ohi[a] = dims[in]-hi[in], dims[in]-lo[in]
		}
	}
	return olo, ohi
}
