package stages

import (
	"context"
	"errors"
	"fmt"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/post/reconnect"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("reconnect", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		probe := ReconnectParams{Label: "artery"}
		if err := p.Decode(&probe); err != nil {
			return nil, err
		}
		preset, ok := ReconnectPresets[probe.Label]
		if !ok {
			return nil, fmt.Errorf("label %q: want artery, vein or ureter", probe.Label)
		}
		b, err := stage.NewBase(name, table, preset, p)
		if err != nil {
			return nil, err
		}
		s := &Reconnect{b}
		switch s.Config.Phase {
		case "A", "P", "D", "N":
		default:
			return nil, fmt.Errorf("phase %q: want A, P, D or N", s.Config.Phase)
		}
		l := s.Config.Label
		// Optional are the parent's mask, the spine (bone) and the kidneys
		// (which side is which).
		s.Declare(stage.LabelFilter([]stage.Artefact{s.hu(), stage.Mask(l)},
			[]stage.Artefact{stage.Mask(s.Config.Parent), stage.Mask("spine"), stage.Mask("kidney_left"), stage.Mask("kidney_right")},
			[]stage.Artefact{ReconnectOutput(l), BridgesFile(l)}))
		return s, nil
	})
}

// ReconnectParams are the stage's parameters.
type ReconnectParams struct {
	// Label is the structure to reconnect: artery, vein or ureter. It
	// chooses the defaults of the other parameters (ReconnectPresets).
	Label string `yaml:"label" json:"label"`
	// Phase is the phase the structure is enhanced in, read on the
	// reference grid; a case without it does not run the stage.
	Phase string `yaml:"phase" json:"phase"`
	// Parent is the label the main trees start from.
	Parent string `yaml:"parent" json:"parent"`
	// BoneHU is the arterial-phase HU from which a voxel is bone, never
	// crossed (as are the voxels of the spine mask when given).
	BoneHU           float64 `yaml:"bone_hu" json:"bone_hu"`
	reconnect.Params `yaml:",inline"`
}

// ReconnectPresets are the defaults for each structure.
var ReconnectPresets = map[string]ReconnectParams{
	"artery": {Label: "artery", Phase: "A", Parent: "aorta", BoneHU: 500, Params: reconnect.Arterial},
	"vein":   {Label: "vein", Phase: "P", Parent: "inferior_vena_cava", BoneHU: 500, Params: reconnect.Venous},
	"ureter": {Label: "ureter", Phase: "D", Parent: "urinary_bladder", BoneHU: 500, Params: reconnect.Excretory},
}

// ReconnectOutput is the artefact of the reconnected mask of a label, e.g.
// work/<stage>/reconnected/artery.nii.gz.
func ReconnectOutput(label string) stage.Artefact { return stage.Artefact("reconnected/" + label) }

// BridgesFile is the artefact listing a label's bridges (JSON).
func BridgesFile(label string) stage.Artefact { return stage.Artefact("bridges/" + label + ".json") }

// Reconnect is the stage "reconnect", which reconnects one structure: it
// joins the fragments of a broken artery, vein or ureter mask to its main
// tree (package pipeline/post/reconnect). Configured once per structure,
// e.g. the arteries on the arterial phase, the ureters on the delayed
// phase registered onto the reference phase, it writes the reconnected
// mask as a new artefact (ReconnectOutput) and every bridge tried, with
// its ends, length, mean HU and verdict, as JSON (BridgesFile) and in the
// manifest, for review.
type Reconnect struct {
	stage.Base[ReconnectParams]
}

// hu is the artefact of the phase the structure is traced in.
func (s *Reconnect) hu() stage.Artefact { return stage.Registered(s.Config.Phase) }

// ReconnectReport is the JSON file of bridges.
type ReconnectReport struct {
	Label string `json:"label"`
	Phase string `json:"phase"`
	// FragmentsBefore and FragmentsAfter count, per side, the components
	// not joined to the main tree.
	FragmentsBefore map[string]int     `json:"fragments_before"`
	FragmentsAfter  map[string]int     `json:"fragments_after"`
	Bridges         []reconnect.Bridge `json:"bridges"`
}

// Run implements stage.Stage.
func (s *Reconnect) Run(ctx context.Context, env *stage.Env) error {
	in, grid, lo, err := s.load(ctx, env)
	if err != nil {
		return err
	}
	env.Progress(0.2)
	res, err := reconnect.Reconnect(ctx, in, s.Config.Params)
	if err != nil {
		return err
	}
	// The input was the box around the structure, whose first voxel is lo.
	for _, b := range res.Bridges {
		for n := range b.Path {
			for a := range 3 {
				b.Path[n][a] += lo[a]
			}
		}
	}
	env.Progress(0.9)
	rep := ReconnectReport{Label: s.Config.Label, Phase: s.Config.Phase, FragmentsBefore: res.Before, FragmentsAfter: res.After, Bridges: res.Bridges}
	if rep.Bridges == nil {
		rep.Bridges = []reconnect.Bridge{}
	}
	env.Record["bridges"] = rep.Bridges
	env.Record["fragments_before"] = res.Before
	env.Record["fragments_after"] = res.After
	env.Log.Info("reconnected", "label", s.Config.Label, "bridges", len(res.Bridges), "fragments_before", res.Before, "fragments_after", res.After)
	if err := volume.SavePart(env.Output(ReconnectOutput(s.Config.Label)), volume.CropPart(grid, lo, res.Mask), env.Atomic()); err != nil {
		return err
	}
	return env.SaveJSON(BridgesFile(s.Config.Label), rep)
}

