package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kidney3d/ui/sliceimg"
)

// letterColor is the orientation letters' colour: an orange no label and
// not the crosshair's yellow.
var letterColor = color.RGBA{R: 255, G: 120, B: 0, A: 255}

// rulerColor is the slice ruler's colour: cyan, no label's.
var rulerColor = color.RGBA{R: 0, G: 230, B: 255, A: 255}

// sliceView is one plane of the slice viewer: a raster the panel's state
// is drawn into off the UI goroutine, with orientation letters and a
// ruler. Wheel and Up/Down or PageUp/PageDown move through slices, +/-
// zoom about the pointer, left-drag pans (or measures, with the panel's
// ruler on), middle-drag zooms about where it started, right-drag adjusts
// the window (width across, level up and down), a tap moves the crosshair
// and a double tap resets zoom and pan.
type sliceView struct {
	widget.BaseWidget
	panel *SlicePanel
	plane sliceimg.Plane

	img   *canvas.Image
	title *canvas.Text
	// letters are the anatomical directions at the left, right, top and
	// bottom edges (sliceimg.Plane.Letters), from the case's world axes.
	letters [4]*canvas.Text
	zoom    float64
	center  [2]float64
	placed  bool // center set for the current case
	button  desktop.MouseButton
	last    fyne.Position
	// pointer is where the pointer was last seen over the view, and
	// anchor where the middle button went down: zoom keeps them still.
	pointer, anchor fyne.Position
	// ruler is the distance measured on this view (in-plane mm, on one
	// slice), drawn as rulerLine with rulerText.
	ruler     ruler
	rulerLine *canvas.Line
	rulerText *canvas.Text
	frame     sliceimg.Frame // of the image shown, in image pixels
	scale     float32        // image pixels per Fyne unit
	// brush is the Edit panel's brush outline under the pointer; polygon
	// the vertices of a polygon being drawn; editing that a left drag
	// goes to the Edit panel.
	brush   *canvas.Circle
	polygon [][3]float64
	editing bool

	mu      sync.Mutex
	pending *sliceJob
	busy    bool
}

// ruler is a measured segment: its ends in in-plane millimetres
// (sliceimg.Frame.ToPlane) on slice slice.
type ruler struct {
	a, b  [2]float64
	slice int
	set   bool
}

// length is the ruler's length in millimetres.
func (r ruler) length() float64 { return math.Hypot(r.b[0]-r.a[0], r.b[1]-r.a[1]) }

// sliceJob is one render request: a snapshot of what to draw.
type sliceJob struct {
	frame  sliceimg.Frame
	slice  int
	layers sliceimg.Layers
	scale  float32
	// labelsMu is held for reading while the job draws the case's labels.
	labelsMu *sync.RWMutex
}

func newSliceView(p *SlicePanel, plane sliceimg.Plane) *sliceView {
	v := &sliceView{panel: p, plane: plane, zoom: 1}
	v.img = canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1)))
	v.img.FillMode = canvas.ImageFillStretch
	v.img.ScaleMode = canvas.ImageScalePixels
	v.title = canvas.NewText(plane.String(), theme.Color(theme.ColorNameForeground))
	v.title.TextSize = theme.CaptionTextSize()
	v.rulerLine = canvas.NewLine(rulerColor)
	v.rulerLine.StrokeWidth = 2
	v.rulerText = canvas.NewText("", rulerColor)
	v.rulerText.TextStyle = fyne.TextStyle{Bold: true}
	v.rulerLine.Hide()
	v.rulerText.Hide()
	v.brush = canvas.NewCircle(color.Transparent)
	v.brush.StrokeColor = rulerColor
	v.brush.StrokeWidth = 1.5
	v.brush.Hide()
	for i := range v.letters {
		v.letters[i] = canvas.NewText("", letterColor)
		v.letters[i].TextStyle = fyne.TextStyle{Bold: true}
	}
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *sliceView) CreateRenderer() fyne.WidgetRenderer {
	return &sliceViewRenderer{v: v}
}

// MinSize keeps a plane readable.
func (v *sliceView) MinSize() fyne.Size { return fyne.NewSize(160, 160) }

// redraw asks for a new image of the current state; the newest request
// wins and the image arrives through fyne.Do.
func (v *sliceView) redraw() {
	d := v.panel.data
	size := v.Size()
	if d == nil || size.Width < 1 || size.Height < 1 {
		return
	}
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil {
		scale = c.Scale()
	}
	w, h := int(math.Ceil(float64(size.Width*scale))), int(math.Ceil(float64(size.Height*scale)))
	f := sliceimg.NewFrame(v.plane, d.grid.Dims, d.grid.Spacing(), w, h)
	if !v.placed {
		v.center, v.placed = f.Center, true
	}
	f.Zoom, f.Center = v.zoom, v.center
	_, _, n := v.plane.Axes()
	job := &sliceJob{frame: f, slice: v.panel.cross[n], layers: v.panel.layers(), scale: scale, labelsMu: &d.labelsMu}
	v.mu.Lock()
	v.pending = job
	start := !v.busy
	v.busy = true
	v.mu.Unlock()
	if start {
		go v.renderLoop()
	}
}

