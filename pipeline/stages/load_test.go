package stages

import (
	"context"
	"os"
	"strings"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

func phaseGrid(origin [3]float64, dims [3]int) volume.Grid {
	return volume.Grid{Dims: dims, Affine: volume.Affine{{-2, 0, 0, origin[0]}, {0, -2, 0, origin[1]}, {0, 0, 2.5, origin[2]}, {0, 0, 0, 1}}}
}

// writePhasesCase writes phases (a 16³ body of 40 to 46 HU) and masks into a new
// case.
func writePhasesCase(t *testing.T, phases map[string]volume.Grid, masks map[string]*volume.Volume[uint8]) *casefile.Case {
	t.Helper()
	vs := map[string]*volume.Volume[int16]{}
	for p, g := range phases {
		v := volume.New[int16](g)
		for i := range v.Data {
			v.Data[i] = int16(40 + i%7)
		}
		vs[p] = v
	}
	return writeCase(t, vs, masks)
}

func runLoad(t *testing.T, c *casefile.Case) error {
	t.Helper()
	s, err := stage.New("load", "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return orchestrate.Run(context.Background(), c, []stage.Stage{s}, orchestrate.Options{Program: "test"})
}

func TestValidCaseWritesSummary(t *testing.T) {
	g := phaseGrid([3]float64{0, 0, 0}, [3]int{16, 16, 16})
	mask := volume.New[uint8](g)
	mask.Data[100], mask.Data[101] = 1, 1
	c := writePhasesCase(t, map[string]volume.Grid{"A": g, "P": phaseGrid([3]float64{3, 0, -4}, [3]int{16, 16, 16})}, map[string]*volume.Volume[uint8]{"artery": mask})
	if err := runLoad(t, c); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.ArtefactPath("load", stage.InputsSummary))
	if err != nil || !strings.Contains(string(b), `"artery"`) || !strings.Contains(string(b), `"voxels": 2`) {
		t.Fatalf("summary %s, %v", b, err)
	}
}

// TestWithoutAThePortalPhaseIsTheReference: a case of P and D, with a
// mask on P's grid, is valid and inputs.json names P as the reference.
func TestWithoutAThePortalPhaseIsTheReference(t *testing.T) {
	g := phaseGrid([3]float64{0, 0, 0}, [3]int{16, 16, 16})
	mask := volume.New[uint8](g)
	mask.Data[7] = 1
	c := writePhasesCase(t, map[string]volume.Grid{"P": g, "D": phaseGrid([3]float64{3, 0, -4}, [3]int{16, 16, 16})}, map[string]*volume.Volume[uint8]{"vein": mask})
	if err := runLoad(t, c); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(c.ArtefactPath("load", stage.InputsSummary))
	if err != nil || !strings.Contains(string(b), `"reference": "P"`) || !strings.Contains(string(b), `"vein"`) {
		t.Fatalf("summary %s, %v", b, err)
	}
}

func TestBadInputsAreAllReported(t *testing.T) {
	g := phaseGrid([3]float64{0, 0, 0}, [3]int{16, 16, 16})
	far := phaseGrid([3]float64{0, 0, 500}, [3]int{16, 16, 16})
	flat := phaseGrid([3]float64{0, 0, 0}, [3]int{16, 16, 1})
	offGrid := volume.New[uint8](phaseGrid([3]float64{1, 0, 0}, [3]int{16, 16, 16}))
	for _, tc := range []struct {
		name   string
		phases map[string]volume.Grid
		masks  map[string]*volume.Volume[uint8]
		want   []string
	}{
		{"no phase", map[string]volume.Grid{}, nil, []string{"input: no phase: want at least one of A.nii.gz"}},
		{"far from P, the reference", map[string]volume.Grid{"P": g, "D": far}, nil, []string{"D.nii.gz: does not overlap the reference phase P"}},
		{"far apart", map[string]volume.Grid{"A": g, "D": far}, nil, []string{"D.nii.gz: does not overlap", "500 mm apart"}},
		{"2D", map[string]volume.Grid{"A": flat}, nil, []string{"A.nii.gz: not a 3D image"}},
		{"few slices", map[string]volume.Grid{"A": phaseGrid([3]float64{0, 0, 0}, [3]int{16, 16, 2})}, nil, []string{"A.nii.gz: 2 slices along an axis (dims [16 16 2]): a CT needs at least 8"}},
		{"unknown mask", map[string]volume.Grid{"A": g}, map[string]*volume.Volume[uint8]{"arterry": volume.New[uint8](g)}, []string{"masks: not the mask of a label: arterry.nii.gz (masks are named <label>.nii.gz, the labels being kidney_left, kidney_right, tumor"}},
		{"mask grid", map[string]volume.Grid{"A": g}, map[string]*volume.Volume[uint8]{"vein": offGrid}, []string{"vein.nii.gz: mask of vein is not on the grid of phase A (the reference)", "origin"}},
		{"two problems", map[string]volume.Grid{"A": g, "P": flat, "D": far}, nil, []string{"P.nii.gz: not a 3D image", "D.nii.gz: does not overlap"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runLoad(t, writePhasesCase(t, tc.phases, tc.masks))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCorruptPhaseIsNamed(t *testing.T) {
	g := phaseGrid([3]float64{0, 0, 0}, [3]int{16, 16, 16})
	c := writePhasesCase(t, map[string]volume.Grid{"A": g, "P": g}, nil)
	path := c.PhasePath("P")
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, b[:len(b)-20], 0o644); err != nil {
		t.Fatal(err)
	}
	err := runLoad(t, c)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("truncated phase: %v", err)
	}
}
