package register

import (
	"context"
	"fmt"
	"math"

	"kidney3d/pipeline/memo"
	"kidney3d/pipeline/volume"
)

// minSamples is the fewest samples a level draws, whatever
// Options.SampleFraction says: fewer make the histogram too noisy for a
// smooth metric. A small body gets more samples than voxels, which random
// coordinates allow.
const minSamples = 4096

// level is one resolution of the pyramid: both images smoothed and
// downsampled to about the same voxel size, and their bodies.
type level struct {
	fixed, moving         *volume.Volume[float32]
	fixedBody, movingBody body
}

// levelPlan is a level to build: its shrink factor as Options.Levels gives
// it, and the per-axis decimation of each image.
type levelPlan struct {
	shrink        int
	fixed, moving [3]int
}

// plan turns the options' shrink factors into decimations of the two
// grids: voxels of shrink times the fixed image's smallest voxel size, but
// no smaller than MinSpacing. A level that decimates both images as the one
// before it is dropped.
func plan(fixed, moving volume.Grid, o Options) []levelPlan {
	sp := fixed.Spacing()
	finest := math.Min(sp[0], math.Min(sp[1], sp[2]))
	var out []levelPlan
	for _, s := range o.Levels {
		target := math.Max(float64(s)*finest, o.MinSpacing)
		lp := levelPlan{shrink: s, fixed: shrinkFactors(fixed, target), moving: shrinkFactors(moving, target)}
		if n := len(out); n > 0 && out[n-1].fixed == lp.fixed && out[n-1].moving == lp.moving {
			continue
		}
		out = append(out, lp)
	}
	return out
}

// buildLevels makes the pyramid's levels, finest first: a level whose
// decimations are multiples of a finer level's is coarsened from that
// level (coarsen), the others are downsampled from the images. The fixed
// image's levels come from shared when another registration onto the same
// image made them (shared may be nil).
func buildLevels(ctx context.Context, fixed, moving *volume.Volume[int16], plans []levelPlan, threshold float64, shared *FixedLevels) ([]level, error) {
	out := make([]level, len(plans))
	for l := len(plans) - 1; l >= 0; l-- {
		lp := plans[l]
		from := -1
		for k := l + 1; k < len(plans) && from < 0; k++ {
			if divides(plans[k].fixed, lp.fixed) && divides(plans[k].moving, lp.moving) {
				from = k
			}
		}
		var lv level
		var err error
		if from < 0 {
			lv.fixed, err = shared.level(levelKey{f: lp.fixed}, func() (*volume.Volume[float32], error) {
				return downsample(ctx, fixed, lp.fixed)
			})
			if err == nil {
				lv.moving, err = downsample(ctx, moving, lp.moving)
			}
		} else {
			lv.fixed, err = shared.level(levelKey{f: lp.fixed, from: plans[from].fixed}, func() (*volume.Volume[float32], error) {
				return coarsen(ctx, out[from].fixed, plans[from].fixed, lp.fixed)
			})
			if err == nil {
				lv.moving, err = coarsen(ctx, out[from].moving, plans[from].moving, lp.moving)
			}
		}
		if err != nil {
			return nil, err
		}
		lv.fixedBody = bodyOf(lv.fixed, threshold)
		lv.movingBody = bodyOf(lv.moving, threshold)
		if lv.fixedBody.count == 0 {
			return nil, fmt.Errorf("%w: fixed image has no voxel above %g HU", ErrNoBody, threshold)
		}
		if lv.movingBody.count == 0 {
			return nil, fmt.Errorf("%w: moving image has no voxel above %g HU", ErrNoBody, threshold)
		}
		out[l] = lv
	}
	return out, nil
}

// FixedLevels holds the levels of one fixed image's pyramid that
// registrations onto it have made, by how each was made, so that
// registering several phases onto one reference smooths and decimates the
// reference once (Options.FixedLevels). It is safe for concurrent use; a
// nil *FixedLevels shares nothing. Use it with one fixed image only.
type FixedLevels struct {
	levels memo.Map[levelKey, *volume.Volume[float32]]
}

// levelKey is how a level was made: decimated by f from the image (from
// zero) or from its level decimated by from.
type levelKey struct{ f, from [3]int }

// level is the level of key, made by build when no registration has made
// it; concurrent callers wait for the first. A failed build is not kept.
func (c *FixedLevels) level(key levelKey, build func() (*volume.Volume[float32], error)) (*volume.Volume[float32], error) {
	if c == nil {
		return build()
	}
	return c.levels.Get(key, build)
}

// divides reports whether every decimation of g divides that of f.
func divides(g, f [3]int) bool {
	for a := range g {
		if f[a]%g[a] != 0 {
			return false
		}
	}
	return true
}

// sampleCount is how many samples a body of count voxels gets.
func (o Options) sampleCount(count int) int {
	n := int(math.Round(o.SampleFraction * float64(count)))
	return min(max(n, minSamples), o.MaxSamples)
}

// metric draws the level's fixed samples (seeded by the level's index) and
// sets up Mattes mutual information for rotations about center.
func (lv level) metric(o Options, index int, center [3]float64) (*mattes, error) {
	stream := 2 * uint64(index)
	fixed := drawSamples(lv.fixed, o.BodyThreshold, lv.fixedBody, o.sampleCount(lv.fixedBody.count), o.Seed, stream)
	fixedLo, fixedHi, ok := intensityRange(fixed)
	if !ok {
		return nil, fmt.Errorf("%w: fixed image", ErrNoContrast)
	}
	moving := drawSamples(lv.moving, o.BodyThreshold, lv.movingBody, o.sampleCount(lv.movingBody.count), o.Seed, stream+1)
	movingLo, movingHi, ok := intensityRange(moving)
	if !ok {
		return nil, fmt.Errorf("%w: moving image", ErrNoContrast)
	}
	return newMattes(lv.fixed.Grid, lv.moving, fixed, o.Bins, center, fixedLo, fixedHi, movingLo, movingHi)
}
