package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

func TestModelsListAndCheck(t *testing.T) {
	stdout, stderr, code := kidney3d(t, "models", "list")
	if code != 0 {
		t.Fatalf("models list: exit %d: %s", code, stderr)
	}
	for _, name := range []string{"demo-organs", "demo-vessels", "demo-ureter", "demo-tumour", "demo-kidney"} {
		if !strings.Contains(stdout, name) || !strings.Contains(stdout, "built-in:"+name) {
			t.Errorf("models list lacks %s:\n%s", name, stdout)
		}
	}
	stdout, stderr, code = kidney3d(t, "models", "check", "demo-ureter", "--device", "cpu")
	if code != 0 || !strings.Contains(stdout, "check    ok") || !strings.Contains(stdout, "provider cpu") {
		t.Errorf("models check demo-ureter: exit %d\n%s%s", code, stdout, stderr)
	}

	bad := filepath.Join(t.TempDir(), "broken")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(bad, "model.json"), []byte(`{"format": "kidney3d-model/1", "name": "broken"}`), 0o644)
	_, stderr, code = kidney3d(t, "models", "check", bad)
	if code != 1 || !strings.Contains(stderr, filepath.Join(bad, "model.json")) || !strings.Contains(stderr, "input_phases is empty") {
		t.Errorf("models check on a broken package: exit %d, stderr %q", code, stderr)
	}
	if _, _, code := kidney3d(t, "models", "frob"); code != 2 {
		t.Errorf("models frob: exit %d, want 2", code)
	}
}

// TestRunSegmentsADemoCase runs the default pipeline, real inference with
// the built-in demo models included, on a demo case whose seed the models
// never saw, and checks each structure's Dice against floors that catch a
// broken pipeline. The targets (kidneys ≥ 0.90, tumour ≥ 0.80,
// vessels and ureter ≥ 0.75) are means over seeds 21-40: `kidney3d bench
// --suite accuracy`, figures in BENCHMARKS.md.
func TestRunSegmentsADemoCase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "21"); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	if stdout, stderr, code := kidney3d(t, "run", dir, "--device", "cpu"); code != 0 {
		t.Fatalf("run: exit %d: %s\n%s", code, stderr, stdout)
	}
	out, err := volume.Load[uint8](filepath.Join(dir, "output", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	truth, err := volume.Load[uint8](filepath.Join(dir, "truth", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	table := labels.Default()
	for _, c := range []struct {
		label string
		min   float64
	}{{"kidney_left", 0.85}, {"kidney_right", 0.85}, {"tumor", 0.70}, {"artery", 0.75}, {"vein", 0.75}, {"ureter", 0.75}} {
		d := dice(out, truth, table.Value(c.label))
		t.Logf("%s Dice %.3f", c.label, d)
		if d < c.min {
			t.Errorf("%s: Dice %.3f, want ≥ %.2f", c.label, d, c.min)
		}
	}
}

// dice is the Dice coefficient of label v between a label map and the
// truth on the same grid (0 when neither holds it).
func dice(out, truth *volume.Volume[uint8], v uint8) float64 {
	var inter, a, b int
	for i, x := range out.Data {
		if x == v {
			a++
		}
		if truth.Data[i] == v {
			b++
			if x == v {
				inter++
			}
		}
	}
	if a+b == 0 {
		return 0
	}
	return 2 * float64(inter) / float64(a+b)
}
