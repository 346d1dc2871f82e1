package dicomseries

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/dicomtest"
	"kidney3d/pipeline/volume"
)

// group scans dir and groups what it finds.
func group(t *testing.T, dir string) ([]*Series, []Dropped) {
	t.Helper()
	res, err := dicomscan.Scan(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return Group(res.Instances, Options{})
}

func near(a, b volume.Affine, tol float64) bool {
	for r := range a {
		for c := range a[r] {
			if math.Abs(a[r][c]-b[r][c]) > tol {
				return false
			}
		}
	}
	return true
}

// TestAffineIsDcm2niixs checks the grid of axial, coronal, sagittal and
// oblique stacks against the affine dcm2niix writes: columns along the
// row direction, rows flipped (j against the column direction), slices
// along the normal, LPS turned into RAS.
func TestAffineIsDcm2niixs(t *testing.T) {
	c, s := math.Cos(0.3), math.Sin(0.3)
	for _, tc := range []struct {
		name   string
		orient [6]float64
		step   [3]float64 // LPS
		want   volume.Affine
		codes  string
	}{
		{"axial, feet first in the files", [6]float64{1, 0, 0, 0, 1, 0}, [3]float64{0, 0, -2},
			// first slice along the normal is the last written: z = 10 - 2·4 = 2
			volume.Affine{{-0.75, 0, 0, -10}, {0, 0.5, 0, -(20 + 2*0.5)}, {0, 0, 2, 2}, {0, 0, 0, 1}}, "LAS"},
		{"coronal", [6]float64{1, 0, 0, 0, 0, -1}, [3]float64{0, 3, 0},
			volume.Affine{{-0.75, 0, 0, -10}, {0, 0, -3, -20}, {0, 0.5, 0, 10 - 2*0.5}, {0, 0, 0, 1}}, "LSP"},
		{"sagittal", [6]float64{0, 1, 0, 0, 0, -1}, [3]float64{-1.5, 0, 0},
			volume.Affine{{0, 0, 1.5, -10}, {-0.75, 0, 0, -20}, {0, 0.5, 0, 10 - 1}, {0, 0, 0, 1}}, "PSR"},
		{"oblique about z", [6]float64{c, s, 0, -s, c, 0}, [3]float64{0, 0, 2},
			volume.Affine{{-c * 0.75, -s * 0.5, 0, -10 + s*2*0.5}, {-s * 0.75, c * 0.5, 0, -20 - c*2*0.5}, {0, 0, 2, 10}, {0, 0, 0, 1}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := dicomtest.Default()
			base.Orientation = tc.orient
			base.Position = [3]float64{10, 20, 10}
			dir := dicomtest.WriteAll(t, t.TempDir(), dicomtest.Stack(base, 5, tc.step))
			series, _ := group(t, dir)
			if len(series) != 1 || series[0].Err != nil {
				t.Fatalf("series %v, err %v", len(series), series[0].Err)
			}
			g := series[0].Geometry.Grid
			if g.Dims != [3]int{4, 3, 5} {
				t.Errorf("dims %v", g.Dims)
			}
			if !near(g.Affine, tc.want, 1e-9) {
				t.Errorf("affine\n%v\nwant\n%v", g.Affine, tc.want)
			}
			if tc.codes != "" && g.Affine.AxisCodes() != tc.codes {
				t.Errorf("axis codes %s, want %s", g.Affine.AxisCodes(), tc.codes)
			}
		})
	}
}

// TestLoadSortsFlipsAndRescales checks that voxels come out sorted along
// the normal, rows flipped, rescaled, whatever order the files have.
func TestLoadSortsFlipsAndRescales(t *testing.T) {
	for _, tc := range []struct {
		name       string
		slope      float64
		intercept  float64
		signed     bool
		bitsStored int
		words      []uint16
		wantType   string
		want       func(word uint16) float64
	}{
		{"12-bit unsigned, integral rescale", 1, -1024, false, 12, nil, "int16", func(w uint16) float64 { return float64(w) - 1024 }},
		{"fractional slope", 0.5, -10, false, 12, nil, "float32", func(w uint16) float64 { return float64(w)*0.5 - 10 }},
		{"16-bit signed", 1, 0, true, 16, []uint16{0xFFFF, 0x8000, 0x7FFF, 1, 2, 3, 4, 5, 6, 7, 8, 9}, "int16", func(w uint16) float64 { return float64(int16(w)) }},
		{"12-bit signed, high bits masked", 1, 0, true, 12, []uint16{0xF800, 0x0FFF, 0x07FF, 0, 1, 2, 3, 4, 5, 6, 7, 8}, "int16",
			func(w uint16) float64 {
				v := int(w & 0xFFF)
				if v >= 2048 {
					v -= 4096
				}
				return float64(v)
			}},
		{"values beyond int16", 2, 0, false, 16, []uint16{0xFFFF, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "float32", func(w uint16) float64 { return 2 * float64(w) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := dicomtest.Default()
			base.Slope, base.Intercept, base.Signed, base.BitsStored, base.Words = tc.slope, tc.intercept, tc.signed, tc.bitsStored, tc.words
			stack := dicomtest.Stack(base, 3, [3]float64{0, 0, -2}) // written head first
			dir := dicomtest.WriteAll(t, t.TempDir(), stack)
			series, _ := group(t, dir)
			im, err := Load(context.Background(), series[0])
			if err != nil {
				t.Fatal(err)
			}
			if im.Datatype() != tc.wantType {
				t.Fatalf("datatype %s, want %s", im.Datatype(), tc.wantType)
			}
			g := im.Grid()
			for k := 0; k < 3; k++ {
				src := stack[2-k] // k runs up the normal: the last written slice is the lowest
				for r := 0; r < 3; r++ {
					for c := 0; c < 4; c++ {
						want := tc.want(src.Words[r*4+c])
						var got float64
						if im.Int16 != nil {
							got = float64(im.Int16.At(c, 2-r, k))
						} else {
							got = float64(im.Float32.At(c, 2-r, k))
						}
						if got != want {
							t.Fatalf("voxel (%d,%d,%d) = %g, want %g", c, 2-r, k, got, want)
						}
					}
				}
			}
			_ = g
			// Save writes the same voxels, streamed in batches of 2 slices
			// (the int16 ones) or loaded whole.
			defer func(n int) { batchSlices = n }(batchSlices)
			batchSlices = 2
			path := filepath.Join(t.TempDir(), "A.nii.gz")
			sg, datatype, err := Save(context.Background(), series[0], path)
			if err != nil || sg != g || datatype != tc.wantType {
				t.Fatalf("Save: grid %v, %s, %v", sg, datatype, err)
			}
			var same bool
			if im.Int16 != nil {
				v, err := volume.Load[int16](path)
				same = err == nil && slices.Equal(v.Data, im.Int16.Data)
			} else {
				v, err := volume.Load[float32](path)
				same = err == nil && slices.Equal(v.Data, im.Float32.Data)
			}
			if !same {
				t.Errorf("Save wrote other voxels than Load reads")
			}
		})
	}
}

// TestSeriesThatAreNotOneVolume checks each refusal names the series, the
// file and the reason.
func TestSeriesThatAreNotOneVolume(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func([]dicomtest.Slice) []dicomtest.Slice
		reason string
	}{
		{"duplicate position", func(s []dicomtest.Slice) []dicomtest.Slice {
			s[2].Position = s[1].Position
			return s
		}, "duplicate slice position"},
		{"missing slice", func(s []dicomtest.Slice) []dicomtest.Slice { return append(s[:2], s[3:]...) }, "missing slice(s) between (0.00, 0.00, 2.00) mm LPS and (0.00, 0.00, 6.00) mm LPS"},
		{"nearly the same position", func(s []dicomtest.Slice) []dicomtest.Slice {
			extra := s[3]
			extra.Position[2] += 0.2
			extra.Instance, extra.SOPUID = 99, extra.SOPUID+".99"
			return append(s, extra)
		}, "slices 0.2000 mm apart"},
		{"gantry tilt and unequal spacing", func(s []dicomtest.Slice) []dicomtest.Slice {
			for k := range s {
				s[k].Position[1] += 0.4 * float64(k)
			}
			s[5].Position[2] += 0.5
			return s
		}, "gantry tilt of 10.78° (slices step 0.400 mm sideways per 2.100 mm) and unequal or missing slices"},
		{"mixed sizes", func(s []dicomtest.Slice) []dicomtest.Slice {
			s[3].Rows, s[3].Words = 2, s[3].Words[:8]
			return s
		}, "mixed sizes"},
		{"no position", func(s []dicomtest.Slice) []dicomtest.Slice {
			s[1].Omit = []string{"ImagePositionPatient"}
			return s
		}, "geometry is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := tc.change(dicomtest.Stack(dicomtest.Default(), 6, [3]float64{0, 0, 2}))
			dir := dicomtest.WriteAll(t, t.TempDir(), stack)
			series, _ := group(t, dir)
			if len(series) != 1 {
				t.Fatalf("%d series", len(series))
			}
			var se *SeriesError
			if !errors.As(series[0].Err, &se) || !strings.Contains(se.Error(), tc.reason) || se.Series != "1.2.3.4" || !strings.HasPrefix(se.File, dir) {
				t.Fatalf("error %v, want a *SeriesError of series 1.2.3.4 naming a file and %q", series[0].Err, tc.reason)
			}
			if _, err := Load(context.Background(), series[0]); err == nil {
				t.Error("Load of a refused series succeeded")
			}
		})
	}
}

