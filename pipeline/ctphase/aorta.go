package ctphase

import (
	"fmt"
	"math"
	"slices"

	"kidney3d/pipeline/parallel"
)

// Slice is one axial image of a series: its values in HU row by row,
// Width by Height, and the distances between its columns and between its
// rows in mm.
type Slice struct {
	HU              []float32
	Width, Height   int
	ColumnMM, RowMM float64
	// Posterior is 1 when the rows run towards the patient's back (the
	// usual axial image), -1 towards the front, 0 when not known.
	Posterior float64
}

// AortaReading is what a series' images say about its contrast: the HU
// of the abdominal aorta, found as the brightest round tube that runs
// through the axial slices.
type AortaReading struct {
	Slices int     // axial slices looked at (those at least MinFieldMM across)
	Found  int     // of those, the slices the aorta was found in
	HU     float64 // the aorta's median HU over those slices; 0 when not found
}

// What ReadAorta takes for the aorta in one axial slice: a connected
// region of one HU band (bandHU wide, starting every bandStepHU from
// VesselMinHU up to VesselMaxHU: a band, not a threshold, so that
// enhanced blood comes apart from the cancellous bone, renal cortex or
// veins it touches, whichever is brighter), with the area of a disc
// AortaMinMM to AortaMaxMM across, at least minRoundness of the disc its
// farthest point spans, at most maxBoneRing of its rim with a pixel
// ringContrastHU brighter than its median within boneRingMM outwards
// (cortical bone rings a vertebral body, however blurred; the aorta
// touches it on one side at most), no pixel that bright in the inner half
// of its disc (a ring of blurred excreted contrast around a collecting
// system or ureter), its centre
// within maxFromBodyMM of the body's (the kidneys lie farther out).
// Regions of two slices within trackMM of each other are one tube; the
// aorta is the tube found in the most slices, in at least minTrackSlices
// and a minTrackShare of those looked at.
const (
	VesselMinHU    = 90
	VesselMaxHU    = 600
	bandHU         = 90
	bandStepHU     = 30
	AortaMinMM     = 14
	AortaMaxMM     = 35
	minRoundness   = 0.55
	maxBoneRing    = 0.5
	boneRingMM     = 5
	ringContrastHU = 150
	maxFromBodyMM  = 60
	bodyMinHU      = -300
	trackMM        = 12
	minTrackSlices = 3
	minTrackShare  = 0.4
)

// MinFieldMM is the smallest field of view, across and front to back, of
// a slice that ReadAorta looks at: one that can hold an abdomen.
const MinFieldMM = 150

// The aorta's HU that separate the phases: arterial from ArterialAortaHU,
// portal venous from PortalAortaHU. Below, the aorta says nothing: a
// delayed aorta is as bright as muscle-side soft tissue in a band, and
// telling it from a late portal venous one takes the excreted contrast in
// the collecting system (ReadExcretion).
const (
	ArterialAortaHU = 200
	PortalAortaHU   = 140
)

// ImageConfidence is the confidence of the image's evidence: an aorta
// bright enough to read arterial or portal venous. An aorta not found says
// nothing: it may be unenhanced, delayed (as dim as the soft tissue it
// touches), outside the slices or too unlike the model above.
const ImageConfidence = 0.5

// Spread is the slice index of the i-th of count axial slices spread
// evenly over the middle 80% of a series of n slices, as the readers
// take them.
func Spread(i, count, n int) int {
	return n/10 + i*(n-1-2*(n/10))/max(1, count-1)
}

