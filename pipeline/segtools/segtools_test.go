package segtools

import (
	"context"
	"math"
	"testing"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

// grid1mm is an n-voxel grid of 1 mm voxels whose first voxel centre is at
// origin.
func grid1mm(dims [3]int, origin [3]float64) volume.Grid {
	return volume.Grid{Dims: dims, Affine: volume.Identity.Translated(origin)}
}

// dice is 2|a∩b| / (|a|+|b|) of two masks.
func dice(a, b *volume.Volume[uint8]) float64 {
	both, na, nb := 0, 0, 0
	for n := range a.Data {
		x, y := a.Data[n] != 0, b.Data[n] != 0
		if x {
			na++
		}
		if y {
			nb++
		}
		if x && y {
			both++
		}
	}
	return 2 * float64(both) / float64(na+nb)
}

func TestSliceAt(t *testing.T) {
	// LPS-stored voxels with the slice axis first: i → S, j → L, k → P;
	// voxel (3, 4, 5) is at (2, 5, -0.5).
	aff := volume.Affine{{0, -2, 0, 10}, {0, 0, -3, 20}, {1.5, 0, 0, -5}, {0, 0, 0, 1}}
	g := volume.Grid{Dims: [3]int{8, 9, 10}, Affine: aff}
	s, err := SliceAt(g, 2, [3]float64{2.4, 5.3, -0.2})
	if err != nil || s != (Slice{2, 5}) {
		t.Errorf("SliceAt = %v, %v", s, err)
	}
}

func TestFloodFill(t *testing.T) {
	ctx := context.Background()
	img := volume.New[int16](grid1mm([3]int{10, 10, 10}, [3]float64{}))
	volumetest.Box(img, [3]int{2, 2, 2}, [3]int{6, 6, 6}, 100) // 64 voxels
	img.Set(6, 6, 6, 120)                                      // touches the cube's corner only
	img.Set(8, 8, 8, 100)                                      // apart
	seed := [3]int{3, 3, 3}
	within := volume.New[uint8](img.Grid)
	volumetest.Box(within, [3]int{0, 0, 0}, [3]int{4, 10, 10}, 1)
	cases := []struct {
		name string
		seed [3]int
		o    FillOptions
		want int
	}{
		{"3D face", seed, FillOptions{Lo: 50, Hi: 150, Conn: labelops.Face}, 64},
		{"3D full", seed, FillOptions{Lo: 50, Hi: 150, Conn: labelops.Full}, 65},
		{"3D full, range excludes 120", seed, FillOptions{Lo: 50, Hi: 110, Conn: labelops.Full}, 64},
		{"3D within", seed, FillOptions{Lo: 50, Hi: 150, Conn: labelops.Full, Within: within}, 2 * 4 * 4},
		{"2D axial", seed, FillOptions{Lo: 50, Hi: 150, Conn: labelops.Full, Slice: &Slice{2, 3}}, 16},
		{"2D corner slice", [3]int{5, 5, 5}, FillOptions{Lo: 50, Hi: 150, Conn: labelops.Full, Slice: &Slice{0, 5}}, 16},
		{"seed outside range", seed, FillOptions{Lo: 150, Hi: 200, Conn: labelops.Full}, 0},
		{"background", [3]int{0, 0, 0}, FillOptions{Lo: -10, Hi: 10, Conn: labelops.Face}, 1000 - 66},
	}
	for _, c := range cases {
		m, err := FloodFill(ctx, img, c.seed, c.o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := labelops.Count(m); got != c.want {
			t.Errorf("%s: %d voxels, want %d", c.name, got, c.want)
		}
	}
	if m, _ := FloodFill(ctx, img, seed, FillOptions{Lo: 50, Hi: 150, Slice: &Slice{2, 3}}); m.At(2, 2, 3) != 1 || m.At(5, 5, 3) != 1 || m.At(6, 5, 3) != 0 || m.At(3, 3, 4) != 0 {
		t.Error("2D fill holds the wrong voxels")
	}
	for name, o := range map[string]FillOptions{
		"empty range":    {Lo: 5, Hi: 1},
		"seed off slice": {Lo: 0, Hi: 1, Slice: &Slice{2, 4}},
		"slice off grid": {Lo: 0, Hi: 1, Slice: &Slice{2, 10}},
		"area's dims":    {Lo: 0, Hi: 1, Within: volume.New[uint8](grid1mm([3]int{3, 3, 3}, [3]float64{}))},
		"NaN bound":      {Lo: math.NaN(), Hi: 1},
	} {
		if _, err := FloodFill(ctx, img, seed, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := FloodFill(ctx, img, [3]int{10, 0, 0}, FillOptions{Hi: 1}); err == nil {
		t.Error("a seed outside the image was accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FloodFill(cancelled, img, seed, FillOptions{Lo: 50, Hi: 150}); err != context.Canceled {
		t.Errorf("cancelled fill: %v", err)
	}
}

func TestLevelTrace(t *testing.T) {
	ctx := context.Background()
	img := volume.New[int16](grid1mm([3]int{9, 9, 3}, [3]float64{}))
	// a square ring of 100 around a hole of 0 on slice 1, a brighter
	// patch on it, and a diagonal neighbour
	volumetest.Box(img, [3]int{2, 2, 1}, [3]int{7, 7, 2}, 100)
	img.Set(4, 4, 1, 0)
	img.Set(6, 6, 1, 300)
	img.Set(7, 7, 1, 100)
	m, err := LevelTrace(ctx, img, [3]int{2, 4, 1}, Slice{2, 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := labelops.Count(m); got != 26 || m.At(4, 4, 1) != 1 || m.At(7, 7, 1) != 1 {
		t.Errorf("level trace: %d voxels (hole %d, diagonal %d), want 26 with both", got, m.At(4, 4, 1), m.At(7, 7, 1))
	}
	// at the bright patch's level only the patch is at or above it
	if m, _ := LevelTrace(ctx, img, [3]int{6, 6, 1}, Slice{2, 1}); labelops.Count(m) != 1 {
		t.Errorf("level trace at the patch: %d voxels, want 1", labelops.Count(m))
	}
	if _, err := LevelTrace(ctx, img, [3]int{2, 4, 1}, Slice{2, 0}); err == nil {
		t.Error("a seed off the slice was accepted")
	}
	// a ramp along i: the region at the seed's level is every column from
	// the seed's on
	ramp := volume.New[float32](grid1mm([3]int{10, 10, 1}, [3]float64{}))
	for n := range ramp.Data {
		i, _, _ := ramp.Coords(n)
		ramp.Data[n] = float32(i) * 10
	}
	if m, _ := LevelTrace(ctx, ramp, [3]int{3, 5, 0}, Slice{2, 0}); labelops.Count(m) != 70 {
		t.Errorf("level trace on a ramp: %d voxels, want 70", labelops.Count(m))
	}
}
