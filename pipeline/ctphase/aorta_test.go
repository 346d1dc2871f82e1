package ctphase

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// phantom describes an axial abdominal slice: the HU of the aorta, the
// inferior vena cava and the renal cortex and medulla, on fat and soft
// tissue, with a vertebral body (cancellous bone ringed by cortical bone).
type phantom struct {
	aorta, ivc, cortex, medulla float64
	aortaShiftMM                float64 // the aorta's centre moves this far along x per slice
	pelvis, bowel               float64 // HU of each renal pelvis and of a bowel loop in front; 0: none
	columnMM, rowMM             float64
}

// slices draws n slices of the phantom on a 256×256 grid.
func (p phantom) slices(n int) []Slice {
	out := make([]Slice, n)
	for k := range out {
		const w, h = 256, 256
		s := Slice{HU: make([]float32, w*h), Width: w, Height: h, ColumnMM: p.columnMM, RowMM: p.rowMM, Posterior: 1}
		for j := range h {
			for i := range w {
				// mm from the centre of the image; y grows posteriorly
				x, y := (float64(i)-w/2)*p.columnMM, (float64(j)-h/2)*p.rowMM
				in := func(cx, cy, rx, ry float64) bool {
					dx, dy := (x-cx)/rx, (y-cy)/ry
					return dx*dx+dy*dy <= 1
				}
				v := -1000.0
				switch {
				case in(0, 60, 20, 18): // vertebral body: cortical ring, cancellous inside
					v = 800
					if in(0, 60, 17, 15) {
						v = 230
					}
				case in(-12+p.aortaShiftMM*float64(k), 25, 11, 11):
					v = p.aorta
				case in(22, 22, 12, 9):
					v = p.ivc
				case p.pelvis != 0 && (in(-62, 45, 9, 9) || in(62, 45, 9, 9)):
					v = p.pelvis
				case p.bowel != 0 && in(30, -60, 12, 12):
					v = p.bowel
				case in(-75, 45, 28, 45), in(75, 45, 28, 45): // kidneys
					v = p.cortex
					if in(-75, 45, 16, 32) || in(75, 45, 16, 32) {
						v = p.medulla
					}
				case in(0, 0, 150, 110):
					v = 50
					if !in(0, 0, 135, 95) {
						v = -100
					}
				}
				// a fixed texture of ±8 HU
				v += 8 * math.Sin(float64(i*7+j*13+k*5))
				s.HU[j*w+i] = float32(v)
			}
		}
		out[k] = s
	}
	return out
}

func TestReadAortaPhases(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     phantom
		phase string
		hu    float64
	}{
		{"arterial", phantom{aorta: 325, ivc: 100, cortex: 185, medulla: 75, columnMM: 1.5, rowMM: 1.5}, "A", 325},
		{"portal venous", phantom{aorta: 165, ivc: 165, cortex: 165, medulla: 160, columnMM: 1.5, rowMM: 1.5}, "P", 165},
		{"delayed: found, but says nothing", phantom{aorta: 100, ivc: 95, cortex: 105, medulla: 110, columnMM: 1.5, rowMM: 1.5}, "", 100},
		{"unenhanced: not found, says nothing", phantom{aorta: 40, ivc: 38, cortex: 30, medulla: 28, columnMM: 1.5, rowMM: 1.5}, "", 0},
		{"anisotropic pixels, moving aorta", phantom{aorta: 300, ivc: 110, cortex: 180, medulla: 70, aortaShiftMM: -1, columnMM: 1.2, rowMM: 1.8}, "A", 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ReadAorta(tc.p.slices(12))
			phase, confidence, reason := r.Evidence()
			if phase != tc.phase || r.Slices != 12 {
				t.Fatalf("%+v: phase %s (%s), want %s", r, phase, reason, tc.phase)
			}
			if tc.hu == 0 {
				if r.Found != 0 || confidence != 0 || reason != "" {
					t.Errorf("%+v, %v, %q", r, confidence, reason)
				}
				return
			}
			// all 12 slices, the median within the ±8 HU texture
			if r.Found != 12 || math.Abs(r.HU-tc.hu) > 8 {
				t.Errorf("%+v: want the aorta at %v HU in every slice", r, tc.hu)
			}
			if tc.phase == "" {
				if confidence != 0 || reason != "" {
					t.Errorf("a dim aorta says %v, %q", confidence, reason)
				}
				return
			}
			if confidence != ImageConfidence || !strings.Contains(reason, "found in 12 of 12") {
				t.Errorf("%+v, %v, %q: want the aorta at %v HU in every slice", r, confidence, reason, tc.hu)
			}
		})
	}
}

