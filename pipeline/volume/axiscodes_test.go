package volume

import (
	"slices"
	"testing"
)

func TestParseAxisCodesRejectsWhatIsNotThreeAxes(t *testing.T) {
	for _, bad := range []string{"", "RA", "RASX", "RRS", "LRS", "RAX", "ras", "SSS"} {
		if _, err := ParseAxisCodes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// Every relabelling, applied to every grid, is undone toward the grid's
// own axis codes, and reaches any of the 48 axis codes asked for.
func TestOrientationTowardReachesEveryAxisCode(t *testing.T) {
	grids := []Grid{
		{Dims: [3]int{4, 5, 6}, Affine: diag(0.8, 0.9, 2.5, [3]float64{-10, 20, 30})},
		{Dims: [3]int{4, 5, 6}, Affine: rotation([3]float64{1, 1.5, 2}, 0.3, 0.2, [3]float64{1, 2, 3})},
	}
	var codes []string
	for _, o := range AllOrientations() {
		codes = append(codes, o.Grid(grids[0]).Affine.AxisCodes())
	}
	slices.Sort(codes)
	if len(slices.Compact(codes)) != 48 {
		t.Fatalf("AllOrientations gives %d distinct axis codes, want 48", len(codes))
	}
	for _, g := range grids {
		v := randomVolume(g, 3)
		want := v.Affine.AxisCodes()
		for _, o := range AllOrientations() {
			s := Reorient(v, o)
			back, err := OrientationToward(s.Grid, want)
			if err != nil {
				t.Fatal(err)
			}
			r := Reorient(s, back)
			if r.Dims != v.Dims || !slices.Equal(r.Data, v.Data) {
				t.Fatalf("%v: toward %s does not restore the storage", o, want)
			}
			if err := SameGrid(v.Grid, r.Grid, 1e-9); err != nil {
				t.Fatalf("%v: %v", o, err)
			}
			for _, c := range codes {
				to, err := OrientationToward(s.Grid, c)
				if err != nil {
					t.Fatal(err)
				}
				if got := to.Grid(s.Grid).Affine.AxisCodes(); got != c {
					t.Fatalf("%v toward %s gives %s", o, c, got)
				}
			}
		}
	}
}

func TestThenIsOneReorientation(t *testing.T) {
	v := randomVolume(Grid{Dims: [3]int{3, 4, 5}, Affine: diag(1, 2, 3, [3]float64{})}, 4)
	all := AllOrientations()
	for i, a := range all {
		b := all[(i*7+5)%len(all)]
		two := Reorient(Reorient(v, a), b)
		one := Reorient(v, a.Then(b))
		if two.Dims != one.Dims || !slices.Equal(two.Data, one.Data) {
			t.Fatalf("%v then %v differs from %v", a, b, a.Then(b))
		}
		if !a.Then(a.Inverse()).IsIdentity() {
			t.Fatalf("%v then its inverse is %v", a, a.Then(a.Inverse()))
		}
	}
}

func FuzzParseAxisCodes(f *testing.F) {
	for _, s := range []string{"RAS", "LPS", "LAS", "PIR", "RRS", "", "RA\x00", "ÄAS"} {
		f.Add(s)
	}
	ras := Grid{Dims: [3]int{2, 3, 4}, Affine: Identity}
	f.Fuzz(func(t *testing.T, codes string) {
		o, err := ParseAxisCodes(codes)
		if err != nil {
			if len(err.Error()) > 200 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		// What is accepted is a relabelling, and it stores RAS as codes.
		if got := o.Grid(ras).Affine.AxisCodes(); got != codes {
			t.Fatalf("%q relabels RAS to %s", codes, got)
		}
	})
}

func TestReorientBoxIsReorientOfTheCrop(t *testing.T) {
	v := randomVolume(Grid{Dims: [3]int{7, 6, 5}, Affine: rotation([3]float64{1, 2, 3}, 0.3, 0.1, [3]float64{4, 5, 6})}, 5)
	lo, hi := [3]int{1, 2, 0}, [3]int{6, 4, 3}
	for _, o := range AllOrientations() {
		want := Reorient(Crop(v, lo, hi), o)
		got := ReorientBox(v, lo, hi, o)
		if got.Grid != want.Grid || !slices.Equal(got.Data, want.Data) {
			t.Fatalf("%v: the box relabelled differs from the crop relabelled", o)
		}
	}
}

func TestBoxIsTheBoxOfTheRelabelledVoxels(t *testing.T) {
	g := Grid{Dims: [3]int{7, 6, 5}, Affine: Identity}
	m := New[uint8](g)
	lo, hi := [3]int{1, 2, 0}, [3]int{6, 4, 3}
	for n := range m.Data {
		if i, j, k := m.Coords(n); i >= lo[0] && i < hi[0] && j >= lo[1] && j < hi[1] && k >= lo[2] && k < hi[2] {
			m.Data[n] = 1
		}
	}
	for _, o := range AllOrientations() {
		r := Reorient(m, o)
		wlo, whi, _ := BoundingBox(r)
		if glo, ghi := o.Box(g.Dims, lo, hi); glo != wlo || ghi != whi {
			t.Fatalf("%v: Box %v..%v, the relabelled voxels' box %v..%v", o, glo, ghi, wlo, whi)
		}
	}
}
