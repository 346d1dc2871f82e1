package stages

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"kidney3d/nifti"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/maskimport"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("load", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		b, err := stage.NewBase(name, table, LoadParams{MinSpacing: 0.1, MaxSpacing: 20, MinOverlap: 0.1, MinSlices: MinSlices}, p)
		s := &Load{Base: b}
		// Every phase, every label's mask and input/masks as a whole (so
		// that a file added there is checked) are optional to the
		// orchestrator; Check insists on a phase so that a case without
		// one is an error rather than a skip.
		var in []stage.Artefact
		for _, p := range casefile.Phases {
			in = append(in, stage.Phase(p))
		}
		for _, l := range stage.Structures(table) {
			s.masks = append(s.masks, stage.Given(l.Name))
		}
		in = append(append(in, s.masks...), stage.GivenFolder)
		s.Declare(stage.Decl{Resource: stage.IO, Optional: in, Outputs: []stage.Artefact{stage.InputsSummary}})
		return s, err
	})
}

// LoadParams are the stage's limits.
type LoadParams struct {
	MinSpacing float64 `yaml:"min_spacing_mm" json:"min_spacing_mm"`
	MaxSpacing float64 `yaml:"max_spacing_mm" json:"max_spacing_mm"`
	// MinOverlap is the least fraction of the smaller of two phases' boxes
	// that must lie inside the other.
	MinOverlap float64 `yaml:"min_overlap" json:"min_overlap"`
	// MinSlices is the fewest voxels a phase may have along each axis.
	MinSlices int `yaml:"min_slices" json:"min_slices"`
}

// MinSlices is the default of LoadParams.MinSlices: a kidney, about 12 cm
// long, spans 6 slices at the largest voxel size accepted (20 mm), so an
// image with fewer than 8 along an axis cannot hold one.
const MinSlices = 8

// MaxHU bounds the values of a phase after scaling (scl_slope, scl_inter):
// CT numbers lie within about -1024 to 30 000 HU, and int16 storage within
// ±32768.
const MaxHU = 32768

// Load is the pipeline's first stage, "load", which validates inputs: it
// checks the case's phases and given masks before any long work and
// records what it found in work/load/inputs.json (stage.InputsSummary), which
// every later stage waits for.
//
// The case's reference phase is the arterial one, else the first of P, D
// and N it has (casefile.ReferenceOrder); its grid is the grid of the masks
// and the label map, and inputs.json names it.
//
// From the headers (Check), each problem with its reason: no phase at all; an image over the size limit (package limits); an image
// that is not 3D or has fewer than MinSlices voxels along an axis; a voxel
// size that is zero, negative or not a number with no qform or sform to
// give the geometry (nibabel would take 1 mm); absurd spacing; phases that
// do not overlap in space; masks not on the reference phase's world grid (a
// mask storing that grid in another axis order or direction is accepted:
// the stages relabel it, volume.LoadMaskOn); files in input/masks that are
// not a label's mask, with the label the mask alias table would give them
// (maskimport). From the voxels (Run): a phase
// with NaN or infinite values, values outside ±MaxHU after scaling, or one
// value everywhere; a mask with NaN or infinite values. In a mask any other
// nonzero value is inside (volume.LoadMask).
type Load struct {
	stage.Base[LoadParams]
	// masks are the mask artefacts it may read: one per label of the
	// run's table.
	masks []stage.Artefact
}