// load reads, concurrently, the masks of the structure and the kidneys
// (missing where the case has none), as the slices that hold them
// (volume.LoadMaskOn), then of the parent's mask only the box the
// reconnection works on (reconnect.Box), whose first voxel is lo; it
// checks that they, the spine's mask and the phases lie on the arterial
// phase's grid. The reconnection's input is that box; the phases and the
// spine are read later, and only where it needs them
// (reconnect.Input.Load): the slices around the fragments.
func (s *Reconnect) load(ctx context.Context, env *stage.Env) (in reconnect.Input, grid volume.Grid, lo [3]int, err error) {
	refPath, _ := env.Input(stage.Reference)
	huPath, err := env.Input(s.hu())
	if err != nil {
		return in, grid, lo, err
	}
	if grid, err = volume.ReadGrid(refPath); err != nil {
		return in, grid, lo, err
	}
	paths := map[string]string{"HU": huPath}
	checked := []string{"HU", s.Config.Parent, "spine"} // the others by LoadMaskOn
	for _, l := range checked[1:] {
		if path, err := env.Input(stage.Mask(l)); err == nil {
			paths[l] = path
		}
	}
	for _, what := range checked {
		path, ok := paths[what]
		if !ok || what == "HU" && path == refPath {
			continue
		}
		if what != "HU" {
			if _, err := volume.CheckMaskGrid(path, grid); err != nil {
				return in, grid, lo, err
			}
			continue
		}
		g, err := volume.ReadGrid(path)
		if err != nil {
			return in, grid, lo, err
		}
		if err := volume.SameGrid(grid, g, volume.GridTolerance); err != nil {
			return in, grid, lo, fmt.Errorf("%s: not on the reference phase's grid: %w", path, err)
		}
	}
	ms, err := loadMasksOn(ctx, env, grid, s.Config.Label, "kidney_left", "kidney_right")
	if err != nil {
		return in, grid, lo, err
	}
	// An empty structure has nothing to reconnect: a one-voxel box does.
	mask := ms[s.Config.Label]
	hi := [3]int{1, 1, 1}
	if mlo, mhi, ok := volume.PartBoundingBox(mask); ok {
		lo, hi = reconnect.Box(grid, mlo, mhi, s.Config.Params)
	}
	var parent *volume.Volume[uint8]
	if path, ok := paths[s.Config.Parent]; ok {
		if parent, err = volume.LoadMaskBoxOn(path, grid, lo, hi); err != nil {
			return in, grid, lo, err
		}
	}
	at := lo
	// The bone: the reference phase's voxels from BoneHU, and the spine.
	load := func(lo, hi [3]int) (*volume.Volume[int16], *volume.Volume[uint8], error) {
		for a := range 3 {
			lo[a], hi[a] = lo[a]+at[a], hi[a]+at[a]
		}
		files := []string{refPath, huPath, paths["spine"]}
		phases := make([]*volume.Volume[int16], 2)
		var spine *volume.Volume[uint8]
		errs := make([]error, len(files))
		parallel.For(len(files), 1, func(n0, n1 int) {
			for n := n0; n < n1; n++ {
				switch {
				case n == 2 && files[n] != "":
					spine, errs[n] = volume.LoadMaskBoxOn(files[n], grid, lo, hi)
				case n < 2 && (n == 0 || files[n] != files[0]):
					phases[n], errs[n] = stage.LoadVolumeBox[int16](env, []stage.Artefact{stage.Reference, s.hu()}[n], lo, hi)
				}
			}
		})
		if err := errors.Join(errs...); err != nil {
			return nil, nil, err
		}
		a, hu := phases[0], phases[1]
		if hu == nil {
			hu = a
		}
		return hu, reconnect.BoneMask(a, s.Config.BoneHU, spine), nil
	}
	in = reconnect.Input{
		Mask: mask.Crop(lo, hi), Parent: parent, Load: load,
		MidlineX: midline.XParts(grid, ms["kidney_left"], ms["kidney_right"]),
	}
	return in, grid, lo, nil
}

// Interface guards.
var (
	_ stage.Stage          = (*Reconnect)(nil)
	_ stage.OptionalInputs = (*Reconnect)(nil)
)
