package editops

import (
	"context"
	"errors"
	"fmt"

	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/segtools"
	"kidney3d/pipeline/volume"
)

// The ops of the region tools of package segtools: flood fill and level
// tracing, fill between slices, grow from seeds and the 3D scissors. Each
// turns segtools' mask into a labeledit.Change, so masking, undo and the
// journal treat them as every other tool.

// SeedMarginMM is how far around its seeds grow_seeds works when the op
// gives no mm.
const SeedMarginMM = 20

// ctx is the context the op runs under.
func (env *Env) ctx() context.Context {
	if env.Ctx == nil {
		return context.Background()
	}
	return env.Ctx
}

// region is the bounding box of a whole-grid mask's nonzero voxels as a
// part of its grid (nil when it has none).
func region(m *volume.Volume[uint8]) *volume.Part[uint8] {
	lo, hi, ok := volume.BoundingBox(m)
	if !ok {
		return nil
	}
	return volume.CropPart(m.Grid, lo, volume.Crop(m, lo, hi))
}

// paintMask is the change that paints the op's label on a mask.
func (o *Op) paintMask(env *Env, m *volume.Volume[uint8], err error) (*labeledit.Change, error) {
	if err != nil {
		return nil, err
	}
	v, err := o.label(env)
	if err != nil {
		return nil, err
	}
	r := region(m)
	if r == nil {
		return &labeledit.Change{}, nil
	}
	return labeledit.Paint(r, v), nil
}

// seeded is what a flood starts from: the seed voxel (point_mm), the
// slice through it when the op names a plane, and the phase's
// intensities.
func (o *Op) seeded(env *Env) (seed [3]int, slice *segtools.Slice, img *volume.Volume[int16], err error) {
	if o.PointMM == nil {
		return seed, nil, nil, errors.New("point_mm is missing")
	}
	g := env.Labels.Grid
	if seed, err = g.NearestVoxel(*o.PointMM); err != nil {
		return seed, nil, nil, err
	}
	if o.Plane != "" {
		axis, err := g.PlaneAxis(o.Plane)
		if err != nil {
			return seed, nil, nil, err
		}
		slice = &segtools.Slice{Axis: axis, Index: seed[axis]}
	}
	img, err = env.intensity(o.Phase)
	return seed, slice, img, err
}

// flood paints the region connected to point_mm whose intensities lie in
// hu, in 3D or on the slice of plane.
func flood(o *Op, env *Env) (*labeledit.Change, error) {
	if o.HU == nil {
		return nil, errors.New("hu is missing")
	}
	seed, slice, img, err := o.seeded(env)
	if err != nil {
		return nil, err
	}
	m, err := segtools.FloodFill(env.ctx(), img, seed, segtools.FillOptions{Lo: o.HU[0], Hi: o.HU[1], Conn: labelops.Face, Slice: slice})
	return o.paintMask(env, m, err)
}

// levelTrace paints the level-tracing region at point_mm on the slice of
// plane.
func levelTrace(o *Op, env *Env) (*labeledit.Change, error) {
	if o.Plane == "" {
		return nil, errors.New("plane is missing")
	}
	seed, slice, img, err := o.seeded(env)
	if err != nil {
		return nil, err
	}
	m, err := segtools.LevelTrace(env.ctx(), img, seed, *slice)
	return o.paintMask(env, m, err)
}

// interpolate fills the label between the slices of plane (default axial)
// that hold it.
func interpolate(o *Op, env *Env) (*labeledit.Change, error) {
	v, err := o.label(env)
	if err != nil {
		return nil, err
	}
	plane := o.Plane
	if plane == "" {
		plane = "axial"
	}
	axis, err := env.Labels.Grid.PlaneAxis(plane)
	if err != nil {
		return nil, err
	}
	m := volume.New[uint8](env.Labels.Grid)
	for n, x := range env.Labels.Data {
		if x == v {
			m.Data[n] = 1
		}
	}
	if _, _, ok := volume.BoundingBox(m); !ok {
		return nil, &labeledit.NoLabelError{Label: v}
	}
	filled, err := segtools.InterpolateSlices(env.ctx(), m, axis)
	return o.paintMask(env, filled, err)
}

