package stages

import (
	"context"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/territory"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("territories", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		b, err := stage.NewBase(name, table, struct{}{}, p)
		b.Declare(stage.Measurer([]stage.Artefact{stage.Territories, stage.TerritoryReport}))
		return &Territories{b}, err
	})
}

// Territories is the stage "territories": it traces the renal arteries of
// the label map and estimates each terminal branch's territory in its
// kidney (package territory), writing the map to output/territories.nii.gz
// (0 outside the kidneys and their tumours, the branch's number inside)
// and what the report says of it to territories.json, which the measure
// stage puts into report.json.
type Territories struct {
	stage.Base[struct{}]
}

// Run implements stage.Stage.
func (s *Territories) Run(ctx context.Context, env *stage.Env) error {
	path, _ := env.Input(stage.Labels)
	lab, err := volume.Load[uint8](path)
	if err != nil {
		return err
	}
	res, err := territory.Compute(ctx, lab, s.Table)
	if err != nil {
		return err
	}
	out := env.Output(stage.Territories)
	res.Report.Map = env.Case.Rel(out)
	lo, hi, _ := volume.BoundingBox(res.Map)
	if err := volume.SavePart(out, volume.CropPart(res.Map.Grid, lo, volume.Crop(res.Map, lo, hi)), env.Atomic()); err != nil {
		return err
	}
	return env.SaveJSON(stage.TerritoryReport, res.Report)
}

// Interface guards.
var (
	_ stage.Stage = (*Territories)(nil)
)
