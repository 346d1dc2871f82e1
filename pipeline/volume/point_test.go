package volume

import (
	"errors"
	"testing"
)

func TestPlaneAxisAndNearestVoxel(t *testing.T) {
	// LPS-stored voxels with the slice axis first: i → S, j → L, k → P.
	aff := Affine{{0, -2, 0, 10}, {0, 0, -3, 20}, {1.5, 0, 0, -5}, {0, 0, 0, 1}}
	g := Grid{Dims: [3]int{8, 9, 10}, Affine: aff}
	for plane, want := range map[string]int{"axial": 0, "sagittal": 1, "coronal": 2} {
		if got, err := g.PlaneAxis(plane); err != nil || got != want {
			t.Errorf("PlaneAxis(%s) = %d, %v; want %d", plane, got, err, want)
		}
	}
	if _, err := g.PlaneAxis("oblique"); err == nil {
		t.Error("an unknown plane was accepted")
	}
	// voxel (3, 4, 5) is at (10-8, 20-15, -5+4.5) = (2, 5, -0.5)
	v, err := g.NearestVoxel([3]float64{2.4, 5.3, -0.2})
	if err != nil || v != [3]int{3, 4, 5} {
		t.Errorf("NearestVoxel = %v, %v; want [3 4 5]", v, err)
	}
	var out *OutsideError
	if _, err := g.NearestVoxel([3]float64{100, 0, 0}); !errors.As(err, &out) || out.Dims != g.Dims {
		t.Errorf("a point outside the image: %v, want an *OutsideError", err)
	}
}
