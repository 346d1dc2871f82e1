package segtools

import (
	"context"
	"fmt"
	"testing"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

// sliceCounts is the number of voxels of m on each slice along axis.
func sliceCounts(m *volume.Volume[uint8], axis int) []int {
	out := make([]int, m.Dims[axis])
	for n, x := range m.Data {
		if x != 0 {
			i, j, k := m.Coords(n)
			out[[3]int{i, j, k}[axis]]++
		}
	}
	return out
}

// interpolate is InterpolateSlices(m, axis), failing t on error.
func interpolate(t *testing.T, m *volume.Volume[uint8], axis int) *volume.Volume[uint8] {
	t.Helper()
	out, err := InterpolateSlices(context.Background(), m, axis)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInterpolateNestedSquares(t *testing.T) {
	// along axis 1: a 3×3 square on slice 0 and a 7×7 one about the same
	// centre on slice 4 (drawn as 2). Half way every voxel of the 5×5
	// square has (1-t)·d(I) ≤ t·d(out U); a quarter of the way none
	// beyond the 3×3; three quarters the whole 7×7.
	m := volume.New[uint8](grid1mm([3]int{11, 5, 11}, [3]float64{}))
	volumetest.Box(m, [3]int{4, 0, 4}, [3]int{7, 1, 7}, 1)
	volumetest.Box(m, [3]int{2, 4, 2}, [3]int{9, 5, 9}, 2)
	out := interpolate(t, m, 1)
	if got := fmt.Sprint(sliceCounts(out, 1)); got != "[9 9 25 49 49]" {
		t.Errorf("voxels per slice %s, want [9 9 25 49 49]", got)
	}
	if out.At(3, 2, 3) != 1 || out.At(2, 2, 2) != 0 || out.At(5, 4, 5) != 1 {
		t.Error("the middle slice is not the 5×5 square")
	}
}

func TestInterpolateApart(t *testing.T) {
	// two 3×3 squares that do not overlap, 8 voxels apart along i: they
	// are aligned, and each slice between is the square moved by t·8
	m := volume.New[uint8](grid1mm([3]int{16, 8, 5}, [3]float64{}))
	volumetest.Box(m, [3]int{2, 2, 0}, [3]int{5, 5, 1}, 1)
	volumetest.Box(m, [3]int{10, 2, 4}, [3]int{13, 5, 5}, 1)
	out := interpolate(t, m, 2)
	for k, lo := range []int{2, 4, 6, 8, 10} {
		want := volume.New[uint8](out.Grid)
		volumetest.Box(want, [3]int{lo, 2, k}, [3]int{lo + 3, 5, k + 1}, 1)
		got := volume.Crop(out, [3]int{0, 0, k}, [3]int{16, 8, k + 1})
		if w := volume.Crop(want, [3]int{0, 0, k}, [3]int{16, 8, k + 1}); fmt.Sprint(got.Data) != fmt.Sprint(w.Data) {
			t.Errorf("slice %d is not the square at i %d..%d", k, lo, lo+2)
		}
	}
}

// ellipsoid is the mask of the voxels of g inside the ellipsoid of
// semi-axes r about voxel c.
func ellipsoid(g volume.Grid, c, r [3]float64) *volume.Volume[uint8] {
	m := volume.New[uint8](g)
	for n := range m.Data {
		i, j, k := m.Coords(n)
		x, y, z := (float64(i)-c[0])/r[0], (float64(j)-c[1])/r[1], (float64(k)-c[2])/r[2]
		if x*x+y*y+z*z <= 1 {
			m.Data[n] = 1
		}
	}
	return m
}

// TestInterpolateEllipsoid gives fill between slices the slices of a true
// ellipsoid (1 mm voxels, semi-axes 16, 12, 18 voxels along i, j, k about
// voxel (24, 24, 22)) and compares what it fills with the ellipsoid
// between the first and last slice given.
func TestInterpolateEllipsoid(t *testing.T) {
	g := grid1mm([3]int{48, 48, 44}, [3]float64{})
	truth := ellipsoid(g, [3]float64{24, 24, 22}, [3]float64{16, 12, 18})
	cases := []struct {
		name   string
		slices []int
		axis   int
		min    float64
	}{
		{"2 axial slices, centre and 11 above", []int{22, 33}, 2, 0.95},
		{"3 axial slices", []int{12, 22, 32}, 2, 0.95},
		{"4 axial slices", []int{7, 17, 27, 37}, 2, 0.95},
		{"5 axial slices", []int{6, 14, 22, 30, 38}, 2, 0.95},
		{"2 sagittal slices, 8 apart", []int{18, 26}, 0, 0.95},
	}
	for _, c := range cases {
		drawn := volume.New[uint8](g)
		for _, k := range c.slices {
			lo, hi := [3]int{}, g.Dims
			lo[c.axis], hi[c.axis] = k, k+1
			volume.Paste(drawn, volume.Crop(truth, lo, hi), lo)
		}
		out := interpolate(t, drawn, c.axis)
		lo, hi := [3]int{}, g.Dims
		lo[c.axis], hi[c.axis] = c.slices[0], c.slices[len(c.slices)-1]+1
		d := dice(volume.Crop(out, lo, hi), volume.Crop(truth, lo, hi))
		t.Logf("%s %v: Dice %.4f", c.name, c.slices, d)
		if d < c.min {
			t.Errorf("%s %v: Dice %.4f, want ≥ %.2f", c.name, c.slices, d, c.min)
		}
		if got := labelops.Count(volume.Crop(out, [3]int{}, [3]int{48, 48, 44})); got == 0 {
			t.Errorf("%s: nothing filled", c.name)
		}
	}
}

func TestInterpolateErrors(t *testing.T) {
	ctx := context.Background()
	m := volume.New[uint8](grid1mm([3]int{5, 5, 5}, [3]float64{}))
	if _, err := InterpolateSlices(ctx, m, 2); err == nil {
		t.Error("an empty label was accepted")
	}
	m.Set(2, 2, 2, 1)
	if _, err := InterpolateSlices(ctx, m, 2); err == nil {
		t.Error("a label on one slice was accepted")
	}
	if _, err := InterpolateSlices(ctx, m, -1); err == nil {
		t.Error("axis -1 was accepted")
	}
	m.Set(2, 2, 4, 1)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := InterpolateSlices(cancelled, m, 2); err != context.Canceled {
		t.Errorf("cancelled fill between slices: %v", err)
	}
}
