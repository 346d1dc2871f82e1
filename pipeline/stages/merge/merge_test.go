package merge

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/stage"
	_ "kidney3d/pipeline/stages/load"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
)

func TestTumourWinsOverKidneyAndFatLosesToAll(t *testing.T) {
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
	got, _ := json.Marshal(man.Stages["merge"].Record[SourcesRecord])
	if want := `{"kidney_left":"mask/kidney_left","perirenal_fat":"mask/perirenal_fat","tumor":"mask/tumor"}`; string(got) != want {
		t.Errorf("sources recorded %s, want %s", got, want)
	}
}

func TestPrecedenceMustNameKnownLabels(t *testing.T) {
	if _, err := stage.New("merge", "", stage.Params{"precedence": []string{"tumor", "kidnee"}}); err == nil {
		t.Fatal("accepted an unknown label")
	}
}
