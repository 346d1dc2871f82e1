package measure

import (
	"math"
	"math/rand"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

// centres are the world positions of every voxel of value v.
func centres(lab *volume.Volume[uint8], v uint8) [][3]float64 {
	var out [][3]float64
	for n, x := range lab.Data {
		if x == v {
			i, j, k := lab.Coords(n)
			out = append(out, lab.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
		}
	}
	return out
}

// bruteDiameter compares every pair of voxel centres of value v.
func bruteDiameter(lab *volume.Volume[uint8], v uint8) float64 {
	pts := centres(lab, v)
	var best float64
	for i, p := range pts {
		for _, q := range pts[i+1:] {
			best = math.Max(best, math.Sqrt((p[0]-q[0])*(p[0]-q[0])+(p[1]-q[1])*(p[1]-q[1])+(p[2]-q[2])*(p[2]-q[2])))
		}
	}
	return best
}

// sphere sets value v on the voxels whose centre is within r mm of c.
func sphere(lab *volume.Volume[uint8], c [3]float64, r float64, v uint8) {
	for n := range lab.Data {
		i, j, k := lab.Coords(n)
		p := lab.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
		if math.Hypot(math.Hypot(p[0]-c[0], p[1]-c[1]), p[2]-c[2]) <= r {
			lab.Data[n] = v
		}
	}
}

func TestMaxDiameterOfBoxAndSphere(t *testing.T) {
	g := volume.Grid{Dims: [3]int{60, 60, 40}, Affine: volume.Affine{{-0.8, 0, 0, 10}, {0, 0.8, 0, -5}, {0, 0, 1.5, 3}, {0, 0, 0, 1}}}
	lab := volume.New[uint8](g)
	// A box of 10×20×8 voxels: the diagonal between its corner voxels'
	// centres is the diameter.
	volumetest.Box(lab, [3]int{3, 10, 5}, [3]int{13, 30, 13}, 3)
	want := math.Sqrt(9*0.8*9*0.8 + 19*0.8*19*0.8 + 7*1.5*7*1.5)
	if got := MaxDiameter(lab, 3); math.Abs(got-want) > 1e-9 {
		t.Errorf("box: got %.6f mm, want %.6f", got, want)
	}
	// A sphere 30 mm across: the voxel centres inside it span a little less.
	sphere(lab, [3]float64{-14.3, 18.9, 33.2}, 15, 4)
	got, brute := MaxDiameter(lab, 4), bruteDiameter(lab, 4)
	if got != brute || got > 30 || got < 30-1.5 {
		t.Errorf("sphere of 30 mm: got %.4f mm, every pair gives %.4f", got, brute)
	}
	t.Logf("sphere of 30 mm on 0.8×0.8×1.5 mm voxels: %.3f mm", got)
	if got := MaxDiameter(lab, 9); got != 0 {
		t.Errorf("absent label: %g", got)
	}
	one := volume.New[uint8](g)
	one.Set(4, 5, 6, 1)
	if got := MaxDiameter(one, 1); got != 0 {
		t.Errorf("one voxel: %g", got)
	}
	c3 := Counts(lab)
	if c3[3] == 0 || c3[4] == 0 || c3[0]+c3[3]+c3[4] != g.Len() {
		t.Errorf("counts %d %d %d", c3[0], c3[3], c3[4])
	}
}

// TestMaxDiameterIsExact compares MaxDiameter with every pair of voxel
// centres on random blobs (unions of balls, so with concavities) on
// oblique, anisotropic grids.
func TestMaxDiameterIsExact(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for trial := range 12 {
		a := volume.Affine{
			{0.6 + rng.Float64(), 0.3 * rng.NormFloat64(), 0.2 * rng.NormFloat64(), rng.NormFloat64() * 50},
			{0.3 * rng.NormFloat64(), -(0.6 + rng.Float64()), 0.2 * rng.NormFloat64(), rng.NormFloat64() * 50},
			{0.1 * rng.NormFloat64(), 0.1 * rng.NormFloat64(), 1 + 2*rng.Float64(), rng.NormFloat64() * 50},
			{0, 0, 0, 1},
		}
		lab := volume.New[uint8](volume.Grid{Dims: [3]int{36, 32, 20}, Affine: a})
		for range 1 + rng.Intn(4) {
			c := lab.VoxelToWorld([3]float64{6 + 24*rng.Float64(), 6 + 20*rng.Float64(), 4 + 12*rng.Float64()})
			sphere(lab, c, 2+6*rng.Float64(), 1)
		}
		want := bruteDiameter(lab, 1)
		if got := MaxDiameter(lab, 1); got != want {
			t.Errorf("trial %d: got %.9f mm, every pair gives %.9f", trial, got, want)
		}
		surface := SurfaceDiameter(lab, 1)
		bandSearchAbove = 0 // the band search first, whatever the number of points
		if got := MaxDiameter(lab, 1); got != want {
			t.Errorf("trial %d: band search: got %.9f mm, every pair gives %.9f", trial, got, want)
		}
		if got := SurfaceDiameter(lab, 1); got != surface {
			t.Errorf("trial %d: surface diameter: band search %.9f mm, every pair %.9f", trial, got, surface)
		}
		bandSearchAbove = 4 * len(directions)
	}
}

// TestDirectionsCoverEveryLine checks coverAngle: random lines and lines
// near the hemisphere's rim are all within it of some direction.
func TestDirectionsCoverEveryLine(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cos := math.Cos(coverAngle)
	var worst float64
	for n := range 20000 {
		var u [3]float64
		if n%4 == 0 { // near the rim, where the lattice ends
			phi := 2 * math.Pi * rng.Float64()
			z := 0.05 * (rng.Float64() - 0.5)
			r := math.Sqrt(1 - z*z)
			u = [3]float64{r * math.Cos(phi), r * math.Sin(phi), z}
		} else {
			u = [3]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			l := math.Sqrt(dot(u, u))
			u = [3]float64{u[0] / l, u[1] / l, u[2] / l}
		}
		var best float64
		for _, d := range directions {
			best = math.Max(best, math.Abs(dot(u, d)))
		}
		worst = math.Max(worst, math.Acos(min(best, 1)))
		if best < cos {
			t.Fatalf("line %v is %.2f° from every direction", u, math.Acos(best)*180/math.Pi)
		}
	}
	t.Logf("largest angle to the nearest direction: %.2f° (bound %.1f°)", worst*180/math.Pi, coverAngle*180/math.Pi)
}

// TestMaxDiameterAgreesWithNumpy measures a kidney-like shape on an
// oblique grid and compares with numpy/scipy: the largest pairwise distance
// between the voxel centres of the same mask, read with nibabel.
func TestMaxDiameterAgreesWithNumpy(t *testing.T) {
	const py = "/usr/bin/python3" // the Debian packages python3-nibabel, -numpy, -scipy
	if out, err := exec.Command(py, "-c", "import nibabel, numpy, scipy.spatial").CombinedOutput(); err != nil {
		t.Skipf("%s lacks nibabel, numpy or scipy (make deps-test installs them): %v %s", py, err, out)
	}
	a := volume.Affine{{-0.78, 0.05, 0, 120}, {0.04, 0.78, 0.1, -80}, {0, -0.02, 2.5, -300}, {0, 0, 0, 1}}
	lab := volume.New[uint8](volume.Grid{Dims: [3]int{96, 96, 52}, Affine: a})
	for n := range lab.Data { // a bean: an ellipsoid 120 × 60 × 50 mm less a hilum
		i, j, k := lab.Coords(n)
		x, y, z := (float64(i)-48)*0.78, (float64(j)-48)*0.78, (float64(k)-26)*2.5
		if (x/30)*(x/30)+(y/25)*(y/25)+(z/60)*(z/60) <= 1 && (x-28)*(x-28)+y*y > 15*15 {
			lab.Data[n] = 1
		}
	}
	path := filepath.Join(t.TempDir(), "bean.nii.gz")
	if err := volume.Save(path, lab); err != nil {
		t.Fatal(err)
	}
	const script = `
import sys, nibabel as nib, numpy as np
from scipy.spatial import ConvexHull
from scipy.spatial.distance import pdist
img = nib.load(sys.argv[1])
ijk = np.argwhere(np.asarray(img.dataobj) == 1)
xyz = nib.affines.apply_affine(img.affine, ijk)
hull = xyz[ConvexHull(xyz).vertices]
print(repr(float(pdist(hull).max())))
`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v: %s", err, out)
	}
	want, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("python printed %q", out)
	}
	got := MaxDiameter(lab, 1)
	// nibabel reads the affine back from float32 header fields.
	if math.Abs(got-want) > 1e-4*want {
		t.Errorf("got %.6f mm, numpy/scipy %.6f mm", got, want)
	}
	t.Logf("bean: %.4f mm, numpy/scipy %.4f mm", got, want)
}

