package stages

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
)

// repoRuntime is where `make deps` puts ONNX Runtime, from this package.
const repoRuntime = "../../.deps/onnxruntime-1.29.0/linux-x64/libonnxruntime.so.1"

// needRuntime skips a test when ONNX Runtime cannot be loaded.
func needRuntime(t *testing.T) {
	t.Helper()
	if os.Getenv(ort.EnvLibrary) == "" {
		if abs, err := filepath.Abs(repoRuntime); err == nil {
			t.Setenv(ort.EnvLibrary, abs)
		}
	}
	if err := ort.Init(nil); err != nil {
		t.Skipf("ONNX Runtime is not available (run make deps): %v", err)
	}
}

// parityPackage writes a model package around the tiny untrained network
// of the ONNX parity test (2 channels in, 3 classes out), reading A and P.
func parityPackage(t *testing.T) string {
	t.Helper()
	return parityPackageOn(t, "tiny", "A", "P")
}

// parityPackageOn is parityPackage named name, its channels reading the
// two phases given ("P|D": P, else D).
func parityPackageOn(t *testing.T, name, ch0, ch1 string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	onnx, err := os.ReadFile("../../testdata/onnx/parity/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{
		"format": modelpkg.Format, "name": name, "version": "0", "licence": "CC0-1.0",
		"input_phases": []string{ch0, ch1}, "channel_names": map[string]string{"0": ch0, "1": ch1},
		"labels":  map[string]int{"background": 0, "kidney": 1, "artery": 2},
		"spacing": []float64{7, 5.5, 5.5}, "patch_size": []int{16, 24, 32},
		"normalization_schemes": []string{"CTNormalization", "CTNormalization"},
		"foreground_intensity_properties_per_channel": map[string]any{
			"0": map[string]float64{"mean": 100, "std": 100, "percentile_00_5": -200, "percentile_99_5": 500},
			"1": map[string]float64{"mean": 100, "std": 100, "percentile_00_5": -200, "percentile_99_5": 500}},
		"transpose_forward": []int{0, 1, 2}, "mirror_axes": []int{0, 1, 2}, "tile_step_size": 0.5,
		"onnx_input": "input", "onnx_output": "logits",
	}
	b, _ := json.Marshal(m)
	for name, data := range map[string][]byte{modelpkg.ManifestFile: b, modelpkg.NetworkFile: onnx} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readManifest(t *testing.T, c *casefile.Case) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Load(filepath.Join(c.Dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStageWithoutModelIsSkippedWithItsReason(t *testing.T) {
	cf, _ := stagetest.DefectiveDemoCase(t, 3)
	if err := os.RemoveAll(filepath.Join(cf.Dir, "input", "masks")); err != nil {
		t.Fatal(err)
	}
	stagetest.Run(t, cf, stagetest.Entry{Kind: "load"},
		stagetest.Entry{Kind: "organs", Params: stage.Params{"model": "none"}},
		stagetest.Entry{Kind: "tumour", Params: stage.Params{"model": "no-such-model", "optional": true}})
	m := readManifest(t, cf)
	if why := m.Stages["organs"].Record["skipped"]; why != "no model package configured" {
		t.Errorf("organs: skipped %q", why)
	}
	if why, _ := m.Stages["tumour"].Record["skipped"].(string); !strings.Contains(why, `optional model unavailable: no model package named "no-such-model"`) {
		t.Errorf("tumour: skipped %q", why)
	}
	if _, err := os.Stat(cf.ArtefactPath("tumour", stage.Mask("tumor"))); err == nil {
		t.Error("a skipped stage wrote a mask")
	}
}

func TestStageWithAnUnavailableModelFails(t *testing.T) {
	broken := parityPackage(t)
	if err := os.WriteFile(filepath.Join(broken, modelpkg.NetworkFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := parityPackage(t)
	data, err := os.ReadFile(filepath.Join(huge, modelpkg.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"spacing":[7,5.5,5.5]`, `"spacing":[0.0001,0.0001,0.0001]`, 1))
	if err := os.WriteFile(filepath.Join(huge, modelpkg.ManifestFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ model, want string }{
		{"no-such-model", `no model package named "no-such-model"`},
		{broken, filepath.Join(broken, "model.onnx") + ": empty file"},
		{huge, "over the image limit"},
	} {
		if _, err := stage.New("tumour", "", stage.Params{"model": c.model, "labels": []any{"kidney_left"}}, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("model %s: err = %v, want %q", c.model, err, c.want)
		}
		s, err := stage.New("tumour", "", stage.Params{"model": c.model, "labels": []any{"kidney_left"}, "optional": true}, nil)
		if err != nil {
			t.Errorf("optional model %s: %v", c.model, err)
		} else if why := s.(*Segment).missing; !strings.Contains(why, c.want) {
			t.Errorf("optional model %s: skipped for %q, want %q", c.model, why, c.want)
		}
	}
}

func TestStageRejectsLabelsTheModelLacks(t *testing.T) {
	_, err := stage.New("ureter", "", stage.Params{"model": parityPackage(t)}, nil)
	if err == nil || !strings.Contains(err.Error(), `no label "ureter"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := stage.New("vessels", "", stage.Params{"labels": []any{"kidney_middle"}}, nil); err == nil {
		t.Error("a label outside the table was accepted")
	}
}

func TestStageRunsTheNetworkAndLeavesGivenMasks(t *testing.T) {
	needRuntime(t)
	cf, _ := stagetest.DefectiveDemoCase(t, 4)
	// The case gives every mask but the artery and the right kidney.
	for _, l := range []string{"artery", "kidney_right"} {
		if err := os.Remove(filepath.Join(cf.Dir, "input", "masks", l+".nii.gz")); err != nil {
			t.Fatal(err)
		}
	}
	pkg := parityPackage(t)
	stagetest.Run(t, cf, stagetest.Entry{Kind: "load"},
		stagetest.Entry{Kind: "register", Name: "register_P", Params: stage.Params{"phase": "P"}},
		stagetest.Entry{Kind: "vessels", Params: stage.Params{"model": pkg, "labels": []any{"kidney_left", "kidney_right", "artery"}, "batch": 2}})
	rec := readManifest(t, cf).Stages["vessels"].Record
	if rec["provider"] != "cpu" || rec["skipped"] != nil {
		t.Errorf("record %v", rec)
	}
	if g, _ := json.Marshal(rec["given"]); string(g) != `["kidney_left"]` {
		t.Errorf("given %s, want kidney_left", g)
	}
	for _, l := range []string{"kidney_right", "artery"} {
		m := stagetest.LoadOutput(t, cf, "vessels", stage.Mask(l))
		for _, v := range m.Data {
			if v > 1 {
				t.Fatalf("%s is not binary", l)
			}
		}
	}
	if _, err := os.Stat(cf.ArtefactPath("vessels", stage.Mask("kidney_left"))); err == nil {
		t.Error("the given kidney_left was overwritten")
	}
}

// TestStageRunsTheFirstModelThePhasesAllow: with models [A+P, A+(P|D)],
// a case of A and D runs the second on A and D and records which; a case
// of D alone runs neither, names the phases each needs and what it would
// have made.
func TestStageRunsTheFirstModelThePhasesAllow(t *testing.T) {
	needRuntime(t)
	params := stage.Params{"models": []any{parityPackage(t), parityPackageOn(t, "tiny-pd", "A", "P|D")}, "labels": []any{"artery"}}
	cf, _ := stagetest.DefectiveDemoCase(t, 5)
	if err := os.RemoveAll(filepath.Join(cf.Dir, "input", "masks")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(cf.PhasePath("P")); err != nil {
		t.Fatal(err)
	}
	stagetest.Run(t, cf, stagetest.Entry{Kind: "load"},
		stagetest.Entry{Kind: "register", Name: "register_D", Params: stage.Params{"phase": "D"}},
		stagetest.Entry{Kind: "vessels", Params: params})
	rec := readManifest(t, cf).Stages["vessels"].Record
	if id, _ := rec[stage.ModelRecord].(map[string]any); id["name"] != "tiny-pd" || fmt.Sprint(rec[stage.PhasesRecord]) != "[A D]" {
		t.Errorf("record %v, want model tiny-pd on A and D", rec)
	}
	if _, err := os.Stat(cf.ArtefactPath("vessels", stage.Mask("artery"))); err != nil {
		t.Error(err)
	}

	if err := os.Remove(cf.PhasePath("A")); err != nil {
		t.Fatal(err)
	}
	stagetest.Run(t, cf, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "vessels", Params: params})
	rec = readManifest(t, cf).Stages["vessels"].Record
	want := "needs phase A and phase P (model tiny) or phase A and one of phases P, D (model tiny-pd)"
	if rec[stage.SkippedRecord] != want || fmt.Sprint(rec[manifest.UnmadeRecord]) != "[mask/artery]" {
		t.Errorf("record %v, want skipped %q and the artery unmade", rec, want)
	}
}

func TestKidneySplitsByBodySide(t *testing.T) {
	g := volume.Grid{Dims: [3]int{40, 10, 10}, Affine: volume.Identity}
	ct := volume.New[int16](g)
	kidney := volume.New[uint8](g)
	for k := range 10 {
		for j := range 10 {
			for i := range 40 {
				ct.Set(i, j, k, 40) // the body fills the grid: midline x = 19.5
			}
			kidney.Set(5, j, k, 1)  // x = 5: the patient's left (RAS)
			kidney.Set(30, j, k, 1) // x = 30: right
			kidney.Set(31, j, k, 1)
		}
	}
	left, right := bySide(kidney, midline.BodyX(ct))
	if left.At(5, 3, 3) != 1 || left.At(30, 3, 3) != 0 || right.At(31, 3, 3) != 1 || right.At(5, 3, 3) != 0 {
		t.Error("kidneys on the wrong side")
	}
}
