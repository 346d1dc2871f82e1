package lonenifti

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kidney3d/nifti"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/volume"
)

// writeImage writes a 4×3×2 int16 image to dir/name, gzip-compressed when
// gz, and returns its bytes.
func writeImage(t *testing.T, dir, name string, gz bool) []byte {
	t.Helper()
	data := make([]int16, 24)
	for i := range data {
		data[i] = int16(i*10 - 100)
	}
	affine := [4][4]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 1}}
	img := &nifti.Image{Header: nifti.NewHeader([3]int{4, 3, 2}, nifti.Int16, affine), Data: data}
	var b bytes.Buffer
	if err := nifti.Encode(&b, img, &nifti.EncodeOptions{Gzip: gz}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// names lists what dir holds (filepath.Glob: sorted, dot files too).
func names(dir string) []string {
	paths, _ := filepath.Glob(filepath.Join(dir, "*"))
	for i, p := range paths {
		paths[i] = filepath.Base(p)
	}
	return paths
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCaseCopiesAndReuses: a .nii.gz becomes root/<name>-<hash>/input/A.nii.gz
// with the same bytes, nothing is written beside the file, and opening it
// again gives the same case without copying again.
func TestCaseCopiesAndReuses(t *testing.T) {
	src, root := t.TempDir(), t.TempDir()
	want := writeImage(t, src, "Kidney scan.nii.gz", true)
	dir, phase, created, err := Case(filepath.Join(src, "Kidney scan.nii.gz"), root)
	if err != nil || !created {
		t.Fatalf("Case = %q, %v, %v; want a new case", dir, created, err)
	}
	// A 4×3×2 image shows no aorta: A by default, saying so.
	if phase.Name != "A" || phase.Confidence != 0 || len(phase.Reasons) != 2 || !strings.HasPrefix(phase.Reasons[1], "opened as A (arterial)") {
		t.Errorf("phase %+v, want A by default with its reasons", phase)
	}
	var rec dicomimport.Record
	if b, err := os.ReadFile(filepath.Join(dir, "case.json")); err != nil || json.Unmarshal(b, &rec) != nil {
		t.Fatalf("case.json: %v", err)
	}
	if p := rec.Phases["A"]; len(rec.Phases) != 1 || p.File != "input/A.nii.gz" || p.ChosenBy != "default" || p.Dims != [3]int{4, 3, 2} ||
		!slices.Equal(p.Reasons, phase.Reasons) || rec.Study.Description != "opened from "+filepath.Join(src, "Kidney scan.nii.gz") {
		t.Errorf("case.json %+v, want phase A from the file, chosen by default, with the reasons", rec)
	}
	if base := filepath.Base(dir); !strings.HasPrefix(base, "Kidney_scan-") || len(base) != len("Kidney_scan-")+12 || filepath.Dir(dir) != root {
		t.Errorf("case folder %s, want %s/Kidney_scan-<12 hex digits>", dir, root)
	}
	got, err := os.ReadFile(filepath.Join(dir, "input", "A.nii.gz"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("input/A.nii.gz: %v; same bytes as the file: %v", err, bytes.Equal(got, want))
	}
	if n := names(src); !slices.Equal(n, []string{"Kidney scan.nii.gz"}) {
		t.Errorf("the file's folder holds %q, want the file alone", n)
	}
	if n := names(root); len(n) != 1 {
		t.Errorf("root holds %q, want the case alone (no temporary folder)", n)
	}
	again, _, created, err := Case(filepath.Join(src, "Kidney scan.nii.gz"), root)
	if err != nil || created || again != dir {
		t.Errorf("opening again = %q, %v, %v; want %q, not created", again, created, err, dir)
	}
}

// TestPlainNIfTIIsCompressed: a .nii's copy is input/A.nii.gz holding the
// same bytes once decompressed.
func TestPlainNIfTIIsCompressed(t *testing.T) {
	src, root := t.TempDir(), t.TempDir()
	want := writeImage(t, src, "ct.nii", false)
	dir, _, _, err := Case(filepath.Join(src, "ct.nii"), root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "input", "A.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gunzip(t, got), want) {
		t.Error("input/A.nii.gz decompressed differs from the .nii")
	}
}

// TestNotNIfTIMakesNothing: a file that is no NIfTI image is an error naming
// it, and no case is made.
func TestNotNIfTIMakesNothing(t *testing.T) {
	src, root := t.TempDir(), t.TempDir()
	bad := filepath.Join(src, "notes.nii.gz")
	if err := os.WriteFile(bad, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := Case(bad, root); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Case(%s) = %v, want an error naming it", bad, err)
	}
	if n := names(root); len(n) != 0 {
		t.Errorf("root holds %q after a bad file", n)
	}
}

func TestFolderName(t *testing.T) {
	sum := []byte{0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xff}
	for in, want := range map[string]string{
		"/d/CT_A.nii.gz":     "CT_A-abcdef012345",
		"/d/Patient 7.NII":   "Patient_7-abcdef012345",
		"/d/.hidden.nii.gz":  "hidden-abcdef012345",
		"/d/.nii":            "image-abcdef012345",
		"/d/niño v1.2.nii":   "ni_o_v1.2-abcdef012345",
		`/d/a:b*c?.nii.gz`:   "a_b_c_-abcdef012345",
		"/d/scan.nii.gz.nii": "scan.nii.gz-abcdef012345",
	} {
		if got := folderName(in, sum); got != want {
			t.Errorf("folderName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsNIfTI(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.nii", "b.NII.GZ", "d.gz", "e.nii.bak"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "case.nii.gz"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"a.nii": true, "b.NII.GZ": true, "d.gz": false, "e.nii.bak": false,
		"case.nii.gz": false, "missing.nii.gz": false} {
		if got := IsNIfTI(filepath.Join(dir, name)); got != want {
			t.Errorf("IsNIfTI(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestDataDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg/data")
	t.Setenv("LOCALAPPDATA", `C:\Users\u\AppData\Local`)
	t.Setenv("HOME", "/home/u")
	for goos, want := range map[string]string{"linux": "/xdg/data", "windows": `C:\Users\u\AppData\Local`, "darwin": "/home/u/Library/Application Support"} {
		if got, err := dataDir(goos); err != nil || got != want {
			t.Errorf("dataDir(%s) = %q, %v; want %q", goos, got, err, want)
		}
	}
	t.Setenv("XDG_DATA_HOME", "relative")
	if got, _ := dataDir("linux"); got != "/home/u/.local/share" {
		t.Errorf("dataDir(linux) with a relative XDG_DATA_HOME = %q, want ~/.local/share", got)
	}
}

// TestReadPhaseOfRealUnenhancedCT: TotalSegmentator's example CT is
// unenhanced (its aorta 43 HU in TotalSegmentator's own segmentation), so
// its pixels point to no phase: A by default, saying so, never D from the
// dense bone beside its spine.
func TestReadPhaseOfRealUnenhancedCT(t *testing.T) {
	for _, name := range []string{"example_ct.nii.gz", "example_ct_sm.nii.gz"} {
		path := filepath.Join("..", "..", "..", "shared", "data", "totalseg_example", name)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("real data missing: %v", err)
		}
		p, err := ReadPhase(path)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "A" || p.Confidence != 0 || p.Reasons[0] != "image: the aorta not found brighter than its surroundings" {
			t.Errorf("%s: %+v, want A by default", name, p)
		}
	}
}

// TestReadPhaseIgnoresStorage: the demo's seed 2 portal venous phase reads
// as P with the same reason however its voxels are stored (RAS, LPS, axes
// permuted as dcm2niix's LAS-like outputs or a sagittal stack are).
func TestReadPhaseIgnoresStorage(t *testing.T) {
	c, err := demo.Generate(demo.Options{Seed: 2, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	var first Phase
	for n, o := range []volume.Orientation{
		{Perm: [3]int{0, 1, 2}},
		{Perm: [3]int{0, 1, 2}, Flip: [3]bool{true, true, false}},
		{Perm: [3]int{2, 0, 1}, Flip: [3]bool{false, true, true}},
	} {
		path := filepath.Join(t.TempDir(), "P.nii.gz")
		if err := volume.Save(path, volume.Reorient(c.Phases["P"], o)); err != nil {
			t.Fatal(err)
		}
		p, err := ReadPhase(path)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			first = p
		}
		if p.Name != "P" || p.Confidence == 0 || !slices.Equal(p.Reasons, first.Reasons) {
			t.Errorf("stored %+v: %+v, want P as stored RAS (%+v)", o, p, first)
		}
	}
}
