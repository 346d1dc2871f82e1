package modelpkg

import (
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/volume"
)

// DefaultOrientation is the storage a model whose model.json has no
// "orientation" runs in: voxel axes pointing closest to the patient's
// right, anterior and superior, the storage nibabel's as_closest_canonical
// gives and TotalSegmentator trains and predicts in.
//
// model.json's "orientation" names another storage by its axis codes, the
// world direction of the voxel axes x, y, z in NIfTI order, as `kidney3d
// info` prints them (e.g. "LPS" for a network trained on arrays as ITK
// stores DICOM). Before inference every phase is relabelled to the voxel
// axes nearest to that storage (axes permuted and reversed, never
// resampled: an oblique scan stays oblique), and the labels are relabelled
// back onto the phase's own grid, voxel for voxel. The demo models were
// trained on demo cases, which are stored RAS.
const DefaultOrientation = "RAS"

// AxisCodes is the storage the network runs in: Orientation, or
// DefaultOrientation when model.json does not say.
func (m *Manifest) AxisCodes() string {
	if m.Orientation == "" {
		return DefaultOrientation
	}
	return m.Orientation
}

func (m *Manifest) validateOrientation(bad func(string, ...any)) {
	if _, err := volume.ParseAxisCodes(m.AxisCodes()); err != nil {
		bad("orientation %s: want three axis codes, one of L/R, one of P/A and one of I/S, e.g. %q", limits.Quote(m.Orientation), DefaultOrientation)
	}
}
