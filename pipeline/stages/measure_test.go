package stages

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/buildinfo"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
)

// maskCase writes a case on grid g: an A phase that is not constant (the
// load stage refuses a blank image) and the given masks, each where its
// function of (i, j, k) is true.
func maskCase(t *testing.T, g volume.Grid, masks map[string]func(i, j, k int) bool) *casefile.Case {
	t.Helper()
	ct := volume.New[int16](g)
	for n := range ct.Data {
		ct.Data[n] = int16(n%200 - 100)
	}
	ms := map[string]*volume.Volume[uint8]{}
	for name, in := range masks {
		ms[name] = maskOf(g, in)
	}
	return writeCase(t, map[string]*volume.Volume[int16]{"A": ct}, ms)
}

// TestReportFlagsStructuresCutByTheFieldOfView measures a case stored LPS
// (i grows to the left, j to the back): kidney_left runs out of the first
// slice and the right in-plane edge, kidney_right is whole, and a tumour box
// has a known diameter between voxel centres.
func TestReportFlagsStructuresCutByTheFieldOfView(t *testing.T) {
	g := volume.Grid{Dims: [3]int{20, 16, 12}, Affine: volume.Affine{{-1, 0, 0, 10}, {0, -1, 0, 8}, {0, 0, 2, -5}, {0, 0, 0, 1}}}
	c := maskCase(t, g, map[string]func(i, j, k int) bool{
		"kidney_left":  func(i, j, k int) bool { return i < 4 && j >= 4 && j < 10 && k < 5 },
		"kidney_right": func(i, j, k int) bool { return i >= 12 && i < 17 && j >= 3 && j < 9 && k >= 3 && k < 9 },
		"tumor":        func(i, j, k int) bool { return i >= 6 && i < 10 && j >= 10 && j < 13 && k >= 6 && k < 10 },
	})
	dir := c.Dir
	stagetest.Run(t, c, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "merge"}, stagetest.Entry{Kind: "measure"})
	b, err := os.ReadFile(filepath.Join(dir, "output", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep MeasureReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.DiameterMethod == "" {
		t.Error("the report does not say how diameters are measured")
	}
	if rep.Software == nil || *rep.Software != buildinfo.Get() {
		t.Errorf("software %+v, want this build %+v", rep.Software, buildinfo.Get())
	}
	got := map[string]MeasureStructure{}
	for _, s := range rep.Structures {
		got[s.Name] = s
	}
	left, right, tumour := got["kidney_left"], got["kidney_right"], got["tumor"]
	want := []MeasureCut{{Side: "right", Face: "in-plane edge (i = 0)", Voxels: 6 * 5}, {Side: "inferior", Face: "first slice (k = 0)", Voxels: 4 * 6}}
	if len(left.CutByFieldOfView) != 2 || left.CutByFieldOfView[0] != want[0] || left.CutByFieldOfView[1] != want[1] {
		t.Errorf("kidney_left cut %+v, want %+v", left.CutByFieldOfView, want)
	}
	if !left.VolumeIsLowerBound || !left.DiameterIsLowerBound || left.VolumeML != 4*6*5*2.0/1000 {
		t.Errorf("kidney_left: %+v", left)
	}
	if right.CutByFieldOfView != nil || right.VolumeIsLowerBound || right.DiameterIsLowerBound || right.Voxels != 5*6*6 {
		t.Errorf("kidney_right is whole: %+v", right)
	}
	if d := math.Sqrt(3*3 + 2*2 + 6*6); tumour.MaxDiameterMM != math.Round(d*100)/100 || tumour.VolumeIsLowerBound {
		t.Errorf("tumor: %+v, want a diameter of %.2f mm between voxel centres", tumour, d)
	}
}
