package main

// End-to-end tests of `kidney3d import`: the real CT series of
// TotalSegmentator's example data (../shared/data/totalseg_example/
// example_ct_dicom, JPEG 2000) imported and compared with Debian's
// dcm2niix; the same series rewritten by dcmtk and gdcm in every transfer
// syntax kidney3d decodes; and the bad input and bad usage that must
// leave nothing written.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/volume"
)

// realDICOM is the real CT series (SOURCE.md in totalSegData).
var realDICOM = filepath.Join(totalSegData, "example_ct_dicom")

// needRealDICOM skips a test when the series or a tool it needs is missing.
func needRealDICOM(t *testing.T, tools ...string) {
	t.Helper()
	if _, err := os.Stat(realDICOM); err != nil {
		t.Skipf("real DICOM series missing (%v): these tests need ../shared/data", err)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s missing (make deps-test installs it): %v", tool, err)
		}
	}
}

// importOne imports src's only series as phase A and loads it.
func importOne(t *testing.T, src string) *volume.Volume[float32] {
	t.Helper()
	stdout, stderr, code := kidney3d(t, "import", "--list", "--json", src)
	if code != 0 {
		t.Fatalf("import --list %s: exit %d: %s", src, code, stderr)
	}
	var l dicomimport.Listing
	if err := json.Unmarshal([]byte(stdout), &l); err != nil || len(l.Series) != 1 {
		t.Fatalf("import --list %s: %v, %d series:\n%s", src, err, len(l.Series), stdout)
	}
	out := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "import", src, "--out", out, "--phase", "A="+l.Series[0].ID); code != 0 {
		t.Fatalf("import %s: exit %d: %s", src, code, stderr)
	}
	v, err := volume.Load[float32](filepath.Join(out, "input", "A.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dcm2niix converts the series in src with Debian's dcm2niix.
func dcm2niix(t *testing.T, src string) *volume.Volume[float32] {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("dcm2niix", "-z", "n", "-f", "ref", "-o", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("dcm2niix %s: %v\n%s", src, err, out)
	}
	v, err := volume.Load[float32](filepath.Join(dir, "ref.nii"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sameImage compares two volumes reoriented to canonical: the affines
// within tol mm, and every voxel within maxDiff.
func sameImage(t *testing.T, what string, got, want *volume.Volume[float32], tol, maxDiff float64) {
	t.Helper()
	g, _ := volume.Canonical(got)
	w, _ := volume.Canonical(want)
	if g.Dims != w.Dims {
		t.Fatalf("%s: dims %v, want %v", what, g.Dims, w.Dims)
	}
	worst := 0.0
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			worst = math.Max(worst, math.Abs(g.Affine[r][c]-w.Affine[r][c]))
		}
	}
	if worst > tol {
		t.Errorf("%s: affines differ by %g mm (tolerance %g):\n%v\n%v", what, worst, tol, g.Affine, w.Affine)
	}
	diff, n := 0.0, 0
	for i := range g.Data {
		if d := math.Abs(float64(g.Data[i] - w.Data[i])); d > 0 {
			diff, n = math.Max(diff, d), n+1
		}
	}
	if diff > maxDiff {
		t.Errorf("%s: %d voxels differ, by up to %g (allowed %g)", what, n, diff, maxDiff)
	}
}

func TestImportMatchesDcm2niix(t *testing.T) {
	needRealDICOM(t, "dcm2niix")
	sameImage(t, "import vs dcm2niix", importOne(t, realDICOM), dcm2niix(t, realDICOM), 1e-3, 0)
}

// variantTools are the commands that write each variant of a native file
// (IN) as OUT, and the largest voxel difference each may have from the
// native series: 0 for the lossless syntaxes; the lossy ones are compared
// with dcmtk's own decoding of the same files instead (decoded), within
// one grey level for JPEG extended, whose IDCTs may round apart.
var variantTools = []struct {
	name    string
	cmd     []string
	decoded []string // command that decodes a lossy variant back to native
	maxDiff float64
}{
	{"implicit VR little endian", []string{"dcmconv", "-q", "+ti", "IN", "OUT"}, nil, 0},
	{"explicit VR big endian", []string{"dcmconv", "-q", "+tb", "IN", "OUT"}, nil, 0},
	{"deflated", []string{"dcmconv", "-q", "+td", "IN", "OUT"}, nil, 0},
	{"RLE lossless", []string{"dcmcrle", "-q", "IN", "OUT"}, nil, 0},
	{"JPEG lossless .57", []string{"dcmcjpeg", "-q", "+el", "IN", "OUT"}, nil, 0},
	{"JPEG lossless SV1 .70", []string{"dcmcjpeg", "-q", "+e1", "IN", "OUT"}, nil, 0},
	{"JPEG-LS lossless .80", []string{"dcmcjpls", "-q", "+el", "IN", "OUT"}, nil, 0},
	{"JPEG-LS near-lossless .81", []string{"dcmcjpls", "-q", "+en", "IN", "OUT"}, []string{"dcmdjpls", "-q", "IN", "OUT"}, 0},
	{"JPEG 2000 lossless .90", []string{"gdcmconv", "--j2k", "IN", "OUT"}, nil, 0},
	{"JPEG extended 12-bit .51", []string{"dcmcjpeg", "-q", "+ee", "IN", "OUT"}, []string{"dcmdjpeg", "-q", "IN", "OUT"}, 1},
}

// convertAll runs cmd (IN, OUT replaced) on every file of src into dst.
func convertAll(t *testing.T, cmd []string, src, dst string) string {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(src)
	for _, f := range files {
		args := make([]string, len(cmd)-1)
		for i, a := range cmd[1:] {
			args[i] = strings.NewReplacer("IN", filepath.Join(src, f.Name()), "OUT", filepath.Join(dst, f.Name())).Replace(a)
		}
		if out, err := exec.Command(cmd[0], args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", cmd[0], args, err, out)
		}
	}
	return dst
}

// nativeSeries is the real series made native (explicit VR little endian)
// by gdcm, after dcmodify gives it the SOP class and UIDs its anonymised
// files lack (gdcm refuses to write without them).
func nativeSeries(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	base, native := filepath.Join(tmp, "base"), filepath.Join(tmp, "native")
	os.MkdirAll(base, 0o755)
	files, _ := os.ReadDir(realDICOM)
	for k, f := range files {
		b, err := os.ReadFile(filepath.Join(realDICOM, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(base, f.Name())
		os.WriteFile(p, b, 0o644)
		if out, err := exec.Command("dcmodify", "-q", "-nb",
			"-i", "(0008,0016)=1.2.840.10008.5.1.4.1.1.2",
			"-i", fmt.Sprintf("(0008,0018)=1.2.826.0.1.3680043.10.1.%d", k+1),
			"-i", "(0020,000D)=1.2.826.0.1.3680043.10.2",
			"-i", "(0020,000E)=1.2.826.0.1.3680043.10.3", p).CombinedOutput(); err != nil {
			t.Fatalf("dcmodify: %v\n%s", err, out)
		}
	}
	return convertAll(t, []string{"gdcmconv", "--raw", "IN", "OUT"}, base, native)
}

func TestImportTransferSyntaxes(t *testing.T) {
	needRealDICOM(t, "dcmconv", "dcmcrle", "dcmcjpeg", "dcmcjpls", "dcmdjpls", "dcmdjpeg", "dcmodify", "gdcmconv")
	native := nativeSeries(t)
	want := importOne(t, native)
	sameImage(t, "native (gdcm) vs the JPEG 2000 original", want, importOne(t, realDICOM), 1e-9, 0)
	var wg sync.WaitGroup
	for _, v := range variantTools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(v.name, func(t *testing.T) {
				dir := convertAll(t, v.cmd, native, filepath.Join(t.TempDir(), "variant"))
				ref := want
				if v.decoded != nil {
					ref = importOne(t, convertAll(t, v.decoded, dir, filepath.Join(t.TempDir(), "decoded")))
				}
				sameImage(t, v.name, importOne(t, dir), ref, 1e-9, v.maxDiff)
			})
		}()
	}
	wg.Wait()
}

func TestImportRefusals(t *testing.T) {
	needRealDICOM(t)
	tmp := t.TempDir()
	truncated := filepath.Join(tmp, "truncated")
	os.MkdirAll(truncated, 0o755)
	files, _ := os.ReadDir(realDICOM)
	for i, f := range files {
		b, _ := os.ReadFile(filepath.Join(realDICOM, f.Name()))
		if i == 7 {
			b = b[:len(b)/2]
		}
		os.WriteFile(filepath.Join(truncated, f.Name()), b, 0o644)
	}
	notDICOM := filepath.Join(tmp, "notdicom")
	os.MkdirAll(notDICOM, 0o755)
	os.WriteFile(filepath.Join(notDICOM, "a.txt"), []byte("hello"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{truncated}, 1, files[7].Name()},
		{[]string{notDICOM}, 1, "no image series"},
		{[]string{realDICOM, "--phase", "A=nope"}, 1, "no such series"},
		{[]string{realDICOM, "--phase", "X=1"}, 2, "want PHASE=SERIES_ID"},
		{[]string{realDICOM, "--list", "--out", "x"}, 2, "--list writes nothing"},
		{[]string{realDICOM}, 2, "--out is required"},
	} {
		out := filepath.Join(t.TempDir(), "case")
		args := append([]string{"import"}, tc.args...)
		if !strings.Contains(strings.Join(tc.args, " "), "--out") && tc.want != "--out is required" {
			args = append(args, "--out", out)
		}
		_, stderr, code := kidney3d(t, args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", tc.args, code, stderr, tc.code, tc.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%v: wrote %s", tc.args, out)
		}
	}
	if _, stderr, code := kidney3d(t, "import", realDICOM, "--out", filepath.Join(realDICOM, "case")); code != 2 || !strings.Contains(stderr, "never writes into a source folder") {
		t.Errorf("import into the source: exit %d, %s", code, stderr)
	}
}

// TestInfoOnDICOM checks info on a DICOM folder and file, and that run
// and render on a DICOM folder point to import.
func TestInfoOnDICOM(t *testing.T) {
	needRealDICOM(t)
	stdout, stderr, code := kidney3d(t, "info", realDICOM)
	if code != 0 || !strings.Contains(stdout, "CT Body 3.0") || !strings.Contains(stdout, "512×512×20") {
		t.Errorf("info on the series folder: exit %d, %s\n%s", code, stderr, stdout)
	}
	files, _ := os.ReadDir(realDICOM)
	stdout, stderr, code = kidney3d(t, "info", filepath.Join(realDICOM, files[0].Name()))
	if code != 0 || !strings.Contains(stdout, "1.2.840.10008.1.2.4.90") {
		t.Errorf("info on one file: exit %d, %s\n%s", code, stderr, stdout)
	}
	for _, args := range [][]string{{"run", realDICOM}, {"render", realDICOM, "--png", filepath.Join(t.TempDir(), "x.png")}} {
		_, stderr, code := kidney3d(t, args...)
		if code != 1 || !strings.Contains(stderr, "a DICOM folder, not a case folder: import it first") {
			t.Errorf("%v: exit %d, %s; want exit 1 pointing to import", args, code, stderr)
		}
	}
}

// TestDemoAsDICOM writes a demo case both ways (seed 3: files head first,
// phases told by acquisition order, D one Enhanced CT multi-frame object),
// imports the DICOM study with no --phase and checks that every phase
// equals the NIfTI case's (grid and voxels), and that dcm2niix reads the
// written A series and the multi-frame D to the same images.
func TestDemoAsDICOM(t *testing.T) {
	tmp := t.TempDir()
	nii, dcm, imported := filepath.Join(tmp, "nifti"), filepath.Join(tmp, "dicom"), filepath.Join(tmp, "case")
	for _, args := range [][]string{
		{"demo", "--out", nii, "--seed", "3"},
		{"demo", "--out", dcm, "--seed", "3", "--format", "dicom"},
		{"import", filepath.Join(dcm, "dicom"), "--out", imported},
	} {
		if _, stderr, code := kidney3d(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	for _, p := range []string{"A", "P", "D"} {
		got, err := volume.Load[float32](filepath.Join(imported, "input", p+".nii.gz"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := volume.Load[float32](filepath.Join(nii, "input", p+".nii.gz"))
		if err != nil {
			t.Fatal(err)
		}
		sameImage(t, "imported "+p+" vs the NIfTI demo", got, want, 1e-6, 0)
	}
	if _, err := exec.LookPath("dcm2niix"); err == nil {
		for _, p := range []string{"A", "D"} {
			want, _ := volume.Load[float32](filepath.Join(nii, "input", p+".nii.gz"))
			folder := map[string]string{"A": "S2_A", "D": "S4_D"}[p]
			sameImage(t, "dcm2niix of the written "+p+" series vs the NIfTI demo", dcm2niix(t, filepath.Join(dcm, "dicom", folder)), want, 1e-3, 0)
		}
	}
}

// TestImportTiltAndUnequalSpacing moves the real series' slices with
// dcmodify: sideways by 0.5 mm per slice, as a 14° gantry tilt does (the
// angle dcm2niix estimates too), or 1 mm further apart per slice in its
// upper half. Import resamples each onto an orthogonal, equidistant grid
// and records it in case.json; where a resampled slice lies on a slice of
// the series, it is that slice as dcm2niix converts the unmoved series.
func TestImportTiltAndUnequalSpacing(t *testing.T) {
	needRealDICOM(t, "dcmodify", "dcm2niix")
	res, err := dicomscan.Scan(context.Background(), []string{realDICOM})
	if err != nil {
		t.Fatal(err)
	}
	ins := res.Instances
	slices.SortFunc(ins, func(a, b *dicomscan.Instance) int { return cmp.Compare(a.Position[2], b.Position[2]) })
	moved := func(name string, move func(k int, p [3]float64) [3]float64) string {
		dir := filepath.Join(t.TempDir(), name)
		os.MkdirAll(dir, 0o755)
		for k, in := range ins {
			b, _ := os.ReadFile(in.Path)
			f := filepath.Join(dir, filepath.Base(in.Path))
			os.WriteFile(f, b, 0o644)
			p := move(k, in.Position)
			if out, err := exec.Command("dcmodify", "-q", "-nb", "-m", fmt.Sprintf(`(0020,0032)=%g\%g\%g`, p[0], p[1], p[2]), f).CombinedOutput(); err != nil {
				t.Fatalf("dcmodify: %v\n%s", err, out)
			}
		}
		return dir
	}

	ref := dcm2niix(t, realDICOM)
	r, _ := volume.Canonical(ref)
	imported := func(what, out string) *volume.Volume[float32] {
		phases, _ := filepath.Glob(filepath.Join(out, "input", "*.nii.gz"))
		if len(phases) != 1 {
			t.Fatalf("%s: imported %v, want one phase", what, phases)
		}
		v, err := volume.Load[float32](phases[0])
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := os.ReadFile(filepath.Join(out, "case.json"))
		if !strings.Contains(string(rec), `"resampled": "`+what) {
			t.Errorf("case.json does not say the series was resampled for its %s:\n%s", what, rec)
		}
		return v
	}

	// Tilted: the grid widens to hold the sheared slices (as dcm2niix's
	// _Tilt_ output does: 512×522×20 here), and the first slice, which the
	// shear does not move, is the series' own.
	tilted := moved("tilt", func(k int, p [3]float64) [3]float64 { return [3]float64{p[0], p[1] + 0.5*float64(k), p[2]} })
	out := filepath.Join(t.TempDir(), "tilted")
	if _, stderr, code := kidney3d(t, "import", tilted, "--out", out); code != 0 {
		t.Fatalf("tilt: exit %d, %s", code, stderr)
	}
	tv, _ := volume.Canonical(imported("gantry tilt of 14.04°", out))
	if tv.Dims != [3]int{r.Dims[0], r.Dims[1] + 10, r.Dims[2]} {
		t.Errorf("tilt: %v voxels, want %v widened by 10 rows", tv.Dims, r.Dims)
	}
	inv, _ := tv.Affine.Inverse()
	at := inv.Apply(r.VoxelToWorld([3]float64{0, 0, 0})) // the series' first voxel among the corrected ones
	off := [3]int{int(math.Round(at[0])), int(math.Round(at[1])), int(math.Round(at[2]))}
	if math.Abs(at[1]-float64(off[1])) > 1e-3 || off[2] != 0 {
		t.Fatalf("tilt: the series' first slice lies at %v among the corrected voxels", at)
	}
	for j := 0; j < r.Dims[1]; j++ {
		for i := 0; i < r.Dims[0]; i++ {
			if got, want := tv.At(i+off[0], j+off[1], 0), r.At(i, j, 0); got != want {
				t.Fatalf("tilt: first slice voxel (%d, %d) = %g, the series' %g", i, j, got, want)
			}
		}
	}

	step := ins[1].Position[2] - ins[0].Position[2]
	unequal := moved("unequal", func(k int, p [3]float64) [3]float64 { return [3]float64{p[0], p[1], p[2] + float64(max(0, k-9))} })
	out = filepath.Join(t.TempDir(), "unequal")
	if _, stderr, code := kidney3d(t, "import", unequal, "--out", out); code != 0 {
		t.Fatalf("unequal spacing: exit %d, %s", code, stderr)
	}
	got := imported("unequal slice spacing", out)
	extent := float64(len(ins)-1)*step + float64(len(ins)-10)
	if n := int(math.Floor(extent/step+0.01)) + 1; got.Dims[2] != n || math.Abs(got.Spacing()[2]-step) > 1e-3 {
		t.Errorf("unequal spacing: %d slices %.4f mm apart, want %d of %.4f mm", got.Dims[2], got.Spacing()[2], n, step)
	}
	g, _ := volume.Canonical(got)
	plane := g.Dims[0] * g.Dims[1]
	same := 0
	for k := range ins {
		z := float64(k)*step + float64(max(0, k-9)) // the moved slice's distance from the first
		j := int(math.Round(z / step))
		if math.Abs(float64(j)*step-z) > 1e-3 {
			continue // between two resampled slices
		}
		if !slices.Equal(g.Data[j*plane:(j+1)*plane], r.Data[k*plane:(k+1)*plane]) {
			t.Errorf("unequal spacing: resampled slice %d is not the series' slice %d", j, k)
		}
		same++
	}
	if same < 10 {
		t.Errorf("only %d slices lie on a resampled one", same)
	}
}

// TestImportDialogScreenshot runs `view DICOMFOLDER --screenshot` under
// Xvfb on a small demo study: the import dialog, once it has listed the
// study, is captured with a row per series, each with its thumbnail (a
// block of pure greys some 30 px tall, where text makes only short runs).
func TestImportDialogScreenshot(t *testing.T) {
	if _, err := exec.LookPath("xvfb-run"); err != nil {
		t.Skip("no xvfb-run")
	}
	dir := t.TempDir()
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "1", "--format", "dicom"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	img := readPNG(t, screenshot(t, filepath.Join(dir, "dicom")))
	b := img.Bounds()
	var bands [][2]int // runs of image rows with at least 10 grey pixels
	for y := b.Min.Y; y < b.Max.Y; y++ {
		grey := 0
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r == g && g == bl && r>>8 >= 40 && r>>8 <= 220 {
				grey++
			}
		}
		switch {
		case grey < 10:
		case len(bands) > 0 && bands[len(bands)-1][1] == y-1:
			bands[len(bands)-1][1] = y
		default:
			bands = append(bands, [2]int{y, y})
		}
	}
	thumbnails := 0
	for _, band := range bands {
		if band[1]-band[0] >= 20 {
			thumbnails++
		}
	}
	if thumbnails != 3 {
		t.Errorf("%d thumbnails drawn (grey bands %v), want the 3 series of the study", thumbnails, bands)
	}
}
