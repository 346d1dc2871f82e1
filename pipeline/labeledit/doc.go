// Package labeledit holds the segment editor's tools as pure functions on a
// label map (a *volume.Volume[uint8] on the case's reference grid): each
// tool makes a Change, the voxels it wants set to which value, and Apply
// writes the Change into the map under the editor's Mask (editable area,
// intensity range, labels that may be overwritten) and returns the Delta of
// the voxels it changed, which undoes and redoes the stroke exactly.
//
// Shapes are given in world RAS millimetres (centres, radii, polygon
// vertices), so a stroke lands on the same anatomy whatever the storage
// orientation of the file. Regions are volume.Part masks on the label
// map's grid (1 inside), held as their bounding box, so that a brush dab
// costs in proportion to the brush and not to the volume.
package labeledit
