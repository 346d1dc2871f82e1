package mesh

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/panics"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/wanterr"
)

// affines are voxel-to-world maps the surface must be right through.
var affines = []struct {
	name string
	a    volume.Affine
}{
	{"identity", volume.Identity},
	{"LPS 0.8×0.8×1.5", volume.Affine{{-0.8, 0, 0, 120}, {0, -0.8, 0, 90}, {0, 0, 1.5, -40}, {0, 0, 0, 1}}},
	{"oblique sheared", volume.Affine{{0.7, 0.2, 0.05, -10}, {-0.15, 0.75, 0.1, 5}, {0.05, -0.1, 1.2, 3}, {0, 0, 0, 1}}},
	{"permuted mirrored", volume.Affine{{0, 0, -1.1, 0}, {0.9, 0, 0, 0}, {0, 0.9, 0, 0}, {0, 0, 0, 1}}},
}

// worldBall is a label map on grid a with label 1 where the voxel centre is
// within r mm of the world point c, and the grid's dims.
func worldBall(a volume.Affine, c [3]float64, r float64) *volume.Volume[uint8] {
	inv, _ := a.Inverse()
	// The ball's voxel box, from its world box's corners.
	lo, hi := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}, [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for n := 0; n < 8; n++ {
		var p [3]float64
		for i := 0; i < 3; i++ {
			p[i] = c[i] - r
			if n>>i&1 == 1 {
				p[i] = c[i] + r
			}
		}
		q := inv.Apply(p)
		for i := 0; i < 3; i++ {
			lo[i], hi[i] = math.Min(lo[i], q[i]), math.Max(hi[i], q[i])
		}
	}
	// Shift the grid so the ball sits three voxels in.
	var dims [3]int
	var shift [3]float64
	for i := 0; i < 3; i++ {
		shift[i] = math.Floor(lo[i]) - 3
		dims[i] = int(math.Ceil(hi[i]-shift[i])) + 4
	}
	g := volume.Grid{Dims: dims, Affine: a.Translated(sub3(a.Apply(shift), a.Apply([3]float64{})))}
	v := volume.New[uint8](g)
	for k := 0; k < dims[2]; k++ {
		for j := 0; j < dims[1]; j++ {
			for i := 0; i < dims[0]; i++ {
				d := sub3(g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}), c)
				if dot3(d, d) <= r*r {
					v.Set(i, j, k, 1)
				}
			}
		}
	}
	return v
}