// A vertebral body alone is no aorta however bright its cancellous bone,
// nor is a round bright region in one slice only.
func TestReadAortaTakesNoBoneOrBlob(t *testing.T) {
	bone := phantom{aorta: 40, ivc: 40, cortex: 40, medulla: 40, columnMM: 1.5, rowMM: 1.5}.slices(8)
	if r := ReadAorta(bone); r.Found != 0 {
		t.Errorf("vertebra taken for the aorta: %+v", r)
	}
	blob := phantom{aorta: 40, ivc: 40, cortex: 40, medulla: 40, columnMM: 1.5, rowMM: 1.5}.slices(8)
	for j := 100; j < 115; j++ { // a 15-pixel (22 mm) bright square in slice 3 only
		for i := 60; i < 75; i++ {
			blob[3].HU[j*256+i] = 250
		}
	}
	if r := ReadAorta(blob); r.Found != 0 {
		t.Errorf("a one-slice blob taken for the aorta: %+v", r)
	}
	if r := ReadAorta(nil); r.Found != 0 || r.Slices != 0 {
		t.Errorf("no slices: %+v", r)
	}
	if r := ReadAorta([]Slice{{HU: make([]float32, 3), Width: 4, Height: 4, ColumnMM: 1, RowMM: 1}}); r.Found != 0 || r.Slices != 0 {
		t.Errorf("short slice: %+v", r)
	}
	// A field of view too small for an abdomen says nothing.
	small := ReadAorta([]Slice{{HU: make([]float32, 64*64), Width: 64, Height: 64, ColumnMM: 2, RowMM: 2}})
	if p, _, _ := small.Evidence(); p != "" || small.Slices != 0 {
		t.Errorf("128 mm field: %+v says %q", small, p)
	}
}

// The image decides enhanced series that the tags leave undecided, and
// speaks against tags it contradicts.
func TestGuessesFromImage(t *testing.T) {
	reading := func(hu float64, found int) *AortaReading {
		return &AortaReading{Slices: 16, Found: found, HU: hu}
	}
	got := Guesses([]Series{
		{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "100000", Aorta: reading(320, 12)},
		{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "100500", Aorta: reading(170, 11)},
		{Description: "Body", Aorta: reading(0, 0)},
		{Description: "Arterial", ContrastAgent: "IV", Aorta: reading(160, 14)},
		{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "100100", Aorta: reading(350, 7)},
		{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "101000", Aorta: reading(110, 14)},
	})
	if g := got[0]; g.Phase != "A" || g.Confidence != ImageConfidence || !strings.HasPrefix(g.Reasons[0], "image: aorta 320 HU") {
		t.Errorf("series 0: %+v, want A from the image", g)
	}
	if g := got[2]; g.Phase != "N" || g.Confidence != MissingAgentConfidence || len(g.Reasons) != 1 {
		t.Errorf("an aorta not found says nothing: %+v", g)
	}
	if g := got[3]; g.Phase != "A" || g.Confidence >= DescriptionConfidence || !strings.Contains(strings.Join(g.Reasons, "; "), "against it: image: aorta 160 HU") {
		t.Errorf("the description wins but the image speaks against it: %+v", g)
	}
	// A second series reading arterial in fewer slices (7, brighter) or
	// portal venous in fewer, and one whose aorta says nothing (110 HU),
	// are left to the acquisition order.
	for _, i := range []int{1, 4, 5} {
		if g := got[i]; strings.Contains(strings.Join(g.Reasons, "; "), "image: ") || !strings.Contains(g.Reasons[0], "in acquisition time") {
			t.Errorf("series %d: %+v, want the acquisition order alone", i, g)
		}
	}
}

// The image names the arterial and portal venous series of a study whose
// tags say only that contrast was given; the third, whose aorta says
// nothing, takes the phase left: delayed, not the lone series' portal
// venous.
func TestOrderAfterTheImage(t *testing.T) {
	got := Guesses([]Series{
		{Description: "Body 2.0", ContrastAgent: "IV", Aorta: &AortaReading{Slices: 16, Found: 10, HU: 320}},
		{Description: "Body 2.0", ContrastAgent: "IV", Aorta: &AortaReading{Slices: 16, Found: 9, HU: 165}},
		{Description: "Body 2.0", ContrastAgent: "IV", Aorta: &AortaReading{Slices: 16}},
	})
	for i, want := range []string{"A", "P", "D"} {
		if got[i].Phase != want {
			t.Errorf("series %d: %+v, want %s", i, got[i], want)
		}
	}
	if r := got[2].Reasons[0]; !strings.Contains(r, "after the phases the study's other series show") {
		t.Errorf("reason %q", r)
	}
}

// TestSpread: 16 slices of 96 run from slice 9 to slice 86, the middle 80%.
func TestSpread(t *testing.T) {
	var got []int
	for i := range 16 {
		got = append(got, Spread(i, 16, 96))
	}
	want := []int{9, 14, 19, 24, 29, 34, 39, 44, 50, 55, 60, 65, 70, 75, 80, 86}
	if !slices.Equal(got, want) {
		t.Errorf("Spread over 96 = %v, want %v", got, want)
	}
	if got := Spread(0, 1, 5); got != 0 {
		t.Errorf("one slice of 5: %d, want 0", got)
	}
}
