package dicomseries

import (
	"fmt"

	"kidney3d/pipeline/dicompixel"
)

// ReadSlice decodes the series' slice k (in the order along the slice
// normal) alone and returns its values in the modality's units (Rescale
// Slope and Intercept applied), row by row as the file stores them (row 0
// at the top of the image, as a DICOM viewer shows it), with its width and
// height: what a series table's thumbnail needs, without decoding the
// series.
func (s *Series) ReadSlice(k int) (values []float32, width, height int, err error) {
	if k < 0 || k >= len(s.Instances) {
		return nil, 0, 0, fmt.Errorf("series %s: no slice %d (it has %d)", s.ID, k, len(s.Instances))
	}
	in := s.Instances[k]
	raw := make([]int32, in.Format.Pixels())
	if in.NumberOfFrames <= 1 {
		err = dicompixel.ReadFile(in.Path, in.Format, raw)
	} else {
		var f *dicompixel.File
		if f, err = dicompixel.Open(in.Path, in.NumberOfFrames); err == nil {
			err = f.Decode(in.Frame, in.Format, raw)
			f.Close()
		}
	}
	if err != nil {
		return nil, 0, 0, &SeriesError{Series: s.ID, Reason: "cannot read its pixels", Err: err}
	}
	values = make([]float32, len(raw))
	for n, x := range raw {
		values[n] = float32(float64(x)*in.RescaleSlope + in.RescaleIntercept)
	}
	return values, in.Format.Columns, in.Format.Rows, nil
}