// renderLoop draws pending jobs until none is left.
func (v *sliceView) renderLoop() {
	for {
		v.mu.Lock()
		job := v.pending
		v.pending = nil
		if job == nil {
			v.busy = false
			v.mu.Unlock()
			return
		}
		v.mu.Unlock()
		img := image.NewRGBA(image.Rect(0, 0, job.frame.W, job.frame.H))
		job.labelsMu.RLock()
		sliceimg.Render(img, job.frame, job.slice, job.layers)
		job.labelsMu.RUnlock()
		fyne.Do(func() {
			v.img.Image = img
			v.frame, v.scale = job.frame, job.scale
			v.img.Refresh()
			v.panel.shown(v)
		})
	}
}

// redrawBlock draws again the part of the image shown that the block of
// voxels (on the case's grid) covers, when the slice shown crosses it;
// while a whole image is being drawn, that is redrawn instead.
func (v *sliceView) redrawBlock(b block) {
	a, bb, n := v.plane.Axes()
	slice := v.panel.cross[n]
	if b.empty() || slice < b.lo[n] || slice >= b.hi[n] {
		return
	}
	v.mu.Lock()
	busy := v.busy
	v.mu.Unlock()
	img, ok := v.img.Image.(*image.RGBA)
	if busy || !ok || v.frame.W == 0 || img.Bounds() != image.Rect(0, 0, v.frame.W, v.frame.H) {
		v.redraw()
		return
	}
	x0, y0 := v.frame.ToScreen(b.lo[a], b.lo[bb])
	x1, y1 := v.frame.ToScreen(b.hi[a]-1, b.hi[bb]-1)
	// A voxel and a half around: the voxels' own extent and the outline
	// of their neighbours.
	pad := 1.5 * v.frame.PixelsPerMM() * max(v.frame.Spacing[a], v.frame.Spacing[bb])
	r := image.Rect(int(math.Floor(min(x0, x1)-pad)), int(math.Floor(min(y0, y1)-pad)), int(math.Ceil(max(x0, x1)+pad)), int(math.Ceil(max(y0, y1)+pad)))
	sliceimg.RenderRect(img, v.frame, slice, v.panel.layers(), r)
	v.img.Refresh()
}

// worldAt is the world point (RAS mm) of the voxel under a widget
// position, if any.
func (v *sliceView) worldAt(pos fyne.Position) ([3]float64, bool) {
	p, ok := v.voxelAt(pos)
	if !ok {
		return [3]float64{}, false
	}
	return v.panel.data.grid.VoxelToWorld([3]float64{float64(p[0]), float64(p[1]), float64(p[2])}), true
}

// showBrush puts the brush outline at pos, or hides it where there is no
// brush.
func (v *sliceView) showBrush(pos fyne.Position) {
	e := v.panel.edit
	r := 0.0
	if e != nil {
		r = e.BrushRadius()
	}
	if r == 0 || v.scale == 0 {
		v.brush.Hide()
		return
	}
	ru := float32(r * v.frame.PixelsPerMM() / float64(v.scale))
	v.brush.Move(fyne.NewPos(pos.X-ru, pos.Y-ru))
	v.brush.Resize(fyne.NewSize(2*ru, 2*ru))
	v.brush.Show()
	v.brush.Refresh()
}

// voxelAt is the voxel under a widget position, if any.
func (v *sliceView) voxelAt(pos fyne.Position) ([3]int, bool) {
	if v.scale == 0 || v.panel.data == nil {
		return [3]int{}, false
	}
	x, y, ok := v.frame.ToVoxel(float64(pos.X*v.scale), float64(pos.Y*v.scale))
	a, b, n := v.plane.Axes()
	var p [3]int
	p[a], p[b], p[n] = x, y, v.panel.cross[n]
	return p, ok
}

// step moves the slice by n.
func (v *sliceView) step(n int) {
	_, _, ax := v.plane.Axes()
	v.panel.moveCross(ax, n)
}

