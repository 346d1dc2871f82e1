package volume

import (
	"fmt"
	"math"
	"strings"
)

// OutsideError is the error of a world point outside a grid's voxels.
type OutsideError struct {
	Point [3]float64 // RAS mm
	Voxel [3]float64 // continuous voxel coordinates
	Dims  [3]int
}

func (e *OutsideError) Error() string {
	return fmt.Sprintf("point (%.1f, %.1f, %.1f) mm RAS is outside the image (voxel (%.1f, %.1f, %.1f) of %v)",
		e.Point[0], e.Point[1], e.Point[2], e.Voxel[0], e.Voxel[1], e.Voxel[2], e.Dims)
}

// NearestVoxel is the voxel whose centre is nearest to the world point p
// (RAS mm), or an *OutsideError when p lies outside the grid's voxels
// (more than half a voxel beyond an edge voxel's centre).
func (g Grid) NearestVoxel(p [3]float64) ([3]int, error) {
	c, err := g.WorldToVoxel(p)
	if err != nil {
		return [3]int{}, err
	}
	var v [3]int
	for a := range 3 {
		v[a] = int(math.Round(c[a]))
		if math.IsNaN(c[a]) || c[a] < -0.5 || c[a] >= float64(g.Dims[a])-0.5 {
			return v, &OutsideError{Point: p, Voxel: c, Dims: g.Dims}
		}
	}
	return v, nil
}

// planeNormals names the slice views by the world axis normal to them, as
// Affine.AxisCodes names the axes: axial slices stack along S–I, coronal
// along A–P, sagittal along R–L.
var planeNormals = map[string]string{"axial": "SI", "coronal": "AP", "sagittal": "RL"}

// PlaneAxis is the voxel axis closest to the normal of a slice view
// ("axial", "coronal" or "sagittal"): that view's slices are the voxel
// planes across it, whatever the storage orientation.
func (g Grid) PlaneAxis(plane string) (int, error) {
	normal, ok := planeNormals[plane]
	if !ok {
		return 0, fmt.Errorf("plane %q: want axial, coronal or sagittal", plane)
	}
	codes := g.Affine.AxisCodes()
	if a := strings.IndexAny(codes, normal); a >= 0 {
		return a, nil
	}
	return 0, fmt.Errorf("plane %q: no voxel axis of %s points that way", plane, codes)
}
