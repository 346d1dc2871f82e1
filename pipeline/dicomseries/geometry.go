package dicomseries

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/volume"
)

// Geometry is a series' voxel grid and how it was found.
type Geometry struct {
	Grid volume.Grid
	// SliceSpacing is the distance between slice centres along the normal,
	// in mm (which may differ from Slice Thickness).
	SliceSpacing float64
	// Resampled says how the series was brought onto Grid when its slices
	// are unequally spaced ("" when Grid holds its slices as they are):
	// Load interpolates Grid's equidistant slices linearly along the
	// normal between the two slices around each.
	Resampled string

	stacked   volume.Grid // the slices as they are, one after the other
	positions []float64   // each slice's distance along the normal from the first, mm
}

// Tolerances of the geometry checks.
const (
	// PositionTolerance is how far, in mm, two slices may be apart along
	// the normal and still be at the same position (a duplicate).
	PositionTolerance = 1e-3
	// SpacingTolerance is how much, relative to the series' step, one
	// slice-to-slice distance may differ from it before the series counts
	// as unequally spaced.
	SpacingTolerance = 0.01
	// TiltTolerance is how far, relative to the step, the slices may move
	// sideways (across the normal) per slice before the series counts as
	// acquired with a gantry tilt.
	TiltTolerance = 0.01
	// GapFactor is the distance, in steps, above which two neighbouring
	// slices have a missing slice between them.
	GapFactor = 1.5
)

// Options change how Group makes series into volumes.
type Options struct {
	// FillGaps interpolates the slices missing from a series (two
	// neighbours more than GapFactor steps apart) linearly along the
	// normal, recorded in Geometry.Resampled; without it such a series
	// cannot be imported.
	FillGaps bool
}

// noTiltCorrection says what to do with a series acquired with a gantry
// tilt whose slices are also unequally spaced or missing, which kidney3d
// does not correct.
const noTiltCorrection = "kidney3d corrects a tilt only when the slices are equally spaced: convert the series with dcm2niix (its _Tilt_ output) and put that NIfTI in the case's input folder"

