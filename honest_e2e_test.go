package main

// End-to-end tests that the binary's numbers and formats say what they
// mean (issue 11, "Honest numbers and formats" and "Field of view"):
// model.glb in metres and OBJ/STL in millimetres, diameters between voxel
// centres as numpy measures them, structures cut by the scan's field of
// view flagged with lower-bound volumes (on a cropped demo case and on the
// real TotalSegmentator CT), and `info` on a single slice.

import (
	"bufio"
	endian "encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh/meshio/glbtest"
	"kidney3d/pipeline/stages"
	"kidney3d/pipeline/volume"
)

// peerPython is the interpreter with the peer tools (Debian's python3-nibabel,
// -numpy, -scipy).
const peerPython = "/usr/bin/python3"

// needPeerModules skips the test unless peerPython imports the modules.
func needPeerModules(t *testing.T, modules string) {
	t.Helper()
	if out, err := exec.Command(peerPython, "-c", "import "+modules).CombinedOutput(); err != nil {
		t.Skipf("%s cannot import %s (make deps-test installs them): %v %s", peerPython, modules, err, out)
	}
}

// readCaseReport reads CASE/output/report.json.
func readCaseReport(t *testing.T, dir string) stages.MeasureReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "output", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r stages.MeasureReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	return r
}

