package stages

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"kidney3d/pipeline/buildinfo"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/nephrometry"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/territory"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("measure", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		b, err := stage.NewBase(name, table, MeasureParams{Diameters: []string{"tumor", "cyst", "kidney_left", "kidney_right"}, ResectionMarginMM: DefaultResectionMarginMM}, p)
		// The territories are reported when the territories stage ran.
		b.Declare(stage.Measurer([]stage.Artefact{stage.Report}, stage.TerritoryReport))
		return &Measure{b}, err
	})
}

// MeasureParams are the stage's parameters.
type MeasureParams struct {
	// Diameters names the structures whose maximal diameter is reported.
	Diameters []string `yaml:"diameters" json:"diameters"`
	// ResectionMarginMM is the parenchyma removed around each tumour for the
	// kidneys' remaining volume.
	ResectionMarginMM float64 `yaml:"resection_margin_mm" json:"resection_margin_mm"`
}

// DefaultResectionMarginMM is the resection margin the report assumes
// unless the configuration says otherwise.
const DefaultResectionMarginMM = 5

// Measure is the stage "measure": it measures the label map and writes
// output/report.json: each tumour measured and scored, and each kidney's
// volumes and vessels (nephrometry.Assess); each structure's volume in mL, the maximal diameters
// of the tumour, cysts and kidneys (between voxel centres, as the report
// says), and which structures the scan's field of view cuts, whose volume
// and diameter are then lower bounds; and where each label came from (a
// model, a mask given in input/masks, a stage that derived it, the stages
// that changed it on the way) and which stages made nothing, and why, from
// what the stages recorded in manifest.json (provenance.go). The report
// holds no timings (they are in manifest.json), so that the same inputs
// always give the same bytes.
type Measure struct {
	stage.Base[MeasureParams]
}

// MeasureReport is the report the stage writes (measure.Report).
type MeasureReport = measure.Report

// MeasureStructure is one line of the report (measure.Structure).
type MeasureStructure = measure.Structure

// MeasureCut is one face of the grid a structure touches (measure.Cut).
type MeasureCut = measure.Cut

// Run implements stage.Stage: it measures the label map (measure.Measure)
// and adds each label's provenance and the skipped stages, derived from
// what the stages recorded in manifest.json (provenance).
func (s *Measure) Run(ctx context.Context, env *stage.Env) error {
	path, _ := env.Input(stage.Labels)
	lab, err := volume.Load[uint8](path)
	if err != nil {
		return err
	}
	rel := env.Case.Rel(path)
	man, err := manifest.Load(env.Case.ManifestPath())
	if err != nil {
		return err
	}
	build := buildinfo.Get()
	rep := MeasureReport{LabelMap: rel, DiameterMethod: measure.DiameterMethod, Software: &build}
	if rep.Structures, err = measure.Measure(ctx, lab, s.Table, s.Config.Diameters, env.Progress); err != nil {
		return err
	}
	if rep.Tumors, rep.Kidneys, err = nephrometry.Assess(ctx, lab, s.Table, s.Config.ResectionMarginMM); err != nil {
		return err
	}
	rep.Methods = nephrometry.ReportMethods()
	if tpath, err := env.Input(stage.TerritoryReport); err == nil {
		t, err := readTerritories(tpath)
		if err != nil {
			return err
		}
		territory.Apply(&rep, t)
	}
	prov := trace(man, rel, env.Case.Rel(env.Case.MasksDir()))
	present := make([]string, len(rep.Structures))
	for i, st := range rep.Structures {
		rep.Structures[i].Provenance = prov.label(st.Name)
		present[i] = st.Name
	}
	rep.Skipped = prov.skipped(present)
	return env.SaveJSON(stage.Report, rep)
}

// readTerritories reads the territories stage's report.
func readTerritories(path string) (*measure.Territories, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t measure.Territories
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

// Interface guards.
var (
	_ stage.Stage          = (*Measure)(nil)
	_ stage.OptionalInputs = (*Measure)(nil)
)
