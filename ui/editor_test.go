package ui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/editops"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// TestEditorOnAnotherOrientation: a case stored LPS is shown on its RAS
// grid; strokes made through the session (on the stored grid), their undo
// and redo, reach the shown map voxel for voxel, with the labels' counts
// and boxes.
func TestEditorOnAnotherOrientation(t *testing.T) {
	g := volume.Grid{Dims: [3]int{10, 8, 6}, Affine: volume.Affine{{-2, 0, 0, 10}, {0, -2, 0, 8}, {0, 0, 3, -9}, {0, 0, 0, 1}}}
	dir := t.TempDir()
	c := &casefile.Case{Dir: dir}
	lab := volume.New[uint8](g)
	lab.Set(1, 2, 3, 3)
	for path, v := range map[string]any{c.PhasePath("A"): volume.New[int16](g), c.OutputLabelsPath(): lab} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch v := v.(type) {
		case *volume.Volume[int16]:
			err = volume.Save(path, v)
		case *volume.Volume[uint8]:
			err = volume.Save(path, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	shown, o := volume.Canonical(lab)
	if o.IsIdentity() {
		t.Fatal("the test grid is stored RAS")
	}
	d := &caseData{dir: dir, grid: shown.Grid, labels: shown, table: labels.Default()}
	ed, err := beginEditing(d, editsession.Refuse)
	if err != nil {
		t.Fatal(err)
	}
	defer ed.close()
	check := func(when string) {
		t.Helper()
		want, _ := volume.Canonical(ed.session.Labels)
		if !slices.Equal(ed.shown.Data, want.Data) {
			t.Fatalf("%s: the shown map is not the session's, reoriented", when)
		}
		n := 0
		for _, v := range ed.session.Labels.Data {
			if v == 3 {
				n++
			}
		}
		if ed.counts[3] != n {
			t.Fatalf("%s: count of label 3 is %d, want %d", when, ed.counts[3], n)
		}
	}
	check("opened")
	r := 2.5
	centre := g.VoxelToWorld([3]float64{4, 4, 2})
	s, b, err := ed.do(&editops.Op{Op: "paint", Label: labels.Default().Name(3), CenterMM: &centre, RadiusMM: &r})
	if err != nil {
		t.Fatal(err)
	}
	check("painted")
	// Voxel (4, 4, 2) stored is (10-1-4, 8-1-4, 2) = (5, 3, 2) shown; the
	// sphere of 2.5 mm on 2×2×3 mm voxels holds it and its 4 in-plane
	// neighbours.
	if s.Voxels() != 5 || b.lo != [3]int{4, 2, 2} || b.hi != [3]int{7, 5, 3} || !slices.Equal(b.labels, []uint8{3}) {
		t.Errorf("stroke of %d voxels, block %v–%v labels %v; want 5 voxels in [4 2 2]–[7 5 3] of label 3", s.Voxels(), b.lo, b.hi, b.labels)
	}
	if lo, hi, ok := ed.labelBox(3); !ok || lo != [3]int{3, 1, 1} || hi != [3]int{10, 7, 5} {
		t.Errorf("label 3's box %v–%v, want [3 1 1]–[10 7 5] (its voxel (8, 5, 3) and the stroke's, grown by one)", lo, hi)
	}
	if _, _, ok, err := ed.undo(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	check("undone")
	if _, _, ok, err := ed.redo(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	check("redone")
}
