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
	"fmt"
	"io"

	"kidney3d/pipeline/atomicfile"
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
	aPath, _ := env.Input(stage.Phase("A"))
	a, err := volume.Load[int16](aPath)
	if err != nil {
		return err
	}
	hu := a
	if s.params.Phase != "A" {
		if hu, err = load16(env, s.hu(), a.Grid); err != nil {
			return err
		}
	}
	masks := map[string]*volume.Volume[uint8]{}
	for _, label := range []string{s.params.Label, s.params.Parent, "spine", "kidney_left", "kidney_right"} {
		if masks[label], err = loadMask(env, label, a.Grid); err != nil {
			return err
		}
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

// load16 reads an int16 artefact that must lie on grid g.
func load16(env *stage.Env, artefact string, g volume.Grid) (*volume.Volume[int16], error) {
	path, err := env.Input(artefact)
	if err != nil {
		return nil, err
	}
	v, err := volume.Load[int16](path)
	if err != nil {
		return nil, err
	}
	if err := volume.SameGrid(g, v.Grid, 1e-3); err != nil {
		return nil, fmt.Errorf("%s: not on the arterial phase's grid: %w", path, err)
	}
	return v, nil
}

// loadMask reads a label's mask, which must lie on grid g; nil when the
// case has none.
func loadMask(env *stage.Env, label string, g volume.Grid) (*volume.Volume[uint8], error) {
	path, err := env.Input(stage.Mask(label))
	if err != nil {
		return nil, nil
	}
	m, err := volume.Load[uint8](path)
	if err != nil {
		return nil, err
	}
	if err := volume.SameGrid(g, m.Grid, 1e-3); err != nil {
		return nil, fmt.Errorf("%s: mask of %s is not on the arterial phase's grid: %w", path, label, err)
	}
	return m, nil
}
