package volume

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// onGridFixture is a mask on a RAS grid of unequal dims and spacing, with
// an origin away from zero, and the box [1, 7) × [2, 5) × [0, 4).
func onGridFixture() *Volume[uint8] {
	aff := Affine{{0.8, 0, 0, -100.5}, {0, 0.9, 0, 20.25}, {0, 0, 2.5, 94.3}, {0, 0, 0, 1}}
	v := New[uint8](Grid{Dims: [3]int{9, 7, 5}, Affine: aff})
	for n := range v.Data {
		if i, j, k := v.Coords(n); i >= 1 && i < 7 && j >= 2 && j < 5 && k < 4 && (i+2*j+3*k)%4 != 0 {
			v.Data[n] = 1
		}
	}
	return v
}

// TestMaskInAnyStorageOrderIsRelabelledExactly stores a mask in each of
// the 48 axis orders and directions of its grid and reads it back on that
// grid: the same voxels, whole and by box.
func TestMaskInAnyStorageOrderIsRelabelledExactly(t *testing.T) {
	want := onGridFixture()
	g := want.Grid
	lo, hi := [3]int{2, 1, 1}, [3]int{8, 6, 5}
	for _, o := range orientations {
		path := filepath.Join(t.TempDir(), "m.nii.gz")
		stored := Reorient(want, o)
		if err := Save(path, stored); err != nil {
			t.Fatal(err)
		}
		m, err := LoadMaskOn(path, g)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		if SameGrid(g, m.Grid, 0) != nil || !slices.Equal(m.Full().Data, want.Data) {
			t.Errorf("%+v (%s): relabelled mask differs", o, stored.Affine.AxisCodes())
		}
		box, err := LoadMaskBoxOn(path, g, lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		if crop := Crop(want, lo, hi); SameGrid(crop.Grid, box.Grid, 1e-9) != nil || !slices.Equal(box.Data, crop.Data) {
			t.Errorf("%+v: box differs", o)
		}
		codes, err := CheckMaskGrid(path, g)
		if err != nil || (codes == "") != o.IsIdentity() {
			t.Errorf("%+v: CheckMaskGrid = %q, %v", o, codes, err)
		}
	}
}

func TestEmptyMaskInAnotherOrder(t *testing.T) {
	v := onGridFixture()
	clear(v.Data)
	path := filepath.Join(t.TempDir(), "m.nii.gz")
	if err := Save(path, Reorient(v, Orientation{Perm: [3]int{2, 0, 1}, Flip: [3]bool{true}})); err != nil {
		t.Fatal(err)
	}
	m, err := LoadMaskOn(path, v.Grid)
	if err != nil || SameGrid(v.Grid, m.Grid, 0) != nil || !slices.Equal(m.Full().Data, v.Data) {
		t.Errorf("empty mask: %v", err)
	}
}

// TestOtherWorldGridIsRefused: a grid that no relabelling makes the
// phase's is refused naming the file and what differs, compared in RAS
// order whatever the storage.
func TestOtherWorldGridIsRefused(t *testing.T) {
	v := onGridFixture()
	shifted := v.Clone()
	shifted.Affine = v.Affine.Translated([3]float64{0, 0, 2.5})
	finer := v.Clone()
	finer.Affine[0][0] = 0.7
	for _, tc := range []struct {
		name string
		v    *Volume[uint8]
		want string
	}{
		{"shifted a slice", Reorient(shifted, Orientation{Perm: [3]int{0, 1, 2}, Flip: [3]bool{true}}), "grids differ in origin: (-100.5, 20.25, 94.3) vs (-100.5, 20.25, 96.8)"},
		{"other spacing", Reorient(finer, Orientation{Perm: [3]int{2, 1, 0}}), "grids differ in spacing: (0.8, 0.9, 2.5) vs (0.7, 0.9, 2.5)"},
		{"other dims", New[uint8](Grid{Dims: [3]int{9, 7, 6}, Affine: v.Affine}), "grids differ in dims: [9 7 5] vs [9 7 6]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kidney_left.nii.gz")
			if err := Save(path, tc.v); err != nil {
				t.Fatal(err)
			}
			_, err1 := LoadMaskOn(path, v.Grid)
			_, err2 := LoadMaskBoxOn(path, v.Grid, [3]int{}, [3]int{1, 1, 1})
			_, err3 := CheckMaskGrid(path, v.Grid)
			for _, err := range []error{err1, err2, err3} {
				if err == nil || !strings.Contains(err.Error(), path+": not on the phase's grid in any axis order or direction: volume: "+tc.want) {
					t.Errorf("got %v, want %q", err, tc.want)
				}
			}
		})
	}
}
