package ctphase

import (
	"fmt"
	"math"
	"slices"
)

// ExcretionReading is what a series' axial images say of contrast
// excreted into the collecting systems and ureters, which makes a delayed
// (excretory) phase.
type ExcretionReading struct {
	Slices int     // axial slices looked at (those at least MinFieldMM across)
	Found  int     // of those, the slices with excreted contrast where the collecting systems lie
	PeakHU float64 // the brightest such region's brightest pixel; 0 when none
}

// What ReadExcretion takes for excreted contrast in one axial slice: a
// connected region of pixels of at least ExcretedMinHU, solid (holes of at
// most maxHoleShare of its area: the cortex of a vertebra or rib rings
// its marrow), ExcretedMinMM2 to ExcretedMaxMM2 in area (a ureter to a
// renal pelvis), whose brightest pixel reaches ExcretedPeakHU (denser than
// cortical bone blurred over a pixel) but stays below MetalHU (a metal
// implant: a hip or spine prosthesis, a clip), lying where the collecting systems
// and ureters do: its centre minLateralMM to maxLateralMM to the side of
// the body's centre (a vertebra's pedicles and laminae, as dense, lie
// within about 25 mm of it) and no more than maxAnteriorMM in front of it.
// Bowel with oral contrast lies mostly in front, in the middle and low in
// the pelvis; the bladder (midline) is left out for the same reason. A
// series shows excretion when at least minExcretionSlices slices do.
const (
	ExcretedMinHU      = 400
	ExcretedPeakHU     = 1000
	MetalHU            = 2500
	ExcretedMinMM2     = 12
	ExcretedMaxMM2     = 2500
	maxHoleShare       = 0.1
	minLateralMM       = 35
	maxLateralMM       = 110
	maxAnteriorMM      = 10
	minExcretionSlices = 2
)

// ReadExcretion finds excreted contrast in axial slices of one series (as
// ReadAorta, the slices the caller chose).
func ReadExcretion(axial []Slice) ExcretionReading {
	var r ExcretionReading
	var f regionFinder
	var bright []bool
	for _, s := range axial {
		if float64(s.Width)*s.ColumnMM < MinFieldMM || float64(s.Height)*s.RowMM < MinFieldMM || len(s.HU) < s.Width*s.Height {
			continue
		}
		r.Slices++
		bx, by, ok := bodyCentre(s)
		if !ok {
			continue
		}
		pixelMM2 := s.ColumnMM * s.RowMM
		found := false
		bright = slices.Grow(bright[:0], s.Width*s.Height)[:s.Width*s.Height]
		for i, x := range s.HU[:len(bright)] {
			bright[i] = x >= ExcretedMinHU
		}
		f.each(s.Width, s.Height, bright, func(region []int) {
			area := float64(len(region)) * pixelMM2
			if area < ExcretedMinMM2 || area > ExcretedMaxMM2 {
				return
			}
			var sx, sy, peak float64
			for _, i := range region {
				sx += float64(i % s.Width)
				sy += float64(i / s.Width)
				peak = max(peak, float64(s.HU[i]))
			}
			n := float64(len(region))
			dx, dy := sx/n*s.ColumnMM-bx, (sy/n*s.RowMM-by)*float64(s.Posterior)
			if peak < ExcretedPeakHU || peak >= MetalHU || math.Abs(dx) < minLateralMM || math.Abs(dx) > maxLateralMM || dy < -maxAnteriorMM ||
				float64(holes(region, s.Width)) > maxHoleShare*n {
				return
			}
			found = true
			r.PeakHU = max(r.PeakHU, peak)
		})
		if found {
			r.Found++
		}
	}
	return r
}

// Shows says whether the reading shows excreted contrast.
func (r ExcretionReading) Shows() bool { return r.Found >= minExcretionSlices }

// String says what the reading found, for a reason.
func (r ExcretionReading) String() string {
	return fmt.Sprintf("excreted contrast (up to %.0f HU) in %d of %d axial slices, beside the spine where the collecting systems and ureters lie (not in front, where bowel with oral contrast would)", r.PeakHU, r.Found, r.Slices)
}

// holes counts the pixels that region (pixel indices of a grid w wide)
// encloses without holding them.
func holes(region []int, w int) int {
	x0, y0, x1, y1 := math.MaxInt, math.MaxInt, -1, -1
	for _, i := range region {
		x0, y0, x1, y1 = min(x0, i%w), min(y0, i/w), max(x1, i%w), max(y1, i/w)
	}
	// The region's box with a border of one pixel, from whose corner
	// everything outside the region is reached.
	bw, bh := x1-x0+3, y1-y0+3
	in := make([]bool, bw*bh)
	for _, i := range region {
		in[(i/w-y0+1)*bw+i%w-x0+1] = true
	}
	for i := range in {
		in[i] = !in[i] // now: outside the region
	}
	var f regionFinder
	outside := 0
	f.each(bw, bh, in, func(r []int) {
		if r[0] == 0 {
			outside = len(r)
		}
	})
	return bw*bh - len(region) - outside
}
