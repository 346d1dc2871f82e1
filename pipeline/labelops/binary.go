package labelops

import "kidney3d/pipeline/volume"

// Count is the number of voxels set (nonzero) in a mask.
func Count(m *volume.Volume[uint8]) int {
	n := 0
	for _, v := range m.Data {
		if v != 0 {
			n++
		}
	}
	return n
}