// TestUnequalSpacingIsResampled: slices at 0, 2, 4 and 7 mm along the
// normal come out as equidistant slices 2 mm apart from the first to the
// last, each interpolated linearly between the two around it (the source
// slice itself where one lies there), and the geometry says so.
func TestUnequalSpacingIsResampled(t *testing.T) {
	stack := dicomtest.Stack(dicomtest.Default(), 4, [3]float64{0, 0, 2})
	stack[3].Position[2] = 7
	series, _ := group(t, dicomtest.WriteAll(t, t.TempDir(), stack))
	if len(series) != 1 || series[0].Err != nil {
		t.Fatalf("series %v", series)
	}
	geo := series[0].Geometry
	if !strings.Contains(geo.Resampled, "resampled to 4 slices 2.0000 mm apart") || geo.SliceSpacing != 2 || geo.Grid.Dims[2] != 4 {
		t.Fatalf("geometry %+v", geo)
	}
	if z := geo.Grid.VoxelToWorld([3]float64{0, 0, 3}); math.Abs(z[2]-6) > 1e-9 {
		t.Errorf("slice 3 at %v, want 6 mm along the normal", z)
	}
	im, err := Load(context.Background(), series[0])
	if err != nil {
		t.Fatal(err)
	}
	// Slice k of the stack holds its words + 100·k, rescaled by -1024: the
	// voxel (0, 2, ·), word 0, reads -1024, -924, -824, then 2/3 of the way
	// from -824 to -724.
	for k, want := range []int16{-1024, -924, -824, -757} {
		if got := im.Int16.At(0, 2, k); got != want {
			t.Errorf("slice %d: %d HU, want %d", k, got, want)
		}
	}
}

