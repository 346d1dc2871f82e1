package segtools

import (
	"context"
	"testing"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

// screenRect is the polygon of the screen rectangle [x0, x1]×[y0, y1].
func screenRect(x0, y0, x1, y1 float64) [][2]float64 {
	return [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func TestScissorsOrthographic(t *testing.T) {
	ctx := context.Background()
	// 20³ voxels of 1 mm, centres at -9.5 … 9.5 mm
	g := grid1mm([3]int{20, 20, 20}, [3]float64{-9.5, -9.5, -9.5})
	// glOrtho(-10, 10, -10, 10, -10, 10) looking down -z: ndc = (x/10,
	// y/10, -z/10); a 200-pixel viewport: screen x = 10x+100, y = 100-10y
	view := View{
		ViewProj: [4][4]float64{{0.1, 0, 0, 0}, {0, 0.1, 0, 0}, {0, 0, -0.1, 0}, {0, 0, 0, 1}},
		Viewport: [4]float64{0, 0, 200, 200},
	}
	// x in [0, 5], y in [0, 5] mm: 5×5 columns of 20 voxels
	poly := screenRect(100, 50, 150, 100)
	cases := []struct {
		name string
		cut  Cut
		want int
	}{
		{"inside", Cut{}, 500},
		{"outside", Cut{Outside: true}, 8000 - 500},
		{"inside, near half", Cut{Slab: &[2]float64{0, 0.5}}, 250}, // depth (1-z/10)/2 ≤ ½: z ≥ 0
	}
	for _, c := range cases {
		m, err := Scissors(ctx, g, view, poly, c.cut)
		if err != nil {
			t.Fatal(err)
		}
		if got := labelops.Count(m); got != c.want {
			t.Errorf("%s: %d voxels, want %d", c.name, got, c.want)
		}
	}
	m, _ := Scissors(ctx, g, view, poly, Cut{})
	// voxel (10, 10, k) is at (0.5, 0.5); (14, 14) at (4.5, 4.5); (15, 10) at 5.5
	if m.At(10, 10, 0) != 1 || m.At(14, 14, 19) != 1 || m.At(15, 10, 3) != 0 || m.At(9, 10, 3) != 0 {
		t.Error("orthographic scissors selected the wrong columns")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Scissors(cancelled, g, view, poly, Cut{}); err != context.Canceled {
		t.Errorf("cancelled scissors: %v", err)
	}
	if _, err := Scissors(ctx, g, View{ViewProj: view.ViewProj}, poly, Cut{}); err == nil {
		t.Error("an empty viewport was accepted")
	}
	if _, err := Scissors(ctx, g, view, poly, Cut{Slab: &[2]float64{0.6, 0.4}}); err == nil {
		t.Error("an empty slab was accepted")
	}
}

func TestScissorsPerspective(t *testing.T) {
	ctx := context.Background()
	g := grid1mm([3]int{20, 20, 20}, [3]float64{-9.5, -9.5, -9.5})
	// eye at (0, 0, 50) looking down -z; gluPerspective(90°, 1, 1, 100)
	near, far := 1.0, 100.0
	proj := volume.Affine{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, (far + near) / (near - far), 2 * far * near / (near - far)}, {0, 0, -1, 0}}
	viewM := volume.Identity.Translated([3]float64{0, 0, -50})
	view := View{ViewProj: proj.Mul(viewM), Viewport: [4]float64{0, 0, 200, 200}}
	// ndc x, y in [0, 0.1]: the voxels with 0 ≤ x ≤ (50-z)/10, same for y.
	// For z -9.5…-5.5 that bound is 5.95…5.55 (6 centres per side), for
	// -4.5…4.5 it is 5.45…4.55 (5), for 5.5…9.5 4.45…4.05 (4):
	// 5·36 + 10·25 + 5·16 = 510.
	m, err := Scissors(ctx, g, view, screenRect(100, 90, 110, 100), Cut{})
	if err != nil {
		t.Fatal(err)
	}
	if got := labelops.Count(m); got != 510 {
		t.Errorf("perspective: %d voxels, want 510", got)
	}
	if m.At(15, 15, 0) != 1 || m.At(15, 15, 10) != 0 || m.At(14, 14, 19) != 0 || m.At(13, 13, 19) != 1 {
		t.Error("perspective scissors selected the wrong voxels")
	}
	// an eye inside the volume: what lies behind it is never selected
	inside := View{ViewProj: proj.Mul(volume.Identity), Viewport: view.Viewport}
	m, _ = Scissors(ctx, g, inside, screenRect(-1e6, -1e6, 1e6, 1e6), Cut{})
	if got := labelops.Count(m); got != 20*20*10 {
		t.Errorf("eye at the centre: %d voxels in front, want %d", got, 20*20*10)
	}
}
