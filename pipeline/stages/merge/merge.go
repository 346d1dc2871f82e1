// Package merge is the stage that merges the structure masks (from stages
// or given in input/masks) into output/labels.nii.gz on the arterial
// phase's grid, resolving overlaps by label precedence (tumour over kidney,
// vessels over fat, and so on).
package merge

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kidney3d/nifti"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/cleanup"
	"kidney3d/pipeline/stages/fat"
	"kidney3d/pipeline/stages/load"
	"kidney3d/pipeline/stages/reconnect"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("merge", func(name string, p stage.Params) (stage.Stage, error) {
		s := &Stage{name: name, params: Params{Precedence: DefaultPrecedence}}
		if err := p.Decode(&s.params); err != nil {
			return nil, err
		}
		return s, s.validate(labels.Default())
	})
}

// DefaultPrecedence lists labels from the one that wins an overlap to the
// one that loses; labels not listed lose to all listed ones.
var DefaultPrecedence = []string{
	"tumor", "cyst", "artery", "vein", "ureter", "kidney_left", "kidney_right",
	"aorta", "inferior_vena_cava", "spine", "liver", "spleen", "pancreas",
	"urinary_bladder", "perirenal_fat",
}

// Params are the stage's parameters.
type Params struct {
	Precedence []string `yaml:"precedence" json:"precedence"`
}

// Stage merges masks into the label map.
type Stage struct {
	name   string
	params Params
}

func (s *Stage) validate(t *labels.Table) error {
	var bad []string
	for _, n := range s.params.Precedence {
		if _, ok := t.ByName(n); !ok {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("precedence names labels the label table lacks: %s", strings.Join(bad, ", "))
	}
	return nil
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return s.name }

// Inputs are the arterial phase (for the grid), the load stage's summary
// and, for every label, its mask in each form a stage may leave it
// (sources, most finished first).
func (s *Stage) Inputs() []string {
	in := []string{stage.Phase("A"), load.Summary}
	return append(in, s.maskInputs()...)
}

// OptionalInputs are the masks: a case may have any subset.
func (s *Stage) OptionalInputs() []string { return s.maskInputs() }

func (s *Stage) maskInputs() []string {
	var out []string
	for _, l := range labels.Default().Labels {
		if l.Value != 0 {
			out = append(out, sources(l.Name)...)
		}
	}
	return out
}

// sources are the artefacts that may hold a label's mask, the most
// finished first: reconnected (vessels, ureter) or derived (perirenal fat),
// else cleaned, else as a segmentation stage or input/masks gave it.
func sources(label string) []string {
	out := []string{reconnect.Output(label)}
	if label == "perirenal_fat" {
		out = append(out, fat.Output)
	}
	return append(out, cleanup.Clean(label), stage.Mask(label))
}

// maskPath is the most finished mask of a label the case has.
func maskPath(env *stage.Env, label string) (string, bool) {
	for _, a := range sources(label) {
		if p, err := env.Input(a); err == nil {
			return p, true
		}
	}
	return "", false
}

// Outputs implements stage.Stage.
func (s *Stage) Outputs() []string { return []string{stage.Labels} }

// Resource implements stage.Stage.
func (s *Stage) Resource() stage.Resource { return stage.CPU }

// Params implements stage.Stage.
func (s *Stage) Params() any { return s.params }

// Check implements stage.Stage; the load stage has validated the masks.
func (s *Stage) Check(env *stage.Env) error {
	_, err := env.Input(stage.Phase("A"))
	return err
}

// order is the labels painted from lowest to highest precedence.
func (s *Stage) order(t *labels.Table) []labels.Label {
	rank := func(name string) int {
		if i := slices.Index(s.params.Precedence, name); i >= 0 {
			return len(s.params.Precedence) - i
		}
		return 0
	}
	ls := slices.Clone(t.Labels)
	slices.SortStableFunc(ls, func(a, b labels.Label) int { return rank(a.Name) - rank(b.Name) })
	return ls
}

// Run paints each present mask in precedence order.
func (s *Stage) Run(ctx context.Context, env *stage.Env) error {
	aPath, _ := env.Input(stage.Phase("A"))
	h, err := nifti.ReadHeaderFile(aPath)
	if err != nil {
		return err
	}
	out := volume.New[uint8](volume.GridOf(h))
	counts := map[string]int{}
	order := s.order(env.Labels)
	for n, l := range order {
		path, ok := maskPath(env, l.Name)
		if l.Value == 0 || !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := volume.Load[uint8](path)
		if err != nil {
			return err
		}
		if err := volume.SameGrid(out.Grid, m.Grid, 1e-3); err != nil {
			return fmt.Errorf("%s: mask of %s is not on the arterial phase's grid: %w", path, l.Name, err)
		}
		value := uint8(l.Value)
		parallel.For(len(m.Data), 1<<16, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if m.Data[i] != 0 {
					out.Data[i] = value
				}
			}
		})
		env.Progress(float64(n+1) / float64(len(order)+1))
	}
	for _, v := range out.Data {
		if v != 0 {
			counts[env.Labels.Name(int(v))]++
		}
	}
	if len(counts) == 0 {
		env.Log.Warn("no structure masks: the label map is empty")
	}
	env.Record["voxels"] = counts
	return volume.Save(env.Output(stage.Labels), out, env.Atomic())
}
