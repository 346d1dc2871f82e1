package render

import (
	"encoding/json"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/mesh/meshio"
)

// writeCaseReport writes output/report.json with one structure per name,
// each from the given model, and records it in the case's manifest as a
// measure stage's output.
func writeCaseReport(t *testing.T, caseDir string, model modelpkg.Identity, names ...string) {
	t.Helper()
	rep := measure.Report{LabelMap: "output/labels.nii.gz"}
	for _, n := range names {
		rep.Structures = append(rep.Structures, measure.Structure{Name: n, Voxels: 1, VolumeML: 1,
			Provenance: measure.Provenance{Source: measure.FromModel, Stage: "vessels", Model: &model, Steps: []measure.Step{}}})
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(caseDir, "output", "report.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(filepath.Join(caseDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := (&manifest.Hasher{Root: caseDir, Cache: m.Hashes}).File(path)
	if err != nil {
		t.Fatal(err)
	}
	m.Stages["measure"] = &manifest.Entry{Status: manifest.OK, Outputs: map[string]manifest.File{"report": f}}
	if err := m.Save(filepath.Join(caseDir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotCarriesTheNotice renders a tiny scene (a red cube) of a case
// whose report says the cube comes from a model not for clinical use: the
// picture's bottom rows are the footer's dark red strip with white text,
// its centre still the cube. The same scene from a model stated fit for
// clinical use has no footer; one with no report gets the notice too.
func TestSnapshotCarriesTheNotice(t *testing.T) {
	newTestRenderer(t) // skips without OpenGL
	s := testScene()
	objs := []meshio.Object{{Name: "cube", Color: [4]uint8{255, 0, 0, 255}, Mesh: s.objects[0].mesh}}
	demo := modelpkg.Identity{Name: "demo-vessels", Version: "1.0.0", IntendedUse: "demonstration only; trained on synthetic phantoms — not for clinical use"}
	cleared := modelpkg.Identity{Name: "cleared", Version: "2.0.0", IntendedUse: "renal surgery planning", TrainingData: "1000 studies", ClinicalUse: true}
	tests := []struct {
		name   string
		model  *modelpkg.Identity
		footer bool
	}{
		{"demo model", &demo, true},
		{"model fit for clinical use", &cleared, false},
		{"no report", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caseDir := t.TempDir()
			writeCaseMeshes(t, caseDir, objs)
			if tt.model != nil {
				writeCaseReport(t, caseDir, *tt.model, "cube")
			}
			img, err := Snapshot(caseDir, Anterior, 160, 120)
			if err != nil {
				t.Fatal(err)
			}
			if p := img.RGBAAt(80, 50); !dominant(p, red) {
				t.Errorf("centre %v, want the red cube", p)
			}
			strip, white := 0, 0
			for x := range 160 {
				switch img.RGBAAt(x, 117) {
				case color.RGBA{0x8b, 0x10, 0x10, 0xff}:
					strip++
				}
				for y := 100; y < 120; y++ {
					if p := img.RGBAAt(x, y); p.R > 200 && p.G > 200 && p.B > 200 {
						white++
					}
				}
			}
			if got := strip > 100 && white > 20; got != tt.footer {
				t.Errorf("footer drawn: %v (%d strip pixels in a bottom row, %d white text pixels), want %v", got, strip, white, tt.footer)
			}
		})
	}
}
