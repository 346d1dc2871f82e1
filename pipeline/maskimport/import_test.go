package maskimport

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

// phaseGrid is an LPS grid like a DICOM study's.
var phaseGrid = volume.Grid{Dims: [3]int{10, 9, 8}, Affine: volume.Affine{{-0.8, 0, 0, 40}, {0, -0.8, 0, 30}, {0, 0, 2, -50}, {0, 0, 0, 1}}}

// seg is a TotalSegmentator multi-label map on phaseGrid: the left kidney
// (3), two vertebrae (31, 32), a left kidney cyst (23) and the stomach (6).
func seg() *volume.Volume[uint8] {
	v := volume.New[uint8](phaseGrid)
	for n := range v.Data {
		i, j, k := v.Coords(n)
		switch {
		case i < 3 && j < 3:
			v.Data[n] = 3
		case i > 6 && k < 4:
			v.Data[n] = 31
		case i > 6:
			v.Data[n] = 32
		case j > 6 && k == 0:
			v.Data[n] = 23
		case j > 6 && k == 7:
			v.Data[n] = 6
		}
	}
	return v
}

// newCase writes a case whose arterial phase is on phaseGrid.
func newCase(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ct := make([]int16, phaseGrid.Len())
	volumetest.Save(t, filepath.Join(dir, "input", "A.nii.gz"), phaseGrid, ct, nil)
	return dir
}

