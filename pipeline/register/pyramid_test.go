package register

import (
	"context"
	"math"
	"testing"

	"kidney3d/pipeline/volume"
)

func TestPlanShrinksPerAxisAndStopsAtMinSpacing(t *testing.T) {
	grid := func(sp [3]float64) volume.Grid { return phantomGrid([3]int{64, 64, 48}, sp) }
	for _, tc := range []struct {
		name    string
		spacing [3]float64
		want    [][3]int
	}{
		{"demo small", [3]float64{2.75, 2.75, 3.5}, [][3]int{{4, 4, 3}, {2, 2, 2}, {1, 1, 1}}},
		// The finest level would repeat the one before at 1.5 mm.
		{"demo full", [3]float64{0.8, 0.8, 1.5}, [][3]int{{4, 4, 2}, {2, 2, 1}}},
		{"thick slices", [3]float64{0.7, 0.7, 5}, [][3]int{{4, 4, 1}, {2, 2, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := grid(tc.spacing)
			levels := plan(g, g, DefaultOptions())
			if len(levels) != len(tc.want) {
				t.Fatalf("levels %+v, want decimations %v", levels, tc.want)
			}
			for i, lp := range levels {
				if lp.fixed != tc.want[i] || lp.moving != tc.want[i] {
					t.Errorf("level %d: %+v, want %v", i, lp, tc.want[i])
				}
			}
		})
	}
}

func TestDownsampleKeepsTheWorldGeometry(t *testing.T) {
	// A linear ramp in world space survives symmetric smoothing unchanged,
	// so each output voxel must read the ramp at its own world position,
	// wherever its Gaussian is not cut by the image's edge.
	g := phantomGrid([3]int{40, 36, 20}, [3]float64{1, 1.2, 2.5})
	ramp := func(p [3]float64) float64 { return 2*p[0] - 3*p[1] + p[2] }
	v := volume.New[int16](g)
	for n := range v.Data {
		i, j, k := g.Coords(n)
		v.Data[n] = int16(math.Round(ramp(g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))))
	}
	f := [3]int{4, 2, 1}
	out, err := downsample(context.Background(), v, f)
	if err != nil {
		t.Fatal(err)
	}
	if want := [3]int{10, 18, 20}; out.Dims != want {
		t.Fatalf("dims %v, want %v", out.Dims, want)
	}
	for n, x := range out.Data {
		i, j, k := out.Coords(n)
		if i < 2 || j < 2 || i >= out.Dims[0]-2 || j >= out.Dims[1]-2 {
			continue
		}
		want := ramp(out.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
		if math.Abs(float64(x)-want) > 0.6 {
			t.Fatalf("voxel (%d,%d,%d) = %g, want %g", i, j, k, x, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := downsample(ctx, v, f); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}

// TestCoarsenMatchesDownsample checks that a coarse level made from a finer
// one is, away from the edges where the two truncate their Gaussians
// differently, the level downsampled from the image itself.
func TestCoarsenMatchesDownsample(t *testing.T) {
	g := phantomGrid([3]int{64, 56, 40}, [3]float64{0.8, 0.8, 1.5})
	v := volume.New[int16](g)
	for n := range v.Data {
		i, j, k := g.Coords(n)
		v.Data[n] = int16(200*math.Sin(float64(i)/5)*math.Cos(float64(j)/7) + 30*math.Sin(float64(k)/3) + float64((n*7919)%61))
	}
	ctx := context.Background()
	fine, fineF := [3]int{2, 2, 1}, [3]int{4, 4, 2}
	finer, err := downsample(ctx, v, fine)
	if err != nil {
		t.Fatal(err)
	}
	want, err := downsample(ctx, v, fineF)
	if err != nil {
		t.Fatal(err)
	}
	got, err := coarsen(ctx, finer, fine, fineF)
	if err != nil {
		t.Fatal(err)
	}
	if got.Dims != want.Dims || volume.SameGrid(got.Grid, want.Grid, 1e-9) != nil {
		t.Fatalf("grid %v %v, want %v %v", got.Dims, got.Affine, want.Dims, want.Affine)
	}
	worst := 0.0
	for n, x := range got.Data {
		i, j, k := got.Coords(n)
		if i < 2 || j < 2 || k < 2 || i >= got.Dims[0]-2 || j >= got.Dims[1]-2 || k >= got.Dims[2]-2 {
			continue
		}
		worst = max(worst, math.Abs(float64(x-want.Data[n])))
	}
	// The sampled Gaussians differ from the continuous ones by a fraction of
	// a percent of the signal's range (about 500).
	if worst > 2 {
		t.Errorf("coarsened level differs from the downsampled one by up to %.3g", worst)
	}
}