// geometryOf sorts the instances along the slice normal and computes
// their grid, or says why they are not one volume.
func geometryOf(id string, ins []*dicomscan.Instance, opts Options) (Geometry, error) {
	first := ins[0]
	fail := func(file, format string, a ...any) (Geometry, error) {
		return Geometry{}, &SeriesError{Series: id, File: file, Reason: fmt.Sprintf(format, a...)}
	}
	for _, in := range ins {
		switch {
		case !in.Has.Position || !in.Has.Orientation || !in.Has.PixelSpacing:
			return fail(in.Path, "no Image Position (Patient), Image Orientation (Patient) or Pixel Spacing: the geometry is unknown")
		case in.Format.Rows != first.Format.Rows || in.Format.Columns != first.Format.Columns:
			return fail(in.Path, "mixed sizes: %d×%d here, %d×%d in %s", in.Format.Columns, in.Format.Rows, first.Format.Columns, first.Format.Rows, first.Path)
		case in.PixelSpacing != first.PixelSpacing:
			return fail(in.Path, "mixed pixel spacing: %v here, %v in %s", in.PixelSpacing, first.PixelSpacing, first.Path)
		case in.FramesProblem != "":
			return fail(in.Path, "a multi-frame image of %d frames that cannot be split into slices: %s", in.NumberOfFrames, in.FramesProblem)
		}
	}
	if err := limits.CheckImage(int64(first.Format.Pixels())*int64(len(ins)), 4); err != nil {
		return fail("", "%v", err)
	}
	row, col, normal, err := directions(first.Orientation)
	if err != nil {
		return fail(first.Path, "%v", err)
	}
	if first.PixelSpacing[0] <= 0 || first.PixelSpacing[1] <= 0 {
		return fail(first.Path, "Pixel Spacing %v is not positive", first.PixelSpacing)
	}
	along := func(in *dicomscan.Instance) float64 { return dot(in.Position, normal) }
	slices.SortStableFunc(ins, func(a, b *dicomscan.Instance) int {
		return cmpFloat(along(a), along(b))
	})
	first = ins[0]
	n := len(ins)
	for i := 1; i < n; i++ {
		if along(ins[i])-along(ins[i-1]) < PositionTolerance {
			return fail(ins[i].Path, "duplicate slice position %.3f mm along the normal, as %s", along(ins[i]), ins[i-1].Path)
		}
	}
	step := (along(ins[n-1]) - along(ins[0])) / float64(n-1)
	gaps := make([]float64, n-1)
	for i := range gaps {
		gaps[i] = along(ins[i+1]) - along(ins[i])
	}
	usual := median(gaps)
	var missing []string // the gaps filled, when opts allow
	for i, g := range gaps {
		if g <= GapFactor*usual {
			continue
		}
		gap := fmt.Sprintf("missing slice(s) between %s and %s (%.3f mm apart where the series steps %.3f mm)",
			fmtPos(ins[i].Position), fmtPos(ins[i+1].Position), g, usual)
		if !opts.FillGaps {
			return fail(ins[i+1].Path, "%s; import with --fill-gaps to interpolate across it", gap)
		}
		missing = append(missing, gap)
	}
	lo, hi := 0, 0 // the narrowest and widest gaps
	for i, g := range gaps {
		if g < gaps[lo] {
			lo = i
		}
		if g > gaps[hi] {
			hi = i
		}
	}
	var d [3]float64 // the step from slice to slice, in LPS
	for a := range d {
		d[a] = (ins[n-1].Position[a] - ins[0].Position[a]) / float64(n-1)
	}
	side := math.Sqrt(math.Max(0, dot(d, d)-step*step))
	stacked := grid(first, n, row, col, normal, step)
	if side > TiltTolerance*step {
		tilt := fmt.Sprintf("gantry tilt of %.2f° (slices step %.3f mm sideways per %.3f mm)", math.Atan2(side, step)*180/math.Pi, side, step)
		if gaps[hi]-gaps[lo] > SpacingTolerance*step || len(missing) > 0 {
			return fail(first.Path, "%s and unequal or missing slices; %s", tilt, noTiltCorrection)
		}
		return tilted(id, first.Path, stacked, step, d, tilt)
	}
	if gaps[hi]-gaps[lo] <= SpacingTolerance*step && len(missing) == 0 {
		return Geometry{Grid: stacked, SliceSpacing: step}, nil
	}
	if gaps[lo] < usual/GapFactor {
		return fail(ins[lo+1].Path, "slices %.4f mm apart (%s and %s) where the series steps %.3f mm: nearly the same position",
			gaps[lo], fmtPos(ins[lo].Position), fmtPos(ins[lo+1].Position), usual)
	}
	// Unequally spaced: equidistant slices at the narrowest gap, from the
	// first slice to the last (dcm2niix's _Eq_ output does the same).
	extent := along(ins[n-1]) - along(ins[0])
	eq := gaps[lo]
	m := int(math.Floor(extent/eq+SpacingTolerance)) + 1
	if err := limits.CheckImage(int64(first.Format.Pixels())*int64(m), 4); err != nil {
		return fail("", "resampled to %.4f mm slices: %v", eq, err)
	}
	positions := make([]float64, n)
	for k, in := range ins {
		positions[k] = along(in) - along(ins[0])
	}
	note := fmt.Sprintf("unequal slice spacing, from %.4f mm (between %s and %s) to %.4f mm (between %s and %s): resampled to %d slices %.4f mm apart by linear interpolation along the normal",
		gaps[lo], fmtPos(ins[lo].Position), fmtPos(ins[lo+1].Position), gaps[hi], fmtPos(ins[hi].Position), fmtPos(ins[hi+1].Position), m, eq)
	if len(missing) > 0 {
		note = fmt.Sprintf("%s: filled (--fill-gaps) with %d slices %.4f mm apart by linear interpolation along the normal", strings.Join(missing, "; "), m, eq)
	}
	return Geometry{Grid: grid(first, m, row, col, normal, eq), SliceSpacing: eq, Resampled: note, stacked: stacked, positions: positions}, nil
}

