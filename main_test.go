package main

// End-to-end tests: they build the kidney3d binary once and run it as a
// user would, on generated cases and on bad input.

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/imageinfo"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kidney3d-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "kidney3d")
	// Runs log to the test's folder, not to the user's application log,
	// and see the built-in model packages only.
	os.Setenv("KIDNEY3D_LOG", filepath.Join(dir, "kidney3d.log"))
	os.Setenv("KIDNEY3D_MODELS", "")
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	// ONNX Runtime as `make deps` fetches it, unless the caller says where.
	if os.Getenv("KIDNEY3D_ONNXRUNTIME") == "" {
		if abs, err := filepath.Abs(".deps/onnxruntime-1.29.0/linux-x64/libonnxruntime.so.1"); err == nil {
			os.Setenv("KIDNEY3D_ONNXRUNTIME", abs)
		}
	}
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// infoJSON is the output of `kidney3d info --json`: the test decodes the
// binary's JSON into the type that encodes it, so the keys are checked by
// TestInfoContractKeys.
type infoJSON = imageinfo.Info

// infoMatches compares two infos within nibabel-conformance tolerances:
// dims, datatype and orientation exactly, spacing and affine within 1e-4,
// min/max/mean within 1e-3 relative.
func infoMatches(got, want infoJSON) bool {
	near := func(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(1, math.Abs(b)) }
	ok := got.Dims == want.Dims && got.Datatype == want.Datatype && got.Orientation == want.Orientation &&
		near(got.Min, want.Min, 1e-3) && near(got.Max, want.Max, 1e-3) && near(got.Mean, want.Mean, 1e-3)
	for i := 0; i < 3; i++ {
		ok = ok && near(got.Spacing[i], want.Spacing[i], 1e-4)
	}
	for r := 0; r < 4; r++ {
		for c := 0; c < 4; c++ {
			ok = ok && math.Abs(got.Affine[r][c]-want.Affine[r][c]) <= 1e-4
		}
	}
	return ok
}

// kidney3d runs the binary and returns its stdout, stderr and exit code.
func kidney3d(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"info"},
		{"info", "a.nii", "b.nii"},
		{"info", "--bogus", "a.nii"},
		{"demo"},
		{"demo", "--out", t.TempDir(), "--size", "huge"},
	} {
		_, stderr, code := kidney3d(t, args...)
		if code != 2 || !strings.Contains(stderr, "kidney3d") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 with a message", args, code, stderr)
		}
	}
}

func TestDemoThenInfoOnFilesAndCase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "3"); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"input/A.nii.gz", "input/P.nii.gz", "input/D.nii.gz", "truth/labels.nii.gz"} {
		stdout, stderr, code := kidney3d(t, "info", filepath.Join(dir, f), "--json")
		if code != 0 {
			t.Fatalf("info %s: exit %d: %s", f, code, stderr)
		}
		var info infoJSON
		if err := json.Unmarshal([]byte(stdout), &info); err != nil {
			t.Fatalf("info %s: %v in %q", f, err, stdout)
		}
		want := "int16"
		if strings.HasPrefix(f, "truth") {
			want = "uint8"
		}
		if info.Datatype != want || info.Dims[0] < 64 || len(info.Orientation) != 3 || info.Max <= info.Min {
			t.Errorf("info %s: %+v", f, info)
		}
		if strings.HasPrefix(f, "input/A") && (info.Min > -900 || info.Max < 300) {
			t.Errorf("arterial phase HU range %g…%g is not CT-like", info.Min, info.Max)
		}
	}
	stdout, stderr, code := kidney3d(t, "info", dir)
	if code != 0 {
		t.Fatalf("info CASE: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"phase A", "phase P", "phase D", "kidney_left", "kidney_right", "tumor", "artery", "ureter"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("case summary lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDemoIsDeterministic(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, dir := range []string{a, b} {
		if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "7"); code != 0 {
			t.Fatalf("demo: %s", stderr)
		}
	}
	for _, f := range []string{"input/A.nii.gz", "input/D.nii.gz", "truth/labels.nii.gz"} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs of seed 7", f)
		}
	}
}

func TestInfoOnBadFilesNamesFileAndExitsOne(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", good, "--seed", "1"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	gz, err := os.ReadFile(filepath.Join(good, "input", "A.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"truncated.nii.gz": gz[:len(gz)/2],
		"header-cut.nii":   make([]byte, 100),
		"text.nii":         []byte("this is not a NIfTI file at all, just some words to fill a header"),
		"empty.nii.gz":     nil,
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := kidney3d(t, "info", path)
		if code != 1 || !strings.Contains(stderr, path) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 naming the file", name, code, stderr)
		}
	}
	_, stderr, code := kidney3d(t, "info", filepath.Join(dir, "missing.nii.gz"))
	if code != 1 || !strings.Contains(stderr, "missing.nii.gz") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
}

