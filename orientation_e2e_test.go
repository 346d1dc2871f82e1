package main

// End-to-end tests of orientation: the same demo case stored in each of the
// 48 axis orders and directions (and with an oblique affine) gives the same
// labels in the world and the same volumes, through registration and the
// post-processing stages with given masks for all 48, and through the AI
// segmentation for a few storages (RAS, dcm2niix's LAS, one with permuted
// axes, an oblique one stored LPS).

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kidney3d/pipeline/volume"
)

// storeCase copies the case src with every volume (phases, given masks,
// truth) stored relabelled by o, after tilting the world by tilt (an
// identity keeps the affine): the same image, stored otherwise.
func storeCase(t *testing.T, src string, o volume.Orientation, tilt volume.Affine) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "case")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			if rel == "work" || rel == "output" {
				return filepath.SkipDir
			}
			return os.MkdirAll(out, 0o755)
		case !strings.HasSuffix(p, ".nii.gz"):
			b, err := os.ReadFile(p)
			if err == nil {
				err = os.WriteFile(out, b, 0o644)
			}
			return err
		case filepath.Dir(rel) == "input":
			return restore[int16](p, out, o, tilt)
		default:
			return restore[uint8](p, out, o, tilt)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func restore[T volume.Voxel](src, dst string, o volume.Orientation, tilt volume.Affine) error {
	v, err := volume.Load[T](src)
	if err != nil {
		return err
	}
	v.Affine = tilt.Mul(v.Affine)
	return volume.Save(dst, volume.Reorient(v, o))
}

// tilted is a rotation of the world by 12° about x then 7° about z, about
// the origin: an oblique acquisition whose axes stay nearest to their own.
func tilted() volume.Affine {
	a, b := 12*math.Pi/180, 7*math.Pi/180
	rx, rz := volume.Identity, volume.Identity
	rx[1][1], rx[1][2], rx[2][1], rx[2][2] = math.Cos(a), -math.Sin(a), math.Sin(a), math.Cos(a)
	rz[0][0], rz[0][1], rz[1][0], rz[1][1] = math.Cos(b), -math.Sin(b), math.Sin(b), math.Cos(b)
	return rz.Mul(rx)
}

// runResult is a finished run's label map, relabelled to the storage
// nearest to RAS, and its report's voxel counts by structure.
type runResult struct {
	labels *volume.Volume[uint8]
	voxels map[string]int
	volume map[string]float64
}