// growBackground is the seed value of the surroundings with the
// background "box_faces" (and of background seed strokes): no label of a
// table uses it, and it paints nothing.
const growBackground = 255

// Grower is grow from seeds' competition kept between ops: an op on the
// same phase and box as the one before updates it incrementally
// (segtools.GrowCut.Update), so more seed strokes cost only what they
// change. It also holds seed strokes painted apart from the label map
// (AddSeeds), as 3D Slicer keeps seeds apart from the grown result, so
// that a grow can be previewed and updated from its seeds alone. The zero
// Grower is ready; it is not safe for concurrent use.
type Grower struct {
	gc     *segtools.GrowCut
	img    *volume.Volume[int16]
	lo, hi [3]int
	margin float64
	// seeds are the seed strokes on the label map's grid: 0 none, a
	// label's value, or growBackground; nil when none was painted.
	seeds *volume.Volume[uint8]
}

// AddSeeds paints the op's brush (its shape, as paint's) into the seed
// strokes with the op's label, or as the surroundings when background is
// true; the label map is not changed. It returns the region painted.
func (g *Grower) AddSeeds(o *Op, env *Env, background bool) (*volume.Part[uint8], error) {
	v, r, err := o.labelBrush(env)
	if err != nil {
		return nil, err
	}
	if background {
		v = growBackground
	}
	if g.seeds == nil || g.seeds.Dims != env.Labels.Dims {
		g.seeds = volume.New[uint8](env.Labels.Grid)
	}
	_, err = labeledit.Apply(g.seeds, labeledit.Paint(r, v), labeledit.Mask{}, nil)
	return r, err
}

// Reset drops the competition and the seed strokes: the next grow starts
// afresh from the label map.
func (g *Grower) Reset() { *g = Grower{} }

// box is the box a grow with seeds in [lo, hi) and the margin runs on:
// the previous grow's box when its phase and margin are the same and the
// seeds lie inside it, off its faces (as what that grow painted does, so
// more strokes added there update it), else the seeds' box widened by the
// margin.
func (g *Grower) box(grid volume.Grid, img *volume.Volume[int16], lo, hi [3]int, margin float64) (blo, bhi [3]int) {
	inside := g.gc != nil && g.img == img && g.margin == margin
	for a := range 3 {
		inside = inside && lo[a] > g.lo[a] && hi[a] < g.hi[a]
	}
	if inside {
		return g.lo, g.hi
	}
	g.margin = margin
	return volume.GrowBox(grid, lo, hi, labelops.Margin(grid, margin))
}

// update is the competition of seeds on the box [lo, hi) of img.
func (g *Grower) update(ctx context.Context, img *volume.Volume[int16], lo, hi [3]int, seeds *volume.Volume[uint8]) (*volume.Part[uint8], error) {
	if g.gc == nil || g.img != img || g.lo != lo || g.hi != hi {
		gc, err := segtools.NewGrowCut(img, lo, hi)
		if err != nil {
			return nil, err
		}
		g.gc, g.img, g.lo, g.hi = gc, img, lo, hi
	}
	return g.gc.Update(ctx, seeds)
}

