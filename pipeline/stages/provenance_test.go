package stages

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
)

// TestReportTracesGivenMasksAndSkippedStages runs load, a ureter stage
// with no model, cleanup, merge and measure on a case whose kidney_left
// (with a stray voxel, which cleanup removes) and tumour are given in
// input/masks: the report names each given file and its sha256 as the
// manifest recorded it, cleanup as the stage that changed the kidney and
// not the tumour, and the ureter stage as skipped, with its reason.
func TestReportTracesGivenMasksAndSkippedStages(t *testing.T) {
	g := volume.Grid{Dims: [3]int{24, 24, 12}, Affine: volume.Affine{{2, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 1}}}
	c := maskCase(t, g, map[string]func(i, j, k int) bool{
		"kidney_left": func(i, j, k int) bool {
			return i >= 14 && i < 20 && j >= 6 && j < 16 && k >= 3 && k < 9 || i == 2 && j == 2 && k == 6
		},
		"tumor": func(i, j, k int) bool { return i >= 15 && i < 18 && j >= 8 && j < 11 && k >= 4 && k < 7 },
	})
	stagetest.Run(t, c, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "ureter", Params: map[string]any{"model": "none"}},
		stagetest.Entry{Kind: "cleanup", Params: map[string]any{"min_organ_mm3": 50}}, stagetest.Entry{Kind: "merge"}, stagetest.Entry{Kind: "measure"})
	rep, err := c.Report()
	if err != nil {
		t.Fatal(err)
	}
	man, err := manifest.Load(c.ManifestPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		changed bool
	}{{"kidney_left", true}, {"tumor", false}} {
		s, ok := rep.Structure(tt.name)
		p := s.Provenance
		file := "input/masks/" + tt.name + ".nii.gz"
		want := man.Stages["cleanup"].Inputs["mask/"+tt.name]
		if !ok || p.Source != measure.FromGiven || p.Given == nil || *p.Given != (measure.GivenMask{File: file, SHA256: want.SHA256}) || want.Path != file {
			t.Errorf("%s: provenance %+v, want given %s %s", tt.name, p, file, want.SHA256)
			continue
		}
		if len(p.Steps) != 1 || p.Steps[0] != (measure.Step{Stage: "cleanup", Changed: tt.changed}) || p.Edited {
			t.Errorf("%s: steps %+v, want cleanup (changed %v)", tt.name, p.Steps, tt.changed)
		}
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Stage != "ureter" || rep.Skipped[0].Reason != "no model package configured" || rep.Skipped[0].NotMade != nil {
		t.Errorf("skipped %+v, want the ureter stage with its reason", rep.Skipped)
	}
	if n := rep.Notice([]string{"kidney_left", "tumor"}); n != "" {
		t.Errorf("given masks only: notice %q, want none", n)
	}
}

// manifestEntry is a manifest entry reading and writing the given artefacts,
// each a file "<artefact>" with the sha256 "<artefact>:<version>".
func manifestEntry(params any, in, out map[string]string, record map[string]any) *manifest.Entry {
	files := func(m map[string]string) map[string]manifest.File {
		fs := map[string]manifest.File{}
		for a, sha := range m {
			fs[a] = manifest.File{Path: "work/" + a, SHA256: sha}
			if p, ok := params.(string); ok && p == "given" {
				fs[a] = manifest.File{Path: "input/masks/" + a, SHA256: sha}
			}
		}
		return fs
	}
	b, _ := json.Marshal(params)
	return &manifest.Entry{Status: manifest.OK, Inputs: files(in), Outputs: files(out), Params: b, Record: record}
}

