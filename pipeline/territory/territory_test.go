package territory

import (
	"context"
	"testing"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/volume"
)

// box sets the voxels of [lo, hi] (inclusive) to v.
func box(m *volume.Volume[uint8], lo, hi [3]int, v uint8) {
	for k := lo[2]; k <= hi[2]; k++ {
		for j := lo[1]; j <= hi[1]; j++ {
			for i := lo[0]; i <= hi[0]; i++ {
				m.Set(i, j, k, v)
			}
		}
	}
}

// threeBranches is a 1 mm grid with an aorta (i 0–2), a left kidney box
// (i 30–49, j 4–15, k 0–29) with a tumour in its lowest four slices, and
// a renal artery 3 voxels thick from the aorta along i at k 14, forking
// at i 20–22 into three straight parallel branches at k 5, 14 and 23 that
// run into the kidney to i 40.
func threeBranches() *volume.Volume[uint8] {
	lab := volume.New[uint8](volume.Grid{Dims: [3]int{60, 20, 30}, Affine: volume.Identity})
	box(lab, [3]int{0, 7, 0}, [3]int{2, 12, 29}, 12)  // aorta
	box(lab, [3]int{30, 4, 0}, [3]int{49, 15, 29}, 1) // kidney_left
	box(lab, [3]int{40, 4, 0}, [3]int{49, 15, 3}, 3)  // tumor
	box(lab, [3]int{3, 9, 13}, [3]int{21, 11, 15}, 5) // trunk
	box(lab, [3]int{20, 9, 4}, [3]int{22, 11, 24}, 5) // fork
	for _, k := range []int{5, 14, 23} {
		box(lab, [3]int{23, 9, k - 1}, [3]int{40, 11, k + 1}, 5)
	}
	return lab
}

func TestThreeParallelBranchesSplitTheKidneyMidway(t *testing.T) {
	lab := threeBranches()
	res, err := Compute(context.Background(), lab, labels.Default())
	if err != nil {
		t.Fatal(err)
	}
	rep := res.Report
	if len(rep.Arteries) != 1 || !rep.Arteries[0].FromAorta || rep.Arteries[0].Branches != 3 || rep.Arteries[0].Kidney != "kidney_left" {
		t.Fatalf("arteries %+v, want one from the aorta with 3 branches", rep.Arteries)
	}
	// The fork's centre is 18 voxels from the trunk's first (i 3 → 21).
	if fb := rep.Arteries[0].FirstBranchMM; fb == nil || *fb < 17 || *fb > 20 {
		t.Errorf("first branch at %v mm, want 18 ± 2", fb)
	}
	// Nearest branch by |k - centre| against the tubes' faces: k 19–29 to
	// the top branch (1), 10–18 to the middle (2), 0–9 to the lowest (3).
	// Each slice has 240 kidney voxels less 33 of artery where a branch
	// runs; the lowest four slices' back half is tumour (480 voxels).
	want := []measure.Branch{
		{Index: 1, ParenchymaML: 2.541},
		{Index: 2, ParenchymaML: 2.061},
		{Index: 3, ParenchymaML: 1.821, TumorML: 0.48, Tumors: []int{1}},
	}
	if len(rep.Branches) != len(want) {
		t.Fatalf("%d branches, want %d: %+v", len(rep.Branches), len(want), rep.Branches)
	}
	for n, w := range want {
		b := rep.Branches[n]
		if b.Index != w.Index || b.Kidney != "kidney_left" || b.Artery != 1 || b.ParenchymaML != w.ParenchymaML || b.TumorML != w.TumorML || len(b.Tumors) != len(w.Tumors) || (len(w.Tumors) > 0 && b.Tumors[0] != 1) {
			t.Errorf("branch %d: %+v, want %+v", n+1, b, w)
		}
	}
	for k := 0; k < 30; k++ {
		wantB := uint8(3)
		switch {
		case k >= 19:
			wantB = 1
		case k >= 10:
			wantB = 2
		}
		for j := 4; j <= 15; j++ {
			for i := 30; i <= 49; i++ {
				if got := res.Map.At(i, j, k); got != wantB && lab.At(i, j, k) != 5 {
					t.Fatalf("voxel (%d, %d, %d): branch %d, want %d", i, j, k, res.Map.At(i, j, k), wantB)
				}
			}
		}
	}
	if x := res.Map.At(10, 10, 14); x != 0 {
		t.Errorf("the trunk outside the kidney is in territory %d, want 0", x)
	}

	r := measure.Report{Tumors: []measure.Tumor{{Index: 1}}, Kidneys: []measure.Kidney{{Name: "kidney_left"}}}
	Apply(&r, &rep)
	if len(r.Tumors[0].Territories) != 1 || r.Tumors[0].Territories[0] != 3 {
		t.Errorf("tumour fed by %v, want [3]", r.Tumors[0].Territories)
	}
	if r.Kidneys[0].AortaToFirstBranchMM != rep.Arteries[0].FirstBranchMM || len(r.Methods) != len(Methods) {
		t.Errorf("kidney %+v, %d methods", r.Kidneys[0], len(r.Methods))
	}
}

func TestNoArteryNoTerritory(t *testing.T) {
	lab := threeBranches()
	for n, x := range lab.Data {
		if x == 5 {
			lab.Data[n] = 0
		}
	}
	res, err := Compute(context.Background(), lab, labels.Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Branches) != 0 || len(res.Report.Arteries) != 0 {
		t.Errorf("branches %v, arteries %v without an artery", res.Report.Branches, res.Report.Arteries)
	}
	for _, x := range res.Map.Data {
		if x != 0 {
			t.Fatal("a territory without an artery")
		}
	}
}
