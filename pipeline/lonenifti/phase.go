package lonenifti

import (
	"fmt"
	"strings"

	"kidney3d/pipeline/ctphase"
	"kidney3d/pipeline/volume"
)

// phaseSlices is how many axial slices, spread over the middle 80% of the
// image, the phase is read from (as the DICOM import reads a series).
const phaseSlices = 16

// Phase is the contrast phase a lone image is opened as, and why.
type Phase struct {
	Name       string   // A, P or D
	Confidence float64  // 0 when the image said nothing and A was taken
	Reasons    []string // what the image showed, and the choice
}

// ReadPhase reads the phase of the NIfTI image at path from its pixels
// (ctphase.FromImage on axial slices of the image in canonical RAS
// orientation): A or P from the aorta's HU, D from excreted contrast
// where the aorta is dim. Where the image says nothing (an unenhanced
// scan, an aorta not found) the phase is A with confidence 0 and a reason
// that says so, for the user to correct.
func ReadPhase(path string) (Phase, error) {
	v, err := volume.Load[float32](path)
	if err != nil {
		return Phase{}, err
	}
	v, _ = volume.Canonical(v)
	aorta, excretion := readImage(v)
	if p, c, why := ctphase.FromImage(aorta, &excretion); p != "" {
		return Phase{p, c, []string{why}}, nil
	}
	return Phase{"A", 0, []string{ctphase.Silent(aorta),
		"opened as A (arterial), the phase every model reads; rename input/A.nii.gz to P, D or N if the scan is another phase"}}, nil
}

// readImage reads the aorta and excreted contrast in axial slices of v,
// a volume in canonical RAS orientation: its rows run towards the front.
func readImage(v *volume.Volume[float32]) (ctphase.AortaReading, ctphase.ExcretionReading) {
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	sp := v.Spacing()
	axial := make([]ctphase.Slice, min(phaseSlices, nz))
	for i := range axial {
		k := nz/10 + i*(nz-1-2*(nz/10))/max(1, len(axial)-1)
		axial[i] = ctphase.Slice{HU: v.Data[k*nx*ny : (k+1)*nx*ny], Width: nx, Height: ny,
			ColumnMM: sp[0], RowMM: sp[1], Posterior: -1}
	}
	return ctphase.ReadAorta(axial), ctphase.ReadExcretion(axial)
}

// String is the phase and its reasons, for a message.
func (p Phase) String() string {
	return fmt.Sprintf("phase %s (%s)", p.Name, strings.Join(p.Reasons, "; "))
}