// growSeeds lets the voxels of labels compete for the box around them,
// mm (default SeedMarginMM) wider on every side (or the box of the grow
// before, Grower.box): each voxel of the box takes the label of its
// nearest seed in intensity distance, and each label is painted where it
// wins. The Grower's seed strokes add to the label map's voxels: a
// stroke of a label listed seeds it, any other the surroundings. With background "box_faces" the box's
// unlabelled faces and the voxels of the labels not listed seed the
// surroundings, so one label is enough; otherwise two or more are needed
// (one of them the surroundings). The competition runs on env.Grower when
// given, which keeps it between ops.
func growSeeds(o *Op, env *Env) (*labeledit.Change, error) {
	least := 2
	switch o.Background {
	case "":
	case "box_faces":
		least = 1
	default:
		return nil, fmt.Errorf("background %q: want box_faces or none", o.Background)
	}
	if len(o.Labels) < least {
		return nil, fmt.Errorf("labels: %d given; grow from seeds needs two or more (one of them the surroundings), or one with background box_faces", len(o.Labels))
	}
	lm := env.Labels
	var is [256]bool
	for _, n := range o.Labels {
		v, err := value(env.Table, n)
		if err != nil {
			return nil, err
		}
		is[v] = true
	}
	g := env.Grower
	if g == nil {
		g = &Grower{}
	}
	seeds := volume.New[uint8](lm.Grid)
	found := false
	for n, x := range lm.Data {
		if is[x] {
			seeds.Data[n], found = x, true
		}
	}
	if g.seeds != nil && g.seeds.Dims == lm.Dims {
		for n, x := range g.seeds.Data {
			switch {
			case x == 0:
			case is[x]:
				seeds.Data[n], found = x, true
			default:
				seeds.Data[n] = growBackground
			}
		}
	}
	lo, hi, ok := volume.BoundingBox(seeds)
	if !ok || !found {
		return nil, errors.New("labels: neither the label map nor the seed strokes hold a voxel of them: paint a few seed strokes first")
	}
	margin := float64(SeedMarginMM)
	if o.MM != nil {
		if margin = *o.MM; !(margin >= 0) || margin > labeledit.MaxRadiusMM {
			return nil, fmt.Errorf("mm %g: must be from 0 to %d", margin, labeledit.MaxRadiusMM)
		}
	}
	img, err := env.intensity(o.Phase)
	if err != nil {
		return nil, err
	}
	lo, hi = g.box(lm.Grid, img, lo, hi, margin)
	if o.Background == "box_faces" {
		surroundings(lm, seeds, lo, hi, &is)
	}
	grown, err := g.update(env.ctx(), img, lo, hi, seeds)
	if err != nil {
		return nil, err
	}
	var c labeledit.Change
	for v := range is {
		if !is[v] {
			continue
		}
		m := volume.New[uint8](grown.Box.Grid)
		for n, x := range grown.Box.Data {
			if int(x) == v {
				m.Data[n] = 1
			}
		}
		c.Steps = append(c.Steps, labeledit.Step{Region: volume.CropPart(lm.Grid, grown.Lo, m), Value: uint8(v)})
	}
	return &c, nil
}

// surroundings seeds growBackground on the box [lo, hi) of seeds where
// the label map holds a label not listed, or nothing on the box's faces.
func surroundings(lm, seeds *volume.Volume[uint8], lo, hi [3]int, listed *[256]bool) {
	for k := lo[2]; k < hi[2]; k++ {
		for j := lo[1]; j < hi[1]; j++ {
			for i := lo[0]; i < hi[0]; i++ {
				n := lm.Index(i, j, k)
				face := i == lo[0] || j == lo[1] || k == lo[2] || i == hi[0]-1 || j == hi[1]-1 || k == hi[2]-1
				if v := lm.Data[n]; (v != 0 && !listed[v]) || (v == 0 && face) {
					seeds.Data[n] = growBackground
				}
			}
		}
	}
}

// scissors erases, along the lines of sight of a 3D view, what projects
// inside (or outside) a polygon drawn over it: the label's voxels, or
// every label's when the op names none.
func scissors(o *Op, env *Env) (*labeledit.Change, error) {
	if o.ViewProj == nil || o.Viewport == nil {
		return nil, errors.New("view_proj and viewport are needed")
	}
	if len(o.PolygonPx) < 3 {
		return nil, fmt.Errorf("polygon_px of %d points: needs at least 3", len(o.PolygonPx))
	}
	var view segtools.View
	for r := range 4 {
		copy(view.ViewProj[r][:], o.ViewProj[4*r:4*r+4])
	}
	view.Viewport = *o.Viewport
	m, err := segtools.Scissors(env.ctx(), env.Labels.Grid, view, o.PolygonPx, segtools.Cut{Outside: o.Outside, Slab: o.Slab})
	if err != nil {
		return nil, err
	}
	var v uint8
	if o.Label != "" {
		v, _ = value(env.Table, o.Label)
	}
	r := region(m)
	if r == nil {
		return &labeledit.Change{}, nil
	}
	return labeledit.Erase(env.Labels, r, v), nil
}
