package demo

import (
	"reflect"
	"testing"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
)

func TestDefectiveMasks(t *testing.T) {
	seeds := []int64{1, 2, 3, 4, 5, 6}
	if testing.Short() {
		seeds = seeds[:2]
	}
	table := labels.Default()
	for _, seed := range seeds {
		c := generate(t, seed, Small)
		m, err := DefectiveMasks(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.ByLabel["perirenal_fat"]; ok {
			t.Errorf("seed %d: wrote the derived perirenal_fat mask", seed)
		}
		for _, name := range []string{"artery", "ureter", "kidney_left", "kidney_right", "aorta", "urinary_bladder", "liver", "spine"} {
			if m.ByLabel[name] == nil {
				t.Fatalf("seed %d: no %s mask", seed, name)
			}
		}
		kinds := map[string]int{}
		for _, d := range m.Defects {
			kinds[d.Label+"/"+d.Kind]++
			if d.Kind == "break" && (d.SizeMM < minGapMM || d.SizeMM > maxGapMM) {
				t.Errorf("seed %d: %s gap %.1f mm", seed, d.Label, d.SizeMM)
			}
		}
		for _, name := range []string{"artery", "ureter"} {
			n := kinds[name+"/break"]
			if n < 1 || n > 4 {
				t.Errorf("seed %d: %d breaks in %s", seed, n, name)
			}
			truth := c.Truth.Clone()
			for i, v := range truth.Data {
				truth.Data[i] = b2u(int(v) == int(table.Value(name)))
			}
			_, before := labelops.Components(truth, labelops.Full)
			_, after := labelops.Components(m.ByLabel[name], labelops.Full)
			if len(after) < len(before)+n {
				t.Errorf("seed %d: %s has %d components after %d breaks, %d before", seed, name, len(after), n, len(before))
			}
		}
		if kinds["kidney_left/missing_pole"]+kinds["kidney_right/missing_pole"] != 1 {
			t.Errorf("seed %d: defects %v, want one missing pole", seed, kinds)
		}
		for _, s := range sides {
			if kinds["kidney_"+s+"/island"] == 0 || kinds["kidney_"+s+"/hole"] == 0 {
				t.Errorf("seed %d: defects %v, want islands and holes on both kidneys", seed, kinds)
			}
		}
		t.Logf("seed %d: %v", seed, kinds)
	}
	c := generate(t, 9, Small)
	a, _ := DefectiveMasks(c)
	b, _ := DefectiveMasks(c)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same case gave different masks")
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