// ReadAorta finds the abdominal aorta in axial slices of one series (as
// many as the caller chose, spread over the scan) and reads its HU.
func ReadAorta(axial []Slice) AortaReading {
	perSlice := make([][]vessel, len(axial))
	r := AortaReading{}
	for _, s := range axial {
		if float64(s.Width)*s.ColumnMM >= MinFieldMM && float64(s.Height)*s.RowMM >= MinFieldMM {
			r.Slices++
		}
	}
	parallel.For(len(axial), 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			if s := axial[n]; float64(s.Width)*s.ColumnMM >= MinFieldMM && float64(s.Height)*s.RowMM >= MinFieldMM {
				perSlice[n] = roundVessels(s)
			}
		}
	})
	var cands []vessel
	for n, vs := range perSlice {
		for _, v := range vs {
			v.slice = n
			cands = append(cands, v)
		}
	}
	if r.Slices == 0 {
		return r
	}
	best := bestTrack(cands)
	if len(best) < max(minTrackSlices, int(math.Ceil(minTrackShare*float64(r.Slices)))) {
		return r
	}
	hu := make([]float64, len(best))
	for i, v := range best {
		hu[i] = v.hu
	}
	slices.Sort(hu)
	r.Found, r.HU = len(best), median(hu)
	return r
}

// Evidence is the phase the reading points to, with its confidence and
// reason; no phase ("") when the aorta was not found or is dimmer than
// PortalAortaHU.
func (r AortaReading) Evidence() (phase string, confidence float64, reason string) {
	switch {
	case r.Found == 0:
		return "", 0, ""
	case r.HU >= ArterialAortaHU:
		phase = "A"
	case r.HU >= PortalAortaHU:
		phase = "P"
	default:
		return "", 0, ""
	}
	return phase, ImageConfidence, fmt.Sprintf("image: aorta %.0f HU (found in %d of %d axial slices)", r.HU, r.Found, r.Slices)
}

// dim says how dim the aorta is, for a reason that reads no phase from it.
func (r AortaReading) dim() string {
	if r.Found == 0 {
		return "the aorta not found brighter than its surroundings"
	}
	return fmt.Sprintf("the aorta %.0f HU (below %d)", r.HU, PortalAortaHU)
}

// vessel is a round bright region of one slice: its centre in mm and its
// median HU.
type vessel struct {
	slice  int
	x, y   float64
	hu     float64
	areaMM float64
}

// roundVessels are the regions of one slice that may be the aorta, from
// every HU band.
func roundVessels(s Slice) []vessel {
	w, h := s.Width, s.Height
	if w <= 0 || h <= 0 || len(s.HU) < w*h || s.ColumnMM <= 0 || s.RowMM <= 0 {
		return nil
	}
	bx, by, ok := bodyCentre(s)
	if !ok {
		return nil
	}
	pixelMM2 := s.ColumnMM * s.RowMM
	minPixels := int(math.Pi * AortaMinMM * AortaMinMM / 4 / pixelMM2)
	maxPixels := int(math.Ceil(math.Pi * AortaMaxMM * AortaMaxMM / 4 / pixelMM2))
	// Only the box within searchMM of the body's centre is looked at: an
	// accepted region's centre lies within maxFromBodyMM of it and, round
	// (its area at least minRoundness of the disc its farthest pixel
	// spans) and at most AortaMaxMM across, all of it within
	// AortaMaxMM/2/√minRoundness of its centre. A region that reaches the
	// box's edge (where that is not the image's) reaches farther, and is
	// refused as it would be whole.
	searchMM := maxFromBodyMM + AortaMaxMM/2/math.Sqrt(minRoundness) + 2*max(s.ColumnMM, s.RowMM)
	i0, i1 := max(0, int((bx-searchMM)/s.ColumnMM)), min(w, int((bx+searchMM)/s.ColumnMM)+2)
	j0, j1 := max(0, int((by-searchMM)/s.RowMM)), min(h, int((by+searchMM)/s.RowMM)+2)
	edge := func(i int) bool {
		x, y := i%w, i/w
		return x == i0 && i0 > 0 || x == i1-1 && i1 < w || y == j0 && j0 > 0 || y == j1-1 && j1 < h
	}
	var out []vessel
	var f regionFinder
	band := make([]bool, w*h) // false outside the box
	for lo := float32(VesselMinHU); lo+bandHU <= VesselMaxHU+bandStepHU; lo += bandStepHU {
		hi := min(lo+bandHU, VesselMaxHU)
		for j := j0; j < j1; j++ {
			for i, x := range s.HU[j*w+i0 : j*w+i1] {
				band[j*w+i0+i] = x >= lo && x <= hi
			}
		}
		inside := func(i int) bool { return band[i] }
		f.eachIn(w, h, i0, i1, j0, j1, band, func(region []int) {
			if len(region) < minPixels || len(region) > maxPixels || slices.ContainsFunc(region, edge) {
				return
			}
			if v, ok := measureRegion(s, region, inside); ok && math.Hypot(v.x-bx, v.y-by) <= maxFromBodyMM {
				out = append(out, v)
			}
		})
	}
	return out
}

