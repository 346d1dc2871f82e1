package stages

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"kidney3d/pipeline/casefile/casefiletest"
	"kidney3d/pipeline/dirtest"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// meshCase is a case folder whose output/labels.nii.gz holds a left
// kidney and a tumour, with the mesh stage's environment on it.
func meshCase(t *testing.T) (*Mesh, *stage.Env) {
	t.Helper()
	c := casefiletest.New(t)
	lab := volume.New[uint8](volume.Grid{Dims: [3]int{24, 20, 16}, Affine: volume.Identity})
	for k := 4; k < 12; k++ {
		for j := 4; j < 14; j++ {
			for i := 3; i < 20; i++ {
				v := uint8(1)
				if i > 14 {
					v = 3
				}
				lab.Set(i, j, k, v)
			}
		}
	}
	if err := volume.Save(c.OutputLabelsPath(), lab); err != nil {
		t.Fatal(err)
	}
	s, err := stage.New("mesh", "mesh", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := stage.NewEnv(c, nil, "mesh", "cpu", map[stage.Artefact]string{stage.Labels: c.OutputLabelsPath()}, nil)
	return s.(*Mesh), env
}

// TestRunPutsTheWholeSetInPlace: a run replaces the folder whole (a file of
// a label no longer present goes), and a run that fails part-way leaves
// the previous set as it was and nothing in the temporary folder.
func TestRunPutsTheWholeSetInPlace(t *testing.T) {
	s, env := meshCase(t)
	dir := env.Output(stage.Meshes)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cyst.obj"), []byte("v 0 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	want := []string{"kidney_left.obj", "model.glb", "model.mtl", "tumor.obj"}
	if got := dirtest.Names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("output/meshes holds %v, want %v", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Run(ctx, env); err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	if got := dirtest.Names(t, dir); !slices.Equal(got, want) {
		t.Errorf("after a failed run output/meshes holds %v, want the previous set %v", got, want)
	}
	if left := dirtest.Names(t, env.Case.TempDir()); len(left) != 0 {
		t.Errorf("a failed run left %v in %s", left, env.Case.TempDir())
	}
}
