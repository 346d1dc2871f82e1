package stages

import (
	"context"
	"os"

	"kidney3d/assets"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/post/template"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// TemplateOutput is the stage's label map, work/template/template/labels.nii.gz.
const TemplateOutput stage.Artefact = "template/labels"

func init() {
	stage.Register("template", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		s := &Template{}
		var err error
		if s.Base, err = stage.NewBase(name, table, TemplateParams{}, p); err != nil {
			return nil, err
		}
		var masks []stage.Artefact
		for _, l := range templateMasks {
			masks = append(masks, stage.Mask(l))
		}
		// The masks are optional: a case with no kidney is skipped in Run
		// with its reason, as there is nothing to fit the template onto.
		d := stage.LabelFilter(nil, masks, []stage.Artefact{TemplateOutput})
		d.OptionalOutputs = d.Outputs
		s.Declare(d)
		data := assets.RenalTemplateJSON
		if s.Config.File != "" {
			if data, err = os.ReadFile(s.Config.File); err != nil {
				return nil, err
			}
		}
		s.tpl, err = template.Parse(data)
		return s, err
	})
}

// TemplateParams are the stage's parameters.
type TemplateParams struct {
	// File is a template JSON file to use instead of the embedded one.
	File string `yaml:"file" json:"file,omitempty"`
}

// Template is the stage "template", which draws the quick, approximate
// model. It fits the anatomical template (package pipeline/post/template;
// the default one is assets/template/renal.json, embedded as
// assets.RenalTemplateJSON) onto the kidney masks
// and writes a label map (TemplateOutput) of the kidneys, tumour and cyst
// as given and the template's arteries, veins and ureters. It needs only
// the masks, so it finishes in a fraction of a second while the slow
// stages run; the manifest marks it approximate, and whatever shows it
// must say so and replace it when the real results arrive.
type Template struct {
	stage.Base[TemplateParams]
	tpl *template.Template
}

// templateMasks are the labels whose given masks are painted as they are, in
// painting order (the template's structures go after the kidneys).
var templateMasks = []string{"kidney_left", "kidney_right", "cyst", "tumor"}

// Params implements stage.Stage: the template itself is part of them, so
// that a changed template reruns the stage.
func (s *Template) Params() any {
	return struct {
		TemplateParams
		Template *template.Template `json:"template"`
	}{s.Config, s.tpl}
}

// Run implements stage.Stage.
func (s *Template) Run(ctx context.Context, env *stage.Env) error {
	_, errL := env.Input(stage.Mask("kidney_left"))
	_, errR := env.Input(stage.Mask("kidney_right"))
	if errL != nil && errR != nil {
		why := "no kidney mask (kidney_left or kidney_right) to fit the template onto"
		env.Log.Warn("no quick model", "reason", why)
		env.Record[stage.SkippedRecord] = why
		return nil
	}
	// Only the reference phase's grid is needed: its header.
	grid, err := referenceGrid(env)
	if err != nil {
		return err
	}
	// The masks as the slices that hold them (volume.LoadMaskOn).
	given, err := loadMasksOn(ctx, env, grid, templateMasks...)
	if err != nil {
		return err
	}
	env.Progress(0.5)
	mid := midline.XParts(grid, given["kidney_left"], given["kidney_right"])
	frames := map[string]template.Frame{}
	for _, side := range []string{"left", "right"} {
		if m := given["kidney_"+side]; m != nil {
			if f, ok := template.FitKidneyPart(m, mid, s.tpl.HilumTurnDeg); ok {
				frames[side] = f
			}
		}
	}
	out := volume.New[uint8](grid)
	paint := func(l string) {
		if m := given[l]; m != nil {
			paintMask(out, m, s.Table.Value(l))
		}
	}
	paint("kidney_left")
	paint("kidney_right")
	values := map[string]uint8{}
	for _, ss := range s.tpl.Sides {
		for _, st := range ss {
			if l, ok := s.Table.ByName(st.Label); ok {
				values[st.Label] = uint8(l.Value)
			}
		}
	}
	s.tpl.Draw(out, frames, mid, values)
	paint("cyst")
	paint("tumor")
	env.Record["approximate"] = true
	env.Record["template"] = s.tpl.Name
	env.Record["frames"] = frames
	return volume.Save(env.Output(TemplateOutput), out, env.Atomic())
}

// paintMask sets the voxels of out where m is nonzero to value, over m's
// bounding box.
func paintMask(out *volume.Volume[uint8], m *volume.Part[uint8], value uint8) {
	lo, hi, ok := volume.PartBoundingBox(m)
	if !ok {
		return
	}
	for k := lo[2]; k < hi[2]; k++ {
		for j := lo[1]; j < hi[1]; j++ {
			n := out.Index(lo[0], j, k)
			src := m.Box.Index(lo[0]-m.Lo[0], j-m.Lo[1], k-m.Lo[2])
			dst := out.Data[n : n+hi[0]-lo[0]]
			for i, x := range m.Box.Data[src : src+hi[0]-lo[0]] {
				if x != 0 {
					dst[i] = value
				}
			}
		}
	}
}

// Interface guards.
var (
	_ stage.Stage           = (*Template)(nil)
	_ stage.OptionalInputs  = (*Template)(nil)
	_ stage.OptionalOutputs = (*Template)(nil)
)
