package register

import (
	"context"
	"math"
	"testing"

	"kidney3d/pipeline/volume"
)

// The transform, a world-to-world map, does not depend on how either
// phase is stored.
func TestRigidIgnoresStorageOrientation(t *testing.T) {
	fixed, moving, opts := quickPair(t)
	want, err := Rigid(context.Background(), fixed, moving, opts)
	if err != nil {
		t.Fatal(err)
	}
	all := volume.AllOrientations()
	for _, pair := range [][2]int{{7, 0}, {0, 13}, {21, 21}, {46, 30}} {
		f, m := volume.Reorient(fixed, all[pair[0]]), volume.Reorient(moving, all[pair[1]])
		got, err := Rigid(context.Background(), f, m, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !near(got.Transform, want.Transform) {
			t.Errorf("fixed stored %s, moving %s: %+v; stored RAS: %+v",
				f.Affine.AxisCodes(), m.Affine.AxisCodes(), got.Transform, want.Transform)
		}
	}
}

// near compares two transforms' parameters within 1e-9 (rad, mm).
func near(a, b Transform) bool {
	for i := range 3 {
		if math.Abs(a.Rotation[i]-b.Rotation[i]) > 1e-9 || math.Abs(a.Translation[i]-b.Translation[i]) > 1e-9 ||
			math.Abs(a.Center[i]-b.Center[i]) > 1e-9 {
			return false
		}
	}
	return true
}