// TestInfoAgreesWithNibabel compares `info --json` with nibabel on the real
// TotalSegmentator files (skipped where the shared data or nibabel is missing).
func TestInfoAgreesWithNibabel(t *testing.T) {
	files, _ := filepath.Glob("../shared/data/totalseg_example/*.nii.gz")
	if len(files) == 0 {
		t.Skip("../shared/data/totalseg_example is not here")
	}
	if exec.Command("/usr/bin/python3", "-c", "import nibabel").Run() != nil {
		t.Skip("python3-nibabel is not installed (make deps-test installs it)")
	}
	const script = `
import sys, json, numpy as np, nibabel as nb
img = nb.load(sys.argv[1]); a = img.get_fdata()
print(json.dumps({"dims": list(img.shape[:3]), "datatype": str(img.get_data_dtype()),
  "spacing": [float(z) for z in img.header.get_zooms()[:3]], "affine": img.affine.tolist(),
  "orientation": "".join(nb.aff2axcodes(img.affine)), "min": float(np.nanmin(a)),
  "max": float(np.nanmax(a)), "mean": float(np.nanmean(a))}))`
	for _, f := range files {
		out, err := exec.Command("/usr/bin/python3", "-c", script, f).Output()
		if err != nil {
			t.Fatalf("nibabel on %s: %v", f, err)
		}
		var want, got infoJSON
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := kidney3d(t, "info", f, "--json")
		if code != 0 {
			t.Fatalf("info %s: %s", f, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		ok := infoMatches(got, want)
		if !ok {
			t.Errorf("%s:\n got  %+v\n want %+v", f, got, want)
		}
	}
}

func TestMeshCommandOnDemoTruthAndForeignMap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "6"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	out := filepath.Join(t.TempDir(), "meshes")
	stdout, stderr, code := kidney3d(t, "mesh", filepath.Join(dir, "truth", "labels.nii.gz"), "--out", out, "--format", "obj,stl,glb")
	if code != 0 {
		t.Fatalf("mesh: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"kidney_left.obj", "kidney_left.stl", "artery.obj", "model.mtl", "model.glb"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing: %v\n%s", f, err, stdout)
		}
	}
	// With no label table every label is named by its value.
	out2 := filepath.Join(t.TempDir(), "foreign")
	if _, stderr, code := kidney3d(t, "mesh", filepath.Join(dir, "truth", "labels.nii.gz"), "--out", out2, "--table", "none", "--labels", "label_3"); code != 0 {
		t.Fatalf("mesh --table none: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out2, "label_3.obj")); err != nil {
		t.Error(err)
	}
	if _, stderr, code := kidney3d(t, "mesh", filepath.Join(dir, "truth", "labels.nii.gz"), "--out", out2, "--format", "ply"); code != 2 {
		t.Errorf("--format ply: exit %d (%s), want 2", code, stderr)
	}
}

// TestInfoMatchesNibabelOnConformanceFiles runs `info --json` on every file
// of testdata/nifti that nibabel loads and kidney3d accepts, and compares it
// with nibabel's view recorded in expected.json by tools/make_nifti_testdata.py.
func TestInfoMatchesNibabelOnConformanceFiles(t *testing.T) {
	b, err := os.ReadFile("testdata/nifti/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Files []struct {
			File        string      `json:"file"`
			Nibabel     string      `json:"nibabel"`
			Shape       []int       `json:"shape"`
			Dtype       string      `json:"dtype"`
			Affine      [][]float64 `json:"affine"`
			Orientation string      `json:"orientation"`
			Zooms       []float64   `json:"zooms"`
			Min         float64     `json:"min"`
			Max         float64     `json:"max"`
			Mean        float64     `json:"mean"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &expected); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, want := range expected.Files {
		if want.Nibabel != "loads" {
			continue
		}
		stdout, stderr, code := kidney3d(t, "info", filepath.Join("testdata", "nifti", want.File), "--json")
		if code != 0 {
			// Files kidney3d refuses (several volumes, complex or int64
			// voxels, a bitpix that contradicts the datatype) must say why.
			if code != 1 || !strings.Contains(stderr, want.File) {
				t.Errorf("%s: exit %d, %q", want.File, code, stderr)
			}
			continue
		}
		var got infoJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%s: %v", want.File, err)
		}
		ref := infoJSON{Dims: [3]int{1, 1, 1}, Datatype: want.Dtype, Orientation: want.Orientation, Min: want.Min, Max: want.Max, Mean: want.Mean}
		copy(ref.Dims[:], want.Shape)
		// nibabel's zooms of a 2D image stop at two; info gives the
		// affine's spacing for the missing axis.
		for a := range ref.Spacing {
			ref.Spacing[a] = math.Hypot(math.Hypot(want.Affine[0][a], want.Affine[1][a]), want.Affine[2][a])
		}
		copy(ref.Spacing[:], want.Zooms)
		for r := range ref.Affine {
			copy(ref.Affine[r][:], want.Affine[r])
		}
		ok := infoMatches(got, ref)
		if !ok {
			t.Errorf("%s:\n got  %+v\n want %+v", want.File, got, want)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("only %d files compared", checked)
	}
}

// TestBenchQuickRunsEverySuite is a smoke test of `kidney3d bench`: each
// suite runs on small inputs and the JSON file holds its results.
func TestBenchQuickRunsEverySuite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	stdout, stderr, code := kidney3d(t, "bench", "--quick", "--out", out)
	if code != 0 {
		t.Fatalf("bench: exit %d: %s\n%s", code, stderr, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Results []struct{ Suite, Tool string } `json:"results"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	suites := map[string]bool{}
	for _, r := range res.Results {
		if r.Tool == "kidney3d" {
			suites[r.Suite] = true
		}
	}
	for _, s := range []string{"accuracy", "infer", "mesh", "nifti-io", "phases", "post"} {
		if !suites[s] {
			t.Errorf("no kidney3d result for suite %s:\n%s", s, stdout)
		}
	}
	if _, _, code := kidney3d(t, "bench", "--suite", "nope"); code != 2 {
		t.Errorf("unknown suite: exit %d, want 2 (bad usage)", code)
	}
}

// TestInfoContractKeys checks the JSON keys of `info --json`, a contract.
func TestInfoContractKeys(t *testing.T) {
	b, err := json.Marshal(imageinfo.Info{})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dims", "datatype", "spacing", "affine", "orientation", "min", "max", "mean"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	if len(keys) != 8 {
		t.Errorf("keys %v, want exactly the 8 of the contract", keys)
	}
}
