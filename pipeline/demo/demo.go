package demo

import (
	"fmt"
	"math/rand/v2"

	"kidney3d/pipeline/volume"
)

// Size is the resolution of a generated case.
type Size int

const (
	// Small is 128×128×96 voxels of 2.75×2.75×3.5 mm, from the lower
	// chest to the middle of the bladder: quick, for tests and demos.
	Small Size = iota
	// Full is 512×512×300 voxels of 0.8×0.8×1.5 mm, from the lower chest
	// to below the bladder, like a clinical scan.
	Full
)

// ParseSize reads "small" or "full".
func ParseSize(s string) (Size, error) {
	switch s {
	case "small":
		return Small, nil
	case "full":
		return Full, nil
	}
	return 0, fmt.Errorf("demo: unknown size %q (want small or full)", s)
}

// String is the name ParseSize reads.
func (s Size) String() string {
	switch s {
	case Small:
		return "small"
	case Full:
		return "full"
	}
	return fmt.Sprintf("Size(%d)", int(s))
}

// grid is the arterial phase's grid: RAS voxel axes, centred left-right
// and front-back on the body.
func (s Size) grid() axisGrid {
	dims, sp, zBottom := [3]int{128, 128, 96}, vec{2.75, 2.75, 3.5}, -215.0
	if s == Full {
		dims, sp, zBottom = [3]int{512, 512, 300}, vec{0.8, 0.8, 1.5}, -285
	}
	return axisGrid{
		dims:    dims,
		spacing: sp,
		origin:  vec{-float64(dims[0]-1) / 2 * sp[0], -float64(dims[1]-1) / 2 * sp[1], zBottom},
	}
}

// Options choose the case to generate.
type Options struct {
	// Seed picks the case; the same seed and size give the same voxels.
	Seed int64
	Size Size
}

// Case is a generated case.
type Case struct {
	// Phases are the "A" (arterial), "P" (portal venous) and "D" (delayed)
	// images in HU, each on its own grid: same dims, spacing and axes as A,
	// origin moved by Params.Phases[name].OriginMM, anatomy displaced by
	// Params.Phases[name].ShiftMM.
	Phases map[string]*volume.Volume[int16]
	// Truth holds label-table values (labels.Default) on the A grid.
	Truth *volume.Volume[uint8]
	// PhaseTruth is the truth as each phase shows it, on that phase's
	// grid (its anatomy displaced by ShiftMM): what a case holding only
	// that phase is measured against. PhaseTruth["A"] is Truth.
	PhaseTruth map[string]*volume.Volume[uint8]
	// Params records what the seed chose.
	Params Params
}

// rngStream separates the demo's random stream from other uses of a seed.
const rngStream = 0x6b69646e65793364 // "kidney3d"

// design draws the case's parameters and lays out its anatomy.
func design(opts Options) (Params, scene) {
	r := rand.New(rand.NewPCG(uint64(opts.Seed), rngStream))
	p := drawParams(r, opts.Seed, opts.Size)
	sc := buildAnatomy(&p, r)
	return p, sc
}

// Generate draws the case of opts.Seed at opts.Size. The same seed and size
// give byte-identical volumes on any number of cores; the same seed at the
// other size gives the same anatomy (in world millimetres) on the other
// grid. It fails only on an unknown size.
func Generate(opts Options) (*Case, error) {
	if opts.Size != Small && opts.Size != Full {
		return nil, fmt.Errorf("demo: unknown size %v", opts.Size)
	}
	p, sc := design(opts)
	ga := opts.Size.grid()
	c := &Case{
		Phases:     map[string]*volume.Volume[int16]{},
		Truth:      volume.New[uint8](volume.Grid{Dims: ga.dims, Affine: ga.affine()}),
		PhaseTruth: map[string]*volume.Volume[uint8]{},
		Params:     p,
	}
	n := c.Truth.Len()
	class, buf := make([]tissue, n), make([]float32, n)
	look := caseLooks(p.Tumor.Subtype)
	for i, name := range phaseNames {
		ph := p.Phases[name]
		g := ph.grid(opts.Size)
		lab := c.Truth
		if name != "A" {
			lab = volume.New[uint8](volume.Grid{Dims: g.dims, Affine: g.affine()})
		}
		c.PhaseTruth[name] = lab
		sc.render(g, ph.ShiftMM, class, lab.Data)
		s := synth{looks: look, phase: i, seed: uint64(opts.Seed), blurSigma: p.BlurSigmaVoxels, noiseSigma: p.NoiseSigmaHU}
		c.Phases[name] = s.image(g, ph.ShiftMM, class, buf)
	}
	return c, nil
}
