package labels

import (
	"fmt"

	"kidney3d/pipeline/limits"
)

// MeshSettings are a label's surface settings (see pipeline/mesh). Fields
// left at zero take the profile's values.
type MeshSettings struct {
	// Profile names a preset of the mesher: "organ" (3D Slicer's smoothing,
	// the default), "vessel" (lighter smoothing for thin branches) or "raw"
	// (no smoothing). Every profile but raw keeps the voxel volume.
	Profile string `yaml:"profile"`
	// Iterations is the windowed-sinc filter's order (number of passes).
	Iterations int `yaml:"iterations"`
	// PassBand is the filter's pass band, in (0, 2]; lower is smoother.
	PassBand float64 `yaml:"passband"`
	// Decimate is the fraction of triangles to keep, in (0, 1).
	Decimate float64 `yaml:"decimate"`
	// MaxErrorMM bounds how far decimation may move the surface, in mm.
	MaxErrorMM float64 `yaml:"max_error_mm"`
}

func (m MeshSettings) validate() error {
	switch m.Profile {
	case "", "organ", "vessel", "raw":
	default:
		return fmt.Errorf("unknown profile %s (want organ, vessel or raw)", limits.Quote(m.Profile))
	}
	switch {
	case m.Iterations < 0 || m.Iterations > 1000:
		return fmt.Errorf("iterations %d outside 0-1000", m.Iterations)
	case m.PassBand < 0 || m.PassBand > 2:
		return fmt.Errorf("passband %g outside 0-2", m.PassBand)
	case m.Decimate < 0 || m.Decimate >= 1:
		return fmt.Errorf("decimate %g: want a fraction of triangles to keep, below 1", m.Decimate)
	case m.MaxErrorMM < 0:
		return fmt.Errorf("max_error_mm %g is negative", m.MaxErrorMM)
	}
	return nil
}