// TestMissingSliceFilledOnlyWhenAsked: a series lacking its slice at 4 mm
// is refused, saying how to import it; with FillGaps the slice is
// interpolated halfway between its neighbours and the geometry says so.
func TestMissingSliceFilledOnlyWhenAsked(t *testing.T) {
	stack := dicomtest.Stack(dicomtest.Default(), 6, [3]float64{0, 0, 2})
	dir := dicomtest.WriteAll(t, t.TempDir(), append(stack[:2:2], stack[3:]...))
	res, err := dicomscan.Scan(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	refused, _ := Group(res.Instances, Options{})
	if len(refused) != 1 || refused[0].Err == nil || !strings.Contains(refused[0].Err.Error(), "import with --fill-gaps") {
		t.Fatalf("without FillGaps: %v", refused[0].Err)
	}
	filled, _ := Group(res.Instances, Options{FillGaps: true})
	if len(filled) != 1 || filled[0].Err != nil {
		t.Fatalf("with FillGaps: %v", filled[0].Err)
	}
	geo := filled[0].Geometry
	if !strings.Contains(geo.Resampled, "filled (--fill-gaps) with 6 slices 2.0000 mm apart") || geo.Grid.Dims[2] != 6 {
		t.Fatalf("geometry %+v", geo)
	}
	im, err := Load(context.Background(), filled[0])
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range []int16{-1024, -924, -824, -724, -624, -524} {
		if got := im.Int16.At(0, 2, k); got != want {
			t.Errorf("slice %d: %d HU, want %d", k, got, want)
		}
	}
}

// TestGantryTiltIsCorrected: slices that step 0.4 mm along their column
// direction per 2 mm along the normal (an 11.31° tilt) sample a linear
// field of HU; corrected, every voxel of the orthogonal grid the sheared
// slices cover holds the field at its world position (trilinear
// interpolation is exact on a linear field, up to rounding to whole HU),
// and the others the series' padding.
func TestGantryTiltIsCorrected(t *testing.T) {
	field := func(p [3]float64) float64 { return 3*p[0] + 7*p[1] + 11*p[2] + 1100 } // LPS mm → stored word
	base := dicomtest.Default()
	base.Rows, base.Cols, base.Spacing = 8, 8, [2]float64{1, 1}
	stack := dicomtest.Stack(base, 6, [3]float64{0, 0, 2})
	for k := range stack {
		stack[k].Position[1] += 0.4 * float64(k)
		for n := range stack[k].Words {
			r, c := n/base.Cols, n%base.Cols
			p := stack[k].Position
			stack[k].Words[n] = uint16(math.Round(field([3]float64{p[0] + float64(c), p[1] + float64(r), p[2]})))
		}
	}
	series, _ := group(t, dicomtest.WriteAll(t, t.TempDir(), stack))
	if len(series) != 1 || series[0].Err != nil {
		t.Fatalf("series %v", series[0].Err)
	}
	geo := series[0].Geometry
	if !strings.Contains(geo.Resampled, "gantry tilt of 11.31°") || geo.Grid.Dims != [3]int{8, 10, 6} {
		t.Fatalf("geometry %+v", geo)
	}
	im, err := Load(context.Background(), series[0])
	if err != nil {
		t.Fatal(err)
	}
	inv, _ := geo.stacked.Affine.Inverse()
	inside, padding := 0, 0
	for n, got := range im.Int16.Data {
		i, j, k := geo.Grid.Coords(n)
		w := geo.Grid.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
		v := inv.Apply(w) // where it lies among the sheared slices
		if v[0] < -1e-6 || v[1] < -1e-6 || v[0] > 7+1e-6 || v[1] > 7+1e-6 {
			if got != slices.Min(im.Int16.Data) {
				t.Fatalf("voxel (%d, %d, %d) outside the slices: %d, want the padding", i, j, k, got)
			}
			padding++
			continue
		}
		want := field([3]float64{-w[0], -w[1], w[2]}) - 1024 // RAS to LPS; the series' intercept
		if math.Abs(float64(got)-want) > 1 {
			t.Fatalf("voxel (%d, %d, %d) = %d HU, want %.1f", i, j, k, got, want)
		}
		inside++
	}
	if inside < 8*8*6-8*6 || padding == 0 {
		t.Errorf("%d voxels inside the slices, %d padding", inside, padding)
	}
}

// TestGroupSplitsAndDrops checks splitting by UID, orientation and
// acquisition, and that scouts are dropped.
func TestGroupSplitsAndDrops(t *testing.T) {
	dir := t.TempDir()
	a := dicomtest.Default()
	dicomtest.WriteAll(t, filepath.Join(dir, "a"), dicomtest.Stack(a, 4, [3]float64{0, 0, 2}))
	b := dicomtest.Default()
	b.SeriesUID, b.SeriesNum = "1.2.3.5", 2
	dicomtest.WriteAll(t, filepath.Join(dir, "b1"), dicomtest.Stack(b, 4, [3]float64{0, 0, 2}))
	b.Acquisition = 2
	b.SOPUID = "x"
	dicomtest.WriteAll(t, filepath.Join(dir, "b2"), dicomtest.Stack(b, 4, [3]float64{0, 0, 2}))
	b.Acquisition, b.Orientation = 1, [6]float64{1, 0, 0, 0, 0, -1}
	dicomtest.WriteAll(t, filepath.Join(dir, "b3"), dicomtest.Stack(b, 3, [3]float64{0, 2, 0}))
	scout := dicomtest.Default()
	scout.ImageType = `ORIGINAL\PRIMARY\LOCALIZER`
	scout.SeriesUID = "1.2.3.9"
	dicomtest.WriteAll(t, filepath.Join(dir, "scout"), []dicomtest.Slice{scout})
	series, dropped := group(t, dir)
	var ids []string
	for _, s := range series {
		if s.Err != nil {
			t.Errorf("%s: %v", s.ID, s.Err)
		}
		ids = append(ids, s.ID+"="+s.Split)
	}
	want := "1.2.3.4= 1.2.3.5#1=orientation, acquisition 1 1.2.3.5#2=orientation, acquisition 2 1.2.3.5#3=orientation"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("series %q, want %q", got, want)
	}
	if len(dropped) != 1 || dropped[0].Reason != "localizer (scout)" {
		t.Errorf("dropped %+v", dropped)
	}
}

