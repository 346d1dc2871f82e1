// Package measure is the stage that writes output/report.json: each
// structure's volume in mL and the maximal diameters of the tumour, cysts
// and kidneys. The report holds no timings (they are in manifest.json), so
// that the same inputs always give the same bytes.
package measure

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"path/filepath"
	"slices"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("measure", func(name string, p stage.Params) (stage.Stage, error) {
		s := &Stage{name: name, params: Params{Diameters: []string{"tumor", "cyst", "kidney_left", "kidney_right"}}}
		return s, p.Decode(&s.params)
	})
}

// Params are the stage's parameters.
type Params struct {
	// Diameters names the structures whose maximal diameter is reported.
	Diameters []string `yaml:"diameters" json:"diameters"`
}

// Stage measures the label map.
type Stage struct {
	name   string
	params Params
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return s.name }

// Inputs implements stage.Stage.
func (s *Stage) Inputs() []string { return []string{stage.Labels} }

// Outputs implements stage.Stage.
func (s *Stage) Outputs() []string { return []string{stage.Report} }

// Resource implements stage.Stage.
func (s *Stage) Resource() stage.Resource { return stage.CPU }

// Params implements stage.Stage.
func (s *Stage) Params() any { return s.params }

// Check implements stage.Stage.
func (s *Stage) Check(env *stage.Env) error {
	_, err := env.Input(stage.Labels)
	return err
}

// Structure is one line of the report.
type Structure struct {
	Name          string  `json:"name"`
	Value         int     `json:"value"`
	Voxels        int     `json:"voxels"`
	VolumeML      float64 `json:"volume_ml"`
	MaxDiameterMM float64 `json:"max_diameter_mm,omitempty"`
}

// Report is output/report.json.
type Report struct {
	LabelMap   string      `json:"label_map"`
	Structures []Structure `json:"structures"`
}

// Run implements stage.Stage.
func (s *Stage) Run(ctx context.Context, env *stage.Env) error {
	path, _ := env.Input(stage.Labels)
	lab, err := volume.Load[uint8](path)
	if err != nil {
		return err
	}
	counts := measure.Counts(lab)
	rel, _ := filepath.Rel(env.Case.Dir, path)
	rep := Report{LabelMap: filepath.ToSlash(rel)}
	ml := lab.VoxelVolume() / 1000
	for v := 1; v < 256; v++ {
		if counts[v] == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		st := Structure{Name: env.Labels.Name(v), Value: v, Voxels: counts[v], VolumeML: round(float64(counts[v])*ml, 3)}
		if slices.Contains(s.params.Diameters, st.Name) {
			st.MaxDiameterMM = round(measure.MaxDiameter(lab, uint8(v)), 2)
		}
		rep.Structures = append(rep.Structures, st)
		env.Progress(float64(v) / 255)
	}
	return atomicfile.Write(env.Output(stage.Report), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}, env.Atomic())
}

// round keeps n decimals, so that the report reads cleanly.
func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
