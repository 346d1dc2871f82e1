// Package sliceimg draws one plane of a CT volume, with its label overlay
// and crosshair, into an RGBA image of any size: the pixels of the slice
// viewer. It is pure computation, safe to call from any goroutine, and
// fast enough to redraw a 512×512 slice on every wheel step.
package sliceimg

import (
	"image"
	"image/color"
	"math"
)

// Plane is the orientation of a slice. Volumes are expected in canonical
// (RAS) voxel order; slices are shown in the radiological convention:
// the patient's right on the screen's left, anterior and superior up.
type Plane int

// The three orthogonal planes.
const (
	Axial Plane = iota
	Coronal
	Sagittal
)

// Planes lists the planes in display order.
var Planes = []Plane{Axial, Coronal, Sagittal}

// String is the plane's name.
func (p Plane) String() string {
	return [...]string{"axial", "coronal", "sagittal"}[p]
}

// Axes are the voxel axes along the screen's x and y and the axis held
// fixed (the slice normal).
func (p Plane) Axes() (x, y, normal int) {
	switch p {
	case Coronal:
		return 0, 2, 1
	case Sagittal:
		return 1, 2, 0
	}
	return 0, 1, 2
}

// Window maps Hounsfield units to grey: Level is the centre, Width the span.
type Window struct{ Width, Level float64 }

// Preset is a named window.
type Preset struct {
	Name   string
	Window Window
}

// Presets are the usual abdominal CT windows.
var Presets = []Preset{
	{"abdomen", Window{Width: 400, Level: 40}},
	{"bone", Window{Width: 1800, Level: 400}},
	{"vessels", Window{Width: 600, Level: 150}},
}

// Frame places one plane of a volume on a W×H pixel screen: Zoom 1 fits
// the whole plane, Center is the in-plane point (millimetres from the
// top-left voxel centre) at the screen's centre.
type Frame struct {
	Plane   Plane
	Dims    [3]int
	Spacing [3]float64
	W, H    int
	Zoom    float64
	Center  [2]float64
}

// NewFrame is the frame that fits the whole plane on a W×H screen.
func NewFrame(p Plane, dims [3]int, spacing [3]float64, w, h int) Frame {
	f := Frame{Plane: p, Dims: dims, Spacing: spacing, W: w, H: h, Zoom: 1}
	a, b, _ := p.Axes()
	f.Center = [2]float64{float64(dims[a]-1) * spacing[a] / 2, float64(dims[b]-1) * spacing[b] / 2}
	return f
}

// PixelsPerMM is the screen scale.
func (f Frame) PixelsPerMM() float64 {
	a, b, _ := f.Plane.Axes()
	fit := math.Min(float64(f.W)/(float64(f.Dims[a])*f.Spacing[a]), float64(f.H)/(float64(f.Dims[b])*f.Spacing[b]))
	return fit * f.Zoom
}

// ToVoxel is the in-plane voxel (along the plane's x and y axes) under the
// screen point (x, y); ok is false outside the volume.
func (f Frame) ToVoxel(x, y float64) (vx, vy int, ok bool) {
	a, b, _ := f.Plane.Axes()
	u, v := f.ToPlane(x, y)
	vx = f.Dims[a] - 1 - int(math.Floor(u/f.Spacing[a]+0.5))
	vy = f.Dims[b] - 1 - int(math.Floor(v/f.Spacing[b]+0.5))
	return vx, vy, vx >= 0 && vy >= 0 && vx < f.Dims[a] && vy < f.Dims[b]
}

// ToScreen is the screen point at the centre of in-plane voxel (vx, vy).
func (f Frame) ToScreen(vx, vy int) (x, y float64) {
	a, b, _ := f.Plane.Axes()
	return f.FromPlane(float64(f.Dims[a]-1-vx)*f.Spacing[a], float64(f.Dims[b]-1-vy)*f.Spacing[b])
}

// Layers are what a slice shows.
type Layers struct {
	CT     []int16 // x fastest, Frame.Dims
	Labels []uint8 // same grid; nil for none
	Window Window
	// Colors are the overlay colours by label value; alpha 0 hides a label.
	Colors  *[256]color.RGBA
	Opacity float64 // overlay opacity, 0 to 1
	Outline bool    // draw only the labels' borders, solid (any Opacity above 0)
	// Cross is the crosshair voxel; its plane coordinates draw two lines.
	Cross    [3]int
	NoCross  bool
	CrossRGB color.RGBA
}

// Render draws slice index slice of the frame's plane into dst, which
// must be f.W×f.H. Pixels outside the volume are black.
func Render(dst *image.RGBA, f Frame, slice int, l Layers) {
	RenderRect(dst, f, slice, l, image.Rect(0, 0, f.W, f.H))
}