// TestSaveStreamsManyBatches saves 9 slices in batches of 2 (5 batches
// shared between the decoders): the voxels Load reads; float32 when the
// last batch holds a value beyond int16; and an error naming the file
// when a late slice's file is cut short after its header was read.
func TestSaveStreamsManyBatches(t *testing.T) {
	defer func(n int) { batchSlices = n }(batchSlices)
	batchSlices = 2
	for _, tc := range []struct {
		name     string
		big      bool // the last slice holds 40000
		cut      bool // its file is cut short
		wantType string
	}{{"int16", false, false, "int16"}, {"beyond int16 last", true, false, "float32"}, {"last file cut", false, true, ""}} {
		t.Run(tc.name, func(t *testing.T) {
			base := dicomtest.Default()
			base.BitsStored, base.Intercept = 16, 0
			stack := dicomtest.Stack(base, 9, [3]float64{0, 0, 1})
			if tc.big {
				stack[8].Words[5] = 40000
			}
			dir := dicomtest.WriteAll(t, t.TempDir(), stack)
			series, _ := group(t, dir)
			if len(series) != 1 || series[0].Err != nil {
				t.Fatalf("series %v", series)
			}
			path := filepath.Join(t.TempDir(), "A.nii.gz")
			if tc.cut {
				f := filepath.Join(dir, "s000") // the last slice (WriteAll writes them in reverse)
				b, _ := os.ReadFile(f)
				os.WriteFile(f, b[:len(b)-7], 0o644)
				if _, _, err := Save(context.Background(), series[0], path); err == nil || !strings.Contains(err.Error(), "s000") {
					t.Fatalf("Save: %v, want an error naming s000", err)
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("Save left %s", path)
				}
				return
			}
			im, err := Load(context.Background(), series[0])
			if err != nil {
				t.Fatal(err)
			}
			_, datatype, err := Save(context.Background(), series[0], path)
			if err != nil || datatype != tc.wantType || im.Datatype() != tc.wantType {
				t.Fatalf("Save: %s, Load: %s, %v; want %s", datatype, im.Datatype(), err, tc.wantType)
			}
			var same bool
			if im.Int16 != nil {
				v, err := volume.Load[int16](path)
				same = err == nil && slices.Equal(v.Data, im.Int16.Data) && v.At(3, 0, 8) == 811
			} else {
				v, err := volume.Load[float32](path)
				same = err == nil && slices.Equal(v.Data, im.Float32.Data) && v.At(1, 1, 8) == 40000
			}
			if !same {
				t.Errorf("Save wrote other voxels than Load reads")
			}
		})
	}
}
