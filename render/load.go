package render

import (
	"errors"
	"fmt"
	"path/filepath"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh/meshio"
)

// ErrNoMeshes is returned by LoadMeshes for a case with no meshes yet.
var ErrNoMeshes = errors.New("no meshes")

// LoadMeshes reads a case's meshes, CASE/output/meshes/<label>.obj, sorted
// by name, coloured from the folder's model.mtl, else from the default
// label table (meshio.ReadFolder). A case without meshes gives an error
// wrapping ErrNoMeshes that says to run the pipeline; meshes that are not the current set
// (casefile.Case.Current: the mesh stage or one behind it failed in its
// last run, an input changed since, or the folder is not the set that run
// recorded) give an error wrapping *manifest.StaleError, and nothing is
// drawn.
func LoadMeshes(caseDir string) ([]meshio.Object, error) {
	dir := (&casefile.Case{Dir: caseDir}).MeshesDir()
	if paths, _ := filepath.Glob(filepath.Join(dir, "*.obj")); len(paths) == 0 {
		return nil, fmt.Errorf("%s: %w in %s: run `kidney3d run %s` first", caseDir, ErrNoMeshes, dir, caseDir)
	}
	c, err := casefile.Open(caseDir)
	if err != nil {
		return nil, err
	}
	if err := c.Current(dir); err != nil {
		return nil, fmt.Errorf("%s: %w", caseDir, err)
	}
	table := labels.Default()
	return meshio.ReadFolder(dir, func(name string) [4]uint8 {
		if l, found := table.ByName(name); found {
			return l.Color
		}
		return [4]uint8{200, 200, 200, 255}
	})
}
