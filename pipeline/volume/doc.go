// Package volume holds 3D images with their geometry: a voxel grid (dims and
// a voxel-to-world affine in RAS millimetres) and voxels stored x fastest, as
// NIfTI stores them. It converts between voxel and world coordinates, reorients
// to canonical RAS and back, resamples one volume onto another's grid and checks
// that volumes share a grid. The geometry always travels with the voxels.
package volume
