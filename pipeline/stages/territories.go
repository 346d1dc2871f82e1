package stages

import (
	"context"
	"encoding/json"
	"io"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/territory"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("territories", func(name string, p stage.Params, _ *labels.Table) (stage.Stage, error) {
		s := &Territories{name: name}
		return s, p.Decode(&struct{}{})
	})
}

// Territories is the stage "territories": it traces the renal arteries of
// the label map and estimates each terminal branch's territory in its
// kidney (package territory), writing the map to output/territories.nii.gz
// (0 outside the kidneys and their tumours, the branch's number inside)
// and what the report says of it to territories.json, which the measure
// stage puts into report.json.
type Territories struct {
	name string
}

// Name implements stage.Stage.
func (s *Territories) Name() string { return s.name }

// Inputs implements stage.Stage.
func (s *Territories) Inputs() []stage.Artefact { return []stage.Artefact{stage.Labels} }

// Outputs implements stage.Stage.
func (s *Territories) Outputs() []stage.Artefact {
	return []stage.Artefact{stage.Territories, stage.TerritoryReport}
}

// Resource implements stage.Stage.
func (s *Territories) Resource() stage.Resource { return stage.CPU }

// Params implements stage.Stage.
func (s *Territories) Params() any { return struct{}{} }

// Check implements stage.Stage.
func (s *Territories) Check(env *stage.Env) error {
	_, err := env.Input(stage.Labels)
	return err
}

// Run implements stage.Stage.
func (s *Territories) Run(ctx context.Context, env *stage.Env) error {
	path, _ := env.Input(stage.Labels)
	lab, err := volume.Load[uint8](path)
	if err != nil {
		return err
	}
	res, err := territory.Compute(ctx, lab, env.Labels)
	if err != nil {
		return err
	}
	out := env.Output(stage.Territories)
	res.Report.Map = env.Case.Rel(out)
	lo, hi, _ := volume.BoundingBox(res.Map)
	if err := volume.SavePart(out, volume.CropPart(res.Map.Grid, lo, volume.Crop(res.Map, lo, hi)), env.Atomic()); err != nil {
		return err
	}
	return atomicfile.Write(env.Output(stage.TerritoryReport), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res.Report)
	}, env.Atomic())
}

// Interface guards.
var (
	_ stage.Stage = (*Territories)(nil)
)
