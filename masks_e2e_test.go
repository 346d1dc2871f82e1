package main

// End-to-end tests of masks made by other tools: TotalSegmentator's
// segmentation of a real CT (../shared/data/totalseg_example) imported
// with `kidney3d import-masks` and run as the case's given masks; masks
// stored in another axis order of the arterial phase's grid; and what
// import-masks refuses.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/maskimport"
	"kidney3d/pipeline/volume"
)

// totalSegData is TotalSegmentator's example data (SOURCE.md there):
// example_ct_sm.nii.gz and its segmentation example_seg.nii.gz.
const totalSegData = "../shared/data/totalseg_example"

// givenOnlyConfig runs a case on its given masks alone: the demo models
// are trained on synthetic phantoms and call a real CT's vertebrae
// "kidney" and "tumor", so a case of masks made elsewhere leaves them out.
const givenOnlyConfig = `stages:
  - stage: load
  - stage: cleanup
  - stage: merge
  - stage: mesh
  - stage: measure
`

// realCTCase makes a case whose arterial phase is example_ct_sm and whose
// config.yaml is givenOnlyConfig; it skips the test when the data is not
// there.
func realCTCase(t *testing.T) string {
	t.Helper()
	ct, err := os.ReadFile(filepath.Join(totalSegData, "example_ct_sm.nii.gz"))
	if err != nil {
		t.Skipf("TotalSegmentator example data missing (%v): these tests need ../shared/data", err)
	}
	dir := filepath.Join(t.TempDir(), "case")
	if err := os.MkdirAll(filepath.Join(dir, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "input", "A.nii.gz"), ct, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(givenOnlyConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cleanedUp are the labels of example_seg that the cleanup stage changes
// (README "Masks from other tools"), with the least Dice: it fills the
// liver's one-voxel hole and removes the pancreas's one-voxel island (27
// mm³, under its smallest island kept). Every other label survives voxel
// for voxel.
var cleanedUp = map[string]float64{"liver": 0.99998, "pancreas": 0.9992}

// TestTotalSegmentatorMasksSurviveARun imports TotalSegmentator's
// segmentation of the real CT, stored LAS so that the import relabels it,
// runs the case, and compares each label of output/labels.nii.gz with the
// classes it came from in the original (RAS) segmentation.
func TestTotalSegmentatorMasksSurviveARun(t *testing.T) {
	dir := realCTCase(t)
	segPath := filepath.Join(totalSegData, "example_seg.nii.gz")
	seg, err := volume.Load[uint8](segPath)
	if err != nil {
		t.Fatal(err)
	}
	las := filepath.Join(t.TempDir(), "seg_las.nii.gz")
	if err := volume.Save(las, volume.Reorient(seg, volume.Orientation{Perm: [3]int{0, 1, 2}, Flip: [3]bool{true}})); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stdout, stderr, code := kidney3d(t, "import-masks", las, "--from", "totalsegmentator", "--out", dir, "--json")
	if code != 0 {
		t.Fatalf("import-masks: exit %d: %s", code, stderr)
	}
	t.Logf("import-masks: %v", time.Since(start))
	var res maskimport.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	// volume.Save writes no header extension: the names come from the
	// alias table's class map.
	if res.Relabelled != "LAS" || res.Names != "the class map of totalsegmentator in the mask alias table" {
		t.Errorf("relabelled %q, names from %q", res.Relabelled, res.Names)
	}
	// Every class with voxels is imported or named as not imported.
	accounted := map[int]bool{}
	for _, m := range res.Masks {
		for _, c := range m.From {
			accounted[c.Value] = true
		}
	}
	for _, c := range res.NotImported {
		accounted[c.Value] = true
	}
	for _, v := range seg.Data {
		if v != 0 && !accounted[int(v)] {
			t.Fatalf("class %d neither imported nor reported", v)
		}
	}

	start = time.Now()
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	t.Logf("run: %v", time.Since(start))
	out, err := volume.Load[uint8](filepath.Join(dir, "output", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	table := labels.Default()
	want := []string{"aorta", "inferior_vena_cava", "kidney_left", "kidney_right", "liver", "pancreas", "spine", "spleen", "vein"}
	var got []string
	for _, m := range res.Masks {
		got = append(got, m.Label)
		value := table.Value(m.Label)
		var classes []uint8
		for _, c := range m.From {
			classes = append(classes, uint8(c.Value))
		}
		inter, a, b := 0, 0, 0
		for n, v := range seg.Data {
			given, made := slices.Contains(classes, v), out.Data[n] == value
			if given {
				a++
			}
			if made {
				b++
			}
			if given && made {
				inter++
			}
		}
		dice := 2 * float64(inter) / float64(a+b)
		t.Logf("%-20s given %6d voxels, output %6d, Dice %.6f", m.Label, a, b, dice)
		if least, ok := cleanedUp[m.Label]; ok && dice < least || !ok && dice != 1 {
			t.Errorf("%s: Dice %.6f against the given mask", m.Label, dice)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("imported %v, want %v", got, want)
	}

	var report struct {
		Structures []struct {
			Name string            `json:"name"`
			Cut  []json.RawMessage `json:"cut_by_field_of_view"`
		} `json:"structures"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "output", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	cut := map[string]bool{}
	for _, s := range report.Structures {
		cut[s.Name] = len(s.Cut) > 0
	}
	if !cut["kidney_left"] || !cut["kidney_right"] {
		t.Errorf("kidneys not flagged as cut by the field of view: %s", b)
	}
}

// TestImportMasksRefusals: what import-masks refuses, with exit 1 naming
// the file and the reason and input/masks untouched, or exit 2 for a bad
// command line.
func TestImportMasksRefusals(t *testing.T) {
	dir := realCTCase(t)
	seg := filepath.Join(totalSegData, "example_seg.nii.gz")
	stdout, stderr, code := kidney3d(t, "import-masks", seg, "--from", "totalsegmentator", "--out", dir)
	if code != 0 {
		t.Fatalf("import-masks: exit %d: %s", code, stderr)
	}
	// TotalSegmentator's own file names its classes in a header extension.
	if !strings.Contains(stdout, "names from the file's own label table (header extension)") {
		t.Errorf("names not read from the file: %s", stdout)
	}
	before := snapshot(t, filepath.Join(dir, "input"))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"masks there", []string{seg}, 1, "input/masks: aorta.nii.gz, inferior_vena_cava.nii.gz, kidney_left.nii.gz"},
		{"other grid", []string{filepath.Join(totalSegData, "example_seg_dicom.nii.gz"), "--overwrite"}, 1,
			"example_seg_dicom.nii.gz: not on the grid of " + filepath.Join(dir, "input", "A.nii.gz") + " in any axis order or direction: volume: grids differ in dims: [122 101 30] vs [512 512 20]"},
		{"a CT, not labels", []string{filepath.Join(totalSegData, "example_ct_sm.nii.gz"), "--overwrite"}, 1,
			"example_ct_sm.nii.gz: 246334 voxels hold values that are no class number (a whole number from 0 to 65535), the first -1024 at voxel (0, 0, 0)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"import-masks", "--from", "totalsegmentator", "--out", dir}, tc.args...)
			start := time.Now()
			_, stderr, code := kidney3d(t, args...)
			t.Logf("exit %d in %v: %s", code, time.Since(start), strings.TrimSpace(stderr))
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, %q; want %d, %q", code, stderr, tc.code, tc.want)
			}
			if after := snapshot(t, filepath.Join(dir, "input")); after != before {
				t.Errorf("input/ changed:\n%s\nthen\n%s", before, after)
			}
		})
	}
	if _, stderr, code := kidney3d(t, "import-masks", seg, "--from", "nnunet", "--out", dir); code != 2 || !strings.Contains(stderr, `no tool "nnunet" in the mask alias table (tools: totalsegmentator)`) {
		t.Errorf("unknown tool: exit %d, %s", code, stderr)
	}
}

// TestMaskInAnotherStorageOrderRunsAsStored: a demo case whose kidney and
// artery masks are stored in another axis order and direction gives the
// same label map as the case stored as its arterial phase is.
func TestMaskInAnotherStorageOrderRunsAsStored(t *testing.T) {
	ras := demoCaseWithMasks(t, "7")
	other := copyCase(t, ras)
	for _, dir := range []string{ras, other} {
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(givenOnlyConfig), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"kidney_left", "artery"} {
		path := filepath.Join(other, "input", "masks", l+".nii.gz")
		m, err := volume.Load[uint8](path)
		if err != nil {
			t.Fatal(err)
		}
		if err := volume.Save(path, volume.Reorient(m, volume.Orientation{Perm: [3]int{2, 0, 1}, Flip: [3]bool{true, false, true}})); err != nil {
			t.Fatal(err)
		}
	}
	var maps [2]*volume.Volume[uint8]
	for i, dir := range []string{ras, other} {
		if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
			t.Fatalf("run %s: exit %d: %s", dir, code, stderr)
		}
		m, err := volume.Load[uint8](filepath.Join(dir, "output", "labels.nii.gz"))
		if err != nil {
			t.Fatal(err)
		}
		maps[i] = m
	}
	if !slices.Equal(maps[0].Data, maps[1].Data) {
		t.Error("label maps differ with the masks stored in another order")
	}
	b, _ := os.ReadFile(filepath.Join(other, "work", "load", "inputs.json"))
	if !strings.Contains(string(b), `"stored": "`) {
		t.Errorf("inputs.json does not say how the masks are stored: %s", b)
	}
}
