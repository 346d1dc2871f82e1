package register

import (
	"context"
	"errors"
	"fmt"
	"math"

	"kidney3d/pipeline/volume"
)

// Errors Rigid reports, wrapped with the image they concern.
var (
	// ErrNoOverlap: the images share no space, or too few fixed samples
	// map inside the moving image to measure anything.
	ErrNoOverlap = errors.New("register: phases do not overlap in space")
	// ErrNoBody: an image has no voxel above the body threshold.
	ErrNoBody = errors.New("register: no body voxels")
	// ErrNoContrast: an image is constant inside the body.
	ErrNoContrast = errors.New("register: image is constant inside the body")
)

// minOverlap is the smallest fraction of a level's samples that must map
// inside the moving image.
const minOverlap = 0.05

// Result is the outcome of Rigid, fit for a case manifest.
type Result struct {
	Transform Transform `json:"transform"`
	// MetricInitial and MetricFinal are Mattes mutual information in nats
	// (higher is better) at the starting and the final transform, both on
	// the finest level's samples.
	MetricInitial float64 `json:"metric_initial"`
	MetricFinal   float64 `json:"metric_final"`
	// Overlap is the fraction of the finest level's samples that the final
	// transform maps inside the moving image.
	Overlap float64 `json:"overlap"`
	// Iterations is the total over the levels.
	Iterations int           `json:"iterations"`
	Levels     []LevelResult `json:"levels"`
}

// LevelResult is how one pyramid level went.
type LevelResult struct {
	Shrink     int        `json:"shrink"`
	Spacing    [3]float64 `json:"spacing_mm"` // the fixed image's voxel size at this level
	Samples    int        `json:"samples"`
	Iterations int        `json:"iterations"`
	Metric     float64    `json:"metric"`       // mutual information at the level's end
	Step       float64    `json:"last_step_mm"` // the last step length
	Stop       string     `json:"stop"`         // StopConverged, StopMaxIterations or StopZeroGradient
}

// Rigid finds the rigid transform that maps fixed-image points onto the
// same anatomy in the moving image. Both images are in HU, each on its own
// grid, in any storage: each is registered relabelled to the storage
// nearest to RAS (volume.CanonicalOrientation), so that its samples and
// pyramid, hence the transform, do not depend on how it is stored. It returns ctx.Err() soon after ctx is done, ErrNoOverlap when the
// images share too little space, and ErrNoBody or ErrNoContrast when an
// image has nothing to register.
func Rigid(ctx context.Context, fixed, moving *volume.Volume[int16], opts Options) (Result, error) {
	if err := opts.validate(); err != nil {
		return Result{}, err
	}
	for _, v := range []*volume.Volume[int16]{fixed, moving} {
		if v == nil {
			return Result{}, errors.New("register: missing image")
		}
		if err := v.Validate(); err != nil {
			return Result{}, fmt.Errorf("register: %w", err)
		}
		if len(v.Data) != v.Len() {
			return Result{}, fmt.Errorf("register: %d voxels for a %v grid", len(v.Data), v.Dims)
		}
	}
	if !boxesMeet(fixed.Grid, moving.Grid) {
		return Result{}, ErrNoOverlap
	}
	fixed, moving = Canonical(fixed), Canonical(moving)
	progress := monotone(opts.Progress)
	levels := plan(fixed.Grid, moving.Grid, opts)
	first, last := levels[0].shrink, len(levels)-1
	var res Result
	var start, p params
	var center [3]float64
	pyramid, err := buildLevels(ctx, fixed, moving, levels, opts.BodyThreshold, opts.FixedLevels)
	if err != nil {
		return Result{}, err
	}
	for l, lp := range levels {
		lv := pyramid[l]
		if l == 0 {
			center, start = initialise(lv, opts.Init)
			p = start
		}
		m, err := lv.metric(opts, l, center)
		if err != nil {
			return Result{}, err
		}
		if l == last {
			if res.MetricInitial, _, err = m.value(start); err != nil {
				return Result{}, err
			}
		}
		search := lbfgs{
			maxStep: opts.MaxStep * float64(lp.shrink) / float64(first),
			minStep: opts.MinStep * float64(lp.shrink) / float64(levels[last].shrink),
			maxIter: opts.MaxIterations,
			scale:   physicalScales(m.points),
		}
		span := func(f float64) { progress((float64(l) + f) / float64(len(levels))) }
		out, err := search.minimize(ctx, m.cost, p, span)
		if err != nil {
			return Result{}, err
		}
		p = out.at
		mi, overlap, err := m.value(p)
		if err != nil {
			return Result{}, err
		}
		res.Iterations += out.iterations
		res.Levels = append(res.Levels, LevelResult{
			Shrink: lp.shrink, Spacing: lv.fixed.Spacing(), Samples: len(m.points),
			Iterations: out.iterations, Metric: mi, Step: out.step, Stop: out.stop,
		})
		res.MetricFinal, res.Overlap = mi, overlap
	}
	res.Transform = p.transform(center)
	progress(1)
	return res, nil
}