// tilted is the geometry of a series acquired with a gantry tilt, its
// slices stepping by d (LPS) rather than along their normal: its slices as
// they lie (a sheared grid) resampled onto the orthogonal grid of the same
// voxel size and slice step that holds all of them, widened in the slice
// plane as far as the shear carries them (as dcm2niix's _Tilt_ output is);
// stacked is the slices' grid as if they stepped along the normal.
func tilted(id, file string, stacked volume.Grid, step float64, d [3]float64, tilt string) (Geometry, error) {
	sheared := stacked
	for r := 0; r < 3; r++ {
		sheared.Affine[r][2] = d[r]
	}
	for r := 0; r < 2; r++ {
		sheared.Affine[r][2] = -sheared.Affine[r][2] // LPS to RAS
	}
	// The sheared grid's corners in the orthogonal grid's voxels: the
	// orthogonal grid, moved and widened to hold them.
	inv, err := stacked.Affine.Inverse()
	if err != nil {
		return Geometry{}, &SeriesError{Series: id, File: file, Reason: err.Error()}
	}
	lo, hi := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}, [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for _, c := range sheared.Corners() {
		v := inv.Apply(c)
		for a := range v {
			lo[a], hi[a] = min(lo[a], v[a]), max(hi[a], v[a])
		}
	}
	var from [3]float64
	var dims [3]int
	for a := range dims {
		from[a] = math.Floor(lo[a] + 1e-6)
		dims[a] = int(math.Ceil(hi[a]-1e-6)-from[a]) + 1
	}
	if err := limits.CheckImage(int64(dims[0])*int64(dims[1])*int64(dims[2]), 4); err != nil {
		return Geometry{}, &SeriesError{Series: id, File: file, Reason: fmt.Sprintf("%s, corrected to %v voxels: %v", tilt, dims, err)}
	}
	out := volume.Grid{Dims: dims, Affine: stacked.Affine}
	o := stacked.Affine.Apply(from)
	for r := 0; r < 3; r++ {
		out.Affine[r][3] = o[r]
	}
	note := fmt.Sprintf("%s: resampled onto an orthogonal grid of %d×%d×%d voxels by trilinear interpolation (as dcm2niix's _Tilt_ output)", tilt, dims[0], dims[1], dims[2])
	return Geometry{Grid: out, SliceSpacing: step, Resampled: note, stacked: sheared}, nil
}

// grid is the RAS grid of a series of slices whose first is first: voxel
// (i, j, k) is column i, row Rows-1-j of slice k, as dcm2niix stores it
// (rows flipped so that j runs against the column direction), and the LPS
// axes are turned into RAS by negating x and y.
func grid(first *dicomscan.Instance, slices int, row, col, normal [3]float64, step float64) volume.Grid {
	rows := float64(first.Format.Rows)
	dr, dc := first.PixelSpacing[0], first.PixelSpacing[1]
	var a volume.Affine
	for r := 0; r < 3; r++ {
		a[r][0] = row[r] * dc
		a[r][1] = -col[r] * dr
		a[r][2] = normal[r] * step
		a[r][3] = first.Position[r] + (rows-1)*col[r]*dr
	}
	a[3][3] = 1
	for c := 0; c < 4; c++ {
		a[0][c], a[1][c] = -a[0][c], -a[1][c]
	}
	return volume.Grid{Dims: [3]int{first.Format.Columns, first.Format.Rows, slices}, Affine: a}
}

// directions are the row and column direction cosines of an Image
// Orientation (Patient), normalised, and the slice normal row × column.
func directions(o [6]float64) (row, col, normal [3]float64, err error) {
	row, col = [3]float64{o[0], o[1], o[2]}, [3]float64{o[3], o[4], o[5]}
	lr, lc := math.Sqrt(dot(row, row)), math.Sqrt(dot(col, col))
	if lr < 0.9 || lr > 1.1 || lc < 0.9 || lc > 1.1 || math.Abs(dot(row, col)) > 0.01 {
		return row, col, normal, fmt.Errorf("Image Orientation (Patient) %v is not two unit vectors at right angles", o)
	}
	for a := range row {
		row[a] /= lr
		col[a] /= lc
	}
	normal = [3]float64{row[1]*col[2] - row[2]*col[1], row[2]*col[0] - row[0]*col[2], row[0]*col[1] - row[1]*col[0]}
	ln := math.Sqrt(dot(normal, normal))
	for a := range normal {
		normal[a] /= ln
	}
	return row, col, normal, nil
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s[len(s)/2]
}

// fmtPos formats an Image Position (Patient) as DICOM's LPS millimetres.
func fmtPos(p [3]float64) string { return fmt.Sprintf("(%.2f, %.2f, %.2f) mm LPS", p[0], p[1], p[2]) }