// TestTraceFollowsTheManifest traces labels through a hand-made manifest:
// a model's mask reconnected then merged; a label derived from it; a merge
// that names a file no stage made; a stale skipped stage of an earlier run
// beside a current one; and two stages that read each other's outputs.
func TestTraceFollowsTheManifest(t *testing.T) {
	model := modelpkg.Identity{Name: "demo-vessels", Version: "1.0.0", ONNXSHA256: "abc", IntendedUse: "demo", ClinicalUse: false}
	segParams := map[string]any{"models": []string{"demo-vessels"}, "model_ids": []any{model}}
	m := &manifest.Manifest{Stages: map[string]*manifest.Entry{
		"vessels": manifestEntry(segParams, map[string]string{"phase/A": "a1"}, map[string]string{"mask/artery": "m1"},
			map[string]any{"model_id": model, "input_phases": []string{"A", "P"}}),
		"reconnect": manifestEntry(map[string]any{"label": "artery"}, map[string]string{"mask/artery": "m1", "phase/A": "a1"}, map[string]string{"reconnected/artery": "r1"}, nil),
		"fat":       manifestEntry(map[string]any{}, map[string]string{"mask/artery": "m1", "phase/A": "a1"}, map[string]string{"derived/perirenal_fat": "f1"}, nil),
		"ureter":    manifestEntry(map[string]any{}, map[string]string{"phase/A": "a1"}, nil, map[string]any{"skipped": "needs phase D (model demo-ureter)", "outputs": []any{"mask/ureter", "mask/vein"}}),
		"old":       manifestEntry(map[string]any{}, map[string]string{"phase/A": "a0"}, nil, map[string]any{"skipped": "an earlier run"}),
		"merge": manifestEntry(map[string]any{}, map[string]string{"reconnected/artery": "r1", "derived/perirenal_fat": "f1", "mask/vein": "v9", "phase/A": "a1"},
			map[string]string{"labels": "l1"}, map[string]any{"sources": map[string]any{"artery": "reconnected/artery", "perirenal_fat": "derived/perirenal_fat", "vein": "mask/vein"}}),
	}}
	tr := trace(m, "work/labels", "input/masks")
	art := tr.label("artery")
	if art.Source != measure.FromModel || art.Stage != "vessels" || *art.Model != model || !slices.Equal(art.Phases, []string{"A", "P"}) || len(art.Steps) != 1 || art.Steps[0] != (measure.Step{Stage: "reconnect", Changed: true}) {
		t.Errorf("artery %+v", art)
	}
	fat := tr.label("perirenal_fat")
	if fat.Source != measure.FromDerived || fat.Stage != "fat" || len(fat.BasedOn) != 1 || fat.BasedOn[0] != model {
		t.Errorf("perirenal_fat %+v", fat)
	}
	if v := tr.label("vein"); v.Source != measure.FromUnknown || v.Note != "no stage in manifest.json made work/mask/vein" {
		t.Errorf("vein %+v", v)
	}
	if c := tr.label("cyst"); c.Source != measure.FromUnknown {
		t.Errorf("cyst, which merge did not paint: %+v", c)
	}
	if s := tr.skipped([]string{"vein"}); len(s) != 1 || s[0].Stage != "ureter" || !slices.Equal(s[0].NotMade, []string{"ureter"}) {
		t.Errorf("skipped %+v, want only the ureter stage of this run", s)
	}

	// x is cleaned from a mask that b derives from y, which c derives from x.
	loop := &manifest.Manifest{Stages: map[string]*manifest.Entry{
		"a":     manifestEntry(map[string]any{}, map[string]string{"mask/x": "2"}, map[string]string{"clean/x": "1"}, nil),
		"b":     manifestEntry(map[string]any{}, map[string]string{"mask/y": "3"}, map[string]string{"mask/x": "2"}, nil),
		"c":     manifestEntry(map[string]any{}, map[string]string{"mask/x": "2"}, map[string]string{"mask/y": "3"}, nil),
		"merge": manifestEntry(map[string]any{}, map[string]string{"clean/x": "1"}, map[string]string{"labels": "l"}, map[string]any{"sources": map[string]any{"x": "clean/x"}}),
	}}
	if p := trace(loop, "work/labels", "input/masks").label("x"); p.Note == "" || (&measure.Report{Structures: []measure.Structure{{Name: "x", Provenance: p}}}).Notice([]string{"x"}) == "" {
		t.Errorf("a loop of stages: %+v, want a note that its provenance is unknown, and the notice", p)
	}
	if p := trace(&manifest.Manifest{Stages: map[string]*manifest.Entry{}}, "output/labels.nii.gz", "input/masks").label("x"); p.Note != "no stage in manifest.json made output/labels.nii.gz" {
		t.Errorf("empty manifest: %+v", p)
	}
}

// TestReportIsTheSameBytesForTheSameInputs: the report holds no timings.
func TestReportIsTheSameBytesForTheSameInputs(t *testing.T) {
	var b [2][]byte
	for i := range b {
		c, _ := stagetest.DefectiveDemoCase(t, 7)
		stagetest.Run(t, c, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "merge"}, stagetest.Entry{Kind: "measure"})
		var err error
		if b[i], err = os.ReadFile(filepath.Join(c.Dir, "output", "report.json")); err != nil {
			t.Fatal(err)
		}
	}
	if string(b[0]) != string(b[1]) {
		t.Error("two runs on the same inputs wrote different reports")
	}
}