// masksOf reads every mask Import wrote, on phaseGrid.
func masksOf(t *testing.T, dir string, res *Result) map[string]*volume.Volume[uint8] {
	t.Helper()
	out := map[string]*volume.Volume[uint8]{}
	for _, m := range res.Masks {
		v, err := volume.Load[uint8](filepath.Join(dir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		if err := volume.SameGrid(phaseGrid, v.Grid, 1e-6); err != nil {
			t.Errorf("%s: %v", m.File, err)
		}
		out[m.Label] = v
	}
	return out
}

// TestImportSplitsRelabelsAndMerges imports the map stored RAS (the phase
// being LPS): each label's mask holds exactly its classes' voxels on the
// phase's storage, the vertebrae merged into spine.
func TestImportSplitsRelabelsAndMerges(t *testing.T) {
	dir := newCase(t)
	want := seg()
	src := filepath.Join(t.TempDir(), "seg.nii.gz")
	if err := volume.Save(src, volume.Reorient(want, volume.CanonicalOrientation(phaseGrid))); err != nil {
		t.Fatal(err)
	}
	res, err := Import(context.Background(), Options{Source: src, Tool: "totalsegmentator", Case: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Relabelled != "RAS" {
		t.Errorf("relabelled %q, want RAS", res.Relabelled)
	}
	masks := masksOf(t, dir, res)
	for label, classes := range map[string][]uint8{"kidney_left": {3}, "spine": {31, 32}, "cyst": {23}} {
		m := masks[label]
		if m == nil {
			t.Fatalf("no mask of %s: %+v", label, res.Masks)
		}
		for n, v := range want.Data {
			if (m.Data[n] == 1) != slices.Contains(classes, v) {
				t.Fatalf("%s: voxel %d is %d, class %d", label, n, m.Data[n], v)
			}
		}
	}
	if len(res.Masks) != 3 || len(res.NotImported) != 1 || res.NotImported[0].Name != "stomach" || res.NotImported[0].Value != 6 {
		t.Errorf("masks %+v, not imported %+v", res.Masks, res.NotImported)
	}
	var text bytes.Buffer
	res.WriteText(&text)
	for _, want := range []string{"input/masks/spine.nii.gz", "from vertebrae_L1 (31), vertebrae_T12 (32)", "not imported", "stomach (6) 14 voxels"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}

	// A second import refuses to replace them, and leaves them as they are.
	before, _ := os.ReadFile(filepath.Join(dir, "input", "masks", "spine.nii.gz"))
	if _, err := Import(context.Background(), Options{Source: src, Tool: "totalsegmentator", Case: dir}); err == nil ||
		!strings.Contains(err.Error(), "cyst.nii.gz, kidney_left.nii.gz, spine.nii.gz already there: --overwrite replaces them") {
		t.Errorf("second import: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "input", "masks", "spine.nii.gz"))
	if !bytes.Equal(before, after) {
		t.Error("refused import changed a mask")
	}
	if _, err := Import(context.Background(), Options{Source: src, Tool: "totalsegmentator", Case: dir, Overwrite: true}); err != nil {
		t.Errorf("--overwrite: %v", err)
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "work", ".tmp")); len(tmp) != 0 {
		t.Errorf("staging left behind: %v", tmp)
	}
}

// TestImportFolderOfMasks imports a folder of one mask per class, as
// TotalSegmentator writes without --ml, some of them empty.
func TestImportFolderOfMasks(t *testing.T) {
	dir := newCase(t)
	folder := t.TempDir()
	s := seg()
	for v, name := range map[uint8]string{3: "kidney_left", 31: "vertebrae_L1", 32: "vertebrae_T12", 6: "stomach", 24: "kidney_cyst_right"} {
		m := volume.New[uint8](phaseGrid)
		for n, x := range s.Data {
			if x == v {
				m.Data[n] = 255
			}
		}
		if err := volume.Save(filepath.Join(folder, name+".nii.gz"), volume.Reorient(m, volume.Orientation{Perm: [3]int{1, 2, 0}, Flip: [3]bool{false, true}})); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Import(context.Background(), Options{Source: folder, Tool: "totalsegmentator", Case: dir})
	if err != nil {
		t.Fatal(err)
	}
	masks := masksOf(t, dir, res)
	for n, v := range s.Data {
		if (masks["spine"].Data[n] == 1) != (v == 31 || v == 32) || (masks["kidney_left"].Data[n] == 1) != (v == 3) {
			t.Fatalf("voxel %d of class %d misplaced", n, v)
		}
	}
	if !slices.Equal(res.Empty, []string{"kidney_cyst_right"}) || len(res.NotImported) != 1 || res.NotImported[0].Name != "stomach" {
		t.Errorf("empty %v, not imported %+v", res.Empty, res.NotImported)
	}
}

func TestImportRefusals(t *testing.T) {
	dir := newCase(t)
	save := func(v *volume.Volume[float32]) string {
		p := filepath.Join(t.TempDir(), "seg.nii.gz")
		if err := volume.Save(p, v); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknown := volume.New[float32](phaseGrid)
	unknown.Data[5], unknown.Data[6], unknown.Data[7] = 3, 140, 140
	frac := volume.New[float32](phaseGrid)
	frac.Data[phaseGrid.Index(1, 2, 3)] = 2.5
	shifted := volume.New[float32](volume.Grid{Dims: phaseGrid.Dims, Affine: phaseGrid.Affine.Translated([3]float64{0, 0, 2})})
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown class", save(unknown), "values 140 (2 voxels) have no name in the class map of totalsegmentator in the mask alias table (TotalSegmentator v2, task \"total\""},
		{"not whole", save(frac), "1 voxels hold values that are no class number (a whole number from 0 to 65535), the first 2.5 at voxel (1, 2, 3)"},
		{"other grid", save(shifted), "not on the grid of " + filepath.Join(dir, "input", "A.nii.gz") + " in any axis order or direction: volume: grids differ in origin"},
		{"empty folder", t.TempDir(), "no masks (.nii.gz files) in the folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(context.Background(), Options{Source: tc.src, Tool: "totalsegmentator", Case: dir})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.src) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "input", "masks")); !os.IsNotExist(err) {
				t.Errorf("input/masks written: %v", err)
			}
		})
	}
	if _, err := Import(context.Background(), Options{Source: save(frac), Tool: "nnunet", Case: dir}); err == nil || !strings.Contains(err.Error(), `no tool "nnunet"`) {
		t.Errorf("unknown tool: %v", err)
	}
}