func runStored(t *testing.T, dir string, args ...string) runResult {
	t.Helper()
	if stdout, stderr, code := kidney3d(t, append([]string{"run", dir}, args...)...); code != 0 {
		t.Fatalf("run %s: exit %d: %s\n%s", dir, code, stderr, stdout)
	}
	lab, err := volume.Load[uint8](filepath.Join(dir, "output", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	canon, _ := volume.Canonical(lab)
	b, err := os.ReadFile(filepath.Join(dir, "output", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Structures []struct {
			Name     string  `json:"name"`
			Voxels   int     `json:"voxels"`
			VolumeML float64 `json:"volume_ml"`
		} `json:"structures"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	r := runResult{labels: canon, voxels: map[string]int{}, volume: map[string]float64{}}
	for _, s := range report.Structures {
		r.voxels[s.Name], r.volume[s.Name] = s.Voxels, s.VolumeML
	}
	return r
}

// compareRuns checks got against the RAS run want: every label's Dice ≥
// 0.999 and every structure's volume within 0.1%; it returns the worst
// Dice and the worst relative volume difference.
func compareRuns(t *testing.T, name string, got, want runResult) (worstDice, worstVol float64) {
	t.Helper()
	if got.labels.Dims != want.labels.Dims {
		t.Errorf("%s: labels of %v voxels relabelled to RAS, the RAS run's %v", name, got.labels.Dims, want.labels.Dims)
		return 0, 1
	}
	var inter, sum [256]int
	for n, w := range want.labels.Data {
		g := got.labels.Data[n]
		sum[w]++
		sum[g]++
		if g == w {
			inter[w]++
		}
	}
	worstDice = 1
	for v := 1; v < 256; v++ {
		if sum[v] == 0 {
			continue
		}
		d := 2 * float64(inter[v]) / float64(sum[v])
		worstDice = math.Min(worstDice, d)
		if d < 0.999 {
			t.Errorf("%s: label %d Dice %.5f against the RAS run, want ≥ 0.999", name, v, d)
		}
	}
	for s, w := range want.voxels {
		rel := math.Abs(float64(got.voxels[s]-w)) / math.Max(float64(w), 1)
		vol := math.Abs(got.volume[s]-want.volume[s]) / math.Max(want.volume[s], 1e-3)
		worstVol = math.Max(worstVol, math.Max(rel, vol))
		if rel > 0.001 || vol > 0.001 {
			t.Errorf("%s: %s is %d voxels, %.3f mL; the RAS run's %d, %.3f mL", name, s, got.voxels[s], got.volume[s], w, want.volume[s])
		}
	}
	if len(got.voxels) != len(want.voxels) {
		t.Errorf("%s: %d structures measured, the RAS run %d", name, len(got.voxels), len(want.voxels))
	}
	return worstDice, worstVol
}

// storage is one way to store a case: relabelled by o after tilting the
// world by tilt, compared with the run on the reference storage ref.
type storage struct {
	name string
	o    volume.Orientation
	tilt volume.Affine
	ref  string
}

// sameEverywhere runs the reference storages (by name: an orientation, a
// tilt) two at a time, then every other storage two at a time, each
// compared with its reference.
func sameEverywhere(t *testing.T, src string, refs map[string]storage, others []storage, args ...string) {
	want := map[string]runResult{}
	var mu sync.Mutex
	t.Run("reference", func(t *testing.T) {
		for name, r := range refs {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				got := runStored(t, storeCase(t, src, r.o, r.tilt), args...)
				mu.Lock()
				want[name] = got
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return
	}
	t.Run("stored", func(t *testing.T) {
		for _, c := range others {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				got := runStored(t, storeCase(t, src, c.o, c.tilt), args...)
				d, v := compareRuns(t, c.name, got, want[c.ref])
				t.Logf("%s: worst Dice %.5f, worst volume difference %.4f%%", c.name, d, 100*v)
			})
		}
	})
}

// demoStorages writes a small demo case (extra demo flags in flags) and
// returns it with its A phase's grid.
func demoStorages(t *testing.T, seed string, flags ...string) (string, volume.Grid) {
	src := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, append([]string{"demo", "--out", src, "--seed", seed, "--size", "small"}, flags...)...); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	g, err := volume.ReadGrid(filepath.Join(src, "input", "A.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	return src, g
}

// toward is the relabelling of g's storage to codes.
func toward(t *testing.T, g volume.Grid, codes string) volume.Orientation {
	o, err := volume.OrientationToward(g, codes)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestEveryStorageGivesTheSameLabelsWithGivenMasks runs the pipeline with
// the truth as given masks (a defective demo case: broken vessels and
// ureter, so that registration, reconnect, template, fat and cleanup all
// work) on all 48 storages of the case, and on an oblique one.
func TestEveryStorageGivesTheSameLabelsWithGivenMasks(t *testing.T) {
	src, g := demoStorages(t, "7", "--defects")
	tilt := tilted()
	refs := map[string]storage{
		"RAS":         {o: toward(t, g, "RAS"), tilt: volume.Identity},
		"oblique RAS": {o: toward(t, g, "RAS"), tilt: tilt},
	}
	var others []storage
	for _, o := range volume.AllOrientations() {
		if codes := o.Grid(g).Affine.AxisCodes(); codes != "RAS" {
			others = append(others, storage{codes, o, volume.Identity, "RAS"})
		}
	}
	obl := volume.Grid{Dims: g.Dims, Affine: tilt.Mul(g.Affine)}
	others = append(others, storage{"oblique PIL", toward(t, obl, "PIL"), tilt, "oblique RAS"})
	sameEverywhere(t, src, refs, others)
}

// TestInferenceIgnoresStorage runs the AI segmentation on a demo case
// stored RAS, LAS (dcm2niix), PIR (axes permuted) and LPS with an oblique
// affine; each gives the labels and volumes of its RAS twin (the oblique
// one, of the oblique case stored nearest to RAS). Every storage of the
// inference itself is tested in package infer, and every storage of the
// rest of the pipeline above, both more cheaply.
func TestInferenceIgnoresStorage(t *testing.T) {
	src, g := demoStorages(t, "21")
	tilt := tilted()
	refs := map[string]storage{
		"RAS":         {o: toward(t, g, "RAS"), tilt: volume.Identity},
		"oblique RAS": {o: toward(t, g, "RAS"), tilt: tilt},
	}
	obl := volume.Grid{Dims: g.Dims, Affine: tilt.Mul(g.Affine)}
	sameEverywhere(t, src, refs, []storage{
		{"LAS", toward(t, g, "LAS"), volume.Identity, "RAS"},
		{"PIR", toward(t, g, "PIR"), volume.Identity, "RAS"},
		{"oblique LPS", toward(t, obl, "LPS"), tilt, "oblique RAS"},
	}, "--device", "cpu")
}

// TestStorageMatchesNibabelsClosestCanonical checks our relabelling
// against nibabel's as_closest_canonical: a phase stored PIL with an
// oblique affine comes back, in nibabel, to our canonical storage.
func TestStorageMatchesNibabelsClosestCanonical(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import nibabel").Run() != nil {
		t.Skip("python3-nibabel is not installed (make deps-test installs it)")
	}
	src := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", src, "--seed", "3", "--size", "small"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	a, err := volume.Load[int16](filepath.Join(src, "input", "A.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	a.Affine = tilted().Mul(a.Affine)
	o, err := volume.OrientationToward(a.Grid, "PIL")
	if err != nil {
		t.Fatal(err)
	}
	stored := volume.Reorient(a, o)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "pil.nii.gz"), filepath.Join(dir, "canonical.nii.gz")
	if err := volume.Save(in, stored); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`import nibabel as nib
img = nib.load(%q)
print("".join(nib.aff2axcodes(img.affine)))
nib.save(nib.as_closest_canonical(img), %q)`, in, out)
	b, err := exec.Command("/usr/bin/python3", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("nibabel: %v\n%s", err, b)
	}
	if got := strings.TrimSpace(string(b)); got != stored.Affine.AxisCodes() {
		t.Errorf("nibabel reads the storage as %s, we as %s", got, stored.Affine.AxisCodes())
	}
	nib, err := volume.Load[int16](out)
	if err != nil {
		t.Fatal(err)
	}
	ours, _ := volume.Canonical(stored)
	if nib.Dims != ours.Dims || nib.Dims != a.Dims {
		t.Fatalf("nibabel's canonical is %v voxels, ours %v, the original %v", nib.Dims, ours.Dims, a.Dims)
	}
	for n := range ours.Data {
		if nib.Data[n] != ours.Data[n] || ours.Data[n] != a.Data[n] {
			t.Fatalf("voxel %d: nibabel %d, ours %d, original %d", n, nib.Data[n], ours.Data[n], a.Data[n])
		}
	}
	if err := volume.SameGrid(nib.Grid, ours.Grid, 1e-5); err != nil {
		t.Errorf("nibabel's canonical grid and ours: %v", err)
	}
}
