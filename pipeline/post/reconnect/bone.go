package reconnect

import (
	"kidney3d/pipeline/volume"
)

// BoneMask marks the voxels no bridge may cross: those of the arterial
// phase a at or above minHU (cortical bone), and those of spine when it is
// not nil.
func BoneMask(a *volume.Volume[int16], minHU float64, spine *volume.Volume[uint8]) *volume.Volume[uint8] {
	out := volume.New[uint8](a.Grid)
	for n, v := range a.Data {
		if float64(v) >= minHU || (spine != nil && spine.Data[n] != 0) {
			out.Data[n] = 1
		}
	}
	return out
}
