// Package reconnect is the stage that joins the fragments of a broken
// artery, vein or ureter mask to its main tree (package
// pipeline/post/reconnect). Configured once per structure, e.g. the
// arteries on the arterial phase, the ureters on the delayed phase
// registered onto A, it writes the reconnected mask as a new artefact
// (Output) and every bridge tried, with its ends, length, mean HU and
// verdict, as JSON (BridgesFile) and in the manifest, for review.
package reconnect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/post/reconnect"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/load"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("reconnect", func(name string, p stage.Params) (stage.Stage, error) {
		probe := Params{Label: "artery"}
		if err := p.Decode(&probe); err != nil {
			return nil, err
		}
		preset, ok := Presets[probe.Label]
		if !ok {
			return nil, fmt.Errorf("label %q: want artery, vein or ureter", probe.Label)
		}
		s := &Stage{name: name, params: preset}
		if err := p.Decode(&s.params); err != nil {
			return nil, err
		}
		switch s.params.Phase {
		case "A", "P", "D", "N":
		default:
			return nil, fmt.Errorf("phase %q: want A, P, D or N", s.params.Phase)
		}
		return s, nil
	})
}

// Params are the stage's parameters.
type Params struct {
	// Label is the structure to reconnect: artery, vein or ureter. It
	// chooses the defaults of the other parameters (Presets).
	Label string `yaml:"label" json:"label"`
	// Phase is the phase the structure is enhanced in; other than A, it
	// is read as registered onto A.
	Phase string `yaml:"phase" json:"phase"`
	// Parent is the label the main trees start from.
	Parent string `yaml:"parent" json:"parent"`
	// BoneHU is the arterial-phase HU from which a voxel is bone, never
	// crossed (as are the voxels of the spine mask when given).
	BoneHU           float64 `yaml:"bone_hu" json:"bone_hu"`
	reconnect.Params `yaml:",inline"`
}

// Presets are the defaults for each structure.
var Presets = map[string]Params{
	"artery": {Label: "artery", Phase: "A", Parent: "aorta", BoneHU: 500, Params: reconnect.Arterial},
	"vein":   {Label: "vein", Phase: "P", Parent: "inferior_vena_cava", BoneHU: 500, Params: reconnect.Venous},
	"ureter": {Label: "ureter", Phase: "D", Parent: "urinary_bladder", BoneHU: 500, Params: reconnect.Excretory},
}

// Output is the artefact of the reconnected mask of a label, e.g.
// work/<stage>/reconnected/artery.nii.gz.
func Output(label string) string { return "reconnected/" + label }

// BridgesFile is the artefact listing a label's bridges (JSON).
func BridgesFile(label string) string { return "bridges/" + label + ".json" }

// Stage reconnects one structure.
type Stage struct {
	name   string
	params Params
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return s.name }

// hu is the artefact of the phase the structure is traced in.
func (s *Stage) hu() string {
	if s.params.Phase == "A" {
		return stage.Phase("A")
	}
	return stage.Registered(s.params.Phase)
}

// Inputs implements stage.Stage.
func (s *Stage) Inputs() []string {
	in := []string{stage.Phase("A"), stage.Mask(s.params.Label), load.Summary}
	if s.params.Phase != "A" {
		in = append(in, s.hu())
	}
	return append(in, s.OptionalInputs()...)
}

// OptionalInputs are the parent's mask, the spine (bone) and the kidneys
// (which side is which).
func (s *Stage) OptionalInputs() []string {
	return []string{stage.Mask(s.params.Parent), stage.Mask("spine"), stage.Mask("kidney_left"), stage.Mask("kidney_right")}
}

// Outputs implements stage.Stage.
func (s *Stage) Outputs() []string {
	return []string{Output(s.params.Label), BridgesFile(s.params.Label)}
}

// Resource implements stage.Stage.
func (s *Stage) Resource() stage.Resource { return stage.CPU }

// Params implements stage.Stage.
func (s *Stage) Params() any { return s.params }

// Check implements stage.Stage: the phase and the mask must be there.
func (s *Stage) Check(env *stage.Env) error {
	for _, in := range []string{stage.Phase("A"), s.hu(), stage.Mask(s.params.Label)} {
		if _, err := env.Input(in); err != nil {
			return err
		}
	}
	return nil
}

