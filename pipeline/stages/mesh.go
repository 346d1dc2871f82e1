package stages

import (
	"context"
	"os"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh/export"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/stage"
)

func init() {
	stage.Register("mesh", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		s := &Mesh{}
		var err error
		if s.Base, err = stage.NewBase(name, table, MeshParams{Formats: "obj,glb"}, p); err != nil {
			return nil, err
		}
		s.Declare(stage.Mesher())
		s.formats, err = meshio.ParseFormats(s.Config.Formats)
		return s, err
	})
}

// MeshParams are the stage's parameters.
type MeshParams struct {
	Formats string `yaml:"formats" json:"formats"` // e.g. "obj,glb" or "obj,stl,glb"
}

// Mesh is the stage "mesh", which meshes the label map: it turns
// output/labels.nii.gz into the surface meshes under output/meshes (OBJ
// per label with model.mtl, and model.glb), each label with its settings
// from the label table. The set is written into a new folder under the
// case's temporary folder and put in place whole (atomicfile.ReplaceDir),
// so output/meshes is always one complete set matching one label map, or
// absent: a failed or killed run never leaves a partial set, nor meshes of
// labels no longer present.
type Mesh struct {
	stage.Base[MeshParams]
	formats meshio.Format
}

// Run implements stage.Stage.
func (s *Mesh) Run(ctx context.Context, env *stage.Env) error {
	in, _ := env.Input(stage.Labels)
	tmp := env.Case.TempDir()
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	staging, err := os.MkdirTemp(tmp, "meshes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging) // only left when the set did not go in place
	env.Progress(0.05)
	sum, err := export.Run(ctx, export.Options{Input: in, Out: staging, Formats: s.formats, Table: s.Table,
		Atomic: []atomicfile.Option{env.Atomic()}})
	if err != nil {
		return err
	}
	env.Record["meshes"] = sum.Labels
	return atomicfile.ReplaceDir(staging, env.Output(stage.Meshes))
}

// Interface guards.
var (
	_ stage.Stage = (*Mesh)(nil)
)
