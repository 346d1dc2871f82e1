// Package mesh is the stage that turns output/labels.nii.gz into the
// surface meshes under output/meshes (OBJ per label with model.mtl, and
// model.glb), each label with its settings from the label table. Files of
// labels no longer present are removed, so the folder always matches the
// label map.
package mesh

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/mesh/export"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/stage"
)

func init() {
	stage.Register("mesh", func(name string, p stage.Params) (stage.Stage, error) {
		s := &Stage{name: name, params: Params{Formats: "obj,glb"}}
		if err := p.Decode(&s.params); err != nil {
			return nil, err
		}
		var err error
		s.formats, err = meshio.ParseFormats(s.params.Formats)
		return s, err
	})
}

// Params are the stage's parameters.
type Params struct {
	Formats string `yaml:"formats" json:"formats"` // e.g. "obj,glb" or "obj,stl,glb"
}

// Stage meshes the label map.
type Stage struct {
	name    string
	params  Params
	formats meshio.Format
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return s.name }

// Inputs implements stage.Stage.
func (s *Stage) Inputs() []string { return []string{stage.Labels} }

// Outputs implements stage.Stage.
func (s *Stage) Outputs() []string { return []string{stage.Meshes} }

// Resource implements stage.Stage.
func (s *Stage) Resource() stage.Resource { return stage.CPU }

// Params implements stage.Stage.
func (s *Stage) Params() any { return s.params }

// Check implements stage.Stage.
func (s *Stage) Check(env *stage.Env) error {
	_, err := env.Input(stage.Labels)
	return err
}

// Run implements stage.Stage.
func (s *Stage) Run(ctx context.Context, env *stage.Env) error {
	in, _ := env.Input(stage.Labels)
	dir := env.Output(stage.Meshes)
	env.Progress(0.05)
	sum, err := export.Run(ctx, export.Options{Input: in, Out: dir, Formats: s.formats, Table: env.Labels,
		Atomic: []atomicfile.Option{env.Atomic()}})
	if err != nil {
		return err
	}
	env.Record["meshes"] = sum.Labels
	return removeOthers(dir, sum.Files)
}

// removeOthers deletes files in dir that this run did not write: meshes of
// labels that are gone from the label map.
func removeOthers(dir string, keep []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() && !slices.Contains(keep, p) {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	return nil
}
