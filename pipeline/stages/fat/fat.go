// Package fat is the stage "perirenal_fat": it segments the perirenal fat
// (package pipeline/post/fat) from the kidney masks, the masks of every
// other structure given, and a contrast phase, and writes it as the
// artefact Output.
package fat

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/post/fat"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/load"
	"kidney3d/pipeline/volume"
)

// Output is the stage's mask artefact, work/perirenal_fat/derived/perirenal_fat.nii.gz.
const Output = "derived/perirenal_fat"

// label is the structure the stage segments; its own mask is never read.
const label = "perirenal_fat"

func init() {
	stage.Register("perirenal_fat", func(name string, p stage.Params) (stage.Stage, error) {
		s := &Stage{name: name, params: Params{Phase: "A", Params: fat.Defaults}}
		if err := p.Decode(&s.params); err != nil {
			return nil, err
		}
		if s.params.Phase != "A" && s.params.Phase != "P" {
			return nil, fmt.Errorf("phase %q: want A or P", s.params.Phase)
		}
		return s, nil
	})
}

// Params are the stage's parameters.
type Params struct {
	// Phase is the contrast phase read: A, or P registered onto A.
	Phase      string `yaml:"phase" json:"phase"`
	fat.Params `yaml:",inline"`
}

// Stage segments the perirenal fat.
type Stage struct {
	name   string
	params Params
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return s.name }

// ct is the artefact of the phase read.
func (s *Stage) ct() string {
	if s.params.Phase == "A" {
		return stage.Phase("A")
	}
	return stage.Registered(s.params.Phase)
}

// Inputs implements stage.Stage.
func (s *Stage) Inputs() []string {
	in := []string{stage.Phase("A"), load.Summary}
	if s.params.Phase != "A" {
		in = append(in, s.ct())
	}
	return append(in, s.OptionalInputs()...)
}

// OptionalInputs are the masks of every label, the fat's own included:
// when the case gives that one, the stage leaves it be and writes nothing.
func (s *Stage) OptionalInputs() []string {
	var out []string
	for _, l := range labels.Default().Labels {
		if l.Value != 0 {
			out = append(out, stage.Mask(l.Name))
		}
	}
	return out
}

// Outputs implements stage.Stage.
func (s *Stage) Outputs() []string { return []string{Output} }

// OptionalOutputs implements orchestrate.OptionalOutputs: there is no
// derived fat when the case gives its own or has no kidney.
func (s *Stage) OptionalOutputs() []string { return s.Outputs() }

// Resource implements stage.Stage.
func (s *Stage) Resource() stage.Resource { return stage.CPU }

// Params implements stage.Stage.
func (s *Stage) Params() any { return s.params }

// Check implements stage.Stage: the phase must be there.
func (s *Stage) Check(env *stage.Env) error {
	if _, err := env.Input(s.ct()); err != nil {
		return err
	}
	return nil
}

// skip says why there is nothing to derive, or "".
func skip(env *stage.Env) string {
	if _, err := env.Input(stage.Mask(label)); err == nil {
		return "perirenal fat is given in input/masks"
	}
	_, errL := env.Input(stage.Mask("kidney_left"))
	_, errR := env.Input(stage.Mask("kidney_right"))
	if errL != nil && errR != nil {
		return "no kidney mask (kidney_left or kidney_right)"
	}
	return ""
}

// Run implements stage.Stage.
func (s *Stage) Run(ctx context.Context, env *stage.Env) error {
	if why := skip(env); why != "" {
		env.Log.Warn("no perirenal fat derived", "reason", why)
		env.Record["skipped"] = why
		return nil
	}
	in, err := s.load(ctx, env)
	if err != nil {
		return err
	}
	in.MidlineX = midline.X(in.CT.Grid, in.Kidneys["left"], in.Kidneys["right"])
	out, err := fat.Segment(in, s.params.Params)
	if err != nil {
		return err
	}
	n := 0
	for _, v := range out.Data {
		n += int(v)
	}
	env.Record["volume_ml"] = float64(n) * out.VoxelVolume() / 1000
	return volume.Save(env.Output(Output), out, env.Atomic())
}

// load reads, concurrently, the phase and the mask of every label the case
// has but the fat's own, and checks that the masks lie on the phase's grid.
func (s *Stage) load(ctx context.Context, env *stage.Env) (fat.Input, error) {
	var given []string
	for _, l := range env.Labels.Labels {
		if _, err := env.Input(stage.Mask(l.Name)); err == nil && l.Value != 0 && l.Name != label {
			given = append(given, l.Name)
		}
	}
	var ct *volume.Volume[int16]
	masks := make([]*volume.Volume[uint8], len(given))
	errs := make([]error, len(given)+1)
	var mu sync.Mutex
	done := 0
	// The phase goes first: it takes longest.
	parallel.For(len(given)+1, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			if errs[n] = ctx.Err(); errs[n] != nil {
				return
			}
			if n == 0 {
				path, _ := env.Input(s.ct())
				ct, errs[n] = volume.Load[int16](path)
				continue
			}
			path, _ := env.Input(stage.Mask(given[n-1]))
			masks[n-1], errs[n] = volume.Load[uint8](path)
			mu.Lock()
			done++
			env.Progress(0.5 * float64(done) / float64(len(given)))
			mu.Unlock()
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fat.Input{}, err
	}
	in := fat.Input{CT: ct, Kidneys: map[string]*volume.Volume[uint8]{}}
	for n, name := range given {
		m := masks[n]
		if err := volume.SameGrid(ct.Grid, m.Grid, 1e-3); err != nil {
			path, _ := env.Input(stage.Mask(name))
			return fat.Input{}, fmt.Errorf("%s: mask of %s is not on the phase's grid: %w", path, name, err)
		}
		switch name {
		case "kidney_left":
			in.Kidneys["left"] = m
		case "kidney_right":
			in.Kidneys["right"] = m
		default:
			in.Others = append(in.Others, m)
		}
	}
	return in, nil
}
