package labelops

import (
	"testing"

	"kidney3d/pipeline/volume"
)

func TestCount(t *testing.T) {
	m := volume.New[uint8](volume.Grid{Dims: [3]int{4, 4, 4}, Affine: volume.Identity})
	m.Data[0], m.Data[7], m.Data[63] = 1, 5, 255
	if got := Count(m); got != 3 {
		t.Errorf("Count = %d, want 3", got)
	}
}
