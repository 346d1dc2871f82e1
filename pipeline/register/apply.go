package register

import "kidney3d/pipeline/volume"

// Apply resamples moving onto fixedGrid through t: each output voxel at
// world position p takes the moving value at t(p), or fill outside the
// moving image. Use volume.Linear for intensities and volume.Nearest for
// label maps.
func Apply[T volume.Voxel](moving *volume.Volume[T], fixedGrid volume.Grid, t Transform, interp volume.Interpolation, fill T) (*volume.Volume[T], error) {
	inv, err := t.Affine().Inverse()
	if err != nil {
		return nil, err
	}
	// Seen through t⁻¹, the moving voxels sit in the fixed image's world:
	// output voxel i reads moving voxel M⁻¹·t·F·i, which is what Resample
	// computes for a source with affine t⁻¹·M.
	src := &volume.Volume[T]{
		Grid: volume.Grid{Dims: moving.Dims, Affine: inv.Mul(moving.Affine)},
		Data: moving.Data,
	}
	return volume.Resample(src, fixedGrid, interp, fill)
}
