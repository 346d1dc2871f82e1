package register

import (
	"math"
	"testing"

	"kidney3d/pipeline/volume"
)

func TestApplyMatchesAnalyticPositions(t *testing.T) {
	// A moving image whose value is a linear function of the world
	// position, which trilinear interpolation reproduces exactly.
	f := func(y [3]float64) float64 { return 3*y[0] - 2*y[1] + 0.5*y[2] + 100 }
	moving := volume.New[float32](phantomGrid([3]int{40, 36, 30}, [3]float64{1.2, 1.2, 2}))
	for n := range moving.Data {
		i, j, k := moving.Coords(n)
		moving.Data[n] = float32(f(moving.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})))
	}
	fixed := phantomGrid([3]int{30, 30, 24}, [3]float64{1.5, 1.5, 2.2})
	tr := Transform{Rotation: [3]float64{0.02, -0.03, 0.05}, Translation: [3]float64{2.3, -1.7, 4.1}, Center: [3]float64{1, 2, 3}}
	out, err := Apply(moving, fixed, tr, volume.Linear, -1)
	if err != nil {
		t.Fatal(err)
	}
	if err := volume.SameGrid(out.Grid, fixed, volume.DefaultTolerance); err != nil {
		t.Fatal(err)
	}
	a := tr.Affine()
	inside, outside := 0, 0
	for n, got := range out.Data {
		i, j, k := fixed.Coords(n)
		y := a.Apply(fixed.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
		v, _ := moving.WorldToVoxel(y)
		in, far := true, false
		for d := range v {
			in = in && v[d] > -1e-3 && v[d] < float64(moving.Dims[d]-1)+1e-3
			far = far || v[d] < -1 || v[d] > float64(moving.Dims[d])
		}
		switch {
		case in && math.Abs(float64(got)-f(y)) > 1e-2:
			t.Fatalf("voxel (%d,%d,%d) → %v: got %g, want %g", i, j, k, y, got, f(y))
		case far && got != -1:
			t.Fatalf("voxel (%d,%d,%d) outside the moving image reads %g, not the fill", i, j, k, got)
		case in:
			inside++
		case far:
			outside++
		}
	}
	if inside == 0 || outside == 0 {
		t.Fatalf("%d voxels inside and %d outside: the test does not test", inside, outside)
	}
}

func TestApplyNearestMovesLabels(t *testing.T) {
	g := phantomGrid([3]int{20, 20, 20}, [3]float64{2, 2, 2})
	moving := volume.New[uint8](g)
	at := [3]int{10, 12, 8}
	moving.Set(at[0], at[1], at[2], 7)
	// Anatomy displaced by (4, −6, 2) mm, two voxels along each world axis.
	tr := Transform{Translation: [3]float64{4, -6, 2}}
	out, err := Apply(moving, g, tr, volume.Nearest, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := g.VoxelToWorld([3]float64{float64(at[0]), float64(at[1]), float64(at[2])})
	for d := range want {
		want[d] -= tr.Translation[d]
	}
	v, _ := g.WorldToVoxel(want)
	for n, x := range out.Data {
		i, j, k := g.Coords(n)
		hit := i == int(math.Round(v[0])) && j == int(math.Round(v[1])) && k == int(math.Round(v[2]))
		if hit != (x == 7) {
			t.Fatalf("voxel (%d,%d,%d) = %d; the label belongs at %v", i, j, k, x, v)
		}
	}
}
