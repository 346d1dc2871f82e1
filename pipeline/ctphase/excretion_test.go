package ctphase

import (
	"strings"
	"testing"
)

// delayed is a delayed phase's phantom: a dim aorta and kidneys, and
// pelvis HU of excreted contrast in both renal pelves.
func delayed(pelvis float64) phantom {
	return phantom{aorta: 100, ivc: 95, cortex: 105, medulla: 110, pelvis: pelvis, columnMM: 1.5, rowMM: 1.5}
}

func TestReadExcretion(t *testing.T) {
	bone := delayed(0).slices(4)
	for _, s := range bone { // the vertebra's cortex as dense as contrast: a ring, not a blob
		for i, v := range s.HU {
			if v > 700 {
				s.HU[i] = 1400
			}
		}
	}
	bowel := delayed(0)
	bowel.bowel = 1400
	for _, tc := range []struct {
		name   string
		axial  []Slice
		found  int
		peakHU float64
	}{
		{"contrast in both renal pelves", delayed(1400).slices(4), 4, 1408},
		{"pelves as bright as blurred bone", delayed(900).slices(4), 0, 0},
		{"no contrast", delayed(0).slices(4), 0, 0},
		{"dense vertebral cortex", bone, 0, 0},
		{"oral contrast in a bowel loop in front", bowel.slices(4), 0, 0},
	} {
		r := ReadExcretion(tc.axial)
		if r.Slices != 4 || r.Found != tc.found || tc.found > 0 && (r.PeakHU < tc.peakHU-8 || r.PeakHU > tc.peakHU) {
			t.Errorf("%s: %+v, want %d slices, peak %v", tc.name, r, tc.found, tc.peakHU)
		}
	}
	// Rows that run towards the front put the pelves in front of the
	// body's centre, where they are not looked for.
	flipped := delayed(1400).slices(2)
	for n := range flipped {
		flipped[n].Posterior = -1
	}
	if r := ReadExcretion(flipped); r.Found != 0 || r.Shows() {
		t.Errorf("pelves in front: %+v", r)
	}
}

// Excreted contrast says D where the aorta says nothing, and nothing
// where it reads a phase.
func TestGuessesFromExcretion(t *testing.T) {
	excreted := &ExcretionReading{Slices: 16, Found: 3, PeakHU: 1400}
	got := Guesses([]Series{
		{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "100000", Aorta: &AortaReading{Slices: 16}, Excretion: excreted},
		{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "100100", Aorta: &AortaReading{Slices: 16, Found: 10, HU: 165}, Excretion: excreted},
		{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "100200", Aorta: &AortaReading{Slices: 16}, Excretion: &ExcretionReading{Slices: 16, Found: 1, PeakHU: 1400}},
	})
	want := "image: excreted contrast (up to 1400 HU) in 3 of 16 axial slices, beside the spine where the collecting systems and ureters lie (not in front, where bowel with oral contrast would), the aorta not found brighter than its surroundings"
	if g := got[0]; g.Phase != "D" || g.Confidence != ExcretionConfidence || g.Reasons[0] != want {
		t.Errorf("series 0: %+v, want D from the image", g)
	}
	if g := got[1]; g.Phase != "P" || strings.Contains(strings.Join(g.Reasons, "; "), "excreted") {
		t.Errorf("series 1: %+v, want P from the aorta alone", g)
	}
	if g := got[2]; strings.Contains(strings.Join(g.Reasons, "; "), "excreted") {
		t.Errorf("one slice is not enough: %+v", g)
	}
	// A series with no Contrast/Bolus Agent stays N: bone can pass for
	// excreted contrast, so the image does not outweigh the tags.
	got = Guesses([]Series{{Description: "Body", Aorta: &AortaReading{Slices: 16}, Excretion: excreted}})
	if g := got[0]; g.Phase != "N" || g.Confidence != MissingAgentConfidence-ExcretionConfidence/2 {
		t.Errorf("no agent, excretion: %+v, want N with its confidence lowered", g)
	}
}

// holes counts what a ring encloses, and nothing for a solid square or a
// C open to the outside.
func TestHoles(t *testing.T) {
	const w = 10
	region := func(rows ...string) []int {
		var out []int
		for j, r := range rows {
			for i, c := range r {
				if c == '#' {
					out = append(out, (j+2)*w+i+3)
				}
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		r    []int
		want int
	}{
		{"ring", region("####", "#..#", "#..#", "####"), 4},
		{"solid", region("###", "###"), 0},
		{"C", region("###", "#..", "###"), 0},
	} {
		if got := holes(tc.r, w); got != tc.want {
			t.Errorf("%s: %d holes, want %d", tc.name, got, tc.want)
		}
	}
}
