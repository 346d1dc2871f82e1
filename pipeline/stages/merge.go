package stages

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("merge", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		b, err := stage.NewBase(name, table, MergeParams{Precedence: DefaultMergePrecedence}, p)
		if err != nil {
			return nil, err
		}
		// Every label's mask in each form a stage may leave it
		// (mergeSources, most finished first) and the segment editor's
		// saved versions (stage.Edits): a case may have any subset.
		var masks []stage.Artefact
		for _, l := range stage.Structures(table) {
			masks = append(masks, mergeSources(l.Name)...)
		}
		b.Declare(stage.LabelFilter(nil, append(masks, stage.Edits), []stage.Artefact{stage.Labels}))
		s := &Merge{b}
		return s, s.validate(table)
	})
}

// DefaultMergePrecedence lists labels from the one that wins an overlap to the
// one that loses; labels not listed lose to all listed ones.
var DefaultMergePrecedence = []string{
	"tumor", "cyst", "artery", "vein", "ureter", "kidney_left", "kidney_right",
	"aorta", "inferior_vena_cava", "spine", "liver", "spleen", "pancreas",
	"urinary_bladder", "perirenal_fat",
}

// MergeParams are the stage's parameters.
type MergeParams struct {
	Precedence []string `yaml:"precedence" json:"precedence"`
}

// Merge is the stage "merge", which merges the structure masks (from
// stages or given in input/masks) into the label map,
// output/labels.nii.gz, on the reference phase's grid (the arterial
// phase's, when the case has it), resolving overlaps by label precedence
// (tumour over kidney, vessels over fat, and so on).
type Merge struct {
	stage.Base[MergeParams]
}