// setZoom zooms by factor f, clamped to 0.5–20, about the widget point
// at: what is under it stays under it.
func (v *sliceView) setZoom(f float64, at fyne.Position) {
	ppm := v.frame.PixelsPerMM()
	zoom := math.Max(0.5, math.Min(20, v.zoom*f))
	if ppm > 0 && v.zoom > 0 {
		// The in-plane offset of at from the centre, in mm, shrinks by the
		// zoom's ratio; the centre moves toward at by the rest.
		dx := (float64(at.X*v.scale) - float64(v.frame.W)/2) / ppm
		dy := (float64(at.Y*v.scale) - float64(v.frame.H)/2) / ppm
		k := 1 - v.zoom/zoom
		v.center[0] += dx * k
		v.center[1] += dy * k
	}
	v.zoom = zoom
	v.redraw()
}

// Scrolled implements fyne.Scrollable: the wheel moves through slices.
func (v *sliceView) Scrolled(ev *fyne.ScrollEvent) {
	switch {
	case ev.Scrolled.DY > 0:
		v.step(1)
	case ev.Scrolled.DY < 0:
		v.step(-1)
	}
}

// Tapped implements fyne.Tappable: the crosshair moves to the voxel.
func (v *sliceView) Tapped(ev *fyne.PointEvent) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil {
		c.Focus(v)
	}
	if e := v.panel.edit; e != nil && e.Editing() {
		if w, ok := v.worldAt(ev.Position); ok {
			e.Tap(v.plane, w)
		}
		return
	}
	if p, ok := v.voxelAt(ev.Position); ok {
		v.panel.setCross(p)
	}
}

// DoubleTapped implements fyne.DoubleTappable: zoom and pan are reset.
func (v *sliceView) DoubleTapped(*fyne.PointEvent) {
	v.zoom, v.placed = 1, false
	v.redraw()
}

// MouseDown implements desktop.Mouseable.
func (v *sliceView) MouseDown(ev *desktop.MouseEvent) {
	v.button, v.last, v.anchor = ev.Button, ev.Position, ev.Position
}

// MouseUp implements desktop.Mouseable.
func (v *sliceView) MouseUp(*desktop.MouseEvent) { v.button = 0 }

// MouseIn implements desktop.Hoverable.
func (v *sliceView) MouseIn(ev *desktop.MouseEvent) { v.MouseMoved(ev) }

// MouseOut implements desktop.Hoverable.
func (v *sliceView) MouseOut() { v.button = 0; v.brush.Hide() }

// MouseMoved implements desktop.Hoverable: it updates the read-out and,
// with the right button held, the window.
func (v *sliceView) MouseMoved(ev *desktop.MouseEvent) {
	v.pointer = ev.Position
	v.showBrush(ev.Position)
	if v.button == desktop.MouseButtonSecondary && ev.Button == desktop.MouseButtonSecondary {
		d := ev.Position.Subtract(v.last)
		v.last = ev.Position
		w := v.panel.window
		v.panel.SetWindow(sliceimg.Window{Width: math.Max(1, w.Width+4*float64(d.X)), Level: w.Level - 2*float64(d.Y)})
	}
	if p, ok := v.voxelAt(ev.Position); ok {
		v.panel.showReadout(p)
	}
}

// Dragged implements fyne.Draggable: pan (left) or zoom (middle); with
// the panel's ruler on, left-drag measures from where it started.
func (v *sliceView) Dragged(ev *fyne.DragEvent) {
	if e := v.panel.edit; e != nil && e.Editing() && v.button != desktop.MouseButtonSecondary && v.button != desktop.MouseButtonTertiary {
		v.editing = true
		v.showBrush(ev.Position)
		if w, ok := v.worldAt(ev.Position); ok {
			e.Drag(v.plane, w, &v.polygon)
		}
		return
	}
	if v.panel.ruler && v.button != desktop.MouseButtonTertiary && v.frame.W > 0 {
		_, _, n := v.plane.Axes()
		r := ruler{slice: v.panel.cross[n], set: true}
		r.a[0], r.a[1] = v.frame.ToPlane(float64(v.anchor.X*v.scale), float64(v.anchor.Y*v.scale))
		r.b[0], r.b[1] = v.frame.ToPlane(float64(ev.Position.X*v.scale), float64(ev.Position.Y*v.scale))
		v.ruler = r
		v.Refresh()
		return
	}
	if v.button == desktop.MouseButtonTertiary {
		v.setZoom(math.Pow(1.01, float64(-ev.Dragged.DY)), v.anchor)
		return
	}
	if ppm := v.frame.PixelsPerMM(); ppm > 0 {
		v.center[0] -= float64(ev.Dragged.DX*v.scale) / ppm
		v.center[1] -= float64(ev.Dragged.DY*v.scale) / ppm
		v.redraw()
	}
}

