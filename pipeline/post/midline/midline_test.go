package midline

import (
	"math"
	"testing"

	"kidney3d/pipeline/volume"
)

func TestX(t *testing.T) {
	g := volume.Grid{Dims: [3]int{10, 2, 2}, Affine: volume.Affine{{2, 0, 0, -10}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}}
	left, right := volume.New[uint8](g), volume.New[uint8](g)
	left.Set(1, 0, 0, 1)  // x = -8
	right.Set(6, 1, 1, 1) // x = 2
	if got := X(g, left, right); got != -3 {
		t.Errorf("X = %g, want -3", got)
	}
	if got := X(g, left, nil); got != -1 {
		t.Errorf("X without the right kidney = %g, want the grid's middle -1", got)
	}
	if got := X(g, left, volume.New[uint8](g)); got != -1 {
		t.Errorf("X with an empty right kidney = %g, want -1", got)
	}
}

func TestXParts(t *testing.T) {
	g := volume.Grid{Dims: [3]int{10, 6, 5}, Affine: volume.Affine{{-0.7, 0.1, 0, 30}, {0.1, 0.8, 0, -4}, {0, 0, 1.5, 7}, {0, 0, 0, 1}}}
	left, right := volume.New[uint8](g), volume.New[uint8](g)
	left.Set(1, 2, 3, 1)
	left.Set(2, 2, 4, 1)
	right.Set(8, 5, 0, 1)
	right.Set(7, 1, 1, 1)
	part := func(m *volume.Volume[uint8]) *volume.Part[uint8] {
		lo, hi, _ := volume.BoundingBox(m)
		return volume.CropPart(g, lo, volume.Crop(m, lo, hi))
	}
	if got, want := XParts(g, part(left), part(right)), X(g, left, right); got != want {
		t.Errorf("XParts = %v, X = %v", got, want)
	}
	if got, want := XParts(g, part(left), nil), X(g, left, nil); got != want {
		t.Errorf("XParts without the right kidney = %v, want %v", got, want)
	}
}

func TestBodyXIsTheBodysCentreInAnyStorage(t *testing.T) {
	g := volume.Grid{Dims: [3]int{12, 7, 5}, Affine: volume.Affine{{-2, 0, 0, 30}, {0, 1, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, 1}}}
	ct := volume.New[int16](g)
	for n := range ct.Data {
		ct.Data[n] = -1000
	}
	for k := range 5 {
		for j := range 7 {
			for i := 2; i < 6; i++ {
				ct.Set(i, j, k, 40) // world x 26, 24, 22, 20
			}
		}
	}
	for _, o := range volume.AllOrientations() {
		if got := BodyX(volume.Reorient(ct, o)); math.Abs(got-23) > 1e-9 {
			t.Fatalf("%v: BodyX = %v, want 23", o, got)
		}
	}
	if got := BodyX(volume.New[int16](g)); got != 30-11 {
		t.Errorf("BodyX of a grid without body = %v, want its middle %v", got, 30-11)
	}
}
