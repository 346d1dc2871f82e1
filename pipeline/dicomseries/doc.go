// Package dicomseries turns the DICOM instances a scan found into image
// series and series into volumes. Group gathers instances by Study and
// Series Instance UID and splits a series by orientation, Image Type and,
// where the same positions recur, Acquisition Number; scouts (LOCALIZER)
// are dropped. Each series' slices are sorted along the slice normal and
// its geometry is checked and computed as dcm2niix computes it: the
// affine from Image Position/Orientation (Patient) and Pixel Spacing,
// converted from DICOM's LPS to RAS, rows stored bottom-up. Unequally
// spaced slices, missing slices (with Options.FillGaps) and a gantry tilt
// give a series whose Geometry.Resampled says how Load brings it onto an
// orthogonal, equidistant grid. A series that cannot be one volume (mixed
// sizes, duplicate or nearly coincident positions, a missing slice without
// FillGaps, a tilt with unequal or missing slices) carries a *SeriesError
// saying why and naming the files; it is listed but never imported.
//
// Load reads a series' pixels, in parallel, and rescales them to the
// modality's units (Hounsfield units for CT): int16 when every value is
// exact as an int16, float32 otherwise.
package dicomseries
