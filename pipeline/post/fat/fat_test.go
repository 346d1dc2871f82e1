package fat

import (
	"testing"
	"time"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// dice is the Dice coefficient of a mask against the voxels of truth
// holding value.
func dice(m, truth *volume.Volume[uint8], value uint8) float64 {
	var inter, a, b int
	for n, v := range m.Data {
		t := truth.Data[n] == value
		if v != 0 {
			a++
			if t {
				inter++
			}
		}
		if t {
			b++
		}
	}
	return 2 * float64(inter) / float64(a+b)
}

func demoInput(t testing.TB, seed int64) (Input, *demo.Case) {
	c, m := demotest.Defective(t, seed)
	in := Input{CT: c.Phases["A"], Kidneys: map[string]*volume.Volume[uint8]{"left": m.ByLabel["kidney_left"], "right": m.ByLabel["kidney_right"]}}
	for name, v := range m.ByLabel {
		if name != "kidney_left" && name != "kidney_right" {
			in.Others = append(in.Others, v)
		}
	}
	return in, c
}

func TestDiceOnDefectiveDemoCases(t *testing.T) {
	seeds := demotest.Seeds(40, 3)
	fv := labels.Default().Value("perirenal_fat")
	var sum float64
	low := 1.0
	start := time.Now()
	for seed := int64(1); seed <= int64(seeds); seed++ {
		in, c := demoInput(t, seed)
		out, err := Segment(in, Defaults)
		if err != nil {
			t.Fatal(err)
		}
		d := dice(out, c.Truth, fv)
		sum += d
		low = min(low, d)
		if d < 0.80 {
			t.Errorf("seed %d: Dice %.3f, want ≥ 0.80", seed, d)
		}
	}
	t.Logf("perirenal fat Dice over seeds 1-%d: mean %.3f, lowest %.3f (%v per case with generation)", seeds, sum/float64(seeds), low, time.Since(start)/time.Duration(seeds))
}

func TestMidlineAndOthersBoundTheFat(t *testing.T) {
	g := volume.Grid{Dims: [3]int{40, 20, 20}, Affine: volume.Affine{{1, 0, 0, -20}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}}
	ct := volume.New[int16](g)
	for n := range ct.Data {
		ct.Data[n] = -100
	}
	kidney, other := volume.New[uint8](g), volume.New[uint8](g)
	for k := 8; k < 12; k++ {
		for j := 8; j < 12; j++ {
			for i := 20; i < 24; i++ { // x from 0 to 3 mm: on the right
				kidney.Set(i, j, k, 1)
				ct.Set(i, j, k, 180)
			}
			other.Set(26, j, k, 1)
		}
	}
	out, err := Segment(Input{CT: ct, Kidneys: map[string]*volume.Volume[uint8]{"right": kidney}, Others: []*volume.Volume[uint8]{other}, MidlineX: 0}, Params{MinHU: -190, MaxHU: -30, MarginMM: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		i, j, k int
		want    uint8
	}{{25, 10, 10, 1}, {21, 10, 10, 0}, {26, 10, 10, 0}, {19, 10, 10, 0}, {21, 13, 10, 1}, {21, 17, 10, 0}} {
		if got := out.At(tc.i, tc.j, tc.k); got != tc.want {
			t.Errorf("voxel (%d, %d, %d): %d, want %d", tc.i, tc.j, tc.k, got, tc.want)
		}
	}
}
