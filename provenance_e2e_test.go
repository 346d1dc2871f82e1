package main

// End-to-end tests of issue 11's "provenance everywhere" on the binary:
// report.json names where every label came from (the model, by name,
// version and the sha256 of its network, with what its model.json says of
// its training data and use; or the given mask, by file and sha256), and
// `render`, `view --screenshot` and `info CASE` carry the "not for clinical
// use" notice of the demo models; an unprocessed demo case says it shows
// the truth.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image/color"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/volume"
)

// footerStrip is the footer's background (render/footer).
var footerStrip = color.RGBA{0x8b, 0x10, 0x10, 0xff}

// fileSHA256 is the hex sha256 of a file.
func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// provenanceReport reads CASE/output/report.json.
func provenanceReport(t *testing.T, dir string) *measure.Report {
	t.Helper()
	path := filepath.Join(dir, "output", "report.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := measure.ParseReport(b, path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hasFooter reports whether the PNG's bottom row is the footer's strip
// (most of it; the rest is text) with white text in the rows above it.
func hasFooter(t *testing.T, path string) bool {
	t.Helper()
	img := readPNG(t, path)
	b := img.Bounds()
	strip, white := 0, 0
	for x := b.Min.X; x < b.Max.X; x++ {
		if color.RGBAModel.Convert(img.At(x, b.Max.Y-1)) == footerStrip {
			strip++
		}
		for y := b.Max.Y - 20; y < b.Max.Y; y++ {
			if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); c.R > 200 && c.G > 200 && c.B > 200 {
				white++
			}
		}
	}
	return strip > b.Dx()/2 && white > 50
}

// screenshot runs `view CASE --screenshot` under Xvfb and returns the PNG.
func screenshot(t *testing.T, dir string) string {
	t.Helper()
	shot := filepath.Join(t.TempDir(), "shot.png")
	t0 := time.Now()
	cmd := exec.Command("xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", binary, "view", dir, "--screenshot", shot, "--size", "1200x790")
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("view --screenshot: %v\n%s", err, out)
	}
	t.Logf("view --screenshot: exit 0 in %.1fs", time.Since(t0).Seconds())
	return shot
}

