package volume

import (
	"fmt"
	"math"
	"sync/atomic"

	"kidney3d/nifti"
	"kidney3d/pipeline/parallel"
)

// LoadLabelMap reads a label map as uint8 voxels. A file stored in another
// type is accepted when every value is a whole number from 0 to 255.
func LoadLabelMap(path string) (*Volume[uint8], error) {
	img, err := nifti.ReadFile(path)
	if err != nil {
		return nil, err
	}
	_, isBytes := img.Data.([]uint8)
	// Bytes stored with no scaling, or the identity (slope 1, inter 0, as
	// most writers store), are the labels as they are.
	if slope, inter, scaled := img.Slope(); !isBytes || scaled && (slope != 1 || inter != 0) {
		n := img.Header.Shape()
		var bad atomic.Int64
		bad.Store(-1)
		parallel.For(n[0]*n[1]*n[2], 1<<16, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if x := img.Float64(i); x != math.Trunc(x) || x < 0 || x > 255 {
					bad.CompareAndSwap(-1, int64(i))
					return
				}
			}
		})
		if i := bad.Load(); i >= 0 {
			return nil, fmt.Errorf("%s: not a label map: voxel %d holds %g (labels are whole numbers 0-255)", path, i, img.Float64(int(i)))
		}
	}
	v, err := FromImage[uint8](img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
