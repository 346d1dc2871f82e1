package volume

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kidney3d/nifti"
)

// saveStored writes data, stored as T, on g with the scaling slope and
// inter, to a new file.
func saveStored[T Voxel](t testing.TB, g Grid, data []T, slope, inter float64) string {
	t.Helper()
	img := ToImage(&Volume[T]{Grid: g, Data: data})
	img.Header.SclSlope, img.Header.SclInter = slope, inter
	path := filepath.Join(t.TempDir(), "m.nii.gz")
	if err := SaveImage(path, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadMaskStoredValues checks that any nonzero finite stored value is
// inside, whatever the type, with no rounding or saturation first.
func TestLoadMaskStoredValues(t *testing.T) {
	g := Grid{Dims: [3]int{6, 5, 4}, Affine: Identity}
	at := func(i, j, k int) int { return g.Index(i, j, k) }
	i16 := make([]int16, g.Len())
	i16[at(1, 1, 1)], i16[at(2, 1, 1)] = -1, 256
	f32 := make([]float32, g.Len())
	f32[at(0, 0, 0)], f32[at(5, 4, 3)], f32[at(3, 3, 3)] = 0.3, 1.4, -1e-30
	u8 := make([]uint8, g.Len())
	u8[at(2, 2, 2)], u8[at(2, 3, 2)] = 255, 1
	tests := []struct {
		name   string
		path   string
		inside [][3]int
	}{
		{"int16 -1 and 256", saveStored(t, g, i16, 0, 0), [][3]int{{1, 1, 1}, {2, 1, 1}}},
		{"float 0.3, 1.4 and a denormal", saveStored(t, g, f32, 0, 0), [][3]int{{0, 0, 0}, {5, 4, 3}, {3, 3, 3}}},
		{"0 and 255", saveStored(t, g, u8, 0, 0), [][3]int{{2, 2, 2}, {2, 3, 2}}},
		{"scaled to 0.001", saveStored(t, g, u8, 0.001, 0), [][3]int{{2, 2, 2}, {2, 3, 2}}},
		{"scaled by the identity", saveStored(t, g, u8, 1, 0), [][3]int{{2, 2, 2}, {2, 3, 2}}},
		{"scaled by -2", saveStored(t, g, u8, -2, 0), [][3]int{{2, 2, 2}, {2, 3, 2}}},
	}
	for _, tc := range tests {
		m, err := LoadMask(tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		full := m.Full()
		want := New[uint8](g)
		for _, v := range tc.inside {
			want.Set(v[0], v[1], v[2], 1)
		}
		for n := range full.Data {
			if full.Data[n] != want.Data[n] {
				i, j, k := g.Coords(n)
				t.Errorf("%s: voxel (%d, %d, %d) is %d, want %d", tc.name, i, j, k, full.Data[n], want.Data[n])
			}
		}
	}
	// A scaling that makes a stored zero nonzero makes every voxel inside.
	m, err := LoadMask(saveStored(t, g, u8, 1, 5))
	if err != nil || m.Box.Len() != g.Len() {
		t.Errorf("scl_inter 5: %v, box %v", err, m.Box.Dims)
	}
	for _, x := range m.Box.Data {
		if x != 1 {
			t.Fatal("scl_inter 5: a voxel outside")
		}
	}
}

func TestLoadMaskRefusesNonFinite(t *testing.T) {
	g := Grid{Dims: [3]int{6, 5, 4}, Affine: Identity}
	f32 := make([]float32, g.Len())
	f32[g.Index(4, 2, 1)] = float32(math.NaN())
	f32[g.Index(1, 3, 2)] = float32(math.Inf(1))
	f32[g.Index(0, 0, 3)] = float32(math.Inf(-1))
	f32[g.Index(0, 0, 0)] = 1
	path := saveStored(t, g, f32, 0, 0)
	_, err := LoadMask(path)
	want := path + ": 3 voxels are not finite (NaN or ±Inf), the first at voxel (4, 2, 1)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestValuesOf(t *testing.T) {
	g := Grid{Dims: [3]int{40, 30, 20}, Affine: Identity}
	f64 := make([]float64, g.Len())
	for n := range f64 {
		f64[n] = float64(n%100) - 50
	}
	f64[g.Index(39, 29, 19)] = math.Inf(1)
	f64[g.Index(7, 20, 3)] = math.NaN()
	img := &nifti.Image{Header: nifti.NewHeader(g.Dims, nifti.Float64, g.Affine), Data: f64}
	v := ValuesOf(img)
	if v.Min != -50 || v.Max != 49 || v.NonFinite != 2 || v.First != g.Index(7, 20, 3) {
		t.Errorf("ValuesOf = %+v", v)
	}
	if err := v.NonFiniteError(g, [3]int{}); err == nil || !strings.Contains(err.Error(), "2 voxels are not finite (NaN or ±Inf), the first at voxel (7, 20, 3)") {
		t.Errorf("NonFiniteError = %v", err)
	}
	img.Header.SclSlope, img.Header.SclInter = 2, 1
	if v := ValuesOf(img); v.Min != -99 || v.Max != 99 {
		t.Errorf("scaled: %+v", v)
	}
	if err := (Values{First: -1}).NonFiniteError(g, [3]int{}); err != nil {
		t.Errorf("no non-finite voxel: %v", err)
	}
}

func TestNonFiniteErrorOfOneVoxel(t *testing.T) {
	g := Grid{Dims: [3]int{4, 4, 4}, Affine: Identity}
	err := Values{NonFinite: 1, First: g.Index(1, 2, 3)}.NonFiniteError(g, [3]int{10, 0, 0})
	if want := "1 voxel is not finite (NaN or ±Inf), at voxel (11, 2, 3)"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestLoadMaskBoxIsCropOfLoadMask checks LoadMaskBox against LoadMask's
// volume cropped, for boxes inside, across and outside the grid.
func TestLoadMaskBoxIsCropOfLoadMask(t *testing.T) {
	g := Grid{Dims: [3]int{6, 5, 4}, Affine: Identity}
	i16 := make([]int16, g.Len())
	i16[g.Index(1, 1, 1)], i16[g.Index(4, 3, 2)], i16[g.Index(5, 4, 3)] = -1, 256, 3
	path := saveStored(t, g, i16, 0, 0)
	whole, err := LoadMask(path)
	if err != nil {
		t.Fatal(err)
	}
	full := whole.Full()
	for _, b := range [][2][3]int{{{0, 0, 0}, {6, 5, 4}}, {{1, 1, 1}, {5, 4, 3}}, {{-2, 3, 2}, {8, 7, 6}}, {{7, 0, 0}, {9, 2, 2}}} {
		got, err := LoadMaskBox(path, b[0], b[1])
		if err != nil {
			t.Fatal(err)
		}
		want := Crop(full, b[0], b[1])
		if got.Grid != want.Grid || !slices.Equal(got.Data, want.Data) {
			t.Errorf("box %v: got %v, want %v", b, got.Data, want.Data)
		}
	}
	f32 := make([]float32, g.Len())
	f32[g.Index(2, 2, 2)] = float32(math.Inf(-1))
	if _, err := LoadMaskBox(saveStored(t, g, f32, 0, 0), [3]int{2, 2, 2}, [3]int{3, 3, 3}); err == nil || !strings.Contains(err.Error(), "1 voxel is not finite (NaN or ±Inf), at voxel (2, 2, 2)") {
		t.Errorf("-Inf in the box: %v", err)
	}
}

// TestValuesOfStoredIntegers checks that ValuesOf takes the extremes of
// stored integers as a voxel-by-voxel scan of the scaled values does,
// whatever the sign of the slope.
func TestValuesOfStoredIntegers(t *testing.T) {
	g := Grid{Dims: [3]int{33, 17, 9}, Affine: Identity}
	i16 := make([]int16, g.Len())
	for n := range i16 {
		i16[n] = int16((n*7919)%3001 - 1500)
	}
	u8 := make([]uint8, g.Len())
	for n := range u8 {
		u8[n] = uint8(n * 31)
	}
	images := map[string]*nifti.Image{
		"int16": {Header: nifti.NewHeader(g.Dims, nifti.Int16, g.Affine), Data: i16},
		"uint8": {Header: nifti.NewHeader(g.Dims, nifti.Uint8, g.Affine), Data: u8},
	}
	for name, img := range images {
		for _, scale := range [][2]float64{{1, 0}, {0.5, -1024}, {-2, 3}, {0, 7}, {math.Inf(1), 0}} {
			img.Header.SclSlope, img.Header.SclInter = scale[0], scale[1]
			got, want := ValuesOf(img), scanValues(img)
			if got.Min != want.Min || got.Max != want.Max || got.NonFinite != want.NonFinite {
				t.Errorf("%s scaled by %v: ValuesOf = %+v, scan = %+v", name, scale, got, want)
			}
		}
	}
}
