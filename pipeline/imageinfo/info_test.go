package imageinfo

import (
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSpacingOfSingleSlices compares Describe with nibabel on 2D files: the
// axes get_zooms gives agree with it, and the missing one is the length of
// the affine's column for it (not 1).
func TestSpacingOfSingleSlices(t *testing.T) {
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import nibabel").CombinedOutput(); err != nil {
		t.Skipf("%s lacks nibabel (make deps-test installs it): %v %s", py, err, out)
	}
	const script = `
import sys, json, numpy as np, nibabel as nb
img = nb.load(sys.argv[1])
print(json.dumps({"zooms": [float(z) for z in img.header.get_zooms()],
  "columns": [float(x) for x in np.linalg.norm(img.affine[:3, :3], axis=0)]}))`
	for _, name := range []string{"2d.nii", "2d_no_xform.nii", "int16_le.nii"} {
		path := filepath.Join("..", "..", "testdata", "nifti", name)
		out, err := exec.Command(py, "-c", script, path).Output()
		if err != nil {
			t.Fatalf("nibabel on %s: %v", path, err)
		}
		var want struct{ Zooms, Columns []float64 }
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		info, err := Describe(path)
		if err != nil {
			t.Fatal(err)
		}
		for ax := range 3 {
			w := want.Columns[ax]
			if ax < len(want.Zooms) {
				w = want.Zooms[ax]
			}
			if math.Abs(info.Spacing[ax]-w) > 1e-6 {
				t.Errorf("%s: spacing %v, want %g on axis %d (nibabel: zooms %v, affine columns %v)", name, info.Spacing, w, ax, want.Zooms, want.Columns)
			}
		}
		t.Logf("%s: spacing %v (nibabel zooms %v, affine columns %v)", name, info.Spacing, want.Zooms, want.Columns)
	}
}