// regionFinder finds the 4-connected regions of a w×h grid's pixels that
// are inside, reusing its buffers from call to call.
type regionFinder struct {
	seen          []bool
	region, stack []int
}

// each calls visit with every region of the pixels i with inside[i]
// (pixel indices; the slice is reused after visit returns).
func (f *regionFinder) each(w, h int, inside []bool, visit func(region []int)) {
	f.eachIn(w, h, 0, w, 0, h, inside, visit)
}

// eachIn is each where inside holds only within columns [x0, x1) and rows
// [y0, y1).
func (f *regionFinder) eachIn(w, h, x0, x1, y0, y1 int, inside []bool, visit func(region []int)) {
	if len(f.seen) != w*h {
		f.seen = make([]bool, w*h)
	}
	for y := y0; y < y1; y++ {
		clear(f.seen[y*w+x0 : y*w+x1])
	}
	for y := y0; y < y1; y++ {
		for start := y*w + x0; start < y*w+x1; start++ {
			if inside[start] && !f.seen[start] { // flood's own test, here without a call
				f.flood(w, h, start, inside, visit)
			}
		}
	}
}

// flood visits the region that holds the pixel start, unless it is not
// inside or was seen.
func (f *regionFinder) flood(w, h, start int, inside []bool, visit func(region []int)) {
	if f.seen[start] || !inside[start] {
		return
	}
	f.region, f.stack = f.region[:0], append(f.stack[:0], start)
	f.seen[start] = true
	for len(f.stack) > 0 {
		i := f.stack[len(f.stack)-1]
		f.stack = f.stack[:len(f.stack)-1]
		f.region = append(f.region, i)
		x, y := i%w, i/w
		for _, nb := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
			if nb[0] < 0 || nb[0] >= w || nb[1] < 0 || nb[1] >= h {
				continue
			}
			j := nb[1]*w + nb[0]
			if !f.seen[j] && inside[j] {
				f.seen[j] = true
				f.stack = append(f.stack, j)
			}
		}
	}
	visit(f.region)
}