// RenderRect is Render of only the pixels in r (and the crosshair): what
// a brush dab changed, drawn into the image already shown.
func RenderRect(dst *image.RGBA, f Frame, slice int, l Layers, r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, f.W, f.H))
	a, b, n := f.Plane.Axes()
	stride := [3]int{1, f.Dims[0], f.Dims[0] * f.Dims[1]}
	xs := make([]int, f.W) // voxel index along a, or -1
	ys := make([]int, f.H)
	for x := range xs {
		xs[x] = -1
		if vx, _, _ := f.ToVoxel(float64(x)+0.5, float64(f.H)/2); vx >= 0 && vx < f.Dims[a] {
			xs[x] = vx
		}
	}
	for y := range ys {
		ys[y] = -1
		if _, vy, _ := f.ToVoxel(float64(f.W)/2, float64(y)+0.5); vy >= 0 && vy < f.Dims[b] {
			ys[y] = vy
		}
	}
	lut := greyLUT(l.Window)
	inSlice := slice >= 0 && slice < f.Dims[n]
	base := slice * stride[n]
	sa, sb := stride[a], stride[b]
	var colors [256]color.RGBA
	if l.Colors != nil {
		colors = *l.Colors
	}
	alpha := [256]uint32{}
	for v, c := range colors {
		alpha[v] = uint32(math.Round(l.Opacity * float64(c.A)))
		if l.Outline && alpha[v] != 0 {
			alpha[v] = uint32(c.A) // a one-voxel border must be seen: drawn solid
		}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[y*dst.Stride+4*r.Min.X : y*dst.Stride+4*r.Max.X]
		vy := ys[y]
		if vy < 0 || !inSlice {
			clear(row)
			for x := 3; x < len(row); x += 4 {
				row[x] = 255
			}
			continue
		}
		rowBase := base + vy*sb
		for x, vx := range xs[r.Min.X:r.Max.X] {
			p := row[4*x : 4*x+4 : 4*x+4]
			if vx < 0 {
				p[0], p[1], p[2], p[3] = 0, 0, 0, 255
				continue
			}
			i := rowBase + vx*sa
			g := uint32(lut[uint16(l.CT[i])])
			r, gg, bb := g, g, g
			if l.Labels != nil {
				if v := l.Labels[i]; v != 0 && alpha[v] != 0 && (!l.Outline || border(l.Labels, i, v, vx, vy, f.Dims[a], f.Dims[b], sa, sb)) {
					c, al := colors[v], alpha[v]
					r = (r*(255-al) + uint32(c.R)*al) / 255
					gg = (gg*(255-al) + uint32(c.G)*al) / 255
					bb = (bb*(255-al) + uint32(c.B)*al) / 255
				}
			}
			p[0], p[1], p[2], p[3] = uint8(r), uint8(gg), uint8(bb), 255
		}
	}
	if !l.NoCross {
		drawCross(dst, f, l)
	}
}

// border reports whether voxel i, holding v, has an in-plane neighbour
// with another value or lies on the slice's edge.
func border(lab []uint8, i int, v uint8, vx, vy, nx, ny, sa, sb int) bool {
	return vx == 0 || vy == 0 || vx == nx-1 || vy == ny-1 ||
		lab[i-sa] != v || lab[i+sa] != v || lab[i-sb] != v || lab[i+sb] != v
}

// greyLUT maps every int16 (indexed as uint16) to its grey level.
func greyLUT(w Window) *[1 << 16]uint8 {
	var lut [1 << 16]uint8
	width := math.Max(w.Width, 1)
	lo := w.Level - width/2
	for i := range lut {
		hu := float64(int16(uint16(i)))
		g := (hu - lo) / width * 255
		lut[i] = uint8(math.Max(0, math.Min(255, math.Round(g))))
	}
	return &lut
}

// drawCross draws the crosshair's two lines through the cross voxel.
func drawCross(dst *image.RGBA, f Frame, l Layers) {
	a, b, _ := f.Plane.Axes()
	cx, cy := f.ToScreen(l.Cross[a], l.Cross[b])
	c := l.CrossRGB
	if c.A == 0 {
		c = color.RGBA{255, 215, 0, 255}
	}
	if x := int(math.Floor(cx)); x >= 0 && x < f.W {
		for y := 0; y < f.H; y++ {
			if y%6 < 4 {
				dst.SetRGBA(x, y, c)
			}
		}
	}
	if y := int(math.Floor(cy)); y >= 0 && y < f.H {
		for x := 0; x < f.W; x++ {
			if x%6 < 4 {
				dst.SetRGBA(x, y, c)
			}
		}
	}
}

// Edges are the anatomical directions at a view's four edges, as letters
// (R, L, A, P, S, I).
type Edges struct{ Left, Right, Top, Bottom string }

// Letters are the directions toward the edges of plane p's picture, for a
// volume whose voxel axes point along axes (world RAS unit vectors, the
// grid's direction columns): each edge gets the letter of the world axis
// nearest to it. They follow the world, not the storage: a volume stored
// LPS and shown as stored reads L on the left.
func (p Plane) Letters(axes [3][3]float64) Edges {
	a, b, _ := p.Axes()
	// The screen's x runs against voxel axis a, its y against b.
	right, down := scaled(axes[a], -1), scaled(axes[b], -1)
	return Edges{Left: letter(scaled(right, -1)), Right: letter(right), Top: letter(scaled(down, -1)), Bottom: letter(down)}
}

func scaled(v [3]float64, k float64) [3]float64 { return [3]float64{v[0] * k, v[1] * k, v[2] * k} }

// letter is the anatomical letter of the world axis nearest to d.
func letter(d [3]float64) string {
	best := 0
	for i := range 3 {
		if math.Abs(d[i]) > math.Abs(d[best]) {
			best = i
		}
	}
	pos, neg := [3]string{"R", "A", "S"}[best], [3]string{"L", "P", "I"}[best]
	if d[best] < 0 {
		return neg
	}
	return pos
}

// ToPlane is the in-plane point, in millimetres from the top-left voxel
// centre along the plane's axes (as Center), under the screen point (x, y).
func (f Frame) ToPlane(x, y float64) (u, v float64) {
	ppm := f.PixelsPerMM()
	return f.Center[0] + (x-float64(f.W)/2)/ppm, f.Center[1] + (y-float64(f.H)/2)/ppm
}

// FromPlane is the screen point of the in-plane point (u, v) (ToPlane's
// inverse).
func (f Frame) FromPlane(u, v float64) (x, y float64) {
	ppm := f.PixelsPerMM()
	return (u-f.Center[0])*ppm + float64(f.W)/2, (v-f.Center[1])*ppm + float64(f.H)/2
}
