package measure

import (
	"math"
	"testing"

	"kidney3d/pipeline/volume"
)

func TestMaxDiameterOfBoxAndSphere(t *testing.T) {
	g := volume.Grid{Dims: [3]int{60, 60, 40}, Affine: volume.Affine{{-0.8, 0, 0, 10}, {0, 0.8, 0, -5}, {0, 0, 1.5, 3}, {0, 0, 0, 1}}}
	lab := volume.New[uint8](g)
	// A box of 10×20×8 voxels: its diagonal is the diameter.
	for k := 5; k < 13; k++ {
		for j := 10; j < 30; j++ {
			for i := 3; i < 13; i++ {
				lab.Set(i, j, k, 3)
			}
		}
	}
	want := math.Sqrt(8*8 + 16*16 + 12*12)
	if got := MaxDiameter(lab, 3); math.Abs(got-want) > 0.001*want {
		t.Errorf("box: got %.3f mm, want %.3f", got, want)
	}
	// A sphere of radius 12 mm: the voxel cubes reach past it by at most
	// one voxel diagonal.
	c := [3]float64{30, 30, 25}
	for n := range lab.Data {
		i, j, k := g.Coords(n)
		d := [3]float64{(float64(i) - c[0]) * 0.8, (float64(j) - c[1]) * 0.8, (float64(k) - c[2]) * 1.5}
		if math.Sqrt(d[0]*d[0]+d[1]*d[1]+d[2]*d[2]) <= 12 {
			lab.Data[n] = 4
		}
	}
	diag := math.Sqrt(0.8*0.8 + 0.8*0.8 + 1.5*1.5)
	if got := MaxDiameter(lab, 4); got < 24 || got > 24+diag {
		t.Errorf("sphere: got %.2f mm, want 24 to %.2f", got, 24+diag)
	}
	if got := MaxDiameter(lab, 9); got != 0 {
		t.Errorf("absent label: %g", got)
	}
	c3 := Counts(lab)
	if c3[3] == 0 || c3[4] == 0 || c3[0]+c3[3]+c3[4] != g.Len() {
		t.Errorf("counts %d %d %d", c3[0], c3[3], c3[4])
	}
}
