package labelops

import (
	"fmt"
	"sync"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// CheckBinary accepts a binary mask: values 0 and 1, or 0 and the label's
// own value. It scans in parallel and names the first bad voxel.
func CheckBinary(m *volume.Volume[uint8], value uint8) error {
	var mu sync.Mutex
	bad := len(m.Data)
	parallel.For(len(m.Data), 1<<16, func(lo, hi int) {
		for n, x := range m.Data[lo:hi] {
			if x != 0 && x != 1 && x != value {
				mu.Lock()
				bad = min(bad, lo+n)
				mu.Unlock()
				return
			}
		}
	})
	if bad == len(m.Data) {
		return nil
	}
	i, j, k := m.Coords(bad)
	return fmt.Errorf("value %d at voxel (%d, %d, %d) is neither 0, 1 nor the label's value %d: not a binary mask of this label", m.Data[bad], i, j, k, value)
}
