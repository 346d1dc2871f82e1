package editops

import (
	"testing"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// kidneyByHand is a demo case's label map as a user starts grow from
// seeds on the kidney that holds no tumour: every other structure of the
// truth in place, the kidney itself only as seed strokes (its voxels 3 mm
// inside its outline on the axial, coronal and sagittal slices through
// its box's centre); and the truth of that kidney, and its label.
func kidneyByHand(c *demo.Case) (seeded, truth *volume.Volume[uint8], kidney string) {
	kidney = "kidney_left"
	if c.Params.Tumor.Side == "left" {
		kidney = "kidney_right"
	}
	v := labels.Default().Value(kidney)
	mask := volume.New[uint8](c.Truth.Grid)
	truth = volume.New[uint8](c.Truth.Grid)
	for n, x := range c.Truth.Data {
		if x == v {
			mask.Data[n], truth.Data[n] = 1, v
		}
	}
	lo, hi, _ := volume.BoundingBox(mask)
	centre := [3]int{(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2}
	inner := labelops.Erode(mask, 3)
	seeded = c.Truth.Clone()
	for n, x := range seeded.Data {
		if x != v {
			continue
		}
		seeded.Data[n] = 0
		i, j, k := seeded.Coords(n)
		if inner.Data[n] != 0 && (i == centre[0] || j == centre[1] || k == centre[2]) {
			seeded.Data[n] = v
		}
	}
	return seeded, truth, kidney
}

// TestGrowSeedsDemoKidney grows the kidney of the small demo case from
// its strokes on three slices with the op the Edit panel runs (one label,
// background box_faces, 10 mm): Dice ≥ 0.90 with the truth.
func TestGrowSeedsDemoKidney(t *testing.T) {
	c, err := demo.Generate(demo.Options{Seed: 3, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	seeded, truth, kidney := kidneyByHand(c)
	env := &Env{Labels: seeded, Table: labels.Default(), Grower: &Grower{},
		Intensity: func(string) (*volume.Volume[int16], error) { return c.Phases["A"], nil }}
	if _, err := run(env, `[{"op":"grow_seeds","labels":["`+kidney+`"],"background":"box_faces","mm":10}]`); err != nil {
		t.Fatal(err)
	}
	cmp := kidneyCompared(t, truth, seeded, kidney)
	t.Logf("Dice %.4f with the kidney (%d voxels grown, %d true)", cmp.Labels[0].Dice, cmp.Labels[0].VoxelsB, cmp.Labels[0].VoxelsA)
	if cmp.Labels[0].Dice < 0.90 {
		t.Errorf("Dice %.4f with the kidney, want ≥ 0.90", cmp.Labels[0].Dice)
	}
}

// kidneyCompared compares the kidney of the label map lm (its other
// labels left out) with its truth.
func kidneyCompared(tb testing.TB, truth, lm *volume.Volume[uint8], kidney string) *editversions.Comparison {
	table := labels.Default()
	v := table.Value(kidney)
	only := volume.New[uint8](lm.Grid)
	for n, x := range lm.Data {
		if x == v {
			only.Data[n] = v
		}
	}
	cmp, err := editversions.Compare(truth, only, 0, 1, table)
	if err != nil || len(cmp.Labels) != 1 {
		tb.Fatalf("%+v, %v", cmp, err)
	}
	return cmp
}
