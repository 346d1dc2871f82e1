package measure

import (
	"testing"

	"kidney3d/pipeline/volume"
)

func TestFaceSideFollowsTheWorldNotTheStorage(t *testing.T) {
	for _, tc := range []struct {
		affine volume.Affine
		want   [6]string // Faces in order
	}{
		{volume.Identity, [6]string{"left", "right", "posterior", "anterior", "inferior", "superior"}},
		{volume.Affine{{-1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}, [6]string{"right", "left", "anterior", "posterior", "inferior", "superior"}},
		// Axial slices stored superior to inferior, and i, j swapped.
		{volume.Affine{{0, 0.7, 0, 0}, {0.7, 0, 0, 0}, {0, 0, -3, 0}, {0, 0, 0, 1}}, [6]string{"posterior", "anterior", "left", "right", "superior", "inferior"}},
	} {
		for f, face := range Faces {
			if got := face.Side(tc.affine); got != tc.want[f] {
				t.Errorf("%s on %v: %q, want %q", face.Describe([3]int{5, 6, 7}), tc.affine.AxisCodes(), got, tc.want[f])
			}
		}
	}
	if got := (Face{2, true}).Describe([3]int{5, 6, 7}); got != "last slice (k = 6)" {
		t.Errorf("last slice: %q", got)
	}
}

func TestEdgeVoxels(t *testing.T) {
	lab := volume.New[uint8](volume.Grid{Dims: [3]int{6, 5, 4}, Affine: volume.Identity})
	lab.Set(0, 0, 0, 1) // a corner: on three faces
	lab.Set(2, 2, 2, 2) // inside
	lab.Set(3, 4, 1, 3) // the last j face
	e := EdgeVoxels(lab)
	if e[1] != [6]int{1, 0, 1, 0, 1, 0} || e[2] != [6]int{} || e[3] != [6]int{0, 0, 0, 1, 0, 0} {
		t.Errorf("corner %v, inside %v, edge %v", e[1], e[2], e[3])
	}
	if e[0][4] != 6*5-1 {
		t.Errorf("background on the first slice: %d", e[0][4])
	}
	// A single slice: both k faces hold every voxel.
	flat := volume.New[uint8](volume.Grid{Dims: [3]int{4, 4, 1}, Affine: volume.Identity})
	flat.Set(1, 1, 0, 5)
	if e := EdgeVoxels(flat); e[5] != [6]int{0, 0, 0, 0, 1, 1} {
		t.Errorf("single slice: %v", e[5])
	}
}
