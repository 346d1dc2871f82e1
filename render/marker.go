package render

import (
	"cmp"
	"image"
	"image/color"
	"math"
	"slices"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// markerAxes are the orientation marker's arms: the patient's right,
// anterior and superior directions in world RAS, coloured as 3D Slicer
// colours them (R red, A green, S blue).
var markerAxes = []struct {
	letter string
	dir    [3]float64
	color  color.RGBA
}{
	{"R", [3]float64{1, 0, 0}, color.RGBA{R: 240, G: 70, B: 70, A: 255}},
	{"A", [3]float64{0, 1, 0}, color.RGBA{R: 80, G: 220, B: 90, A: 255}},
	{"S", [3]float64{0, 0, 1}, color.RGBA{R: 90, G: 150, B: 255, A: 255}},
}

// markerFace is the Go bold font at 13 px, parsed once.
var markerFace = sync.OnceValues(func() (font.Face, error) {
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 72, Hinting: font.HintingFull})
})

// MarkerSize is the side of the orientation marker's square in pixels, in
// the picture's top-right corner.
const MarkerSize = 64

// drawMarker draws the orientation marker into img's top-right corner: an
// arm and letter for each of R, A and S as the camera sees them, nearer
// arms over farther ones. Pictures smaller than two markers get none.
func drawMarker(img *image.RGBA, cam Camera) error {
	b := img.Bounds()
	if b.Dx() < 2*MarkerSize || b.Dy() < 2*MarkerSize {
		return nil
	}
	face, err := markerFace()
	if err != nil {
		return err
	}
	_, fwd, up, right := cam.frame()
	cx, cy := float64(b.Max.X-MarkerSize/2), float64(b.Min.Y+MarkerSize/2)
	arm := float64(MarkerSize)/2 - 12
	// Far arms first (those pointing away from the viewer).
	order := []int{0, 1, 2}
	slices.SortFunc(order, func(i, j int) int {
		return cmp.Compare(dot(markerAxes[j].dir, fwd), dot(markerAxes[i].dir, fwd))
	})
	for _, i := range order {
		a := markerAxes[i]
		dx, dy := dot(a.dir, right)*arm, -dot(a.dir, up)*arm
		line(img, cx, cy, cx+dx, cy+dy, a.color)
		adv := font.MeasureString(face, a.letter).Ceil()
		tx, ty := cx+dx*1.35, cy+dy*1.35
		d := font.Drawer{Dst: img, Src: image.NewUniform(a.color), Face: face,
			Dot: fixed.P(int(tx)-adv/2, int(ty)+face.Metrics().Ascent.Ceil()/2)}
		d.DrawString(a.letter)
	}
	return nil
}

// line draws a 2-pixel-wide line from (x0, y0) to (x1, y1).
func line(img *image.RGBA, x0, y0, x1, y1 float64, c color.RGBA) {
	n := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for k := 0; k <= n; k++ {
		t := float64(k) / float64(n)
		x, y := int(x0+(x1-x0)*t), int(y0+(y1-y0)*t)
		for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
			if p := image.Pt(x+d[0], y+d[1]); p.In(img.Bounds()) {
				img.SetRGBA(p.X, p.Y, c)
			}
		}
	}
}
