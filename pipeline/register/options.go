package register

import "fmt"

// Init selects how Rigid places the moving image before optimising.
type Init int

const (
	// InitMoments aligns the centres of mass of the two bodies and rotates
	// about the fixed body's centre of mass (ITK's moments initialiser).
	// Phases that cover different lengths of the body have different
	// centres of mass: use InitIdentity for those.
	InitMoments Init = iota
	// InitGeometry aligns the centres of the two grids and rotates about
	// the fixed grid's centre.
	InitGeometry
	// InitIdentity starts from the identity, trusting that both images
	// share the scanner's frame, and rotates about the fixed body's centre
	// of mass.
	InitIdentity
)

// Options tune Rigid. Start from DefaultOptions.
type Options struct {
	// Levels are the pyramid's shrink factors, coarse to fine, in units of
	// the fixed image's smallest voxel size: 4 registers on voxels of about
	// 4 times that size, per axis (thick slices shrink less).
	Levels []int
	// MinSpacing (mm) is the smallest voxel size registered on: finer
	// levels are coarsened to it, and dropped when that makes them repeat
	// the level before. A rigid fit gains no accuracy from voxels much
	// finer than 1.5 mm, only time and memory.
	MinSpacing float64
	// Bins is the number of histogram bins per image of Mattes mutual
	// information.
	Bins int
	// SampleFraction is the fraction of the fixed body's voxels sampled at
	// each level; the count is then held between 4096 and MaxSamples.
	SampleFraction float64
	// MaxSamples caps the samples per level.
	MaxSamples int
	// MaxIterations caps the gradient steps per level.
	MaxIterations int
	// MaxStep is the longest step at the coarsest level, in mm of sample
	// displacement; finer levels scale it by their shrink factor relative
	// to the coarsest.
	MaxStep float64
	// MinStep ends the finest level when a step is shorter, in mm of
	// sample displacement; coarser levels scale it by their shrink factor
	// relative to the finest.
	MinStep float64
	// BodyThreshold (HU) separates body from air: only fixed voxels above
	// it are sampled, and the centres of mass are of the voxels above it.
	BodyThreshold float64
	// Init is the starting position.
	Init Init
	// Seed seeds the choice of samples; equal seeds give equal results.
	Seed uint64
	// Progress, when set, receives the fraction done in [0, 1], never
	// decreasing, from the calling goroutine.
	Progress func(fraction float64) `json:"-"`
	// FixedLevels, when set, shares the fixed image's pyramid levels
	// between registrations onto that one image (results are the same).
	FixedLevels *FixedLevels `json:"-"`
}

// DefaultOptions are elastix-like settings for abdominal CT phases.
func DefaultOptions() Options {
	return Options{
		Levels:         []int{4, 2, 1},
		MinSpacing:     1.5,
		Bins:           32,
		SampleFraction: 0.05,
		MaxSamples:     50000,
		MaxIterations:  200,
		MaxStep:        4,
		MinStep:        0.01,
		BodyThreshold:  -500,
		Init:           InitMoments,
	}
}

func (o Options) validate() error {
	bad := func(what string, v any) error { return fmt.Errorf("register: %s is %v", what, v) }
	switch {
	case len(o.Levels) == 0:
		return bad("the number of levels", 0)
	case !(o.MinSpacing >= 0):
		return bad("MinSpacing", o.MinSpacing)
	case o.Bins < 2*parzenPad+4:
		return bad("Bins", o.Bins)
	case !(o.SampleFraction > 0 && o.SampleFraction <= 1):
		return bad("SampleFraction", o.SampleFraction)
	case o.MaxSamples < 1:
		return bad("MaxSamples", o.MaxSamples)
	case o.MaxIterations < 1:
		return bad("MaxIterations", o.MaxIterations)
	case !(o.MinStep > 0 && o.MaxStep >= o.MinStep):
		return bad("the step range", [2]float64{o.MinStep, o.MaxStep})
	case o.Init < InitMoments || o.Init > InitIdentity:
		return bad("Init", o.Init)
	}
	for l, s := range o.Levels {
		if s < 1 || l > 0 && s > o.Levels[l-1] {
			return fmt.Errorf("register: levels %v must be positive and not increasing", o.Levels)
		}
	}
	return nil
}
