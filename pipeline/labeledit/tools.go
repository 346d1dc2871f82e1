package labeledit

import (
	"fmt"
	"math"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

// Paint sets the region to label (the paint brush, the draw tool).
func Paint(region *volume.Part[uint8], label uint8) *Change {
	var c Change
	c.set(region, label)
	return &c
}

// Erase sets to background the voxels of the region that hold label, or
// every labelled voxel of the region when label is 0 (the eraser).
func Erase(lm *volume.Volume[uint8], region *volume.Part[uint8], label uint8) *Change {
	out := volume.New[uint8](region.Box.Grid)
	lo := region.Lo
	for k := range out.Dims[2] {
		for j := range out.Dims[1] {
			for i := range out.Dims[0] {
				cur := lm.At(lo[0]+i, lo[1]+j, lo[2]+k)
				if region.Box.At(i, j, k) != 0 && cur != 0 && (label == 0 || cur == label) {
					out.Set(i, j, k, 1)
				}
			}
		}
	}
	var c Change
	c.set(volume.CropPart(lm.Grid, lo, out), 0)
	return &c
}

// Threshold paints label on every voxel whose intensity lies in [lo, hi]
// (the threshold tool), within region when it is not nil.
func Threshold(intensity *volume.Volume[int16], lo, hi float64, label uint8, region *volume.Part[uint8]) (*Change, error) {
	if !(lo <= hi) {
		return nil, fmt.Errorf("threshold range [%g, %g] is empty", lo, hi)
	}
	g := intensity.Grid
	first, box := [3]int{}, g
	if region != nil {
		first, box = region.Lo, region.Box.Grid
	}
	out := volume.New[uint8](box)
	for k := range box.Dims[2] {
		for j := range box.Dims[1] {
			at, src := out.Index(0, j, k), intensity.Index(first[0], first[1]+j, first[2]+k)
			for i, x := range intensity.Data[src : src+box.Dims[0]] {
				if inside := region == nil || region.Box.Data[at+i] != 0; inside && float64(x) >= lo && float64(x) <= hi {
					out.Data[at+i] = 1
				}
			}
		}
	}
	var c Change
	c.set(volume.CropPart(g, first, out), label)
	return &c, nil
}

// labelPart is the binary mask of label's voxels in lm, cropped to their
// bounding box grown by margin voxels per axis; ok is false when lm holds
// no voxel of label.
func labelPart(lm *volume.Volume[uint8], label uint8, margin [3]int) (*volume.Part[uint8], bool) {
	lo, hi := lm.Dims, [3]int{}
	for k := range lm.Dims[2] {
		for j := range lm.Dims[1] {
			at := lm.Index(0, j, k)
			for i, v := range lm.Data[at : at+lm.Dims[0]] {
				if v == label {
					lo = [3]int{min(lo[0], i), min(lo[1], j), min(lo[2], k)}
					hi = [3]int{max(hi[0], i+1), max(hi[1], j+1), max(hi[2], k+1)}
				}
			}
		}
	}
	if hi[0] == 0 {
		return nil, false
	}
	lo, hi = volume.GrowBox(lm.Grid, lo, hi, margin)
	box := volume.Crop(lm, lo, hi)
	for n, v := range box.Data {
		box.Data[n] = 0
		if v == label {
			box.Data[n] = 1
		}
	}
	return volume.CropPart(lm.Grid, lo, box), true
}

// diff sets, within part's box, the voxels in want but not in have to
// label and those in have but not in want to background.
func diff(part *volume.Part[uint8], want *volume.Volume[uint8], label uint8) *Change {
	add := volume.New[uint8](want.Grid)
	del := volume.New[uint8](want.Grid)
	for n, h := range part.Box.Data {
		switch w := want.Data[n] != 0; {
		case w && h == 0:
			add.Data[n] = 1
		case !w && h != 0:
			del.Data[n] = 1
		}
	}
	var c Change
	c.set(volume.CropPart(part.Grid, part.Lo, del), 0)
	c.set(volume.CropPart(part.Grid, part.Lo, add), label)
	return &c
}

// NoLabelError is the error of a tool asked to work on a label that the
// label map does not hold.
type NoLabelError struct{ Label uint8 }

func (e *NoLabelError) Error() string {
	return fmt.Sprintf("the label map holds no voxel of label %d", e.Label)
}

// IslandMode is what the islands tool does with a label's connected
// components (26-connected).
type IslandMode string

// The islands tool's modes, as 3D Slicer's.
const (
	KeepLargest IslandMode = "keep_largest" // erase all but the largest
	RemoveSmall IslandMode = "remove_small" // erase those under a volume
	KeepClicked IslandMode = "keep_clicked" // erase all but the one at a voxel
	Split       IslandMode = "split"        // move the one at a voxel to another label
)

// Islands is the islands tool on label: minMM3 is RemoveSmall's volume,
// at the voxel of KeepClicked and Split, to Split's new label.
func Islands(lm *volume.Volume[uint8], label uint8, mode IslandMode, minMM3 float64, at [3]int, to uint8) (*Change, error) {
	part, ok := labelPart(lm, label, [3]int{})
	if !ok {
		return nil, &NoLabelError{label}
	}
	var want *volume.Volume[uint8]
	switch mode {
	case KeepLargest:
		want = labelops.Largest(part.Box, labelops.Full)
	case RemoveSmall:
		if !(minMM3 >= 0) {
			return nil, fmt.Errorf("islands: min_mm3 %g must be 0 or more", minMM3)
		}
		want, _ = labelops.RemoveSmall(part.Box, labelops.Full, minMM3)
	case KeepClicked, Split:
		comps, _ := labelops.Components(part.Box, labelops.Full)
		x, y, z := at[0]-part.Lo[0], at[1]-part.Lo[1], at[2]-part.Lo[2]
		if !comps.Contains(x, y, z) || comps.At(x, y, z) == 0 {
			return nil, fmt.Errorf("islands: voxel %v is not in label %d", at, label)
		}
		id := comps.At(x, y, z)
		want = volume.New[uint8](part.Box.Grid)
		for n, c := range comps.Data {
			if c == id {
				want.Data[n] = 1
			}
		}
		if mode == Split {
			var c Change
			c.set(volume.CropPart(lm.Grid, part.Lo, want), to)
			return &c, nil
		}
	default:
		return nil, fmt.Errorf("islands: unknown mode %q (want keep_largest, remove_small, keep_clicked or split)", mode)
	}
	return diff(part, want, label), nil
}

// Margin grows label by mm millimetres, or shrinks it when mm is
// negative (the margin tool).
func Margin(lm *volume.Volume[uint8], label uint8, mm float64) (*Change, error) {
	if !(math.Abs(mm) <= MaxRadiusMM) {
		return nil, fmt.Errorf("margin %g mm: must be a number from -%d to %d", mm, MaxRadiusMM, MaxRadiusMM)
	}
	part, ok := labelPart(lm, label, labelops.Margin(lm.Grid, math.Abs(mm)))
	if !ok {
		return nil, &NoLabelError{label}
	}
	var want *volume.Volume[uint8]
	switch {
	case mm > 0:
		want = labelops.Dilate(part.Box, mm)
	case mm < 0:
		want = labelops.Erode(part.Box, -mm)
	default:
		return &Change{}, nil
	}
	return diff(part, want, label), nil
}

// Hollow replaces label by its shell of thickness mm inside its surface
// (the hollow tool).
func Hollow(lm *volume.Volume[uint8], label uint8, mm float64) (*Change, error) {
	if err := checkRadius(mm); err != nil {
		return nil, fmt.Errorf("hollow: thickness: %w", err)
	}
	part, ok := labelPart(lm, label, [3]int{1, 1, 1})
	if !ok {
		return nil, &NoLabelError{label}
	}
	core := labelops.Erode(part.Box, mm)
	want := part.Box.Clone()
	for n, c := range core.Data {
		if c != 0 {
			want.Data[n] = 0
		}
	}
	return diff(part, want, label), nil
}

// SmoothMethod is the smoothing tool's filter.
type SmoothMethod string

// The smoothing filters, with a kernel of radius mm.
const (
	Median  SmoothMethod = "median"  // the majority of a ball around each voxel
	Opening SmoothMethod = "opening" // erode then dilate: removes thin spurs
	Closing SmoothMethod = "closing" // dilate then erode: fills small gaps
)

// Smooth smooths label with a ball of radius mm (the smoothing tool).
func Smooth(lm *volume.Volume[uint8], label uint8, method SmoothMethod, mm float64) (*Change, error) {
	if err := checkRadius(mm); err != nil {
		return nil, fmt.Errorf("smooth: %w", err)
	}
	margin := labelops.Margin(lm.Grid, mm)
	for a := range margin {
		margin[a] = 2*margin[a] + 1
	}
	part, ok := labelPart(lm, label, margin)
	if !ok {
		return nil, &NoLabelError{label}
	}
	var want *volume.Volume[uint8]
	switch method {
	case Median:
		want = median(part.Box, mm)
	case Opening:
		want = labelops.Dilate(labelops.Erode(part.Box, mm), mm)
	case Closing:
		want = labelops.Erode(labelops.Dilate(part.Box, mm), mm)
	default:
		return nil, fmt.Errorf("smooth: unknown method %q (want median, opening or closing)", method)
	}
	return diff(part, want, label), nil
}

// median is the binary median of m over a ball of radius mm: a voxel is
// inside when more than half of the ball's voxels around it are, voxels
// beyond the grid counting as outside.
func median(m *volume.Volume[uint8], mm float64) *volume.Volume[uint8] {
	sp := m.Spacing()
	var offs [][3]int
	r := labelops.Margin(m.Grid, mm)
	for z := -r[2]; z <= r[2]; z++ {
		for y := -r[1]; y <= r[1]; y++ {
			for x := -r[0]; x <= r[0]; x++ {
				dx, dy, dz := float64(x)*sp[0], float64(y)*sp[1], float64(z)*sp[2]
				if dx*dx+dy*dy+dz*dz <= mm*mm*(1+1e-9) {
					offs = append(offs, [3]int{x, y, z})
				}
			}
		}
	}
	out := volume.New[uint8](m.Grid)
	for n := range m.Data {
		i, j, k := m.Coords(n)
		in := 0
		for _, o := range offs {
			if x, y, z := i+o[0], j+o[1], k+o[2]; m.Contains(x, y, z) && m.At(x, y, z) != 0 {
				in++
			}
		}
		if 2*in > len(offs) {
			out.Data[n] = 1
		}
	}
	return out
}

// LogicalOp is a logical operator between labels.
type LogicalOp string

// The logical operators, as 3D Slicer's, on label b with the region of
// label a in an operand map (the label map itself, or a saved version):
const (
	Copy      LogicalOp = "copy"      // b becomes a's region
	Add       LogicalOp = "add"       // b gains a's region
	Subtract  LogicalOp = "subtract"  // b loses a's region
	Intersect LogicalOp = "intersect" // b keeps only a's region
	Invert    LogicalOp = "invert"    // b becomes every voxel b was not (a unused)
)

// Logical applies op to label b of lm with operand label a of the map
// operand (lm itself, or another map on its grid, such as a saved version).
func Logical(lm, operand *volume.Volume[uint8], op LogicalOp, a, b uint8) (*Change, error) {
	if operand.Dims != lm.Dims {
		return nil, fmt.Errorf("logical: operand map %v is not on the label map's grid %v", operand.Dims, lm.Dims)
	}
	whole := volume.WholePart(volume.New[uint8](lm.Grid))
	have := whole.Box
	want := volume.New[uint8](lm.Grid)
	for n, v := range lm.Data {
		inB, inA := v == b, operand.Data[n] == a
		if inB {
			have.Data[n] = 1
		}
		var w bool
		switch op {
		case Copy:
			w = inA
		case Add:
			w = inB || inA
		case Subtract:
			w = inB && !inA
		case Intersect:
			w = inB && inA
		case Invert:
			w = !inB
		default:
			return nil, fmt.Errorf("logical: unknown operator %q (want copy, add, subtract, intersect or invert)", op)
		}
		if w {
			want.Data[n] = 1
		}
	}
	return diff(whole, want, b), nil
}

// Relabel moves every voxel of label from to label to: a rename, or a
// merge when to already has voxels.
func Relabel(lm *volume.Volume[uint8], from, to uint8) (*Change, error) {
	part, ok := labelPart(lm, from, [3]int{})
	if !ok {
		return nil, &NoLabelError{from}
	}
	var c Change
	c.set(part, to)
	return &c, nil
}