func (s *Merge) validate(t *labels.Table) error {
	var bad []string
	for _, n := range s.Config.Precedence {
		if _, ok := t.ByName(n); !ok {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("precedence names labels the label table lacks: %s", strings.Join(bad, ", "))
	}
	return nil
}

// mergeSources are the artefacts that may hold a label's mask, the most
// finished first: cleaned (after reconnection, for vessels and ureter:
// cleanup reads the reconnected mask), else reconnected (a pipeline
// without cleanup), else derived (perirenal fat), else as a segmentation
// stage or input/masks gave it.
func mergeSources(label string) []stage.Artefact {
	out := []stage.Artefact{CleanupOutput(label), ReconnectOutput(label)}
	if label == "perirenal_fat" {
		out = append(out, FatOutput)
	}
	return append(out, stage.Mask(label))
}

// order is the structures (stage.Structures) painted from lowest to
// highest precedence.
func (s *Merge) order() []labels.Label {
	rank := func(name string) int {
		if i := slices.Index(s.Config.Precedence, name); i >= 0 {
			return len(s.Config.Precedence) - i
		}
		return 0
	}
	ls := stage.Structures(s.Table)
	slices.SortStableFunc(ls, func(a, b labels.Label) int { return rank(a.Name) - rank(b.Name) })
	return ls
}

// Run paints each present mask in precedence order. The masks are held as
// the slices from their first nonzero voxel to their last
// (volume.LoadMaskOn), read concurrently, and the label map as the slices
// that hold them all.
func (s *Merge) Run(ctx context.Context, env *stage.Env) error {
	grid, err := referenceGrid(env)
	if err != nil {
		return err
	}
	// The most finished mask of each label the case has.
	order, paths, used := pickSources(env, s.order(), mergeSources)
	env.Record[stage.SourcesRecord] = used
	parts := make([]*volume.Part[uint8], len(order))
	err = parallel.Each(ctx, len(order), func(n int) (err error) {
		parts[n], err = volume.LoadMaskOn(paths[n], grid)
		return err
	}, func(done int) { env.Progress(float64(done) / float64(len(order)+1)) })
	if err != nil {
		return err
	}
	// The box that holds every mask's box.
	lo, hi := grid.Dims, [3]int{}
	for _, p := range parts {
		if p.Box.Len() > 0 {
			for a := range 3 {
				lo[a], hi[a] = min(lo[a], p.Lo[a]), max(hi[a], p.Lo[a]+p.Box.Dims[a])
			}
		}
	}
	if hi[0] <= lo[0] {
		lo, hi = [3]int{}, [3]int{}
	}
	out := volume.New[uint8](volume.CropGrid(grid, lo, hi))
	for n, p := range parts {
		paintPart(out, lo, p, uint8(order[n].Value))
	}
	if full, err := applyEdits(env, s.Table, grid, volume.CropPart(grid, lo, out), used); err != nil {
		return err
	} else if full != nil {
		out, lo = full, [3]int{}
	}
	var byValue [256]int
	for _, v := range out.Data {
		byValue[v]++
	}
	counts := map[string]int{}
	for v, n := range byValue {
		if v != 0 && n > 0 {
			counts[s.Table.Name(v)] += n
		}
	}
	if len(counts) == 0 {
		env.Log.Warn("no structure masks: the label map is empty")
	}
	env.Record["voxels"] = counts
	return volume.SavePart(env.Output(stage.Labels), volume.CropPart(grid, lo, out), env.Atomic())
}

// applyEdits overlays the labels that the newest saved version of the
// segment editor edited (editversions.Version.Edited) on the merged map
// p: where either holds an edited label, the version's voxel wins, so each
// edited label comes out exactly as saved. It returns the whole map, or
// nil when no label is edited; used learns where each edited label came
// from.
func applyEdits(env *stage.Env, table *labels.Table, grid volume.Grid, p *volume.Part[uint8], used map[string]stage.Artefact) (*volume.Volume[uint8], error) {
	path, err := env.Input(stage.Edits)
	if err != nil {
		return nil, nil
	}
	data, err := limits.ReadFile(path, limits.MaxManifestBytes)
	if err != nil {
		return nil, err
	}
	vs, err := editversions.Parse(data, path)
	if err != nil {
		return nil, err
	}
	v, ok := vs.Latest()
	if !ok || len(v.Edited) == 0 {
		return nil, nil
	}
	var edited [256]bool
	for _, name := range v.Edited {
		l, ok := table.ByName(name)
		if !ok {
			return nil, fmt.Errorf("%s: version %d edited label %q, which the run's label table lacks", path, v.Version, name)
		}
		edited[l.Value] = true
		used[name] = stage.Edits
	}
	ver, err := editversions.LoadLabels(env.Case, v)
	if err != nil {
		return nil, err
	}
	if err := volume.SameGrid(grid, ver.Grid, volume.GridTolerance); err != nil {
		return nil, fmt.Errorf("%s: not on the reference phase's grid: %w", env.Case.VersionPath(v.Version), err)
	}
	full := p.Full()
	for n, e := range ver.Data {
		if edited[e] || edited[full.Data[n]] {
			full.Data[n] = e
		}
	}
	env.Record[stage.EditRecord] = measure.EditSource{Version: v.Version, File: v.File, SHA256: v.SHA256}
	return full, nil
}

// paintPart sets to value the voxels of out, a box whose first voxel is at,
// where p is nonzero; p's box must lie within out's.
func paintPart(out *volume.Volume[uint8], at [3]int, p *volume.Part[uint8], value uint8) {
	b := p.Box
	if b.Len() == 0 {
		return
	}
	nx := b.Dims[0]
	parallel.For(b.Dims[2], 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			for j := range b.Dims[1] {
				src := b.Data[b.Index(0, j, k) : b.Index(0, j, k)+nx]
				d := out.Index(p.Lo[0]-at[0], p.Lo[1]-at[1]+j, p.Lo[2]-at[2]+k)
				dst := out.Data[d : d+nx]
				for i, v := range src {
					if v != 0 {
						dst[i] = value
					}
				}
			}
		}
	})
}

// Interface guards.
var (
	_ stage.Stage          = (*Merge)(nil)
	_ stage.OptionalInputs = (*Merge)(nil)
)