func meshOne(t *testing.T, v *volume.Volume[uint8], s Settings) LabelMesh {
	t.Helper()
	res, err := Labels(context.Background(), v, Options{Settings: func(int) Settings { return s }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%d meshes, want 1", len(res))
	}
	if err := res[0].Mesh.CheckClosed(); err != nil {
		t.Fatal(err)
	}
	return res[0]
}

// TestBallMatchesAnalyticShape meshes a voxelised ball through each affine:
// its area and volume must be the ball's within 2%, and every normal must
// point away from its centre.
func TestBallMatchesAnalyticShape(t *testing.T) {
	const r = 16.0
	c := [3]float64{4, -7, 11}
	for _, tc := range affines {
		t.Run(tc.name, func(t *testing.T) {
			lm := meshOne(t, worldBall(tc.a, c, r), Organ)
			m := lm.Mesh
			wantV, wantA := 4*math.Pi*r*r*r/3, 4*math.Pi*r*r
			t.Logf("volume %.4f, area %.4f of the ball's", m.Volume()/wantV, m.Area()/wantA)
			if got := m.Volume(); math.Abs(got/wantV-1) > 0.02 {
				t.Errorf("volume %.0f mm³, ball %.0f (%.4f)", got, wantV, got/wantV)
			}
			if got := m.Area(); math.Abs(got/wantA-1) > 0.02 {
				t.Errorf("area %.0f mm², ball %.0f (%.4f)", got, wantA, got/wantA)
			}
			for v, n := range m.Normals {
				if d := sub3(m.vertex(uint32(v)), c); dot3(d, to64(n)) <= 0 {
					t.Fatalf("vertex %d at %v: normal %v points inwards", v, m.Positions[v], n)
				}
			}
		})
	}
}

// TestThinStructuresKeepVolume meshes structures that smoothing shrinks
// most: their volume must stay within 3% of the voxels'.
func TestThinStructuresKeepVolume(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    [3]int
		in   func(i, j, k int) bool
	}{
		{"2-voxel tube", [3]int{4, 4, 60}, func(i, j, k int) bool { return i >= 1 && i <= 2 && j >= 1 && j <= 2 }},
		{"2-voxel diagonal tube", [3]int{50, 50, 4}, func(i, j, k int) bool { return (i-j == 0 || i-j == 1) && k >= 1 && k <= 2 }},
		{"1-voxel line", [3]int{40, 1, 1}, func(i, j, k int) bool { return true }},
		{"1-voxel plate", [3]int{20, 20, 1}, func(i, j, k int) bool { return true }},
		{"bent 2-voxel tube", [3]int{30, 30, 4}, func(i, j, k int) bool {
			x, y := float64(i)-15, float64(j)-15
			d := math.Hypot(x, y)
			return d >= 10 && d < 12 && k >= 1 && k <= 2
		}},
	} {
		for _, p := range []struct {
			name string
			s    Settings
		}{{"organ", Organ}, {"vessel", Vessel}} {
			t.Run(tc.name+"/"+p.name, func(t *testing.T) {
				v := volume.New[uint8](volume.Grid{Dims: tc.n, Affine: volume.Affine{{0.8, 0, 0, 0}, {0, 0.8, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 1}}})
				for k := 0; k < tc.n[2]; k++ {
					for j := 0; j < tc.n[1]; j++ {
						for i := 0; i < tc.n[0]; i++ {
							if tc.in(i, j, k) {
								v.Set(i, j, k, 7)
							}
						}
					}
				}
				lm := meshOne(t, v, p.s)
				if ratio := lm.Mesh.Volume() / lm.VoxelVolume; math.Abs(ratio-1) > 0.03 {
					t.Errorf("mesh keeps %.3f of the voxel volume", ratio)
				}
			})
		}
	}
}

// TestTubeKeepsItsWidth checks that the restored volume of a 2-voxel tube
// is a tube, not a blob: away from its ends, vertices stay about a radius
// from its axis.
func TestTubeKeepsItsWidth(t *testing.T) {
	v := volume.New[uint8](volume.Grid{Dims: [3]int{4, 4, 80}, Affine: volume.Identity})
	for k := 0; k < 80; k++ {
		for j := 1; j <= 2; j++ {
			for i := 1; i <= 2; i++ {
				v.Set(i, j, k, 1)
			}
		}
	}
	lm := meshOne(t, v, Organ)
	for _, p := range lm.Mesh.Positions {
		if p[2] < 10 || p[2] > 70 {
			continue
		}
		// The voxels span 0.5..2.5 in x and y: a square of side 2, whose
		// circle of equal area has radius 2/√π = 1.13.
		if r := math.Hypot(float64(p[0])-1.5, float64(p[1])-1.5); r < 0.9 || r > 1.45 {
			t.Fatalf("vertex %v is %.2f from the axis", p, r)
		}
	}
}

func TestPathologicalMasksKeepVolume(t *testing.T) {
	for _, tc := range pathologicalMasks {
		t.Run(tc.name, func(t *testing.T) {
			v := volume.New[uint8](volume.Grid{Dims: tc.n, Affine: volume.Identity})
			for k := 0; k < tc.n[2]; k++ {
				for j := 0; j < tc.n[1]; j++ {
					for i := 0; i < tc.n[0]; i++ {
						if tc.in(i, j, k) {
							v.Set(i, j, k, 3)
						}
					}
				}
			}
			lm := meshOne(t, v, Organ)
			if ratio := lm.Mesh.Volume() / lm.VoxelVolume; math.Abs(ratio-1) > 0.03 {
				t.Errorf("mesh keeps %.3f of the voxel volume", ratio)
			}
		})
	}
}

