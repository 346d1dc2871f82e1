package labels

import (
	"math"
	"testing"
)

// Machado, Oliveira & Fernandes (2009), "A physiologically-based model for
// simulation of color vision deficiency", severity 1.0: linear-RGB
// matrices for dichromats.
var cvd = map[string][3][3]float64{
	"normal": {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
	"protanopia": {
		{0.152286, 1.052583, -0.204868},
		{0.114503, 0.786281, 0.099216},
		{-0.003882, -0.048116, 1.051998}},
	"deuteranopia": {
		{0.367322, 0.860646, -0.227968},
		{0.280085, 0.672501, 0.047413},
		{-0.011820, 0.042940, 0.968881}},
}

// linear undoes the sRGB transfer curve.
func linear(c uint8) float64 {
	x := float64(c) / 255
	if x <= 0.04045 {
		return x / 12.92
	}
	return math.Pow((x+0.055)/1.055, 2.4)
}

// simulatedLab is sRGB colour c as a viewer with vision m sees it, in
// CIE L*a*b* (D65).
func simulatedLab(c [4]uint8, m [3][3]float64) [3]float64 {
	rgb := [3]float64{linear(c[0]), linear(c[1]), linear(c[2])}
	var sim [3]float64
	for i := range 3 {
		for j := range 3 {
			sim[i] += m[i][j] * rgb[j]
		}
		sim[i] = math.Min(math.Max(sim[i], 0), 1)
	}
	xyz := [3]float64{
		(0.4124*sim[0] + 0.3576*sim[1] + 0.1805*sim[2]) / 0.9505,
		0.2126*sim[0] + 0.7152*sim[1] + 0.0722*sim[2],
		(0.0193*sim[0] + 0.1192*sim[1] + 0.9505*sim[2]) / 1.089,
	}
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return t*24389/27/116 + 16.0/116
	}
	return [3]float64{116*f(xyz[1]) - 16, 500 * (f(xyz[0]) - f(xyz[1])), 200 * (f(xyz[1]) - f(xyz[2]))}
}

// minPaletteDeltaE is the least CIE76 colour difference allowed between two
// kidney-side structures, for normal vision and as protanopes and
// deuteranopes see them. A ΔE of about 2.3 is just noticeable on flat
// patches side by side; shading on a 3D surface changes L* by tens of
// units across one structure, and telling structures apart "at a glance"
// means naming a colour, not comparing two: 20 is about the distance
// between neighbouring named colours (red/orange, blue/cyan) in L*a*b*.
// The old palette reached 15.5 (kidney and artery, protanopia) and 16.3
// (tumour and collecting system, deuteranopia).
const minPaletteDeltaE = 20

func TestPaletteSurvivesColourBlindness(t *testing.T) {
	tab := Default()
	names := []string{"kidney_left", "tumor", "cyst", "ureter", "artery", "vein", "perirenal_fat"}
	for vision, m := range cvd {
		least, pair := math.Inf(1), ""
		for i, a := range names {
			for _, b := range names[i+1:] {
				la, lb := simulatedLab(tab.mustLabel(t, a).Color, m), simulatedLab(tab.mustLabel(t, b).Color, m)
				d := math.Sqrt((la[0]-lb[0])*(la[0]-lb[0]) + (la[1]-lb[1])*(la[1]-lb[1]) + (la[2]-lb[2])*(la[2]-lb[2]))
				if d < least {
					least, pair = d, a+"/"+b
				}
				if d < minPaletteDeltaE {
					t.Errorf("%s: %s and %s are ΔE %.1f apart, want ≥ %d", vision, a, b, d, minPaletteDeltaE)
				}
			}
		}
		t.Logf("%s: closest pair %s, ΔE %.1f", vision, pair, least)
	}
}

// TestSimulatedLabKnownValues pins the colour maths on the published
// L*a*b* (D65) of sRGB white and red.
func TestSimulatedLabKnownValues(t *testing.T) {
	for _, tc := range []struct {
		c      [4]uint8
		vision string
		want   [3]float64
	}{
		{[4]uint8{255, 255, 255, 255}, "normal", [3]float64{100, 0, 0}},
		{[4]uint8{255, 0, 0, 255}, "normal", [3]float64{53.24, 80.09, 67.20}},
	} {
		got := simulatedLab(tc.c, cvd[tc.vision])
		for i := range 3 {
			if math.Abs(got[i]-tc.want[i]) > 0.1 {
				t.Errorf("%v %s: Lab %.2f, want %.2f", tc.c, tc.vision, got, tc.want)
				break
			}
		}
	}
}

func TestDisplayNames(t *testing.T) {
	tab := Default()
	for name, want := range map[string]string{"kidney_left": "Left kidney", "tumor": "Tumour", "label_12": "Label 12"} {
		if got := tab.DisplayName(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	for _, name := range Focus {
		if l := tab.mustLabel(t, name); l.Context || l.Color[3] != 255 && name != "cyst" {
			t.Errorf("focus structure %s is context or translucent: %+v", name, l)
		}
	}
	if fat := tab.mustLabel(t, "perirenal_fat"); float64(fat.Color[3])/255 > 0.3 {
		t.Errorf("perirenal fat opacity %.2f, want ≤ 0.3", float64(fat.Color[3])/255)
	}
	for _, l := range tab.Labels {
		if l.Value >= 9 && !l.Context {
			t.Errorf("%s (value %d) is a context organ not marked context", l.Name, l.Value)
		}
	}
}

func (tab *Table) mustLabel(t *testing.T, name string) Label {
	t.Helper()
	l, ok := tab.ByName(name)
	if !ok {
		t.Fatalf("no label %s", name)
	}
	return l
}
