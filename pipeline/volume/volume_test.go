package volume

import (
	"errors"
	"math"
	"math/rand"
	"testing"
)

func diag(sx, sy, sz float64, origin [3]float64) Affine {
	return Affine{{sx, 0, 0, origin[0]}, {0, sy, 0, origin[1]}, {0, 0, sz, origin[2]}, {0, 0, 0, 1}}
}

// rotation returns an oblique affine: spacing s, rotated by angle (radians)
// about z and then x.
func rotation(s [3]float64, az, ax float64, origin [3]float64) Affine {
	cz, sz := math.Cos(az), math.Sin(az)
	cx, sx := math.Cos(ax), math.Sin(ax)
	rz := Affine{{cz, -sz, 0, 0}, {sz, cz, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
	rx := Affine{{1, 0, 0, 0}, {0, cx, -sx, 0}, {0, sx, cx, 0}, {0, 0, 0, 1}}
	return rx.Mul(rz).Mul(diag(s[0], s[1], s[2], [3]float64{})).Translated(origin)
}

func randomVolume(g Grid, seed int64) *Volume[float32] {
	r := rand.New(rand.NewSource(seed))
	v := New[float32](g)
	for i := range v.Data {
		v.Data[i] = float32(r.Intn(1000))
	}
	return v
}

func TestInverseAndApply(t *testing.T) {
	a := rotation([3]float64{0.8, 0.9, 1.5}, 0.3, -0.2, [3]float64{-100, 20, 33})
	inv, err := a.Inverse()
	if err != nil {
		t.Fatal(err)
	}
	p := [3]float64{12.5, -3, 40}
	q := inv.Apply(a.Apply(p))
	for i := range p {
		if math.Abs(p[i]-q[i]) > 1e-9 {
			t.Fatalf("round trip %v → %v", p, q)
		}
	}
	if _, err := (Affine{}).Inverse(); err == nil {
		t.Error("singular affine inverted")
	}
}

func TestAxisCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Affine
		want string
	}{
		{"RAS", diag(1, 1, 1, [3]float64{}), "RAS"},
		{"LPS", diag(-0.8, -0.8, 1.5, [3]float64{}), "LPS"},
		{"LAS", diag(-1, 1, 2, [3]float64{}), "LAS"},
		{"permuted", Affine{{0, 0, 2, 0}, {-1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, 0, 1}}, "PIR"},
		{"oblique 20°", rotation([3]float64{1, 1, 1}, 20*math.Pi/180, 0, [3]float64{}), "RAS"},
		{"oblique 70°", rotation([3]float64{1, 1, 1}, 70*math.Pi/180, 0, [3]float64{}), "ALS"},
	} {
		if got := tc.a.AxisCodes(); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestCanonicalKeepsWorldPositions(t *testing.T) {
	for _, a := range []Affine{
		diag(-0.8, -0.8, 1.5, [3]float64{100, 120, -50}),
		{{0, 0, 2, 5}, {-1, 0, 0, 7}, {0, -1.5, 0, 9}, {0, 0, 0, 1}},
		rotation([3]float64{1, 2, 3}, 2.5, 0.4, [3]float64{1, 2, 3}),
	} {
		v := randomVolume(Grid{Dims: [3]int{5, 6, 7}, Affine: a}, 1)
		c, o := Canonical(v)
		if got := c.Affine.AxisCodes(); got != "RAS" {
			t.Fatalf("canonical of %s is %s", a.AxisCodes(), got)
		}
		// Every canonical voxel holds the value of the original voxel at the same world point.
		inv, _ := v.Affine.Inverse()
		for n := range c.Data {
			i, j, k := c.Coords(n)
			p := inv.Apply(c.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
			oi, oj, ok := int(math.Round(p[0])), int(math.Round(p[1])), int(math.Round(p[2]))
			if c.Data[n] != v.At(oi, oj, ok) {
				t.Fatalf("%s: voxel %d,%d,%d moved", a.AxisCodes(), i, j, k)
			}
		}
		back := Reorient(c, o.Inverse())
		if err := SameGrid(v.Grid, back.Grid, 1e-9); err != nil {
			t.Fatalf("round trip grid: %v", err)
		}
		for n := range v.Data {
			if v.Data[n] != back.Data[n] {
				t.Fatalf("round trip changed voxel %d", n)
			}
		}
	}
}

func TestResampleOntoSameGridIsIdentity(t *testing.T) {
	g := Grid{Dims: [3]int{9, 8, 7}, Affine: rotation([3]float64{0.7, 0.8, 2}, 0.4, 0.1, [3]float64{3, 4, 5})}
	v := randomVolume(g, 2)
	for _, m := range []Interpolation{Linear, Nearest} {
		out, err := Resample(v, g, m, -1)
		if err != nil {
			t.Fatal(err)
		}
		for n := range v.Data {
			if math.Abs(float64(out.Data[n]-v.Data[n])) > 1e-3 {
				t.Fatalf("%v: voxel %d: %g vs %g", m, n, out.Data[n], v.Data[n])
			}
		}
	}
}

func TestResampleLinearIsExactOnLinearField(t *testing.T) {
	src := New[float64](Grid{Dims: [3]int{20, 20, 20}, Affine: diag(2, 2, 2, [3]float64{-20, -20, -20})})
	field := func(p [3]float64) float64 { return 3*p[0] - 2*p[1] + 0.5*p[2] + 7 }
	for n := range src.Data {
		i, j, k := src.Coords(n)
		src.Data[n] = field(src.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
	}
	dst := Grid{Dims: [3]int{15, 13, 11}, Affine: rotation([3]float64{1.3, 1.1, 1.7}, 0.5, 0.3, [3]float64{-8, -9, -7})}
	out, err := Resample(src, dst, Linear, math.NaN())
	if err != nil {
		t.Fatal(err)
	}
	inside := 0
	for n, got := range out.Data {
		if math.IsNaN(got) {
			continue
		}
		inside++
		i, j, k := dst.Coords(n)
		if want := field(dst.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})); math.Abs(got-want) > 1e-9 {
			t.Fatalf("voxel %d: %g, want %g", n, got, want)
		}
	}
	if inside < out.Len()/2 {
		t.Fatalf("only %d of %d voxels inside", inside, out.Len())
	}
}

func TestResampleNearestKeepsLabelsAndFillsOutside(t *testing.T) {
	src := New[uint8](Grid{Dims: [3]int{4, 4, 4}, Affine: diag(1, 1, 1, [3]float64{})})
	for n := range src.Data {
		src.Data[n] = uint8(n % 5)
	}
	// A grid shifted by 2 voxels along x and half a voxel less along y.
	dst := Grid{Dims: [3]int{4, 4, 4}, Affine: diag(1, 1, 1, [3]float64{2, -0.4, 0})}
	out, err := Resample(src, dst, Nearest, 255)
	if err != nil {
		t.Fatal(err)
	}
	for n, got := range out.Data {
		i, j, k := dst.Coords(n)
		want := uint8(255)
		if i+2 < 4 {
			want = src.At(i+2, j, k)
		}
		if got != want {
			t.Fatalf("voxel %d,%d,%d: got %d want %d", i, j, k, got, want)
		}
	}
}

func TestConvertRoundsAndSaturates(t *testing.T) {
	v, _ := Wrap(Grid{Dims: [3]int{6, 1, 1}, Affine: Identity}, []float64{-1000, -0.5, 0.4, 0.5, 254.6, 1e9})
	got := Convert[uint8](v).Data
	want := []uint8{0, 0, 0, 1, 255, 255}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestSameGridNamesTheDifference(t *testing.T) {
	a := Grid{Dims: [3]int{10, 10, 10}, Affine: diag(1, 1, 2, [3]float64{})}
	for _, tc := range []struct {
		what string
		b    Grid
	}{
		{"dims", Grid{Dims: [3]int{10, 10, 11}, Affine: a.Affine}},
		{"spacing", Grid{Dims: a.Dims, Affine: diag(1, 1, 2.001, [3]float64{})}},
		{"origin", Grid{Dims: a.Dims, Affine: a.Affine.Translated([3]float64{0, 0.01, 0})}},
		{"direction", Grid{Dims: a.Dims, Affine: diag(-1, 1, 2, [3]float64{})}},
	} {
		err := SameGrid(a, tc.b, DefaultTolerance)
		var gm *GridMismatchError
		if !errors.As(err, &gm) || gm.What != tc.what {
			t.Errorf("%s: got %v", tc.what, err)
		}
	}
	if err := SameGrid(a, Grid{Dims: a.Dims, Affine: a.Affine.Translated([3]float64{1e-9, 0, 0})}, DefaultTolerance); err != nil {
		t.Errorf("within tolerance: %v", err)
	}
}

func benchGrid() (Grid, Grid) {
	src := Grid{Dims: [3]int{512, 512, 300}, Affine: diag(-0.8, -0.8, 1.5, [3]float64{200, 200, -200})}
	dst := Grid{Dims: [3]int{512, 512, 300}, Affine: src.Affine.Translated([3]float64{1.3, -2.1, 3.7})}
	return src, dst
}

func BenchmarkResampleLinearFullCT(b *testing.B) {
	src, dst := benchGrid()
	v := New[int16](src)
	b.SetBytes(int64(dst.Len() * 2))
	for b.Loop() {
		if _, err := Resample(v, dst, Linear, -1024); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResampleNearestFullLabels(b *testing.B) {
	src, dst := benchGrid()
	v := New[uint8](src)
	b.SetBytes(int64(dst.Len()))
	for b.Loop() {
		if _, err := Resample(v, dst, Nearest, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCanonicalFullCT(b *testing.B) {
	src, _ := benchGrid()
	v := New[int16](src)
	b.SetBytes(int64(src.Len() * 2))
	for b.Loop() {
		Canonical(v)
	}
}

func TestFromImageSharesUnscaledVoxels(t *testing.T) {
	v := New[int16](Grid{Dims: [3]int{4, 3, 2}, Affine: Identity})
	v.Data[5] = 42
	img := ToImage(v) // slope 1, inter 0: the identity scaling
	got, err := FromImage[int16](img)
	if err != nil {
		t.Fatal(err)
	}
	if &got.Data[0] != &v.Data[0] || got.Data[5] != 42 {
		t.Error("identity-scaled voxels of the stored type were copied")
	}
	img.Header.SclSlope, img.Header.SclInter = 2, -1
	scaled, err := FromImage[int16](img)
	if err != nil {
		t.Fatal(err)
	}
	if &scaled.Data[0] == &v.Data[0] || scaled.Data[5] != 83 {
		t.Errorf("scaled voxel %d, want 83 in a copy", scaled.Data[5])
	}
}

// TestResampleLinearRowsMatchTrilinear checks that the unclamped inner loop
// of linear resampling gives, bit for bit, what trilinear gives at every
// sample, at the edges and inside, on oblique and axis-aligned grids.
func TestResampleLinearRowsMatchTrilinear(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	src := New[int16](Grid{Dims: [3]int{23, 19, 11}, Affine: diag(1.5, 1.5, 2.5, [3]float64{-17, -14, -13})})
	for n := range src.Data {
		src.Data[n] = int16(rng.Intn(4000) - 1024)
	}
	grids := []Grid{
		{Dims: [3]int{30, 25, 16}, Affine: rotation([3]float64{1.1, 1.3, 1.9}, 0.2, -0.1, [3]float64{-19, -15, -15})},
		{Dims: [3]int{26, 22, 14}, Affine: diag(1.25, 1.25, 2, [3]float64{-18.3, -14.9, -13.5})},
		{Dims: [3]int{23, 19, 11}, Affine: src.Affine},
	}
	lo, hi, isInt := limits[int16]()
	for g, dst := range grids {
		out, err := Resample(src, dst, Linear, -2000)
		if err != nil {
			t.Fatal(err)
		}
		inv, _ := src.Affine.Inverse()
		m := inv.Mul(dst.Affine)
		step := [3]float64{m[0][0], m[1][0], m[2][0]}
		for n, got := range out.Data {
			i, j, k := dst.Coords(n)
			p := m.Apply([3]float64{0, float64(j), float64(k)})
			if i0, i1 := src.insideRun(p, step, dst.Dims[0], edge); i < i0 || i >= i1 {
				continue
			}
			t0 := float64(i)
			want := castVoxel[int16](src.trilinear([3]float64{p[0] + t0*step[0], p[1] + t0*step[1], p[2] + t0*step[2]}), lo, hi, isInt)
			if got != want {
				t.Fatalf("grid %d voxel (%d, %d, %d): %d, trilinear gives %d", g, i, j, k, got, want)
			}
		}
	}
}
