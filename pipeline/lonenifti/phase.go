package lonenifti

import (
	"fmt"
	"strings"

	"kidney3d/pipeline/ctphase"
	"kidney3d/pipeline/volume"
)

// phaseSlices is how many axial slices, spread over the middle 80% of the
// image, the phase is read from: twice what the DICOM import reads, which
// has the tags beside it (with 16, the demo's seed 2 portal venous phase
// read as A: its vein, 225 HU, ran through more of them than the aorta).
const phaseSlices = 32

// Phase is the contrast phase a lone image is opened as, and why.
type Phase struct {
	Name       string   // A or P from the image, A by default
	Confidence float64  // 0 when the image said nothing and A was taken
	Reasons    []string // what the image showed, and the choice
}

// ReadPhase reads the phase of the NIfTI image at path from its pixels:
// A or P from the aorta's HU (ctphase.ReadAorta on axial slices of the
// image in canonical RAS orientation). Where the aorta says nothing (an
// unenhanced or delayed scan, an aorta not found) the phase is A with
// confidence 0 and reasons that say so, for the user to correct. Excreted
// contrast is not read as D here: with no tags to outweigh it, dense bone
// passes for it on real CT (ctphase.ExcretionConfidence).
func ReadPhase(path string) (Phase, error) {
	v, err := volume.Load[float32](path)
	if err != nil {
		return Phase{}, err
	}
	v, _ = volume.Canonical(v)
	aorta := readAorta(v)
	if p, c, why := aorta.Evidence(); p != "" {
		return Phase{p, c, []string{why}}, nil
	}
	return Phase{"A", 0, []string{aorta.NoPhaseReason(),
		"opened as A (arterial), the phase every model reads; rename input/A.nii.gz to P, D or N if the scan is another phase"}}, nil
}

// readAorta reads the aorta in axial slices of v, a volume in canonical
// RAS orientation: its rows run towards the front.
func readAorta(v *volume.Volume[float32]) ctphase.AortaReading {
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	sp := v.Spacing()
	axial := make([]ctphase.Slice, min(phaseSlices, nz))
	for i := range axial {
		k := ctphase.Spread(i, len(axial), nz)
		axial[i] = ctphase.Slice{HU: v.Data[k*nx*ny : (k+1)*nx*ny], Width: nx, Height: ny,
			ColumnMM: sp[0], RowMM: sp[1], Posterior: -1}
	}
	return ctphase.ReadAorta(axial)
}

// String is the phase and its reasons, for a message.
func (p Phase) String() string {
	return fmt.Sprintf("phase %s (%s)", p.Name, strings.Join(p.Reasons, "; "))
}