// TestProvenanceOfDemoModelsAndTheNotice runs the pipeline with the demo
// models on a small demo case: every label of report.json names its model
// exactly as the manifest's segmentation stage recorded it, with the
// sha256 of the built-in network file and the model.json's training data
// and clinical use; `info CASE`, `render` and `view --screenshot` carry
// the not-for-clinical-use notice. Before the run, `info` and the
// screenshot say the structures are the truth of a demo case.
func TestProvenanceOfDemoModelsAndTheNotice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "21"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	if out, _, code := kidney3d(t, "info", dir); code != 0 || !strings.Contains(out, "ground truth of a demo case, not a result") {
		t.Errorf("info before the run: exit %d, does not say it shows the truth:\n%s", code, out)
	}
	_, xvfbErr := exec.LookPath("xvfb-run")
	if xvfbErr == nil && !hasFooter(t, screenshot(t, dir)) {
		t.Error("the screenshot of an unprocessed demo case has no footer saying it shows the truth")
	}

	t0 := time.Now()
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	t.Logf("run with the demo models: exit 0 in %.1fs", time.Since(t0).Seconds())
	man, err := manifest.Load(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	rep := provenanceReport(t, dir)
	if len(rep.Structures) < 10 {
		t.Fatalf("report.json lists %d structures", len(rep.Structures))
	}
	for _, s := range rep.Structures {
		p := s.Provenance
		models := p.Models()
		if p.Source != measure.FromModel && p.Source != measure.FromDerived || len(models) == 0 || p.Note != "" || p.Edited {
			t.Errorf("%s: provenance %+v, want a model (or derived from models)", s.Name, p)
			continue
		}
		for _, m := range models {
			if m.ClinicalUse || !strings.Contains(m.TrainingData, "synthetic") ||
				!strings.Contains(m.IntendedUse, "trained on synthetic phantoms — not for clinical use") {
				t.Errorf("%s: model %+v, want the demo model's statements", s.Name, m)
			}
			if want := fileSHA256(t, filepath.Join("assets", "models", m.Name, "model.onnx")); m.ONNXSHA256 != want {
				t.Errorf("%s: model %s onnx_sha256 %s, the built-in network's is %s", s.Name, m.Name, m.ONNXSHA256, want)
			}
		}
		if p.Source != measure.FromModel {
			continue
		}
		var ran struct {
			ModelID modelpkg.Identity `json:"model_id"`
			Phases  []string          `json:"input_phases"`
		}
		e := man.Stages[p.Stage]
		if e == nil {
			t.Errorf("%s: stage %s is not in manifest.json", s.Name, p.Stage)
			continue
		}
		b, _ := json.Marshal(e.Record)
		if json.Unmarshal(b, &ran) != nil || ran.ModelID != *p.Model || !slices.Equal(ran.Phases, p.Phases) || len(p.Phases) == 0 {
			t.Errorf("%s: model %+v on phases %v is not what stage %s recorded in manifest.json (%+v)", s.Name, p.Model, p.Phases, p.Stage, ran)
		}
	}
	fat, ok := rep.Structure("perirenal_fat")
	if !ok || fat.Provenance.Source != measure.FromDerived || fat.Provenance.Stage != "perirenal_fat" {
		t.Errorf("perirenal_fat: %+v, want derived by the perirenal_fat stage", fat.Provenance)
	}

	out, _, code := kidney3d(t, "info", dir)
	if code != 0 || !strings.Contains(out, "NOT FOR CLINICAL USE — labels from demo-") {
		t.Errorf("info after the run: exit %d, no notice:\n%s", code, out)
	}
	png := filepath.Join(t.TempDir(), "model.png")
	t0 = time.Now()
	if _, stderr, code := kidney3d(t, "render", dir, "--png", png, "--size", "640x400"); code != 0 {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	t.Logf("render 640x400: exit 0 in %.2fs", time.Since(t0).Seconds())
	if !hasFooter(t, png) {
		t.Error("render of a demo-model case has no not-for-clinical-use footer")
	}
	if xvfbErr != nil {
		t.Skip("xvfb-run is not installed: no screenshot")
	}
	if !hasFooter(t, screenshot(t, dir)) {
		t.Error("the screenshot of a demo-model case has no not-for-clinical-use footer")
	}
}

// TestProvenanceOfGivenMasks runs a demo case whose every structure is
// given in input/masks: each label names its file and that file's sha256,
// no model, and the render carries no notice. The labels its truth lacks
// are given too, as empty masks (a lab's "none here"): else a model makes
// them, rightly with its provenance and the notice (demo-tumour 1.1.0
// marks a cyst in this case, which has none).
func TestProvenanceOfGivenMasks(t *testing.T) {
	dir := demoCaseWithMasks(t, "22")
	truth, err := volume.Load[uint8](filepath.Join(dir, "truth", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labels.Default().Labels {
		if l.Value == 0 {
			continue
		}
		path := filepath.Join(dir, "input", "masks", l.Name+".nii.gz")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if err := volume.Save(path, volume.New[uint8](truth.Grid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	rep := provenanceReport(t, dir)
	for _, s := range rep.Structures {
		p := s.Provenance
		file := "input/masks/" + s.Name + ".nii.gz"
		if p.Source != measure.FromGiven || p.Given == nil || p.Given.File != file || p.Given.SHA256 != fileSHA256(t, filepath.Join(dir, filepath.FromSlash(file))) {
			t.Errorf("%s: provenance %+v, want the given %s with its sha256", s.Name, p, file)
		}
	}
	png := filepath.Join(t.TempDir(), "model.png")
	if _, stderr, code := kidney3d(t, "render", dir, "--png", png, "--size", "320x200"); code != 0 {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	if hasFooter(t, png) {
		t.Error("render of a case made of given masks carries a not-for-clinical-use footer")
	}
}
