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
