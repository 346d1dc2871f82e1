package stages

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
)

// precedenceCase is an 8³ case with masks given for kidney_left (x < 6),
// tumor (x ≥ 4) and perirenal_fat (everywhere).
func precedenceCase(t *testing.T) *casefile.Case {
	dir := t.TempDir()
	g := volume.Grid{Dims: [3]int{8, 8, 8}, Affine: volume.Identity}
	if err := volume.Save(filepath.Join(dir, "input", "A.nii.gz"), &volume.Volume[int16]{Grid: g, Data: append(make([]int16, g.Len()-1), 100)}); err != nil { // not constant: load refuses a constant image
		t.Fatal(err)
	}
	// kidney_left: x < 6; tumor: x >= 4; perirenal_fat: everything.
	masks := map[string]func(i int) bool{
		"kidney_left":   func(i int) bool { return i < 6 },
		"tumor":         func(i int) bool { return i >= 4 },
		"perirenal_fat": func(int) bool { return true },
	}
	for name, in := range masks {
		m := volume.New[uint8](g)
		for n := range m.Data {
			if i, _, _ := g.Coords(n); in(i) {
				m.Data[n] = 1
			}
		}
		if err := volume.Save(filepath.Join(dir, "input", "masks", name+".nii.gz"), m); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := casefile.Open(dir)
	return c
}

func TestTumourWinsOverKidneyAndFatLosesToAll(t *testing.T) {
	c := precedenceCase(t)
	stagetest.Run(t, c, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "merge"})
	lab, err := volume.Load[uint8](c.OutputLabelsPath())
	if err != nil {
		t.Fatal(err)
	}
	// Values from the label table: 1 kidney_left, 3 tumor, 8 perirenal_fat.
	for i, want := range []uint8{1, 1, 1, 1, 3, 3, 3, 3} {
		if got := lab.At(i, 2, 2); got != want {
			t.Errorf("x=%d: label %d, want %d", i, got, want)
		}
	}
	// The manifest says which artefact each label was painted from.
	man, err := manifest.Load(c.ManifestPath())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(man.Stages["merge"].Record[stage.SourcesRecord])
	if want := `{"kidney_left":"mask/kidney_left","perirenal_fat":"mask/perirenal_fat","tumor":"mask/tumor"}`; string(got) != want {
		t.Errorf("sources recorded %s, want %s", got, want)
	}
}

func TestPrecedenceMustNameKnownLabels(t *testing.T) {
	if _, err := stage.New("merge", "", stage.Params{"precedence": []string{"tumor", "kidnee"}}, nil); err == nil {
		t.Fatal("accepted an unknown label")
	}
}

// TestVesselsAreReconnectedThenCleaned runs the chain on a defective demo
// case: the artery's fragments are joined (reconnect), what stays small
// and apart is removed (cleanup reads the reconnected mask), and merge
// paints the cleaned mask, so no artery island below cleanup's minimum
// reaches the label map; the records say which artefact each read.
func TestVesselsAreReconnectedThenCleaned(t *testing.T) {
	cf, _ := stagetest.DefectiveDemoCase(t, 9)
	stagetest.Run(t, cf, stagetest.Entry{Kind: "load"},
		stagetest.Entry{Kind: "reconnect", Name: "reconnect_artery", Params: stage.Params{"label": "artery"}},
		stagetest.Entry{Kind: "cleanup"}, stagetest.Entry{Kind: "merge"})
	m, err := manifest.Load(filepath.Join(cf.Dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cleaned, merged map[string]string
	b, _ := json.Marshal(m.Stages["cleanup"].Record[stage.SourcesRecord])
	json.Unmarshal(b, &cleaned)
	b, _ = json.Marshal(m.Stages["merge"].Record[stage.SourcesRecord])
	json.Unmarshal(b, &merged)
	if cleaned["artery"] != "reconnected/artery" || cleaned["vein"] != "mask/vein" || merged["artery"] != "clean/artery" {
		t.Errorf("cleanup read %v, merge painted %v", cleaned, merged)
	}
	out, err := volume.Load[uint8](cf.OutputLabelsPath())
	if err != nil {
		t.Fatal(err)
	}
	artery := volume.New[uint8](out.Grid)
	for i, v := range out.Data {
		if v == 5 {
			artery.Data[i] = 1
		}
	}
	voxel := out.Grid.Affine.Spacing()
	minVoxels := DefaultCleanupParams().MinVesselMM3 / (voxel[0] * voxel[1] * voxel[2])
	_, sizes := labelops.Components(artery, labelops.Full)
	for i, n := range sizes {
		if float64(n) < minVoxels {
			t.Errorf("artery island %d: %d voxels, under cleanup's minimum of %.1f", i, n, minVoxels)
		}
	}
}

// TestEditedLabelsWin: once a saved version has edited the tumour (erased
// at x = 4, 5), a later merge takes the tumour from it voxel for voxel,
// where the version or the masks hold it, leaves the other labels to the
// masks, and records the version as the tumour's source.
func TestEditedLabelsWin(t *testing.T) {
	c := precedenceCase(t)
	stagetest.Run(t, c, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "merge"})
	lab, err := volume.LoadLabelMap(c.OutputLabelsPath())
	if err != nil {
		t.Fatal(err)
	}
	for n := range lab.Data {
		if i, j, _ := lab.Coords(n); (i == 4 || i == 5) && j > 0 {
			lab.Data[n] = 0
		}
	}
	v, err := editversions.Save(c, lab, labels.Default(), editversions.Saver{Author: "t"})
	if err != nil || !slices.Equal(v.Edited, []string{"tumor"}) {
		t.Fatalf("save: %v, edited %v", err, v.Edited)
	}
	stagetest.Run(t, c, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "merge"})
	out, err := volume.LoadLabelMap(c.OutputLabelsPath())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []uint8{1, 1, 1, 1, 0, 0, 3, 3} {
		if got := out.At(i, 2, 2); got != want {
			t.Errorf("x=%d, y=2: label %d, want %d", i, got, want)
		}
		if got := out.At(i, 0, 2); got != []uint8{1, 1, 1, 1, 3, 3, 3, 3}[i] {
			t.Errorf("x=%d, y=0 (not edited): label %d", i, got)
		}
	}
	man, _ := manifest.Load(c.ManifestPath())
	got, _ := json.Marshal(man.Stages["merge"].Record[stage.SourcesRecord])
	if want := `{"kidney_left":"mask/kidney_left","perirenal_fat":"mask/perirenal_fat","tumor":"edits"}`; string(got) != want {
		t.Errorf("sources recorded %s, want %s", got, want)
	}
	if _, ok := man.Stages["merge"].Inputs["edits"]; !ok {
		t.Error("the merge's inputs lack edits/versions.json")
	}
}
