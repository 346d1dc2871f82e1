package measure

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// TestMeasureFlagsStructuresTheEdgeCuts measures a 10×10×6 map of 2 mm
// voxels: kidney_left (1) touches the first slice, tumor (3) lies inside.
func TestMeasureFlagsStructuresTheEdgeCuts(t *testing.T) {
	g := volume.Grid{Dims: [3]int{10, 10, 6}, Affine: volume.Affine{{2, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 1}}}
	lab := volume.New[uint8](g)
	for n := range lab.Data {
		switch i, j, k := g.Coords(n); {
		case i >= 2 && i < 5 && j >= 2 && j < 5 && k < 2:
			lab.Data[n] = 1
		case i >= 6 && i < 8 && j >= 6 && j < 8 && k >= 2 && k < 4:
			lab.Data[n] = 3
		}
	}
	got, err := Measure(context.Background(), lab, labels.Default(), []string{"tumor", "kidney_left"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "kidney_left" || got[1].Name != "tumor" {
		t.Fatalf("structures %+v", got)
	}
	kid, tum := got[0], got[1]
	if kid.Voxels != 18 || kid.VolumeML != 0.144 || !kid.VolumeIsLowerBound || !kid.DiameterIsLowerBound ||
		len(kid.CutByFieldOfView) != 1 || kid.CutByFieldOfView[0] != (Cut{Side: "inferior", Face: "first slice (k = 0)", Voxels: 9}) {
		t.Errorf("kidney_left %+v", kid)
	}
	if tum.VolumeIsLowerBound || tum.CutByFieldOfView != nil || tum.MaxDiameterMM != 3.46 {
		t.Errorf("tumor %+v, want whole, diameter 2·√3 mm", tum)
	}
	if kid.VolumeText() != "≥ 0.1 mL" || tum.VolumeText() != "0.1 mL" {
		t.Errorf("volume texts %q, %q", kid.VolumeText(), tum.VolumeText())
	}
	if kid.FieldOfViewNote() != "cut by the field of view (inferior)" || tum.FieldOfViewNote() != "" {
		t.Errorf("notes %q, %q", kid.FieldOfViewNote(), tum.FieldOfViewNote())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Measure(ctx, lab, labels.Default(), nil, nil); err == nil {
		t.Error("a cancelled Measure returned no error")
	}
}

func TestNotice(t *testing.T) {
	demo := modelpkg.Identity{Name: "demo-vessels", Version: "1.0.0", IntendedUse: "demonstration only; trained on synthetic phantoms — not for clinical use"}
	silent := modelpkg.Identity{Name: "silent", Version: "3"}
	cleared := modelpkg.Identity{Name: "cleared", Version: "2.0.0", IntendedUse: "surgery planning", TrainingData: "1000 studies", ClinicalUse: true}
	from := func(m modelpkg.Identity) Provenance { return Provenance{Source: FromModel, Model: &m} }
	rep := &Report{Structures: []Structure{
		{Name: "kidney_left", Provenance: from(demo)},
		{Name: "kidney_right", Provenance: from(demo)},
		{Name: "artery", Provenance: from(cleared)},
		{Name: "tumor", Provenance: Provenance{Source: FromGiven, Given: &GivenMask{File: "input/masks/tumor.nii.gz"}}},
		{Name: "perirenal_fat", Provenance: Provenance{Source: FromDerived, Stage: "perirenal_fat", BasedOn: []modelpkg.Identity{cleared, silent}}},
		{Name: "vein", Provenance: Provenance{Source: FromUnknown, Note: "no stage made it"}},
	}}
	tests := []struct {
		shown []string
		want  string
	}{
		{[]string{"artery", "tumor"}, ""},
		{[]string{"kidney_left", "kidney_right", "artery"}, "NOT FOR CLINICAL USE — labels from demo-vessels 1.0.0: demonstration only; trained on synthetic phantoms — not for clinical use"},
		{[]string{"perirenal_fat"}, "NOT FOR CLINICAL USE — labels from silent 3: its model.json does not state clinical use"},
		{[]string{"vein", "cyst"}, "NOT FOR CLINICAL USE — provenance unknown for vein, cyst"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := rep.Notice(tt.shown); got != tt.want {
			t.Errorf("Notice(%v) = %q, want %q", tt.shown, got, tt.want)
		}
	}
	var none *Report
	if got := none.Notice([]string{"kidney_left"}); !strings.HasPrefix(got, "NOT FOR CLINICAL USE — provenance unknown") {
		t.Errorf("no report: %q", got)
	}
}

func TestParseReport(t *testing.T) {
	good := `{"label_map": "output/labels.nii.gz", "diameter_method": "x", "structures": [{"name": "tumor", "value": 3, "voxels": 2, "volume_ml": 0.5, "provenance": {"source": "given", "given": {"file": "input/masks/tumor.nii.gz", "sha256": "ab"}, "steps": [], "edited": false}}]}`
	r, err := ParseReport([]byte(good), "report.json")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := r.Structure("tumor"); !ok || s.Provenance.Given.File != "input/masks/tumor.nii.gz" {
		t.Errorf("parsed %+v", r)
	}
	for _, bad := range []string{`{"structures": [{"name": "", "volume_ml": 1}]}`, `{"structures": [{"name": "x", "volume_ml": -1}]}`, `[`, `{"structures": 5}`} {
		if _, err := ParseReport([]byte(bad), "out/report.json"); err == nil || !strings.HasPrefix(err.Error(), "out/report.json: ") {
			t.Errorf("%s: error %v, want one naming the file", bad, err)
		}
	}
}

func FuzzParseReport(f *testing.F) {
	rep := Report{LabelMap: "output/labels.nii.gz", Structures: []Structure{{Name: "liver", Value: 9, Voxels: 3, VolumeML: 1.5, VolumeIsLowerBound: true,
		CutByFieldOfView: []Cut{{Side: "superior", Face: "last slice (k = 9)", Voxels: 3}}, Provenance: Provenance{Source: FromModel, Model: &modelpkg.Identity{Name: "m"}}}},
		Skipped: []Skipped{{Stage: "ureter", Reason: "no model"}}}
	b, _ := json.Marshal(rep)
	f.Add(b)
	f.Add([]byte(`{"structures": [{"name": "x", "volume_ml": 1e400}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReport(data, "report.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "report.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		var names []string
		for _, s := range r.Structures {
			names = append(names, s.Name)
			_ = s.VolumeText() + s.FieldOfViewNote()
		}
		_ = r.Notice(names)
	})
}

// TestWeakValidation names the structures whose model scored under the bar
// on its validation cases with the phases fed, and no other.
func TestWeakValidation(t *testing.T) {
	dice := func(d float64) *float64 { return &d }
	id := &modelpkg.Identity{Name: "demo-kidney", Version: "1.0.0"}
	r := &Report{Structures: []Structure{
		{Name: "kidney_left", Provenance: Provenance{Source: FromModel, Model: id, Phases: []string{"A"}, ValidationDice: dice(0.96)}},
		{Name: "tumor", Provenance: Provenance{Source: FromModel, Model: id, Phases: []string{"A"}, ValidationDice: dice(0.7168)}},
		{Name: "cyst", Provenance: Provenance{Source: FromModel, Model: id, Phases: []string{"A", "P"}, ValidationDice: dice(0)}},
		{Name: "artery", Provenance: Provenance{Source: FromGiven}},
	}}
	got := r.WeakValidation(WeakDice)
	want := []string{
		"tumor: Dice 0.72 on the validation cases of demo-kidney 1.0.0 with phase A",
		"cyst: Dice 0.00 on the validation cases of demo-kidney 1.0.0 with phases A+P",
	}
	if !slices.Equal(got, want) {
		t.Errorf("WeakValidation = %q, want %q", got, want)
	}
}
