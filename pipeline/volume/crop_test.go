package volume

import (
	"math"
	"testing"
)

func TestBoundingBoxCropPaste(t *testing.T) {
	g := Grid{Dims: [3]int{20, 9, 7}, Affine: Affine{{-0.8, 0, 0, 5}, {0, 0.8, 0, -3}, {0, 0, 2, 1}, {0, 0, 0, 1}}}
	tests := []struct {
		name   string
		set    [][3]int
		lo, hi [3]int
		ok     bool
	}{
		{"empty", nil, [3]int{}, [3]int{}, false},
		{"one voxel", [][3]int{{3, 4, 5}}, [3]int{3, 4, 5}, [3]int{4, 5, 6}, true},
		{"corners", [][3]int{{0, 0, 0}, {19, 8, 6}}, [3]int{0, 0, 0}, [3]int{20, 9, 7}, true},
		{"spread", [][3]int{{17, 2, 1}, {9, 7, 3}, {11, 5, 2}}, [3]int{9, 2, 1}, [3]int{18, 8, 4}, true},
	}
	for _, tc := range tests {
		m := New[uint8](g)
		for _, p := range tc.set {
			m.Set(p[0], p[1], p[2], 1)
		}
		lo, hi, ok := BoundingBox(m)
		if ok != tc.ok || (ok && (lo != tc.lo || hi != tc.hi)) {
			t.Errorf("%s: box %v–%v ok=%v, want %v–%v ok=%v", tc.name, lo, hi, ok, tc.lo, tc.hi, tc.ok)
			continue
		}
		// The same voxels as value 4 among voxels of value 9: ValueBox
		// finds them, and value 9's box is the whole grid.
		v := New[uint8](g)
		for n := range v.Data {
			v.Data[n] = 9
		}
		for _, p := range tc.set {
			v.Set(p[0], p[1], p[2], 4)
		}
		if vlo, vhi, vok := ValueBox(v, 4); vok != ok || vlo != lo || vhi != hi {
			t.Errorf("%s: value box %v–%v ok=%v, want %v–%v ok=%v", tc.name, vlo, vhi, vok, lo, hi, ok)
		}
		if vlo, vhi, _ := ValueBox(v, 9); vlo != [3]int{} || vhi != g.Dims {
			t.Errorf("%s: value 9's box %v–%v, want the grid", tc.name, vlo, vhi)
		}
		if !ok {
			continue
		}
		// A crop reaching one voxel past the grid pads with zeros and
		// keeps world positions.
		plo, phi := [3]int{lo[0] - 1, lo[1] - 1, lo[2] - 1}, [3]int{hi[0] + 1, hi[1] + 1, hi[2] + 1}
		c := Crop(m, plo, phi)
		for _, p := range tc.set {
			q := [3]int{p[0] - plo[0], p[1] - plo[1], p[2] - plo[2]}
			if c.At(q[0], q[1], q[2]) != 1 {
				t.Errorf("%s: crop lost voxel %v", tc.name, p)
			}
			wa := g.VoxelToWorld([3]float64{float64(p[0]), float64(p[1]), float64(p[2])})
			wb := c.VoxelToWorld([3]float64{float64(q[0]), float64(q[1]), float64(q[2])})
			if d := math.Abs(wa[0]-wb[0]) + math.Abs(wa[1]-wb[1]) + math.Abs(wa[2]-wb[2]); d > 1e-9 {
				t.Errorf("%s: voxel %v moved from %v to %v", tc.name, p, wa, wb)
			}
		}
		back := New[uint8](g)
		Paste(back, c, plo)
		for n := range m.Data {
			if back.Data[n] != m.Data[n] {
				t.Fatalf("%s: paste of crop differs at %d", tc.name, n)
			}
		}
	}
}

func TestGrowBoxClamps(t *testing.T) {
	g := Grid{Dims: [3]int{10, 10, 10}, Affine: Identity}
	lo, hi := GrowBox(g, [3]int{1, 5, 8}, [3]int{3, 6, 10}, [3]int{2, 2, 2})
	if lo != [3]int{0, 3, 6} || hi != [3]int{5, 8, 10} {
		t.Errorf("grown box %v–%v", lo, hi)
	}
}
