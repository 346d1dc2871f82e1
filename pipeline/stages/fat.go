package stages

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/post/fat"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// FatOutput is the stage's mask artefact, work/perirenal_fat/derived/perirenal_fat.nii.gz.
const FatOutput stage.Artefact = "derived/perirenal_fat"

// fatLabel is the structure the stage segments; its own mask is never read.
const fatLabel = "perirenal_fat"

func init() {
	stage.Register("perirenal_fat", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		b, err := stage.NewBase(name, table, FatParams{Params: fat.Defaults}, p)
		if err != nil {
			return nil, err
		}
		if !slices.Contains([]string{"", "A", "P", "D", "N"}, b.Config.Phase) {
			return nil, fmt.Errorf("phase %q: want A, P, D or N (or none: the reference phase)", b.Config.Phase)
		}
		s := &Fat{b}
		var needs, masks []stage.Artefact
		if s.Config.Phase != "" {
			needs = append(needs, s.ct())
		}
		// The masks of every label, the fat's own included: when the case
		// gives that one, the stage leaves it be and writes nothing (nor
		// when the case has no kidney).
		for _, l := range stage.Structures(table) {
			masks = append(masks, stage.Mask(l.Name))
		}
		d := stage.LabelFilter(needs, masks, []stage.Artefact{FatOutput})
		d.OptionalOutputs = d.Outputs
		s.Declare(d)
		return s, nil
	})
}

// FatParams are the stage's parameters.
type FatParams struct {
	// Phase is the phase read, on the reference grid; "" (the default) is
	// the reference phase, whichever the case has.
	Phase      string `yaml:"phase" json:"phase,omitempty"`
	fat.Params `yaml:",inline"`
}

// Fat is the stage "perirenal_fat": it segments the perirenal fat
// (package pipeline/post/fat) from the kidney masks, the masks of every
// other structure given, and a phase (fat is -190 to -30 HU in every
// phase), and writes it as the artefact FatOutput.
type Fat struct {
	stage.Base[FatParams]
}

// ct is the artefact of the phase read.
func (s *Fat) ct() stage.Artefact {
	if s.Config.Phase == "" {
		return stage.Reference
	}
	return stage.Registered(s.Config.Phase)
}

// fatSkipReason says why there is nothing to derive, or "".
func fatSkipReason(env *stage.Env) string {
	if _, err := env.Input(stage.Mask(fatLabel)); err == nil {
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
func (s *Fat) Run(ctx context.Context, env *stage.Env) error {
	if why := fatSkipReason(env); why != "" {
		env.Log.Warn("no perirenal fat derived", "reason", why)
		env.Record[stage.SkippedRecord] = why
		return nil
	}
	in, err := s.load(ctx, env)
	if err != nil {
		return err
	}
	in.MidlineX = midline.XParts(in.Grid, in.KidneyParts["left"], in.KidneyParts["right"])
	out, err := fat.Segment(in, s.Config.Params)
	if err != nil {
		return err
	}
	n := 0
	for _, v := range out.Data {
		n += int(v)
	}
	env.Record["volume_ml"] = float64(n) * out.VoxelVolume() / 1000
	return volume.Save(env.Output(FatOutput), out, env.Atomic())
}

// load reads the kidneys' masks, as the slices that hold them
// (volume.LoadMaskOn), and then, concurrently, of the phase and of every other
// mask the case has (but the fat's own) only the box that holds both
// perirenal spaces (fat.Space): the slices around the kidneys. It checks
// that the masks lie on the phase's grid, in any storage order
// (volume.LoadMaskOn).
func (s *Fat) load(ctx context.Context, env *stage.Env) (fat.Input, error) {
	var kidneys, others []string
	for _, l := range stage.Structures(s.Table) {
		if _, err := env.Input(stage.Mask(l.Name)); err == nil && l.Name != fatLabel {
			if l.Name == "kidney_left" || l.Name == "kidney_right" {
				kidneys = append(kidneys, l.Name)
			} else {
				others = append(others, l.Name)
			}
		}
	}
	ctPath, _ := env.Input(s.ct())
	grid, err := volume.ReadGrid(ctPath)
	if err != nil {
		return fat.Input{}, err
	}
	in := fat.Input{Grid: grid, KidneyParts: map[string]*volume.Part[uint8]{}}
	parts, err := loadMasksOn(ctx, env, grid, kidneys...)
	if err != nil {
		return fat.Input{}, err
	}
	for name, p := range parts {
		in.KidneyParts[strings.TrimPrefix(name, "kidney_")] = p
	}
	env.Progress(0.1)
	// The box of both perirenal spaces (one voxel when the kidneys are
	// empty: there is no fat to find).
	lo, hi := grid.Dims, [3]int{}
	for _, m := range in.KidneyParts {
		if slo, shi, ok := fat.Space(m, s.Config.Params); ok {
			for a := range 3 {
				lo[a], hi[a] = min(lo[a], slo[a]), max(hi[a], shi[a])
			}
		}
	}
	if hi[0] <= lo[0] {
		lo, hi = [3]int{}, [3]int{1, 1, 1}
	}
	// The phase first: it takes longest.
	boxes := make([]*volume.Volume[uint8], len(others))
	err = parallel.Each(ctx, len(others)+1, func(n int) (err error) {
		if n == 0 {
			in.CT, err = stage.LoadVolumeBox[int16](env, s.ct(), lo, hi)
			return err
		}
		path, _ := env.Input(stage.Mask(others[n-1]))
		boxes[n-1], err = volume.LoadMaskBoxOn(path, grid, lo, hi)
		return err
	}, func(done int) { env.Progress(0.1 + 0.4*float64(done)/float64(len(others)+1)) })
	if err != nil {
		return fat.Input{}, err
	}
	in.CTAt = lo
	for _, b := range boxes {
		in.OtherParts = append(in.OtherParts, volume.CropPart(grid, lo, b))
	}
	env.Progress(0.5)
	return in, nil
}

// Interface guards.
var (
	_ stage.Stage           = (*Fat)(nil)
	_ stage.OptionalInputs  = (*Fat)(nil)
	_ stage.OptionalOutputs = (*Fat)(nil)
)
