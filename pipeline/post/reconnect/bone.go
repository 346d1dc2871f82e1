package reconnect

import (
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/post/internal/hu"
	"kidney3d/pipeline/volume"
)

// BoneMask marks the voxels no bridge may cross: those of the arterial
// phase a at or above minHU (cortical bone), and those of spine when it is
// not nil. It scans in parallel.
func BoneMask(a *volume.Volume[int16], minHU float64, spine *volume.Volume[uint8]) *volume.Volume[uint8] {
	out := volume.New[uint8](a.Grid)
	t := hu.Ceil(minHU)
	parallel.For(len(a.Data), 1<<16, func(lo, hi int) {
		dst := out.Data[lo:hi]
		for n, v := range a.Data[lo:hi] {
			if int(v) >= t {
				dst[n] = 1
			}
		}
		if spine != nil {
			for n, v := range spine.Data[lo:hi] {
				if v != 0 {
					dst[n] = 1
				}
			}
		}
	})
	return out
}