// Canonical is v relabelled to the storage nearest to RAS
// (volume.CanonicalOrientation), the one Rigid registers in; v itself when
// it is stored so. A caller that hands Rigid and Apply the canonical
// phases, and drops its own, holds no second copy.
func Canonical(v *volume.Volume[int16]) *volume.Volume[int16] {
	c, _ := volume.Canonical(v)
	return c
}

// value is the mutual information at p and the fraction of the samples
// inside the moving image, or ErrNoOverlap when too few are.
func (m *mattes) value(p params) (mi, overlap float64, err error) {
	mi, _, valid := m.evaluate(p, false)
	return mi, float64(valid) / float64(len(m.points)), m.checkOverlap(valid)
}

// cost is minus the mutual information, the objective, and its gradient.
func (m *mattes) cost(p params) (float64, params, error) {
	mi, g, valid := m.evaluate(p, true)
	for k := range g {
		g[k] = -g[k]
	}
	return -mi, g, m.checkOverlap(valid)
}

func (m *mattes) checkOverlap(valid int) error {
	if float64(valid) < minOverlap*float64(len(m.points)) {
		return fmt.Errorf("%w: %d of %d samples inside the moving image", ErrNoOverlap, valid, len(m.points))
	}
	return nil
}

// initialise picks the centre of rotation and the starting parameters.
func initialise(lv level, init Init) (center [3]float64, p params) {
	switch init {
	case InitGeometry:
		center = gridCenter(lv.fixed.Grid)
		mc := gridCenter(lv.moving.Grid)
		for a := range center {
			p[3+a] = mc[a] - center[a]
		}
	case InitMoments:
		center = lv.fixedBody.centroid
		for a := range center {
			p[3+a] = lv.movingBody.centroid[a] - center[a]
		}
	case InitIdentity:
		center = lv.fixedBody.centroid
	}
	return center, p
}

// gridCenter is the world position of the grid's central point.
func gridCenter(g volume.Grid) [3]float64 {
	return g.VoxelToWorld([3]float64{float64(g.Dims[0]-1) / 2, float64(g.Dims[1]-1) / 2, float64(g.Dims[2]-1) / 2})
}

// boxesMeet reports whether the world boxes of two grids intersect.
func boxesMeet(a, b volume.Grid) bool {
	alo, ahi := a.Bounds()
	blo, bhi := b.Bounds()
	for i := 0; i < 3; i++ {
		if ahi[i] < blo[i] || bhi[i] < alo[i] {
			return false
		}
	}
	return true
}

// monotone wraps a progress callback so that it never goes back; nil
// becomes a no-op.
func monotone(f func(float64)) func(float64) {
	last := -1.0
	return func(x float64) {
		x = math.Max(0, math.Min(1, x))
		if f != nil && x > last {
			last = x
			f(x)
		}
	}
}