// Report is the JSON file of bridges.
type Report struct {
	Label string `json:"label"`
	Phase string `json:"phase"`
	// FragmentsBefore and FragmentsAfter count, per side, the components
	// not joined to the main tree.
	FragmentsBefore map[string]int     `json:"fragments_before"`
	FragmentsAfter  map[string]int     `json:"fragments_after"`
	Bridges         []reconnect.Bridge `json:"bridges"`
}

// Run implements stage.Stage.
func (s *Stage) Run(ctx context.Context, env *stage.Env) error {
	a, hu, masks, err := s.load(env)
	if err != nil {
		return err
	}
	env.Progress(0.2)
	in := reconnect.Input{
		Mask: masks[s.params.Label], HU: hu, Parent: masks[s.params.Parent],
		Forbidden: reconnect.BoneMask(a, s.params.BoneHU, masks["spine"]),
		MidlineX:  midline.X(a.Grid, masks["kidney_left"], masks["kidney_right"]),
	}
	res, err := reconnect.Reconnect(ctx, in, s.params.Params)
	if err != nil {
		return err
	}
	env.Progress(0.9)
	rep := Report{Label: s.params.Label, Phase: s.params.Phase, FragmentsBefore: res.Before, FragmentsAfter: res.After, Bridges: res.Bridges}
	if rep.Bridges == nil {
		rep.Bridges = []reconnect.Bridge{}
	}
	env.Record["bridges"] = rep.Bridges
	env.Record["fragments_before"] = res.Before
	env.Record["fragments_after"] = res.After
	env.Log.Info("reconnected", "label", s.params.Label, "bridges", len(res.Bridges), "fragments_before", res.Before, "fragments_after", res.After)
	if err := volume.Save(env.Output(Output(s.params.Label)), res.Mask, env.Atomic()); err != nil {
		return err
	}
	return atomicfile.Write(env.Output(BridgesFile(s.params.Label)), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}, env.Atomic())
}

// load reads, concurrently, the arterial phase, the phase the structure is
// traced in (A itself when that is A) and the masks of the structure, its
// parent, the spine and the kidneys by label (missing where the case has
// none), and checks that they all lie on A's grid.
func (s *Stage) load(env *stage.Env) (a, hu *volume.Volume[int16], masks map[string]*volume.Volume[uint8], err error) {
	labels := []string{s.params.Label, s.params.Parent, "spine", "kidney_left", "kidney_right"}
	phases := []string{stage.Phase("A"), s.hu()}
	vols := make([]*volume.Volume[int16], len(phases))
	ms := make([]*volume.Volume[uint8], len(labels))
	paths := make([]string, len(phases)+len(labels))
	errs := make([]error, len(paths))
	// The phases go first: they take longest.
	parallel.For(len(paths), 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			if n < len(phases) {
				if n == 0 || phases[n] != phases[0] {
					paths[n], vols[n], errs[n] = loadInput[int16](env, phases[n])
				}
				continue
			}
			mask := stage.Mask(labels[n-len(phases)])
			if _, err := env.Input(mask); err == nil {
				paths[n], ms[n-len(phases)], errs[n] = loadInput[uint8](env, mask)
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, nil, err
	}
	a, hu = vols[0], vols[1]
	if hu == nil {
		hu = a
	} else if err := volume.SameGrid(a.Grid, hu.Grid, 1e-3); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: not on the arterial phase's grid: %w", paths[1], err)
	}
	masks = map[string]*volume.Volume[uint8]{}
	for n, l := range labels {
		m := ms[n]
		if m == nil {
			continue
		}
		if err := volume.SameGrid(a.Grid, m.Grid, 1e-3); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: mask of %s is not on the arterial phase's grid: %w", paths[len(phases)+n], l, err)
		}
		masks[l] = m
	}
	return a, hu, masks, nil
}

// loadInput reads an input artefact and says from where.
func loadInput[T volume.Voxel](env *stage.Env, artefact string) (string, *volume.Volume[T], error) {
	path, err := env.Input(artefact)
	if err != nil {
		return "", nil, err
	}
	v, err := volume.Load[T](path)
	return path, v, err
}
