// Package segtools holds the segment editor's region algorithms as pure
// functions on volumes: flood fill and level tracing in a slice or in 3D,
// fill between slices (morphological contour interpolation), grow from
// seeds (a fast GrowCut competition with incremental updates), scissors
// (a polygon drawn over the 3D view cut through the volume) and polygon
// fill on a slice.
//
// Nothing here reads or writes files. Inputs are volumes with their grids,
// points in world RAS millimetres (through the grid's affine) or voxel
// indices in parameters named so; results are binary masks
// (*volume.Volume[uint8], 1 inside and 0 outside) on the input's grid, or
// label volumes where several labels compete. Functions that can run long
// take a context and stop with its error when it is cancelled.
package segtools
