// Package load is the pipeline's first stage: it validates the case's
// phases and given masks before any long work (a missing arterial phase, an
// image that is not 3D, absurd spacing, phases that do not overlap in
// space, NaNs, masks that break the label table) and records what it found
// in work/load/inputs.json, which every later stage waits for.
package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"kidney3d/nifti"
	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// Summary is the stage's output artefact.
const Summary = "inputs.json"

func init() {
	stage.Register("load", func(name string, p stage.Params) (stage.Stage, error) {
		s := &Stage{name: name, params: Params{MinSpacing: 0.1, MaxSpacing: 20, MinOverlap: 0.1}}
		return s, p.Decode(&s.params)
	})
}

// Params are the stage's limits.
type Params struct {
	MinSpacing float64 `yaml:"min_spacing_mm" json:"min_spacing_mm"`
	MaxSpacing float64 `yaml:"max_spacing_mm" json:"max_spacing_mm"`
	// MinOverlap is the least fraction of the smaller of two phases' boxes
	// that must lie inside the other.
	MinOverlap float64 `yaml:"min_overlap" json:"min_overlap"`
}

// Stage validates inputs.
type Stage struct {
	name   string
	params Params
	// masks are the mask artefacts it may read: one per label of the
	// default table, set when the stage first sees its environment.
	masks []string
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return s.name }

// Inputs are every phase and every label's mask; all are optional to the
// orchestrator, and Check insists on the arterial phase itself so that its
// absence is an error rather than a skip.
func (s *Stage) Inputs() []string { return append(phaseArtefacts(), s.maskArtefacts()...) }

// OptionalInputs implements orchestrate.OptionalInputs.
func (s *Stage) OptionalInputs() []string { return s.Inputs() }

// Outputs implements stage.Stage.
func (s *Stage) Outputs() []string { return []string{Summary} }

// Resource implements stage.Stage.
func (s *Stage) Resource() stage.Resource { return stage.IO }

// Params implements stage.Stage.
func (s *Stage) Params() any { return s.params }

func phaseArtefacts() []string {
	var out []string
	for _, p := range casefile.Phases {
		out = append(out, stage.Phase(p))
	}
	return out
}

func (s *Stage) maskArtefacts() []string {
	if s.masks == nil {
		for _, l := range labels.Default().Labels {
			if l.Value != 0 {
				s.masks = append(s.masks, stage.Given(l.Name))
			}
		}
	}
	return s.masks
}

// problems collects every problem found, to report them all at once.
type problems []string

func (p *problems) add(file, format string, args ...any) {
	*p = append(*p, file+": "+fmt.Sprintf(format, args...))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New("invalid input:\n  " + strings.Join(p, "\n  "))
}

// Check reads the headers of every phase and mask and reports all problems.
func (s *Stage) Check(env *stage.Env) error {
	var bad problems
	if _, err := env.Input(stage.Phase("A")); err != nil {
		bad.add(env.Case.PhasePath("A"), "missing: the arterial phase is required")
	}
	grids := map[string]volume.Grid{}
	for _, p := range casefile.Phases {
		path, err := env.Input(stage.Phase(p))
		if err != nil {
			continue
		}
		g, err := s.checkHeader(path)
		if err != nil {
			bad.add(path, "%v", unwrapFile(err, path))
			continue
		}
		grids[p] = g
	}
	if a, ok := grids["A"]; ok {
		for _, p := range casefile.Phases {
			if g, ok := grids[p]; ok && p != "A" {
				if f := overlap(a, g); f < s.params.MinOverlap {
					bad.add(env.Case.PhasePath(p), "does not overlap the arterial phase in space (%.0f%% of the smaller box shared; centres %.0f mm apart)", 100*f, centreDistance(a, g))
				}
			}
		}
	}
	for label, path := range givenMasks(env, s.maskArtefacts()) {
		h, err := nifti.ReadHeaderFile(path)
		if err != nil {
			bad.add(path, "%v", unwrapFile(err, path))
			continue
		}
		if a, ok := grids["A"]; ok {
			g := volume.GridOf(h)
			if err := volume.SameGrid(a, g, 1e-3); err != nil {
				bad.add(path, "mask of %s is not on the arterial phase's grid: %v", label, err)
			}
		}
	}
	return bad.err()
}

// unwrapFile drops the file name from a nifti error that already names it,
// since problems are listed by file.
func unwrapFile(err error, path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "nifti: "), path+": ")
}

// checkHeader validates one phase's geometry from its header.
func (s *Stage) checkHeader(path string) (volume.Grid, error) {
	h, err := nifti.ReadHeaderFile(path)
	if err != nil {
		return volume.Grid{}, err
	}
	shape := h.Shape()
	if h.Dim[0] < 3 || shape[2] < 2 {
		return volume.Grid{}, fmt.Errorf("not a 3D image (dims %v)", shape)
	}
	g := volume.GridOf(h)
	if err := g.Validate(); err != nil {
		return volume.Grid{}, err
	}
	for a, sp := range g.Spacing() {
		if !(sp >= s.params.MinSpacing && sp <= s.params.MaxSpacing) {
			return volume.Grid{}, fmt.Errorf("voxel size %.4g mm along axis %d is outside %g–%g mm", sp, a, s.params.MinSpacing, s.params.MaxSpacing)
		}
	}
	return g, nil
}

