package sliceimg

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// tiny is a 4×3×2 volume: HU = 100*i + 10*j + k, label 1 at voxel (1,1,0).
func tiny() (dims [3]int, ct []int16, lab []uint8) {
	dims = [3]int{4, 3, 2}
	ct = make([]int16, 24)
	lab = make([]uint8, 24)
	for k := 0; k < 2; k++ {
		for j := 0; j < 3; j++ {
			for i := 0; i < 4; i++ {
				ct[i+4*(j+3*k)] = int16(100*i + 10*j + k)
			}
		}
	}
	lab[1+4*1] = 1
	return
}

func TestRenderPixels(t *testing.T) {
	dims, ct, lab := tiny()
	colors := [256]color.RGBA{1: {255, 0, 0, 255}}
	// One screen pixel per voxel: window 0..510 HU so grey = HU/2.
	f := NewFrame(Axial, dims, [3]float64{1, 1, 1}, 4, 3)
	dst := image.NewRGBA(image.Rect(0, 0, 4, 3))
	Render(dst, f, 0, Layers{CT: ct, Labels: lab, Colors: &colors, Opacity: 1, Window: Window{Width: 510, Level: 255}, NoCross: true})
	tests := []struct {
		x, y int
		want color.RGBA
	}{
		{3, 2, color.RGBA{0, 0, 0, 255}},       // voxel (0,0,0): patient right on screen left, anterior up
		{0, 2, color.RGBA{150, 150, 150, 255}}, // voxel (3,0,0): HU 300
		{3, 0, color.RGBA{10, 10, 10, 255}},    // voxel (0,2,0): HU 20
		{2, 1, color.RGBA{255, 0, 0, 255}},     // voxel (1,1,0): label 1, opaque
	}
	for _, tt := range tests {
		if got := dst.RGBAAt(tt.x, tt.y); got != tt.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestRenderPlanesAndOutline(t *testing.T) {
	dims, ct, lab := tiny()
	colors := [256]color.RGBA{1: {0, 255, 0, 255}}
	tests := []struct {
		name    string
		plane   Plane
		slice   int
		w, h    int
		outline bool
		x, y    int
		want    color.RGBA
	}{
		{"coronal top is superior", Coronal, 0, 4, 2, false, 3, 0, color.RGBA{1, 1, 1, 255}},
		{"coronal bottom-right", Coronal, 0, 4, 2, false, 0, 1, color.RGBA{150, 150, 150, 255}},
		{"sagittal anterior on the left", Sagittal, 3, 3, 2, false, 0, 1, color.RGBA{160, 160, 160, 255}},
		{"outside the slice range is black", Axial, 5, 4, 3, false, 0, 0, color.RGBA{0, 0, 0, 255}},
		{"a one-voxel label is all border", Axial, 0, 4, 3, true, 2, 1, color.RGBA{0, 255, 0, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFrame(tt.plane, dims, [3]float64{1, 1, 1}, tt.w, tt.h)
			dst := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
			Render(dst, f, tt.slice, Layers{CT: ct, Labels: lab, Colors: &colors, Opacity: 1, Outline: tt.outline, Window: Window{Width: 510, Level: 255}, NoCross: true})
			if got := dst.RGBAAt(tt.x, tt.y); got != tt.want {
				t.Errorf("pixel (%d,%d) = %v, want %v", tt.x, tt.y, got, tt.want)
			}
		})
	}
}

func TestFrameRoundTrip(t *testing.T) {
	f := NewFrame(Coronal, [3]int{64, 64, 20}, [3]float64{0.8, 0.8, 3}, 300, 200)
	f.Zoom, f.Center[0] = 2.5, 20
	for _, v := range [][2]int{{0, 0}, {30, 10}, {63, 19}} {
		x, y := f.ToScreen(v[0], v[1])
		gx, gy, _ := f.ToVoxel(x, y)
		if gx != v[0] || gy != v[1] {
			t.Errorf("voxel %v → screen (%.1f,%.1f) → voxel (%d,%d)", v, x, y, gx, gy)
		}
	}
}

// BenchmarkRender512 draws one 512×512 axial slice with the overlay, the
// cost of one wheel step in the slice viewer.
func BenchmarkRender512(b *testing.B) {
	dims := [3]int{512, 512, 40}
	ct := make([]int16, dims[0]*dims[1]*dims[2])
	lab := make([]uint8, len(ct))
	for i := range ct {
		ct[i] = int16(i%2000 - 1000)
		lab[i] = uint8(i / 7 % 9)
	}
	colors := [256]color.RGBA{}
	for v := 1; v < 9; v++ {
		colors[v] = color.RGBA{uint8(30 * v), 100, 200, 255}
	}
	f := NewFrame(Axial, dims, [3]float64{0.7, 0.7, 2.5}, 512, 512)
	dst := image.NewRGBA(image.Rect(0, 0, 512, 512))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Render(dst, f, i%dims[2], Layers{CT: ct, Labels: lab, Colors: &colors, Opacity: 0.4, Outline: i%2 == 1, Window: Presets[0].Window})
	}
}

func TestLetters(t *testing.T) {
	ras := [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	lps := [3][3]float64{{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}}
	// An axial stack tilted 20° about R: axis 1 still nearest A.
	c, s := math.Cos(20*math.Pi/180), math.Sin(20*math.Pi/180)
	tilted := [3][3]float64{{1, 0, 0}, {0, c, s}, {0, -s, c}}
	for _, tc := range []struct {
		name  string
		plane Plane
		axes  [3][3]float64
		want  Edges
	}{
		{"axial RAS", Axial, ras, Edges{"R", "L", "A", "P"}},
		{"coronal RAS", Coronal, ras, Edges{"R", "L", "S", "I"}},
		{"sagittal RAS", Sagittal, ras, Edges{"A", "P", "S", "I"}},
		{"axial LPS as stored", Axial, lps, Edges{"L", "R", "P", "A"}},
		{"sagittal LPS as stored", Sagittal, lps, Edges{"P", "A", "S", "I"}},
		{"axial tilted", Axial, tilted, Edges{"R", "L", "A", "P"}},
	} {
		if got := tc.plane.Letters(tc.axes); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestOutlineIsSolid: at the default overlay opacity (0.4) a border voxel
// in outline mode takes the label's colour itself, not a faint tint.
func TestOutlineIsSolid(t *testing.T) {
	dims, ct, lab := tiny()
	colors := [256]color.RGBA{1: {0, 255, 0, 255}}
	f := NewFrame(Axial, dims, [3]float64{1, 1, 1}, 4, 3)
	dst := image.NewRGBA(image.Rect(0, 0, 4, 3))
	Render(dst, f, 0, Layers{CT: ct, Labels: lab, Colors: &colors, Opacity: 0.4, Outline: true, Window: Window{Width: 510, Level: 255}, NoCross: true})
	if got := dst.RGBAAt(2, 1); got != (color.RGBA{0, 255, 0, 255}) {
		t.Errorf("border voxel %v, want the label's green", got)
	}
}

// TestRenderRect: a label changed, then only its pixels drawn again, gives
// the image a whole render gives; pixels outside the rectangle are kept.
func TestRenderRect(t *testing.T) {
	dims, ct, lab := tiny()
	colors := [256]color.RGBA{1: {255, 0, 0, 255}, 2: {0, 0, 255, 255}}
	f := NewFrame(Axial, dims, [3]float64{1, 1, 1}, 8, 6) // 2×2 pixels per voxel
	l := Layers{CT: ct, Labels: lab, Colors: &colors, Opacity: 1, Window: Window{Width: 510, Level: 255}, Cross: [3]int{0, 0, 0}}
	got := image.NewRGBA(image.Rect(0, 0, 8, 6))
	Render(got, f, 0, l)
	lab[2+4*1] = 2                        // voxel (2,1,0): screen x 2–3, y 2–3
	got.Set(0, 0, color.RGBA{1, 2, 3, 4}) // outside the rectangle and the cross: kept
	RenderRect(got, f, 0, l, image.Rect(2, 2, 4, 4))
	want := image.NewRGBA(image.Rect(0, 0, 8, 6))
	Render(want, f, 0, l)
	for y := range 6 {
		for x := range 8 {
			w := want.RGBAAt(x, y)
			if x == 0 && y == 0 {
				w = color.RGBA{1, 2, 3, 4}
			}
			if g := got.RGBAAt(x, y); g != w {
				t.Errorf("pixel (%d, %d) = %v, want %v", x, y, g, w)
			}
		}
	}
	if got.RGBAAt(2, 2) != (color.RGBA{0, 0, 255, 255}) {
		t.Errorf("the changed voxel is %v, want label 2's blue", got.RGBAAt(2, 2))
	}
}
