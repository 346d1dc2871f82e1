package ctphase

import (
	"strings"
	"testing"
)

func TestGuesses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		series []Series
		want   []string // phase per series
		reason []string // a part of the first reason, per series
	}{
		{"descriptions", []Series{
			{Description: "Abdomen NC 5mm"}, {Description: "ART 1.0 B30f", ContrastAgent: "Omnipaque"},
			{Description: "Portal venous 1mm", ContrastAgent: "Omnipaque"}, {Description: "Excretory phase", ContrastAgent: "Omnipaque"},
		}, []string{"N", "A", "P", "D"}, []string{`says "nc"`, `says "art"`, `says "portal venous"`, `says "excretory"`}},
		{"abbreviations", []Series{
			{Description: "CTA_abd"}, {Description: "PV-phase"}, {Description: "UROGRAPHIC"}, {Description: "Pre-contrast"}, {Description: "nephrographic"}, {Description: "w/o contrast"},
		}, []string{"A", "P", "D", "N", "P", "N"}, nil},
		{"delay from injection", []Series{
			{Description: "Body 1.0", ContrastAgent: "APPLIED", ContrastStartTime: "101500", AcquisitionTime: "101530"},
			{Description: "Body 1.0", ContrastAgent: "APPLIED", ContrastStartTime: "101500", AcquisitionTime: "101620.5"},
			{Description: "Body 1.0", ContrastAgent: "APPLIED", ContrastStartTime: "101500", AcquisitionTime: "102500"},
		}, []string{"A", "P", "D"}, []string{"acquired 30 s after", "acquired 80 s after", "acquired 600 s after"}},
		{"acquisition order", []Series{
			{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "10:20:00"},
			{Description: "Body", ContrastAgent: "IV", AcquisitionTime: "10:19:10"},
			{Description: "Body", ContrastAgent: "NONE", AcquisitionTime: "10:10:00"},
		}, []string{"P", "A", "N"}, []string{"number 2 of 2", "number 1 of 2", `Agent is "NONE"`}},
		{"one enhanced series", []Series{{Description: "CT Body 3.0", Protocol: "FDG_TK", ContrastAgent: "APPLIED"}}, []string{"P"}, []string{"the only contrast-enhanced"}},
		{"nothing to go by", []Series{{Description: "Body"}}, []string{"N"}, []string{"no Contrast/Bolus Agent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Guesses(tc.series)
			for i, g := range got {
				if g.Phase != tc.want[i] || g.Confidence <= 0 || g.Confidence > 1 || len(g.Reasons) == 0 {
					t.Errorf("series %d: %+v, want phase %s", i, g, tc.want[i])
				}
				if tc.reason != nil && !strings.Contains(g.Reasons[0], tc.reason[i]) {
					t.Errorf("series %d: reasons %q, want %q", i, g.Reasons, tc.reason[i])
				}
			}
		})
	}
}

func TestDescriptionBeatsAbsentAgent(t *testing.T) {
	g := Guesses([]Series{{Description: "arterial"}})[0]
	if g.Phase != "A" || g.Confidence < 0.5 {
		t.Errorf("%+v", g)
	}
}

func TestSeconds(t *testing.T) {
	for in, want := range map[string]float64{"101530": 36930, "10:15:30.5": 36930.5, "1015": 36900, "": -1, "25": -1, "ab": -1} {
		got, ok := seconds(in)
		if (want < 0 && ok) || (want >= 0 && (!ok || got != want)) {
			t.Errorf("seconds(%q) = %g, %v", in, got, ok)
		}
	}
}

// FuzzGuesses checks that no description or time panics the guesser and
// that every guess is a phase with a confidence in [0, 1].
func FuzzGuesses(f *testing.F) {
	f.Add("ART 1.0", "proto", "APPLIED", "101500", "101530.25", 250.0)
	f.Add("w/o", "", "NONE", ":", "99", -1e300)
	f.Fuzz(func(t *testing.T, desc, proto, agent, start, acq string, aortaHU float64) {
		image := &AortaReading{Slices: 4, Found: 3, HU: aortaHU}
		excreted := &ExcretionReading{Slices: 4, Found: 2, PeakHU: 1200}
		for _, g := range Guesses([]Series{{desc, proto, agent, start, acq, image, excreted}, {proto, desc, agent, acq, start, nil, nil}}) {
			if !strings.Contains("NAPD", g.Phase) || len(g.Phase) > 1 || g.Confidence < 0 || g.Confidence > 1 {
				t.Fatalf("guess %+v", g)
			}
		}
	})
}