// DragEnd implements fyne.Draggable: it ends an edit stroke.
func (v *sliceView) DragEnd() {
	if v.editing {
		v.editing = false
		poly := v.polygon
		v.polygon = nil
		v.panel.edit.DragEnd(v.plane, poly)
	}
}

// FocusGained implements fyne.Focusable.
func (v *sliceView) FocusGained() {}

// FocusLost implements fyne.Focusable.
func (v *sliceView) FocusLost() {}

// TypedRune implements fyne.Focusable: + and - zoom.
func (v *sliceView) TypedRune(r rune) {
	if e := v.panel.edit; e != nil && e.toolKey(r) {
		v.showBrush(v.pointer)
		return
	}
	switch r {
	case '+', '=':
		v.setZoom(1.25, v.pointer)
	case '-':
		v.setZoom(0.8, v.pointer)
	}
}

// TypedKey implements fyne.Focusable: arrows and page keys move slices;
// Esc cancels an edit running.
func (v *sliceView) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyUp:
		v.step(1)
	case fyne.KeyDown:
		v.step(-1)
	case fyne.KeyPageUp:
		v.step(10)
	case fyne.KeyPageDown:
		v.step(-10)
	case fyne.KeyEscape:
		if e := v.panel.edit; e != nil {
			e.Cancel()
		}
	}
}

type sliceViewRenderer struct {
	v    *sliceView
	size fyne.Size
}

func (r *sliceViewRenderer) Layout(size fyne.Size) {
	r.v.img.Resize(size)
	r.v.title.Move(fyne.NewPos(4, 2))
	r.v.title.Resize(r.v.title.MinSize())
	r.layoutLetters(size)
	if size != r.size {
		r.size = size
		r.v.redraw()
	}
}

func (r *sliceViewRenderer) MinSize() fyne.Size { return r.v.MinSize() }

// layoutLetters puts the orientation letters at the middle of each edge.
func (r *sliceViewRenderer) layoutLetters(size fyne.Size) {
	const pad = 4
	for i, l := range r.v.letters {
		ms := l.MinSize()
		l.Resize(ms)
		switch i {
		case 0:
			l.Move(fyne.NewPos(pad, (size.Height-ms.Height)/2))
		case 1:
			l.Move(fyne.NewPos(size.Width-ms.Width-pad, (size.Height-ms.Height)/2))
		case 2:
			l.Move(fyne.NewPos((size.Width-ms.Width)/2, pad))
		case 3:
			l.Move(fyne.NewPos((size.Width-ms.Width)/2, size.Height-ms.Height-pad))
		}
	}
}

// layoutRuler places the ruler's line and length on the image, or hides
// them when there is none on the slice shown.
func (r *sliceViewRenderer) layoutRuler() {
	v := r.v
	_, _, n := v.plane.Axes()
	if !v.ruler.set || v.ruler.slice != v.panel.cross[n] || v.scale == 0 || v.frame.W == 0 {
		v.rulerLine.Hide()
		v.rulerText.Hide()
		return
	}
	ax, ay := v.frame.FromPlane(v.ruler.a[0], v.ruler.a[1])
	bx, by := v.frame.FromPlane(v.ruler.b[0], v.ruler.b[1])
	s := float64(v.scale)
	v.rulerLine.Position1 = fyne.NewPos(float32(ax/s), float32(ay/s))
	v.rulerLine.Position2 = fyne.NewPos(float32(bx/s), float32(by/s))
	v.rulerText.Text = fmt.Sprintf("%.1f mm", v.ruler.length())
	v.rulerText.Move(fyne.NewPos(float32(bx/s)+6, float32(by/s)-v.rulerText.MinSize().Height/2))
	v.rulerText.Resize(v.rulerText.MinSize())
	v.rulerLine.Show()
	v.rulerText.Show()
	v.rulerLine.Refresh()
	v.rulerText.Refresh()
}

func (r *sliceViewRenderer) Refresh() {
	r.layoutRuler()
	r.v.title.Text = fmt.Sprintf("%s %d", r.v.plane, r.v.panel.sliceIndex(r.v.plane))
	r.v.title.Refresh()
	var e sliceimg.Edges
	if d := r.v.panel.data; d != nil {
		e = r.v.plane.Letters(d.axes())
	}
	for i, text := range []string{e.Left, e.Right, e.Top, e.Bottom} {
		r.v.letters[i].Text = text
		r.v.letters[i].Refresh()
	}
	r.layoutLetters(r.v.Size())
	r.v.img.Refresh()
}

func (r *sliceViewRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.v.img, r.v.title, r.v.letters[0], r.v.letters[1], r.v.letters[2], r.v.letters[3], r.v.rulerLine, r.v.rulerText, r.v.brush}
}

func (r *sliceViewRenderer) Destroy() {}
