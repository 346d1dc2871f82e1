package modelpkg

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"kidney3d/assets"
)

// TestManifestStatesItsUse: a model.json that says nothing of its use is
// not for clinical use; one that claims clinical use must say what for and
// on what data.
func TestManifestStatesItsUse(t *testing.T) {
	m, err := ParseManifest(validManifest(t), "model.json")
	if err != nil {
		t.Fatal(err)
	}
	if id := m.Identity("cafe"); id.ClinicalUse || id.Name != m.Name || id.Version != m.Version || id.ONNXSHA256 != "cafe" {
		t.Errorf("identity of a model.json silent on its use: %+v", id)
	}
	with := func(fields string) []byte {
		return []byte(strings.Replace(string(validManifest(t)), "{", "{"+fields+",", 1))
	}
	m, err = ParseManifest(with(`"intended_use": "surgery planning", "training_data": "1000 studies", "clinical_use": true`), "model.json")
	if err != nil {
		t.Fatal(err)
	}
	if id := m.Identity("cafe"); !id.ClinicalUse || id.IntendedUse != "surgery planning" || id.TrainingData != "1000 studies" {
		t.Errorf("identity %+v", id)
	}
	for _, bad := range []string{`"clinical_use": true`, `"clinical_use": true, "intended_use": "planning"`, `"clinical_use": "no"`} {
		if _, err := ParseManifest(with(bad), "x/model.json"); err == nil || !strings.Contains(err.Error(), "x/model.json") || !strings.Contains(err.Error(), "clinical_use") {
			t.Errorf("%s: error %v, want one naming the file and clinical_use", bad, err)
		}
	}
}

// TestDemoModelsAreNotForClinicalUse reads every built-in model.json.
func TestDemoModelsAreNotForClinicalUse(t *testing.T) {
	fsys := assets.Models()
	files, err := fs.Glob(fsys, "*/"+ManifestFile)
	if err != nil || len(files) == 0 {
		t.Fatalf("built-in model packages: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseManifest(b, f)
		if err != nil {
			t.Fatal(err)
		}
		if m.ClinicalUse || !strings.Contains(m.IntendedUse, "trained on synthetic phantoms — not for clinical use") || !strings.Contains(m.TrainingData, "synthetic") {
			t.Errorf("%s: clinical_use %v, intended_use %q, training_data %q", path.Dir(f), m.ClinicalUse, m.IntendedUse, m.TrainingData)
		}
	}
}
