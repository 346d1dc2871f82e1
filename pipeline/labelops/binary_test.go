package labelops

import (
	"strings"
	"testing"

	"kidney3d/pipeline/volume"
)

func TestCheckBinaryRejectsAnotherLabel(t *testing.T) {
	// Value 5 (artery) in a kidney_left mask (value 1).
	g := volume.Grid{Dims: [3]int{6, 6, 6}, Affine: volume.Identity}
	m := volume.New[uint8](g)
	m.Data[20] = 5
	if err := CheckBinary(m, 1); err == nil || !strings.Contains(err.Error(), "value 5") {
		t.Errorf("accepted value 5 in a kidney_left mask: %v", err)
	}
	m.Data[20] = 1
	if err := CheckBinary(m, 1); err != nil {
		t.Error(err)
	}
}

func TestCheckBinaryNamesTheFirstBadVoxel(t *testing.T) {
	g := volume.Grid{Dims: [3]int{7, 5, 3}, Affine: volume.Identity} // 105 voxels: a partial last word
	m := volume.New[uint8](g)
	for n := range m.Data {
		m.Data[n] = uint8(n % 2)
	}
	m.Data[104] = 9
	if err := CheckBinary(m, 3); err == nil || !strings.Contains(err.Error(), "(6, 4, 2)") {
		t.Errorf("value 9 in the last voxel: %v", err)
	}
	m.Data[33], m.Data[40] = 3, 8
	if err := CheckBinary(m, 3); err == nil || !strings.Contains(err.Error(), "value 8 at voxel (5, 0, 1)") {
		t.Errorf("value 8 at voxel 40: %v", err)
	}
}

func TestCount(t *testing.T) {
	m := volume.New[uint8](volume.Grid{Dims: [3]int{4, 4, 4}, Affine: volume.Identity})
	m.Data[0], m.Data[7], m.Data[63] = 1, 5, 255
	if got := Count(m); got != 3 {
		t.Errorf("Count = %d, want 3", got)
	}
}

func TestCheckBinaryPartNamesVoxelsOfTheWhole(t *testing.T) {
	g := volume.Grid{Dims: [3]int{7, 5, 3}, Affine: volume.Identity}
	m := volume.New[uint8](g)
	m.Set(5, 3, 2, 9)
	m.Set(2, 1, 1, 1)
	lo, hi, _ := volume.BoundingBox(m)
	p := volume.CropPart(g, lo, volume.Crop(m, lo, hi))
	if err := CheckBinaryPart(p, 1); err == nil || !strings.Contains(err.Error(), "value 9 at voxel (5, 3, 2)") {
		t.Errorf("value 9 at voxel (5, 3, 2): %v", err)
	}
	m.Set(5, 3, 2, 1)
	if err := CheckBinaryPart(volume.CropPart(g, lo, volume.Crop(m, lo, hi)), 1); err != nil {
		t.Error(err)
	}
}