// reportedStructure finds a structure of the report by name.
func reportedStructure(t *testing.T, r stages.MeasureReport, name string) stages.MeasureStructure {
	t.Helper()
	for _, s := range r.Structures {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("report has no %s", name)
	return stages.MeasureStructure{}
}

// bbox is an axis-aligned bounding box.
type bbox struct{ lo, hi [3]float64 }

func emptyBBox() bbox {
	return bbox{[3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}, [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}}
}

func (b *bbox) add(p [3]float64) {
	for a := range 3 {
		b.lo[a], b.hi[a] = math.Min(b.lo[a], p[a]), math.Max(b.hi[a], p[a])
	}
}

// near says whether two boxes agree within tol.
func (b bbox) near(c bbox, tol float64) bool {
	for a := range 3 {
		if math.Abs(b.lo[a]-c.lo[a]) > tol || math.Abs(b.hi[a]-c.hi[a]) > tol {
			return false
		}
	}
	return true
}

// millimetres are a GLB mesh's bounds, in metres, as a box in millimetres.
func millimetres(m glbtest.Bounds) bbox {
	var b bbox
	for a := range 3 {
		b.lo[a], b.hi[a] = 1000*m.Min[a], 1000*m.Max[a]
	}
	return b
}

// objBBox is the bounding box of an OBJ file's vertices.
func objBBox(t *testing.T, path string) bbox {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := emptyBBox()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 || fields[0] != "v" {
			continue
		}
		var p [3]float64
		for a := range p {
			if p[a], err = strconv.ParseFloat(fields[a+1], 64); err != nil {
				t.Fatalf("%s: %q: %v", path, sc.Text(), err)
			}
		}
		b.add(p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return b
}

// stlBBox is the bounding box of a binary STL file's vertices.
func stlBBox(t *testing.T, path string) bbox {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int(endian.LittleEndian.Uint32(raw[80:]))
	if len(raw) != 84+50*n {
		t.Fatalf("%s: %d bytes for %d triangles", path, len(raw), n)
	}
	b := emptyBBox()
	for i := range n {
		for v := 1; v <= 3; v++ { // after the facet normal
			var p [3]float64
			for a := range 3 {
				p[a] = float64(math.Float32frombits(endian.LittleEndian.Uint32(raw[84+50*i+12*v+4*a:])))
			}
			b.add(p)
		}
	}
	return b
}

// TestHonestGLBInMetresOBJAndSTLInMillimetres meshes a demo case's truth:
// every mesh's bounding box in model.glb, times 1000, is the OBJ's and the
// STL's, and gltf-validator finds no error in the file.
func TestHonestGLBInMetresOBJAndSTLInMillimetres(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", "4"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	out := filepath.Join(t.TempDir(), "meshes")
	if _, stderr, code := kidney3d(t, "mesh", filepath.Join(dir, "truth", "labels.nii.gz"), "--out", out, "--format", "obj,stl,glb"); code != 0 {
		t.Fatalf("mesh: exit %d: %s", code, stderr)
	}
	glb := filepath.Join(out, "model.glb")
	bounds, err := glbtest.PositionBounds(glb)
	if err != nil {
		t.Fatal(err)
	}
	if len(bounds) < 5 {
		t.Fatalf("model.glb holds %d meshes", len(bounds))
	}
	for name, m := range bounds {
		inMM := millimetres(m)
		// OBJ keeps four decimals; float32 metres keep about 1e-5 mm here.
		obj, stl := objBBox(t, filepath.Join(out, name+".obj")), stlBBox(t, filepath.Join(out, name+".stl"))
		if !inMM.near(obj, 1e-3) || !stl.near(obj, 1e-3) {
			t.Errorf("%s: GLB %v…%v m, OBJ %v…%v mm, STL %v…%v mm", name, m.Min, m.Max, obj.lo, obj.hi, stl.lo, stl.hi)
		}
		if name == "kidney_left" {
			t.Logf("kidney_left: GLB %.5f…%.5f m, OBJ %.4f…%.4f mm", m.Min, m.Max, obj.lo, obj.hi)
		}
	}
	glbtest.Validate(t, ".", glb)
}

// cropCaseSlices crops every NIfTI file of a case's input (phases and
// masks) to the slices k >= k0, keeping each voxel's world position.
func cropCaseSlices(t *testing.T, dir string, k0 int) {
	t.Helper()
	phases, _ := filepath.Glob(filepath.Join(dir, "input", "*.nii.gz"))
	for _, f := range phases {
		cropFileSlices[int16](t, f, k0)
	}
	masks, _ := filepath.Glob(filepath.Join(dir, "input", "masks", "*.nii.gz"))
	for _, f := range masks {
		cropFileSlices[uint8](t, f, k0)
	}
}

// cropFileSlices crops one file in place to the slices k >= k0.
func cropFileSlices[T volume.Voxel](t *testing.T, path string, k0 int) {
	t.Helper()
	v, err := volume.Load[T](path)
	if err != nil {
		t.Fatal(err)
	}
	if err := volume.Save(path, volume.Crop(v, [3]int{0, 0, k0}, v.Dims)); err != nil {
		t.Fatal(err)
	}
}

// TestHonestFieldOfViewOnACroppedDemoCase runs a demo case whole, then
// cropped so that the left kidney starts at the first slice: the whole run
// flags no kidney, the cropped one flags the left kidney as cut at its
// inferior face with a lower-bound volume. The tumour's diameter agrees
// with numpy's largest distance between its voxel centres.
func TestHonestFieldOfViewOnACroppedDemoCase(t *testing.T) {
	dir := demoCaseWithMasks(t, "6")
	truth, err := volume.Load[uint8](filepath.Join(dir, "truth", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	left := labels.Default().Value("kidney_left")
	kMin, kMax := truth.Dims[2], -1
	for n, v := range truth.Data {
		if v == left {
			_, _, k := truth.Coords(n)
			kMin, kMax = min(kMin, k), max(kMax, k)
		}
	}
	if kMax < 0 || kMin == 0 {
		t.Fatalf("kidney_left spans slices %d…%d", kMin, kMax)
	}
	cropped := copyCase(t, dir)
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	whole := readCaseReport(t, dir)
	if whole.DiameterMethod == "" {
		t.Error("report.json does not say how diameters are measured")
	}
	for _, name := range []string{"kidney_left", "kidney_right", "tumor"} {
		if s := reportedStructure(t, whole, name); s.CutByFieldOfView != nil || s.VolumeIsLowerBound {
			t.Errorf("whole case: %s flagged as cut: %+v", name, s)
		}
	}

	cropCaseSlices(t, cropped, (kMin+kMax)/2)
	if _, stderr, code := kidney3d(t, "run", cropped); code != 0 {
		t.Fatalf("run on the cropped case: exit %d: %s", code, stderr)
	}
	cut := reportedStructure(t, readCaseReport(t, cropped), "kidney_left")
	var first *stages.MeasureCut
	for i, c := range cut.CutByFieldOfView {
		if c.Face == "first slice (k = 0)" {
			first = &cut.CutByFieldOfView[i]
		}
	}
	if first == nil || first.Side != "inferior" || first.Voxels == 0 || !cut.VolumeIsLowerBound || !cut.DiameterIsLowerBound {
		t.Errorf("cropped kidney_left: %+v", cut)
	}
	if w := reportedStructure(t, whole, "kidney_left"); cut.VolumeML >= w.VolumeML {
		t.Errorf("cropped kidney_left %.1f mL, whole %.1f mL", cut.VolumeML, w.VolumeML)
	}
	t.Logf("kidney_left whole %.1f mL, cropped at slice %d: ≥ %.1f mL, cut %+v", reportedStructure(t, whole, "kidney_left").VolumeML, (kMin+kMax)/2, cut.VolumeML, cut.CutByFieldOfView)

	needPeerModules(t, "nibabel, numpy, scipy.spatial")
	const script = `
import sys, nibabel as nib, numpy as np
from scipy.spatial import ConvexHull
from scipy.spatial.distance import pdist
img = nib.load(sys.argv[1])
xyz = nib.affines.apply_affine(img.affine, np.argwhere(np.asarray(img.dataobj) == int(sys.argv[2])))
print(repr(float(pdist(xyz[ConvexHull(xyz).vertices]).max())))
`
	tumour := reportedStructure(t, whole, "tumor")
	out, err := exec.Command(peerPython, "-c", script, filepath.Join(dir, "output", "labels.nii.gz"), strconv.Itoa(tumour.Value)).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v: %s", err, out)
	}
	want, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("python printed %q", out)
	}
	if math.Abs(tumour.MaxDiameterMM-want) > 0.006 {
		t.Errorf("tumour diameter %.2f mm, numpy/scipy %.4f mm", tumour.MaxDiameterMM, want)
	}
	t.Logf("tumour diameter %.2f mm, numpy/scipy %.4f mm", tumour.MaxDiameterMM, want)
}

// TestHonestRealCTKidneysCutByFieldOfView gives TotalSegmentator's kidneys
// of the real CT example_ct_sm (../shared/data/totalseg_example, SOURCE.md:
// example_seg lines up with it voxel for voxel) as input masks, and runs
// load, merge, mesh and measure: both kidneys run out of the first slice,
// so the report flags them and their volumes are lower bounds. The GLB's
// bounding boxes are the OBJ's in metres, and it validates.
func TestHonestRealCTKidneysCutByFieldOfView(t *testing.T) {
	src := filepath.Join("..", "shared", "data", "totalseg_example")
	if _, err := os.Stat(filepath.Join(src, "example_seg.nii.gz")); err != nil {
		t.Skipf("the real CT is not here (%v): see %s/SOURCE.md", err, src)
	}
	dir := filepath.Join(t.TempDir(), "case")
	ct, err := os.ReadFile(filepath.Join(src, "example_ct_sm.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "input", "masks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "input", "A.nii.gz"), ct, 0o644); err != nil {
		t.Fatal(err)
	}
	seg, err := volume.Load[uint8](filepath.Join(src, "example_seg.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	for value, name := range map[uint8]string{2: "kidney_right", 3: "kidney_left"} { // TotalSegmentator's "total" numbers
		m := volume.New[uint8](seg.Grid)
		for n, v := range seg.Data {
			if v == value {
				m.Data[n] = 1
			}
		}
		if err := volume.Save(filepath.Join(dir, "input", "masks", name+".nii.gz"), m); err != nil {
			t.Fatal(err)
		}
	}
	config := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(config, []byte("stages:\n  - stage: load\n  - stage: merge\n  - stage: mesh\n  - stage: measure\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := kidney3d(t, "run", dir, "--config", config); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	rep := readCaseReport(t, dir)
	for _, name := range []string{"kidney_left", "kidney_right"} {
		s := reportedStructure(t, rep, name)
		if len(s.CutByFieldOfView) != 1 || s.CutByFieldOfView[0].Face != "first slice (k = 0)" || s.CutByFieldOfView[0].Side != "inferior" ||
			!s.VolumeIsLowerBound || !s.DiameterIsLowerBound {
			t.Errorf("%s: %+v", name, s)
		}
		t.Logf("%s: ≥ %.1f mL, ≥ %.2f mm, cut %+v", name, s.VolumeML, s.MaxDiameterMM, s.CutByFieldOfView)
	}
	meshes := filepath.Join(dir, "output", "meshes")
	bounds, err := glbtest.PositionBounds(filepath.Join(meshes, "model.glb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kidney_left", "kidney_right"} {
		m, obj := bounds[name], objBBox(t, filepath.Join(meshes, name+".obj"))
		inMM := millimetres(m)
		if !inMM.near(obj, 1e-3) {
			t.Errorf("%s: GLB %v…%v m, OBJ %v…%v mm", name, m.Min, m.Max, obj.lo, obj.hi)
		}
	}
	glbtest.Validate(t, ".", filepath.Join(meshes, "model.glb"))
}

// TestHonestInfoOnASingleSlice compares `info --json` on a 2D file with
// nibabel: get_zooms gives two values, and the third spacing is the
// affine's, not 1.
func TestHonestInfoOnASingleSlice(t *testing.T) {
	needPeerModules(t, "nibabel, numpy")
	path := filepath.Join("testdata", "nifti", "2d.nii")
	out, err := exec.Command(peerPython, "-c", `
import sys, json, numpy as np, nibabel as nb
img = nb.load(sys.argv[1])
print(json.dumps({"zooms": [float(z) for z in img.header.get_zooms()],
  "columns": [float(x) for x in np.linalg.norm(img.affine[:3, :3], axis=0)]}))`, path).Output()
	if err != nil {
		t.Fatalf("nibabel on %s: %v", path, err)
	}
	var want struct{ Zooms, Columns []float64 }
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := kidney3d(t, "info", path, "--json")
	if code != 0 {
		t.Fatalf("info: exit %d: %s", code, stderr)
	}
	var got infoJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(want.Zooms) != 2 || got.Dims[2] != 1 {
		t.Fatalf("%s is not a single slice: zooms %v, dims %v", path, want.Zooms, got.Dims)
	}
	for a, w := range []float64{want.Zooms[0], want.Zooms[1], want.Columns[2]} {
		if math.Abs(got.Spacing[a]-w) > 1e-6 {
			t.Errorf("spacing %v; nibabel: zooms %v, affine columns %v", got.Spacing, want.Zooms, want.Columns)
		}
	}
	t.Logf("info spacing %v; nibabel zooms %v, affine columns %v", got.Spacing, want.Zooms, want.Columns)
}