func TestSurfaceAndPrincipalDiametersOfABox(t *testing.T) {
	// A box of 10×20×8 voxels of 0.8×0.8×1.5 mm, stored flipped in x:
	// its surface spans 8×16×12 mm.
	g := volume.Grid{Dims: [3]int{30, 30, 20}, Affine: volume.Affine{{-0.8, 0, 0, 10}, {0, 0.8, 0, -5}, {0, 0, 1.5, 3}, {0, 0, 0, 1}}}
	lab := volume.New[uint8](g)
	volumetest.Box(lab, [3]int{3, 5, 5}, [3]int{13, 25, 13}, 3)
	want := math.Sqrt(8*8 + 16*16 + 12*12)
	if got := SurfaceDiameter(lab, 3); math.Abs(got-want) > 1e-9 {
		t.Errorf("surface diameter %.6f, want %.6f", got, want)
	}
	if got, centre := SurfaceDiameter(lab, 3), MaxDiameter(lab, 3); got <= centre {
		t.Errorf("surface diameter %.3f not above the centres' %.3f", got, centre)
	}
	got := PrincipalDiameters(lab, 3)
	for a, w := range [3]float64{16, 12, 8} {
		if math.Abs(got[a]-w) > 1e-6 {
			t.Errorf("principal diameters %v, want [16 12 8]", got)
		}
	}
	if got := PrincipalDiameters(lab, 9); got != [3]float64{} {
		t.Errorf("absent label: %v", got)
	}
}

// TestCounts compares Counts with a plain count on random maps whose
// sizes are not multiples of four, one of them split across cores.
func TestCounts(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, dims := range [][3]int{{7, 5, 3}, {101, 67, 61}} {
		lab := volume.New[uint8](volume.Grid{Dims: dims, Affine: volume.Affine{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}})
		var want [256]int
		for i := range lab.Data {
			if rng.Intn(3) > 0 { // runs of background, as in a label map
				lab.Data[i] = uint8(rng.Intn(256))
			}
			want[lab.Data[i]]++
		}
		if got := Counts(lab); got != want {
			t.Errorf("%v: Counts differs from a plain count", dims)
		}
	}
}