// bodyCentre is the centre, in mm, of the slice's pixels brighter than
// air and lung (bodyMinHU); false when there are none.
func bodyCentre(s Slice) (x, y float64, ok bool) {
	var sx, sy, n float64
	for j := range s.Height {
		for i, v := range s.HU[j*s.Width : (j+1)*s.Width] {
			if v > bodyMinHU {
				sx += float64(i)
				sy += float64(j)
				n++
			}
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	return sx / n * s.ColumnMM, sy / n * s.RowMM, true
}

// measureRegion measures one region of a slice (a whole connected region
// of the pixels inside a band) and says whether it is round and unringed
// by bone.
func measureRegion(s Slice, region []int, inside func(int) bool) (vessel, bool) {
	w, h := s.Width, s.Height
	var sx, sy float64
	hu := make([]float64, len(region))
	for n, i := range region {
		sx += float64(i % w)
		sy += float64(i / w)
		hu[n] = float64(s.HU[i])
	}
	cx, cy := sx/float64(len(region)), sy/float64(len(region))
	slices.Sort(hu)
	bright := float32(median(hu) + ringContrastHU)
	var far2 float64
	rim, bone := 0, 0
	for _, i := range region {
		x, y := i%w, i/w
		dx, dy := (float64(x)-cx)*s.ColumnMM, (float64(y)-cy)*s.RowMM
		far2 = max(far2, dx*dx+dy*dy)
		for _, nb := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
			if nb[0] < 0 || nb[0] >= w || nb[1] < 0 || nb[1] >= h {
				continue
			}
			if j := nb[1]*w + nb[0]; !inside(j) {
				rim++
				if brightOutward(s, nb[0], nb[1], float64(nb[0])-cx, float64(nb[1])-cy, bright) {
					bone++
				}
			}
		}
	}
	area := float64(len(region)) * s.ColumnMM * s.RowMM
	// The farthest pixel centre lies half a pixel inside the region's edge.
	reach := math.Sqrt(far2) + (s.ColumnMM+s.RowMM)/4
	if area < minRoundness*math.Pi*reach*reach || rim == 0 || float64(bone) > maxBoneRing*float64(rim) ||
		brightCore(s, cx, cy, reach/2, bright) > 0 {
		return vessel{}, false
	}
	return vessel{x: cx * s.ColumnMM, y: cy * s.RowMM, hu: median(hu), areaMM: area}, true
}

// brightCore counts the pixels brighter than bright within reach mm of
// the pixel (cx, cy): the excreted contrast that a band's ring of
// collecting system or ureter surrounds (an aorta's calcified wall lies
// farther out).
func brightCore(s Slice, cx, cy, reach float64, bright float32) float64 {
	n := 0.0
	ri, rj := int(math.Ceil(reach/s.ColumnMM)), int(math.Ceil(reach/s.RowMM))
	for j := max(0, int(cy)-rj); j <= min(s.Height-1, int(cy)+rj); j++ {
		for i := max(0, int(cx)-ri); i <= min(s.Width-1, int(cx)+ri); i++ {
			if math.Hypot((float64(i)-cx)*s.ColumnMM, (float64(j)-cy)*s.RowMM) <= reach && s.HU[j*s.Width+i] > bright {
				n++
			}
		}
	}
	return n
}

// brightOutward says whether a pixel brighter than bright lies within
// boneRingMM of the rim pixel (x, y), outwards along (dx, dy) in pixels:
// the cortical bone around a vertebral body, however blurred.
func brightOutward(s Slice, x, y int, dx, dy float64, bright float32) bool {
	d := math.Hypot(dx*s.ColumnMM, dy*s.RowMM)
	if d == 0 {
		return s.HU[y*s.Width+x] > bright
	}
	stepMM := min(s.ColumnMM, s.RowMM) / 2
	for t := 0.0; t <= boneRingMM; t += stepMM {
		i := int(math.Round(float64(x) + dx*t/d))
		j := int(math.Round(float64(y) + dy*t/d))
		if i < 0 || i >= s.Width || j < 0 || j >= s.Height {
			return false
		}
		if s.HU[j*s.Width+i] > bright {
			return true
		}
	}
	return false
}

// bestTrack is the tube found in the most slices: the candidates, one per
// slice (the nearest), within trackMM of the candidate with the most such
// slices; ties go to the brighter.
func bestTrack(cands []vessel) []vessel {
	var best []vessel
	var bestHU float64
	for _, c := range cands {
		track := map[int]vessel{}
		for _, o := range cands {
			d := math.Hypot(o.x-c.x, o.y-c.y)
			if d > trackMM {
				continue
			}
			if t, ok := track[o.slice]; !ok || d < math.Hypot(t.x-c.x, t.y-c.y) {
				track[o.slice] = o
			}
		}
		if len(track) > len(best) || len(track) == len(best) && c.hu > bestHU {
			best = best[:0]
			for _, v := range track {
				best = append(best, v)
			}
			bestHU = c.hu
		}
	}
	return best
}

// median is the middle of sorted values (the mean of the middle two).
func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	return (sorted[(n-1)/2] + sorted[n/2]) / 2
}
