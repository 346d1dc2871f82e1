package mesh

import (
	"fmt"
	"strconv"
	"strings"

	"kidney3d/pipeline/labels"
)

// Settings are how one label's surface is made.
type Settings struct {
	Smoothing Smoothing
	// KeepVolume restores, after smoothing, the voxel volume of every
	// connected part of the surface.
	KeepVolume bool
	Decimation Decimation
	// Normals asks for per-vertex normals in Mesh.Normals.
	Normals bool
}

// Decimation reduces the triangle count by quadric-error edge collapses.
// The zero value does nothing.
type Decimation struct {
	// Ratio is the fraction of triangles to keep, in (0, 1); 0 means no
	// limit on the count.
	Ratio float64
	// MaxError bounds, in mm, a collapse's error: the root mean square
	// distance of the new vertex from the planes of the original triangles
	// it stands for, weighted by their areas. 0 means no bound when Ratio
	// is set, and no decimation when neither is.
	MaxError float64
}

// active reports whether d asks for any collapse.
func (d Decimation) active() bool { return d.Ratio > 0 && d.Ratio < 1 || d.MaxError > 0 }

// Profiles are the named presets of labels.MeshSettings.Profile.
var (
	// Organ is 3D Slicer's default closed surface (windowed sinc, 40
	// iterations, pass band 0.01) with the volume kept; parts that filter
	// collapses (thin vessels, ribs, islands) get Vessel's filter instead.
	Organ = Settings{Smoothing: Smoothing{Iterations: 40, PassBand: 0.01}, KeepVolume: true, Normals: true}
	// Vessel smooths less, so that thin branches keep their shape and
	// the volume correction has less to restore.
	Vessel = Settings{Smoothing: Smoothing{Iterations: 20, PassBand: 0.1}, KeepVolume: true, Normals: true}
	// Raw is the extracted surface, unsmoothed: voxel faces cut at the
	// corners.
	Raw = Settings{Normals: true}
)

// DefaultSettings are used for labels with no settings of their own.
var DefaultSettings = Organ

// Profile returns the settings of a named profile ("" is the default).
func Profile(name string) (Settings, error) {
	switch name {
	case "", "organ":
		return Organ, nil
	case "vessel":
		return Vessel, nil
	case "raw":
		return Raw, nil
	}
	return Settings{}, fmt.Errorf("mesh: unknown profile %q (want organ, vessel or raw)", name)
}

// FromLabel turns a label table entry's mesh settings into Settings: its
// profile, overridden by the fields it sets.
func FromLabel(m labels.MeshSettings) (Settings, error) {
	s, err := Profile(m.Profile)
	if err != nil {
		return Settings{}, err
	}
	if m.Iterations > 0 {
		s.Smoothing.Iterations = m.Iterations
	}
	if m.PassBand > 0 {
		s.Smoothing.PassBand = m.PassBand
	}
	if m.Decimate > 0 {
		s.Decimation.Ratio = m.Decimate
	}
	if m.MaxErrorMM > 0 {
		s.Decimation.MaxError = m.MaxErrorMM
	}
	return s, nil
}

// ParseDecimation reads a decimation target: a fraction of triangles to
// keep ("0.5"), a largest error in millimetres ("0.2mm"), both joined by a
// comma ("0.5,0.2mm"), or "" or "none" for none.
func ParseDecimation(s string) (Decimation, error) {
	var d Decimation
	if s == "" || s == "none" {
		return d, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if mm, ok := strings.CutSuffix(part, "mm"); ok {
			x, err := strconv.ParseFloat(mm, 64)
			if err != nil || x <= 0 {
				return Decimation{}, fmt.Errorf("mesh: decimation error %q: want a positive number of mm", part)
			}
			d.MaxError = x
			continue
		}
		x, err := strconv.ParseFloat(part, 64)
		if err != nil || x <= 0 || x >= 1 {
			return Decimation{}, fmt.Errorf("mesh: decimation ratio %q: want a fraction between 0 and 1, or an error like 0.2mm", part)
		}
		d.Ratio = x
	}
	return d, nil
}
