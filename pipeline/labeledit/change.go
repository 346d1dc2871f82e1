package labeledit

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"kidney3d/pipeline/volume"
)

// Step sets the voxels of Region (nonzero voxels of a mask on the label
// map's grid) to Value.
type Step struct {
	Region *volume.Part[uint8]
	Value  uint8
}

// Change is what a tool wants done: its steps in order, a later step
// winning where two cover the same voxel. A Change with no step changes
// nothing.
type Change struct {
	Steps []Step
}

// set appends the step "Region to value"; an empty region is dropped.
func (c *Change) set(region *volume.Part[uint8], value uint8) {
	if region != nil && region.Box != nil && region.Box.Len() > 0 {
		c.Steps = append(c.Steps, Step{Region: region, Value: value})
	}
}

// Area is where a tool may change voxels (Mask.Area).
type Area int

// The editable areas, as 3D Slicer's Segment Editor masking offers them.
const (
	Everywhere  Area = iota // any voxel
	InsideLabel             // only voxels holding Mask.AreaLabel
	OutsideAll              // only background voxels (value 0)
)

// Overwrite says which labels a painting step may replace (Mask.Overwrite).
type Overwrite int

// The overwrite rules: a step that sets a label may replace the listed
// labels; erasing (setting 0) is not limited by them.
const (
	OverwriteAll    Overwrite = iota // any label
	OverwriteNone                    // only background
	OverwriteListed                  // background and Mask.Overwritable
)

// Mask limits every tool, as the editor's masking panel does. The zero
// Mask edits everywhere, at any intensity, overwriting any label.
type Mask struct {
	Area      Area
	AreaLabel uint8 // the label of InsideLabel; its voxels may be overwritten
	// HU, when set, limits edits to voxels whose intensity lies in
	// [HU[0], HU[1]] (Apply then needs the intensity volume).
	HU           *[2]float64
	Overwrite    Overwrite
	Overwritable []uint8 // the labels of OverwriteListed
}

// allows reports whether the mask lets voxel n, holding cur, take value v.
func (m *Mask) allows(cur, v uint8, hu *volume.Volume[int16], n int) bool {
	switch m.Area {
	case InsideLabel:
		if cur != m.AreaLabel {
			return false
		}
	case OutsideAll:
		if cur != 0 {
			return false
		}
	}
	if m.HU != nil {
		if x := float64(hu.Data[n]); x < m.HU[0] || x > m.HU[1] {
			return false
		}
	}
	if v == 0 || cur == 0 || (m.Area == InsideLabel && cur == m.AreaLabel) {
		return true
	}
	switch m.Overwrite {
	case OverwriteNone:
		return false
	case OverwriteListed:
		return slices.Contains(m.Overwritable, cur)
	}
	return true
}

// ErrTooLarge is the error of a label map with more voxels than a Delta
// can index (2³² − 1).
var ErrTooLarge = errors.New("labeledit: the label map has more than 4294967295 voxels")

// Apply writes c into lm under the mask and returns what it changed.
// intensity is the shown phase on lm's grid, needed when the mask has an
// intensity range (nil otherwise). Voxels already holding the wanted value
// are not changed and not recorded. Every region must be on lm's grid.
func Apply(lm *volume.Volume[uint8], c *Change, m Mask, intensity *volume.Volume[int16]) (*Delta, error) {
	if lm.Len() > math.MaxUint32 {
		return nil, ErrTooLarge
	}
	if m.HU != nil {
		if intensity == nil {
			return nil, errors.New("labeledit: an intensity range needs the intensity volume")
		}
		if intensity.Dims != lm.Dims {
			return nil, fmt.Errorf("labeledit: intensity volume %v is not on the label map's grid %v", intensity.Dims, lm.Dims)
		}
	}
	lo, hi, ok := c.box()
	if !ok {
		return &Delta{}, nil
	}
	for _, s := range c.Steps {
		if s.Region.Dims != lm.Dims {
			return nil, fmt.Errorf("labeledit: region on a %v grid, label map %v", s.Region.Dims, lm.Dims)
		}
	}
	var b deltaBuilder
	row := make([]int16, hi[0]-lo[0]) // per voxel of a row: the value wanted, or -1
	for k := lo[2]; k < hi[2]; k++ {
		for j := lo[1]; j < hi[1]; j++ {
			if !c.targets(row, lo[0], j, k) {
				continue
			}
			at := lm.Index(lo[0], j, k)
			for x, t := range row {
				n := at + x
				if cur, v := lm.Data[n], uint8(t); t >= 0 && cur != v && m.allows(cur, v, intensity, n) {
					b.add(uint32(n), cur, v)
				}
			}
		}
	}
	d := b.delta()
	d.Redo(lm)
	return d, nil
}

// box is the union of the steps' boxes.
func (c *Change) box() (lo, hi [3]int, ok bool) {
	for _, s := range c.Steps {
		for a := range 3 {
			l, h := s.Region.Lo[a], s.Region.Lo[a]+s.Region.Box.Dims[a]
			if !ok || l < lo[a] {
				lo[a] = l
			}
			if !ok || h > hi[a] {
				hi[a] = h
			}
		}
		ok = true
	}
	return lo, hi, ok
}

// targets fills row, the voxels of row (j, k) from x0 on, with the value
// the last step covering each wants there, or -1; it reports whether any
// step covers one.
func (c *Change) targets(row []int16, x0, j, k int) bool {
	for x := range row {
		row[x] = -1
	}
	any := false
	for _, s := range c.Steps {
		r := s.Region
		y, z := j-r.Lo[1], k-r.Lo[2]
		if y < 0 || z < 0 || y >= r.Box.Dims[1] || z >= r.Box.Dims[2] {
			continue
		}
		at := r.Box.Index(0, y, z)
		off := r.Lo[0] - x0
		for x, v := range r.Box.Data[at : at+r.Box.Dims[0]] {
			if v != 0 {
				row[off+x] = int16(s.Value)
				any = true
			}
		}
	}
	return any
}
