// Package nephrometry scores a kidney tumour from a label map as the
// nephrometry systems do from a CT: R.E.N.A.L. (Kutikov & Uzzo 2009),
// PADUA (Ficarra et al. 2009) and the C-index (Simmons et al. 2010), each
// component with the measured value it came from, following the
// definitions of the KiTS challenge's reference code (seg-to-nephrometry)
// where the papers leave a choice (Methods states them). It also measures
// each tumour (package measure's Tumor) and each kidney (Kidney).
package nephrometry

import (
	"fmt"
	"math"
)

// RadiusPoints is R.E.N.A.L.'s R for a maximal diameter in mm: 1 up to
// 40 mm, 2 above 40 and below 70 mm, 3 from 70 mm.
func RadiusPoints(diameterMM float64) int {
	switch {
	case diameterMM >= 70:
		return 3
	case diameterMM > 40:
		return 2
	}
	return 1
}

// SizePoints is PADUA's size: 1 up to 40 mm, 2 up to 70 mm, 3 above.
func SizePoints(diameterMM float64) int {
	switch {
	case diameterMM > 70:
		return 3
	case diameterMM > 40:
		return 2
	}
	return 1
}

// ExophyticPoints is R.E.N.A.L.'s E (and PADUA's exophytic rate) for the
// share of the tumour outside the kidney: 1 for at least half, 2 for less,
// 3 for an entirely endophytic tumour.
func ExophyticPoints(exophyticFraction float64) int {
	switch {
	case exophyticFraction <= 0:
		return 3
	case exophyticFraction < 0.5:
		return 2
	}
	return 1
}

// NearnessPoints is R.E.N.A.L.'s N for the distance in mm to the
// collecting system or sinus: 1 from 7 mm, 2 above 4 mm, 3 up to 4 mm.
func NearnessPoints(distanceMM float64) int {
	switch {
	case distanceMM >= 7:
		return 1
	case distanceMM > 4:
		return 2
	}
	return 3
}

// anteriorBandMM is how far the tumour's centroid must lie in front of or
// behind the kidney's for the a or p suffix (seg-to-nephrometry's 10 mm).
const anteriorBandMM = 10

// AnteriorSuffix is R.E.N.A.L.'s A for how far in mm the tumour's centroid
// lies in front of the kidney's (negative: behind): "a", "p", or "x"
// within anteriorBandMM.
func AnteriorSuffix(anteriorMM float64) string {
	switch {
	case math.Abs(anteriorMM) < anteriorBandMM:
		return "x"
	case anteriorMM > 0:
		return "a"
	}
	return "p"
}

// LocationPoints is R.E.N.A.L.'s L for the share of the tumour between the
// polar lines and whether it crosses the axial midline between them: 3 when
// it crosses the midline or more than half lies between the lines, 2 when
// some does, 1 when it lies entirely above or below them.
func LocationPoints(between float64, crossesMidline bool) int {
	switch {
	case crossesMidline || between > 0.5:
		return 3
	case between > 0:
		return 2
	}
	return 1
}

// LongitudinalPoints is PADUA's longitudinal location: 2 when more than half
// of the tumour lies between the sinus lines, else 1 (polar).
func LongitudinalPoints(between float64) int {
	if between > 0.5 {
		return 2
	}
	return 1
}

// RimPoints is PADUA's renal rim for how far in mm the tumour's centroid
// lies medial of the kidney's: 2 medial, 1 lateral.
func RimPoints(medialMM float64) int {
	if medialMM > 0 {
		return 2
	}
	return 1
}

// InvolvedPoints is PADUA's sinus or collecting system involvement: 2 when
// the tumour touches the structure, else 1.
func InvolvedPoints(touches bool) int {
	if touches {
		return 2
	}
	return 1
}

// RenalText is the score as written: "8a", "10ph".
func RenalText(score int, a string, hilar bool) string {
	s := fmt.Sprintf("%d%s", score, a)
	if hilar {
		s += "h"
	}
	return s
}
