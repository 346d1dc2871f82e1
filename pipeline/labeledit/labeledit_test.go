package labeledit

import (
	"errors"
	"math"
	"slices"
	"testing"

	"kidney3d/pipeline/volume"
)

// grid is an n³ grid of 1 mm voxels whose voxel (0, 0, 0) is at the world
// origin.
func grid(n int) volume.Grid {
	return volume.Grid{Dims: [3]int{n, n, n}, Affine: volume.Identity}
}

// count is the number of nonzero voxels of a region.
func count(p *volume.Part[uint8]) int {
	n := 0
	for _, v := range p.Box.Data {
		if v != 0 {
			n++
		}
	}
	return n
}

func TestSphereVoxels(t *testing.T) {
	// The integer points with x²+y²+z² ≤ 100 number 4169.
	s, err := Sphere(grid(41), [3]float64{20, 20, 20}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(s); n != 4169 {
		t.Errorf("sphere r=10 on 1 mm voxels: %d voxels, want 4169", n)
	}
	if s.Lo != [3]int{10, 10, 10} || s.Box.Dims != [3]int{21, 21, 21} {
		t.Errorf("box at %v of %v, want [10 10 10] of [21 21 21]", s.Lo, s.Box.Dims)
	}
}

// TestSphereAnyOrientation: on an LPS-stored grid of 0.8×0.8×2 mm voxels,
// the sphere is within 2% of 4/3·π·r³ and lands on the same world points.
func TestSphereAnyOrientation(t *testing.T) {
	g := volume.Grid{Dims: [3]int{64, 64, 32}, Affine: volume.Affine{
		{-0.8, 0, 0, 25}, {0, -0.8, 0, 25}, {0, 0, 2, -30}, {0, 0, 0, 1}}}
	centre := [3]float64{0, 0, 0}
	s, err := Sphere(g, centre, 10)
	if err != nil {
		t.Fatal(err)
	}
	vol := float64(count(s)) * g.VoxelVolume()
	want := 4.0 / 3 * math.Pi * 1000
	if math.Abs(vol-want)/want > 0.02 {
		t.Errorf("sphere volume %.1f mm³, want %.1f ±2%%", vol, want)
	}
	for n, v := range s.Box.Data {
		i, j, k := s.Box.Coords(n)
		p := g.VoxelToWorld([3]float64{float64(i + s.Lo[0]), float64(j + s.Lo[1]), float64(k + s.Lo[2])})
		inside := p[0]*p[0]+p[1]*p[1]+p[2]*p[2] <= 100
		if inside != (v != 0) {
			t.Fatalf("voxel at %v mm: in sphere %v, region %d", p, inside, v)
		}
	}
}

func TestDisc(t *testing.T) {
	// The integer points with x²+y² ≤ 25 number 81; the axial disc lies in
	// slice k=7 alone, the one through the centre (z = 7.3 rounds to 7).
	d, err := Disc(grid(21), [3]float64{10, 10, 7.3}, 5, Axial)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(d); n != 81 {
		t.Errorf("disc r=5: %d voxels, want 81", n)
	}
	if d.Lo[2] != 7 || d.Box.Dims[2] != 1 {
		t.Errorf("disc spans slices %d+%d, want 7+1", d.Lo[2], d.Box.Dims[2])
	}
	s, _ := Disc(grid(21), [3]float64{10, 10, 10}, 5, Sagittal)
	if s.Lo[0] != 10 || s.Box.Dims[0] != 1 || count(s) != 81 {
		t.Errorf("sagittal disc at x %d+%d with %d voxels, want 10+1 with 81", s.Lo[0], s.Box.Dims[0], count(s))
	}
}

func TestShapeErrors(t *testing.T) {
	g := grid(10)
	var out *volume.OutsideError
	if _, err := Sphere(g, [3]float64{20, 0, 0}, 3); !errors.As(err, &out) {
		t.Errorf("centre outside: %v, want an *OutsideError", err)
	}
	for _, r := range []float64{-1, 0, math.NaN(), math.Inf(1)} {
		if _, err := Sphere(g, [3]float64{5, 5, 5}, r); err == nil {
			t.Errorf("radius %g: no error", r)
		}
	}
	if _, err := Disc(g, [3]float64{5, 5, 5}, 2, "oblique"); err == nil {
		t.Error("plane oblique: no error")
	}
	if _, err := Polygon(g, [][3]float64{{1, 1, 1}, {2, 2, 1}}, Axial); err == nil {
		t.Error("two vertices: no error")
	}
}

func TestPolygon(t *testing.T) {
	// A 4 mm square holds the centres 1..4 × 1..4 of slice 3; the triangle
	// half of them and the diagonal's voxels on its inner side.
	sq := [][3]float64{{0.5, 0.5, 3}, {4.5, 0.5, 3}, {4.5, 4.5, 3}, {0.5, 4.5, 3}}
	p, err := Polygon(grid(10), sq, Axial)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(p); n != 16 || p.Lo != [3]int{1, 1, 3} {
		t.Errorf("square: %d voxels at %v, want 16 at [1 1 3]", n, p.Lo)
	}
	tri := [][3]float64{{0.5, 0.5, 3}, {4.5, 0.5, 3}, {0.5, 4.5, 3}}
	p, _ = Polygon(grid(10), tri, Axial)
	if n := count(p); n != 6 {
		t.Errorf("triangle: %d voxels, want 6 (x+y < 5 for x, y ≥ 1)", n)
	}
}

// labelled is a 10³ 1 mm map holding label 2 in the cube [2,5)³ and
// label 3 in the single voxel (8, 8, 8).
func labelled() *volume.Volume[uint8] {
	lm := volume.New[uint8](grid(10))
	for k := 2; k < 5; k++ {
		for j := 2; j < 5; j++ {
			for i := 2; i < 5; i++ {
				lm.Set(i, j, k, 2)
			}
		}
	}
	lm.Set(8, 8, 8, 3)
	return lm
}

func countValue(lm *volume.Volume[uint8], v uint8) int {
	n := 0
	for _, x := range lm.Data {
		if x == v {
			n++
		}
	}
	return n
}

func TestPaintUndoRedo(t *testing.T) {
	lm := labelled()
	before := lm.Clone()
	s, _ := Sphere(lm.Grid, [3]float64{4, 4, 4}, 2)
	d, err := Apply(lm, Paint(s, 1), Mask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The ball of radius 2 holds 33 voxels; all become 1.
	if d.Voxels() != 33 || countValue(lm, 1) != 33 {
		t.Errorf("changed %d voxels, %d hold 1; want 33 and 33", d.Voxels(), countValue(lm, 1))
	}
	if got := d.Labels(); len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 2 {
		t.Errorf("labels %v, want [0 1 2]", got)
	}
	after := lm.Clone()
	if !d.Matches(lm, false) || d.Matches(lm, true) {
		t.Error("Matches does not tell the new state from the old")
	}
	d.Undo(lm)
	if !equal(lm, before) {
		t.Fatal("undo did not restore the map")
	}
	d.Redo(lm)
	if !equal(lm, after) {
		t.Fatal("redo did not repeat the stroke")
	}
	inv := d.Inverse()
	inv.Redo(lm)
	if !equal(lm, before) || !d.Valid(lm.Len()) || !inv.Valid(lm.Len()) {
		t.Fatal("the inverse delta does not undo")
	}
}

func equal(a, b *volume.Volume[uint8]) bool {
	for n := range a.Data {
		if a.Data[n] != b.Data[n] {
			return false
		}
	}
	return true
}

func TestMasking(t *testing.T) {
	s, _ := Sphere(grid(10), [3]float64{4, 4, 4}, 2) // 33 voxels, 11 of them in label 2's cube
	hu := volume.New[int16](grid(10))
	for n := range hu.Data {
		i, _, _ := hu.Coords(n)
		hu.Data[n] = int16(100 * i)
	}
	cases := []struct {
		name string
		mask Mask
		want int // voxels changed
	}{
		{"everywhere", Mask{}, 33},
		{"overwrite none", Mask{Overwrite: OverwriteNone}, 33 - 11},
		{"overwrite listed 3", Mask{Overwrite: OverwriteListed, Overwritable: []uint8{3}}, 33 - 11},
		{"overwrite listed 2", Mask{Overwrite: OverwriteListed, Overwritable: []uint8{2}}, 33},
		{"inside 2", Mask{Area: InsideLabel, AreaLabel: 2, Overwrite: OverwriteNone}, 11},
		{"outside all", Mask{Area: OutsideAll}, 33 - 11},
		// x = 4, 5 or 6 (HU 400–600) holds 13 + 9 + 1 voxels of the ball.
		{"HU 350-650", Mask{HU: &[2]float64{350, 650}}, 23},
	}
	for _, c := range cases {
		lm := labelled()
		d, err := Apply(lm, Paint(s, 1), c.mask, hu)
		if err != nil {
			t.Fatal(err)
		}
		if d.Voxels() != c.want || countValue(lm, 1) != c.want {
			t.Errorf("%s: %d changed, %d hold 1, want %d", c.name, d.Voxels(), countValue(lm, 1), c.want)
		}
	}
	if _, err := Apply(labelled(), Paint(s, 1), Mask{HU: &[2]float64{0, 1}}, nil); err == nil {
		t.Error("intensity range with no intensity: no error")
	}
}

func TestErase(t *testing.T) {
	lm := labelled()
	s, _ := Sphere(lm.Grid, [3]float64{4, 4, 4}, 1) // 7 voxels, 4 in the cube
	d, _ := Apply(lm, Erase(lm, s, 3), Mask{}, nil)
	if d.Voxels() != 0 {
		t.Errorf("erasing label 3 where it is not changed %d voxels", d.Voxels())
	}
	d, _ = Apply(lm, Erase(lm, s, 2), Mask{}, nil)
	if d.Voxels() != 4 || countValue(lm, 2) != 23 {
		t.Errorf("erase: %d changed, %d left, want 4 and 23", d.Voxels(), countValue(lm, 2))
	}
}

func TestIslands(t *testing.T) {
	lm := labelled()
	lm.Set(8, 8, 8, 2) // a second island of label 2, one voxel
	lm.Set(0, 9, 0, 2) // a third
	apply := func(c *Change, err error) *Delta {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		d, err := Apply(lm, c, Mask{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := apply(Islands(lm, 2, KeepLargest, 0, [3]int{}, 0))
	if d.Voxels() != 2 || countValue(lm, 2) != 27 {
		t.Errorf("keep largest: %d changed, %d left, want 2 and 27", d.Voxels(), countValue(lm, 2))
	}
	d.Undo(lm)
	d = apply(Islands(lm, 2, RemoveSmall, 1.5, [3]int{}, 0))
	if d.Voxels() != 2 {
		t.Errorf("remove < 1.5 mm³: %d changed, want 2", d.Voxels())
	}
	d.Undo(lm)
	d = apply(Islands(lm, 2, KeepClicked, 0, [3]int{8, 8, 8}, 0))
	if d.Voxels() != 28 || countValue(lm, 2) != 1 {
		t.Errorf("keep clicked: %d changed, %d left, want 28 and 1", d.Voxels(), countValue(lm, 2))
	}
	d.Undo(lm)
	d = apply(Islands(lm, 2, Split, 0, [3]int{8, 8, 8}, 5))
	if d.Voxels() != 1 || lm.At(8, 8, 8) != 5 || countValue(lm, 2) != 28 {
		t.Errorf("split: %d changed, (8,8,8) holds %d", d.Voxels(), lm.At(8, 8, 8))
	}
	if _, err := Islands(lm, 2, KeepClicked, 0, [3]int{0, 0, 0}, 0); err == nil {
		t.Error("clicked outside the label: no error")
	}
	var no *NoLabelError
	if _, err := Islands(lm, 7, KeepLargest, 0, [3]int{}, 0); !errors.As(err, &no) {
		t.Errorf("absent label: %v, want a *NoLabelError", err)
	}
}

func TestMarginHollowSmooth(t *testing.T) {
	lm := labelled()
	d, err := Apply(lm, must(Margin(lm, 2, 1)), Mask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A 3³ cube grown by a 1 mm ball gains the 9 voxels beyond each face
	// (edge and corner voxels are √2 mm and more away): 27 + 6·9 = 81.
	if countValue(lm, 2) != 81 || d.Voxels() != 54 {
		t.Errorf("grow 1 mm: %d voxels (%d changed), want 81 (54)", countValue(lm, 2), d.Voxels())
	}
	d.Undo(lm)
	d, _ = Apply(lm, must(Margin(lm, 2, -1)), Mask{}, nil)
	if countValue(lm, 2) != 1 || d.Voxels() != 26 {
		t.Errorf("shrink 1 mm: %d voxels left, want 1 (the centre)", countValue(lm, 2))
	}
	d.Undo(lm)
	d, _ = Apply(lm, must(Hollow(lm, 2, 1)), Mask{}, nil)
	if countValue(lm, 2) != 26 || lm.At(3, 3, 3) != 0 {
		t.Errorf("hollow 1 mm: %d voxels, centre %d; want 26 and 0", countValue(lm, 2), lm.At(3, 3, 3))
	}
	d.Undo(lm)
	lm.Set(5, 3, 3, 2) // a spur of two voxels on a face
	lm.Set(6, 3, 3, 2)
	d, _ = Apply(lm, must(Smooth(lm, 2, Opening, 1)), Mask{}, nil)
	// The face centre (4,3,3) survives the erosion, so the dilation gives
	// back the spur's first voxel and not its tip.
	if lm.At(6, 3, 3) != 0 || lm.At(5, 3, 3) != 2 {
		t.Errorf("opening 1 mm: spur %d %d, want 2 0", lm.At(5, 3, 3), lm.At(6, 3, 3))
	}
	d.Undo(lm)
	d, _ = Apply(lm, must(Smooth(lm, 2, Median, 1)), Mask{}, nil)
	// The 7-voxel ball's majority is 4: a cube corner has 4 (itself and 3
	// neighbours) and stays; the spur's voxels have 3 and 2 and go.
	if lm.At(5, 3, 3) != 0 || lm.At(6, 3, 3) != 0 || lm.At(2, 2, 2) != 2 {
		t.Errorf("median 1 mm: spur %d corner %d, want 0 and 2", lm.At(5, 3, 3), lm.At(2, 2, 2))
	}
}

func must(c *Change, err error) *Change {
	if err != nil {
		panic(err)
	}
	return c
}

func TestLogicalRelabel(t *testing.T) {
	lm := labelled()
	old := lm.Clone()
	d, _ := Apply(lm, must(Relabel(lm, 2, 3)), Mask{}, nil)
	if countValue(lm, 3) != 28 || d.Voxels() != 27 {
		t.Errorf("relabel 2→3: %d voxels of 3, want 28", countValue(lm, 3))
	}
	d.Undo(lm)
	// Subtract the old map's label 2 from a label 4 spanning slices 3-4.
	for n := range lm.Data {
		if _, _, k := lm.Coords(n); k >= 3 && k < 5 && lm.Data[n] == 2 {
			lm.Data[n] = 4
		}
	}
	d, _ = Apply(lm, must(Logical(lm, old, Subtract, 2, 4)), Mask{}, nil)
	if countValue(lm, 4) != 0 || d.Voxels() != 18 {
		t.Errorf("subtract: %d left, %d changed, want 0 and 18", countValue(lm, 4), d.Voxels())
	}
	d.Undo(lm)
	d, _ = Apply(lm, must(Logical(lm, old, Intersect, 2, 4)), Mask{}, nil)
	if d.Voxels() != 0 {
		t.Errorf("intersect with a superset changed %d voxels", d.Voxels())
	}
	d, _ = Apply(lm, must(Logical(lm, lm, Invert, 0, 3)), Mask{Overwrite: OverwriteNone}, nil)
	if countValue(lm, 3) != 1000-27-1 || lm.At(8, 8, 8) != 0 {
		t.Errorf("invert 3: %d voxels of 3, want 972", countValue(lm, 3))
	}
}

func TestThreshold(t *testing.T) {
	hu := volume.New[int16](grid(10))
	for n := range hu.Data {
		i, _, _ := hu.Coords(n)
		hu.Data[n] = int16(100 * i)
	}
	lm := volume.New[uint8](grid(10))
	c, err := Threshold(hu, 150, 350, 6, nil)
	if err != nil {
		t.Fatal(err)
	}
	Apply(lm, c, Mask{}, nil)
	if countValue(lm, 6) != 200 {
		t.Errorf("threshold 150–350 on x·100: %d voxels, want 200 (x = 2, 3)", countValue(lm, 6))
	}
	if _, err := Threshold(hu, 5, 1, 6, nil); err == nil {
		t.Error("empty range: no error")
	}
}

// TestMerge: two overlapping strokes merge into one delta that undoes
// both and redoes both exactly; a voxel painted then erased drops out.
func TestMerge(t *testing.T) {
	lm := volume.New[uint8](grid(4))
	lm.Data[5] = 2
	orig := lm.Clone()
	region := func(lo, hi int) *volume.Part[uint8] {
		box := volume.New[uint8](volume.CropGrid(lm.Grid, [3]int{lo, 0, 0}, [3]int{hi, 2, 1}))
		for n := range box.Data {
			box.Data[n] = 1
		}
		return volume.CropPart(lm.Grid, [3]int{lo, 0, 0}, box)
	}
	a, err := Apply(lm, Paint(region(0, 3), 7), Mask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Apply(lm, Paint(region(2, 4), 0), Mask{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	final := lm.Clone()
	m := Merge(a, b)
	// a paints voxels 0,1,2,4,5,6 with 7; b sets 2,3,6,7 to 0. Voxel 2 and 6
	// end as 0, their start: left out. Changed: 0,1,4,5 (to 7).
	want := []Run{{Start: 0, Len: 2, New: 7}, {Start: 4, Len: 2, New: 7}}
	if len(m.Runs) != 2 || m.Runs[0] != want[0] || m.Runs[1] != want[1] || m.Voxels() != 4 {
		t.Fatalf("merged runs %v, want %v", m.Runs, want)
	}
	if !m.Valid(lm.Len()) {
		t.Fatal("merged delta is not valid")
	}
	m.Undo(lm)
	if !slices.Equal(lm.Data, orig.Data) {
		t.Errorf("undo of the merge: %v, want %v", lm.Data[:8], orig.Data[:8])
	}
	m.Redo(lm)
	if !slices.Equal(lm.Data, final.Data) {
		t.Errorf("redo of the merge: %v, want %v", lm.Data[:8], final.Data[:8])
	}
}