func TestLabelsChoosesValues(t *testing.T) {
	v := volume.New[uint8](volume.Grid{Dims: [3]int{10, 10, 10}, Affine: volume.Identity})
	for _, p := range [][4]int{{1, 1, 1, 9}, {5, 5, 5, 2}, {5, 6, 5, 2}, {8, 8, 8, 200}} {
		v.Set(p[0], p[1], p[2], uint8(p[3]))
	}
	for _, tc := range []struct {
		name   string
		values []int
		want   []int
	}{
		{"all present, by value", nil, []int{2, 9, 200}},
		{"chosen", []int{200, 2}, []int{200, 2}},
		{"absent, repeated and out of range skipped", []int{3, 9, 0, 300, 9}, []int{9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Labels(context.Background(), v, Options{Values: tc.values})
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, lm := range res {
				got = append(got, lm.Value)
				if lm.Mesh.NumTriangles() == 0 || lm.Mesh.CheckClosed() != nil {
					t.Errorf("label %d: %d triangles, %v", lm.Value, lm.Mesh.NumTriangles(), lm.Mesh.CheckClosed())
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("values %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("values %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestLabelsStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v := volume.New[uint8](volume.Grid{Dims: [3]int{4, 4, 4}, Affine: volume.Identity})
	v.Set(1, 1, 1, 1)
	if _, err := Labels(ctx, v, Options{}); err != context.Canceled {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestDecimation(t *testing.T) {
	v := worldBall(affines[1].a, [3]float64{0, 0, 0}, 12)
	full := meshOne(t, v, Organ).Mesh
	for _, tc := range []struct {
		d        Decimation
		maxRatio float64 // of the full triangle count
	}{
		{Decimation{Ratio: 0.5}, 0.5},
		{Decimation{Ratio: 0.1}, 0.1},
		{Decimation{MaxError: 0.1}, 0.9},
		{Decimation{Ratio: 0.05, MaxError: 0.05}, 1},
	} {
		s := Organ
		s.Decimation = tc.d
		lm := meshOne(t, v, s)
		got := float64(lm.Mesh.NumTriangles()) / float64(full.NumTriangles())
		if got > tc.maxRatio+0.01 || got < 0.01 {
			t.Errorf("%+v: kept %.3f of the triangles", tc.d, got)
		}
		if ratio := lm.Mesh.Volume() / lm.VoxelVolume; math.Abs(ratio-1) > 0.01 {
			t.Errorf("%+v: mesh keeps %.4f of the voxel volume", tc.d, ratio)
		}
		if len(lm.Mesh.Normals) != lm.Mesh.NumVertices() {
			t.Errorf("%+v: %d normals for %d vertices", tc.d, len(lm.Mesh.Normals), lm.Mesh.NumVertices())
		}
	}
}

func TestParseDecimation(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Decimation
		err  bool
	}{
		{"", Decimation{}, false},
		{"none", Decimation{}, false},
		{"0.5", Decimation{Ratio: 0.5}, false},
		{"0.2mm", Decimation{MaxError: 0.2}, false},
		{"0.3, 0.1mm", Decimation{Ratio: 0.3, MaxError: 0.1}, false},
		{"1.5", Decimation{}, true},
		{"0", Decimation{}, true},
		{"-1mm", Decimation{}, true},
		{"half", Decimation{}, true},
	} {
		got, err := ParseDecimation(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseDecimation(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestFromLabel(t *testing.T) {
	for _, tc := range []struct {
		in   labels.MeshSettings
		want Settings
		err  bool
	}{
		{labels.MeshSettings{}, Organ, false},
		{labels.MeshSettings{Profile: "vessel"}, Vessel, false},
		{labels.MeshSettings{Profile: "raw"}, Raw, false},
		{labels.MeshSettings{Profile: "organ", Iterations: 10, PassBand: 0.05, Decimate: 0.5, MaxErrorMM: 0.2},
			Settings{Smoothing: Smoothing{10, 0.05}, KeepVolume: true, Decimation: Decimation{0.5, 0.2}, Normals: true}, false},
		{labels.MeshSettings{Profile: "blob"}, Settings{}, true},
	} {
		got, err := FromLabel(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("FromLabel(%+v) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// TestSmoothingKeepsPlanes checks the filter's pass band: a flat patch
// stays flat and in place (the gain at zero frequency is one, within VTK's
// tolerance).
func TestSmoothingKeepsPlanes(t *testing.T) {
	for _, s := range []Smoothing{Organ.Smoothing, Vessel.Smoothing} {
		c := sincCoefficients(s.Iterations, s.PassBand)
		sum := 0.0
		for _, x := range c {
			sum += x
		}
		if math.Abs(sum-1) > 2e-3 {
			t.Errorf("%+v: gain at zero frequency %.5f", s, sum)
		}
	}
}

// TestTotalSegmentatorExample meshes every label of a real
// TotalSegmentator output (3 mm voxels, thin ribs and portal vein): each
// gets a closed, outward mesh, and each of 50 voxels or more keeps its
// voxel volume within 3%.
func TestTotalSegmentatorExample(t *testing.T) {
	path := filepath.Join(sharedDir, "data", "totalseg_example", "example_seg.nii.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no shared data: %v", err)
	}
	v, err := volume.Load[uint8](path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Labels(context.Background(), v, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 41 {
		t.Errorf("%d labels meshed, want 41", len(res))
	}
	for _, lm := range res {
		if err := lm.Mesh.CheckClosed(); err != nil {
			t.Errorf("label %d: %v", lm.Value, err)
		}
		ratio := lm.Mesh.Volume() / lm.VoxelVolume
		if ratio <= 0 || lm.Voxels >= 50 && math.Abs(ratio-1) > 0.03 {
			t.Errorf("label %d (%d voxels): mesh keeps %.4f of the voxel volume", lm.Value, lm.Voxels, ratio)
		}
	}
}

// TestOutputDoesNotDependOnCores meshes the same label map on one core and
// on four: the work is split differently, the meshes must be identical.
func TestOutputDoesNotDependOnCores(t *testing.T) {
	v := worldBall(affines[2].a, [3]float64{1, 2, 3}, 28)
	var meshes [2]*Mesh
	for i, procs := range []int{1, 4} {
		old := runtime.GOMAXPROCS(procs)
		meshes[i] = meshOne(t, v, Organ).Mesh
		runtime.GOMAXPROCS(old)
	}
	if !slices.Equal(meshes[0].Positions, meshes[1].Positions) || !slices.Equal(meshes[0].Triangles, meshes[1].Triangles) {
		t.Error("meshes differ")
	}
}

// TestLabelTableMeshSettings reads mesh settings from label table YAML, as
// assets/labels.yaml holds them.
func TestLabelTableMeshSettings(t *testing.T) {
	for _, tc := range []struct {
		mesh string
		want Settings
		err  string
	}{
		{"{profile: vessel}", Vessel, ""},
		{"{profile: organ, iterations: 30, passband: 0.05, decimate: 0.25, max_error_mm: 0.3}",
			Settings{Smoothing: Smoothing{30, 0.05}, KeepVolume: true, Decimation: Decimation{0.25, 0.3}, Normals: true}, ""},
		{"{iterations: -1}", Settings{}, "iterations"},
		{"{passband: 3}", Settings{}, "passband"},
		{"{decimate: 1}", Settings{}, "decimate"},
		{"{max_error_mm: -0.1}", Settings{}, "max_error_mm"},
		{"{smoothing: 5}", Settings{}, "smoothing"},
	} {
		t.Run(tc.mesh, func(t *testing.T) {
			tab, err := labels.Parse([]byte("labels:\n  - {value: 1, name: a, mesh: "+tc.mesh+"}\n"), "t.yaml")
			if wanterr.Check(t, err, tc.err) {
				return
			}
			l, _ := tab.ByValue(1)
			if got, err := FromLabel(l.Mesh); err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestLabelsReportsAWorkersPanic: a panic while meshing one label is
// returned as an internal error (*panics.Error, with its stack), and the
// other workers finish instead of deadlocking.
func TestLabelsReportsAWorkersPanic(t *testing.T) {
	v := volume.New[uint8](volume.Grid{Dims: [3]int{10, 10, 10}, Affine: volume.Identity})
	for _, p := range [][4]int{{1, 1, 1, 9}, {5, 5, 5, 2}, {8, 8, 8, 200}} {
		v.Set(p[0], p[1], p[2], uint8(p[3]))
	}
	settings := func(l int) Settings {
		if l == 9 {
			panic("settings of label 9")
		}
		return DefaultSettings
	}
	_, err := Labels(context.Background(), v, Options{Settings: settings})
	var p *panics.Error
	if !errors.As(err, &p) || !strings.Contains(err.Error(), "settings of label 9") || len(p.Stack) == 0 {
		t.Fatalf("err = %v; want an internal error with the panic's value and stack", err)
	}
}