// givenMasks maps label names to the mask files present among inputs.
func givenMasks(env *stage.Env, artefacts []string) map[string]string {
	out := map[string]string{}
	for _, a := range artefacts {
		if path, err := env.Input(a); err == nil {
			out[strings.TrimPrefix(a, stage.Given(""))] = path
		}
	}
	return out
}

// overlap is the fraction of the smaller box that the two grids' world
// bounding boxes share.
func overlap(a, b volume.Grid) float64 {
	alo, ahi := a.Bounds()
	blo, bhi := b.Bounds()
	inter, va, vb := 1.0, 1.0, 1.0
	for i := 0; i < 3; i++ {
		inter *= math.Max(0, math.Min(ahi[i], bhi[i])-math.Max(alo[i], blo[i]))
		va *= ahi[i] - alo[i]
		vb *= bhi[i] - blo[i]
	}
	return inter / math.Min(va, vb)
}

func centreDistance(a, b volume.Grid) float64 {
	alo, ahi := a.Bounds()
	blo, bhi := b.Bounds()
	var d float64
	for i := 0; i < 3; i++ {
		x := (alo[i]+ahi[i])/2 - (blo[i]+bhi[i])/2
		d += x * x
	}
	return math.Sqrt(d)
}

// PhaseSummary is what inputs.json says of one phase.
type PhaseSummary struct {
	File        string     `json:"file"`
	Dims        [3]int     `json:"dims"`
	Spacing     [3]float64 `json:"spacing"`
	Orientation string     `json:"orientation"`
	Min         float64    `json:"min"`
	Max         float64    `json:"max"`
}

// MaskSummary is what inputs.json says of one given mask.
type MaskSummary struct {
	File   string `json:"file"`
	Voxels int    `json:"voxels"`
}

// Run reads every voxel (a truncated or corrupt file fails here), rejects
// NaNs and masks whose values break the label table, and writes the summary.
func (s *Stage) Run(ctx context.Context, env *stage.Env) error {
	var bad problems
	out := struct {
		Phases map[string]PhaseSummary `json:"phases"`
		Masks  map[string]MaskSummary  `json:"masks"`
	}{map[string]PhaseSummary{}, map[string]MaskSummary{}}
	rel := func(p string) string { r, _ := filepath.Rel(env.Case.Dir, p); return filepath.ToSlash(r) }
	masks := givenMasks(env, s.maskArtefacts())
	total, done := len(masks), 0
	for _, p := range casefile.Phases {
		if _, err := env.Input(stage.Phase(p)); err == nil {
			total++
		}
	}
	for _, p := range casefile.Phases {
		path, err := env.Input(stage.Phase(p))
		if err != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		img, err := nifti.ReadFile(path)
		if err != nil {
			bad.add(path, "%v", unwrapFile(err, path))
			continue
		}
		lo, hi, nans := valueRange(img)
		if nans > 0 {
			bad.add(path, "%d voxels are NaN", nans)
		}
		a := volume.Affine(img.Header.Affine())
		out.Phases[p] = PhaseSummary{File: rel(path), Dims: img.Header.Shape(), Spacing: a.Spacing(), Orientation: a.AxisCodes(), Min: lo, Max: hi}
		done++
		env.Progress(float64(done) / float64(total))
	}
	for _, label := range sortedKeys(masks) {
		path := masks[label]
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := checkMask(path, env.Labels.Value(label))
		if err != nil {
			bad.add(path, "%v", err)
			continue
		}
		out.Masks[label] = MaskSummary{File: rel(path), Voxels: n}
		done++
		env.Progress(float64(done) / float64(total))
	}
	if err := bad.err(); err != nil {
		return err
	}
	return atomicfile.Write(env.Output(Summary), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}, env.Atomic())
}

// checkMask accepts a binary mask: values 0 and 1, or 0 and the label's own
// value; it returns the number of voxels set.
func checkMask(path string, value uint8) (int, error) {
	v, err := volume.Load[uint8](path)
	if err != nil {
		return 0, errors.New(unwrapFile(err, path))
	}
	if err := labelops.CheckBinary(v, value); err != nil {
		return 0, err
	}
	c := measure.Counts(v)
	if value == 1 {
		return c[1], nil
	}
	return c[1] + c[value], nil
}

// valueRange is the range of an image's scaled values and its NaN count.
func valueRange(img *nifti.Image) (lo, hi float64, nans int) {
	lo, hi = math.Inf(1), math.Inf(-1)
	s := img.Header.Shape()
	for i := 0; i < s[0]*s[1]*s[2]; i++ {
		f := img.Float64(i)
		if f != f {
			nans++
			continue
		}
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	return lo, hi, nans
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