// reference is the case's reference phase among the phases given, and
// its file.
func reference(env *stage.Env) (phase, path string, ok bool) {
	for _, p := range casefile.ReferenceOrder {
		if path, err := env.Input(stage.Phase(p)); err == nil {
			return p, path, true
		}
	}
	return "", "", false
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
func (s *Load) Check(env *stage.Env) error {
	var bad problems
	ref, _, ok := reference(env)
	if !ok {
		bad.add(filepath.Dir(env.Case.PhasePath("A")), "no phase: want at least one of A.nii.gz (arterial), P.nii.gz (portal venous), D.nii.gz (delayed) or N.nii.gz (non-contrast)")
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
	if a, ok := grids[ref]; ok {
		for _, p := range casefile.Phases {
			if g, ok := grids[p]; ok && p != ref {
				if f := overlap(a, g); f < s.Config.MinOverlap {
					bad.add(env.Case.PhasePath(p), "does not overlap the reference phase %s in space (%.0f%% of the smaller box shared; centres %.0f mm apart)", ref, 100*f, centreDistance(a, g))
				}
			}
		}
	}
	if err := unknownMasks(env.Case.MasksDir(), s.Table); err != nil {
		bad = append(bad, err.Error())
	}
	for label, path := range givenMasks(env, s.masks) {
		h, err := readHeader(path)
		if err != nil {
			bad.add(path, "%v", unwrapFile(err, path))
			continue
		}
		if a, ok := grids[ref]; ok {
			if _, err := volume.Relabelling(volume.GridOf(h), a, volume.GridTolerance); err != nil {
				bad.add(path, "mask of %s is not on the grid of phase %s (the reference) in any axis order or direction: %v", label, ref, err)
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

// readHeader reads the header of an input image and refuses an image over
// the size limit.
func readHeader(path string) (*nifti.Header, error) {
	h, err := nifti.ReadHeaderFile(path)
	if err != nil {
		return nil, err
	}
	return h, h.CheckLimits()
}

// checkHeader validates one phase's geometry from its header.
func (s *Load) checkHeader(path string) (volume.Grid, error) {
	h, err := readHeader(path)
	if err != nil {
		return volume.Grid{}, err
	}
	shape := h.Shape()
	if h.Dim[0] < 3 || shape[2] < 2 {
		return volume.Grid{}, fmt.Errorf("not a 3D image (dims %v)", shape)
	}
	if m := min(shape[0], shape[1], shape[2]); m < s.Config.MinSlices {
		return volume.Grid{}, fmt.Errorf("%d slices along an axis (dims %v): a CT needs at least %d", m, shape, s.Config.MinSlices)
	}
	if !h.HasXform() {
		for a := range 3 {
			if p := h.PixDim[a+1]; !(p > 0) || math.IsInf(p, 0) {
				return volume.Grid{}, fmt.Errorf("voxel size pixdim[%d] is %g and there is no qform or sform: the geometry is unknown", a+1, p)
			}
		}
	}
	g := volume.GridOf(h)
	if err := g.Validate(); err != nil {
		return volume.Grid{}, err
	}
	for a, sp := range g.Spacing() {
		if !(sp >= s.Config.MinSpacing && sp <= s.Config.MaxSpacing) {
			return volume.Grid{}, fmt.Errorf("voxel size %.4g mm along axis %d is outside %g–%g mm", sp, a, s.Config.MinSpacing, s.Config.MaxSpacing)
		}
	}
	return g, nil
}

// unknownMasks lists the files of input/masks that are not the mask of a
// label of the table (<label>.nii.gz) in dir: a misspelt name would
// otherwise be ignored. Hidden files are left alone.
func unknownMasks(dir string, table *labels.Table) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var unknown []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		label, ok := strings.CutSuffix(name, ".nii.gz")
		if l, known := table.ByName(label); !ok || !known || l.Value == 0 {
			if alias := maskimport.Default().Suggest(name, table); alias != "" {
				name += " (" + alias + ")"
			}
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	var names []string
	for _, l := range stage.Structures(table) {
		names = append(names, l.Name)
	}
	return fmt.Errorf("%s: not the mask of a label: %s (masks are named <label>.nii.gz, the labels being %s; "+
		"`kidney3d import-masks FOLDER --from TOOL --out CASE` renames and merges another tool's masks through the mask alias table)",
		dir, strings.Join(unknown, ", "), strings.Join(names, ", "))
}

// givenMasks maps label names to the mask files present among inputs.
func givenMasks(env *stage.Env, artefacts []stage.Artefact) map[string]string {
	out := map[string]string{}
	for _, a := range artefacts {
		label, _ := stage.GivenOf(a)
		if path, err := env.Input(a); err == nil {
			out[label] = path
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
	File string `json:"file"` // relative to the case folder
	// Dims are the voxels along each stored axis, Spacing their size in
	// mm, and Orientation the axes' directions as codes (e.g. "RAS").
	Dims        [3]int     `json:"dims"`
	Spacing     [3]float64 `json:"spacing"`
	Orientation string     `json:"orientation"`
	// Min and Max are the lowest and highest values, in HU after scaling.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// MaskSummary is what inputs.json says of one given mask.
type MaskSummary struct {
	File   string `json:"file"`
	Voxels int    `json:"voxels"`
	// Stored is the mask's axis codes (e.g. "LAS") when it stores the
	// reference phase's grid in another axis order or direction: the stages
	// relabel its voxels onto that grid (volume.LoadMaskOn).
	Stored string `json:"stored,omitempty"`
}

// Run reads every voxel (a truncated or corrupt file fails here), checks
// the values of phases and masks (see Load), and writes the
// summary.
func (s *Load) Run(ctx context.Context, env *stage.Env) error {
	var bad problems
	ref, refPath, ok := reference(env)
	if !ok {
		return errors.New("no phase (Check lets no such case through)")
	}
	out := struct {
		// Reference is the phase whose grid the masks and label map are on.
		Reference string                  `json:"reference"`
		Phases    map[string]PhaseSummary `json:"phases"`
		Masks     map[string]MaskSummary  `json:"masks"`
	}{ref, map[string]PhaseSummary{}, map[string]MaskSummary{}}
	rel := env.Case.Rel
	masks := givenMasks(env, s.masks)
	total, done := len(masks), 0
	for _, p := range casefile.Phases {
		if _, err := env.Input(stage.Phase(p)); err == nil {
			total++
		}
	}
	// The phases are decoded side by side (each file is one gzip stream
	// for files made elsewhere) and kept for the stages after, which then
	// do not decode them again.
	phases := make([]phaseCheck, len(casefile.Phases))
	var wg sync.WaitGroup
	for n, p := range casefile.Phases {
		path, err := env.Input(stage.Phase(p))
		if err != nil {
			continue
		}
		phases[n].path = path
		wg.Go(func() {
			if ctx.Err() == nil {
				phases[n] = checkPhase(env, p, path)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for n, p := range casefile.Phases {
		switch c := phases[n]; {
		case c.path == "":
		case c.problem != "":
			bad.add(c.path, "%s", c.problem)
		default:
			c.summary.File = rel(c.path)
			out.Phases[p] = c.summary
			done++
		}
	}
	env.Progress(float64(done) / float64(total))
	refGrid, err := volume.ReadGrid(refPath)
	if err != nil {
		return err
	}
	names := sortedKeys(masks)
	checked := make([]maskCheck, len(names))
	parallel.For(len(names), 1, func(lo, hi int) {
		for n := lo; n < hi && ctx.Err() == nil; n++ {
			checked[n] = checkGivenMask(masks[names[n]], refGrid)
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for n, label := range names {
		path, c := masks[label], checked[n]
		if c.problem != "" {
			bad.add(path, "%s", c.problem)
			continue
		}
		out.Masks[label] = MaskSummary{File: rel(path), Voxels: c.voxels, Stored: c.stored}
		done++
	}
	env.Progress(float64(done) / float64(total))
	if err := bad.err(); err != nil {
		return err
	}
	return env.SaveJSON(stage.InputsSummary, out)
}

// phaseCheck is what checking one phase found: its summary, or the
// problem with its file.
type phaseCheck struct {
	path    string
	summary PhaseSummary
	problem string
}

// checkPhase reads a phase, checks its values and keeps its voxels for the
// run (stage.KeepVolume) as the stages read them: int16 HU.
func checkPhase(env *stage.Env, phase, path string) phaseCheck {
	img, err := nifti.ReadFile(path)
	if err != nil {
		return phaseCheck{path: path, problem: unwrapFile(err, path)}
	}
	vals, err := checkValues(img)
	if err != nil {
		return phaseCheck{path: path, problem: err.Error()}
	}
	a := volume.Affine(img.Header.Affine())
	if v, err := volume.FromImage[int16](img); err == nil {
		stage.KeepVolume(env, stage.Phase(phase), v)
	}
	return phaseCheck{path: path, summary: PhaseSummary{Dims: img.Header.Shape(), Spacing: a.Spacing(), Orientation: a.AxisCodes(), Min: vals.Min, Max: vals.Max}}
}

// maskCheck is what checking one given mask found: its voxels inside and
// its storage, or the problem with its file.
type maskCheck struct {
	voxels  int
	stored  string
	problem string
}

// checkGivenMask reads a given mask (checkMask) and checks that it lies on
// the reference grid, in any storage of it (volume.CheckMaskGrid).
func checkGivenMask(path string, ref volume.Grid) maskCheck {
	n, err := checkMask(path)
	if err != nil {
		return maskCheck{problem: err.Error()}
	}
	stored, err := volume.CheckMaskGrid(path, ref)
	if err != nil {
		return maskCheck{problem: unwrapFile(err, path)}
	}
	return maskCheck{voxels: n, stored: stored}
}

// checkMask reads a mask made elsewhere (volume.LoadMask: any nonzero
// finite value is inside, a NaN or an infinity is an error) and returns
// the number of voxels inside.
func checkMask(path string) (int, error) {
	m, err := volume.LoadMask(path)
	if err != nil {
		return 0, errors.New(unwrapFile(err, path))
	}
	n := 0
	for _, x := range m.Box.Data {
		n += int(x)
	}
	return n, nil
}

// checkValues scans a phase's scaled values and refuses NaN or infinite
// voxels, values outside ±MaxHU, and an image of one value.
func checkValues(img *nifti.Image) (volume.Values, error) {
	v := volume.ValuesOf(img)
	h := &img.Header
	if err := v.NonFiniteError(volume.GridOf(h), [3]int{}); err != nil {
		return v, err
	}
	if v.Min < -MaxHU || v.Max > MaxHU {
		slope, inter, _ := img.Slope()
		return v, fmt.Errorf("values from %.4g to %.4g after scaling (scl_slope %.4g, scl_inter %.4g) are outside ±%d HU: not a CT", v.Min, v.Max, slope, inter, MaxHU)
	}
	if v.Min == v.Max {
		return v, fmt.Errorf("every voxel is %g: a constant image holds no anatomy", v.Min)
	}
	return v, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Interface guards.
var (
	_ stage.Stage          = (*Load)(nil)
	_ stage.OptionalInputs = (*Load)(nil)
)
