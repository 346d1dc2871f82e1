package ui

import (
	"errors"
	"image"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/mesh/meshio"
)

// Camera orbits a target point: yaw and pitch in degrees, distance in mm.
type Camera struct {
	Yaw, Pitch, Distance float64
	Target               [3]float64
}

// FrameRequest is one picture of the model asked of a FrameSource.
type FrameRequest struct {
	Width, Height int
	Camera        Camera
	Hidden        map[string]bool    // structures left out, by label name
	Opacity       map[string]float64 // 0 to 1 by label name; absent is opaque
	Selected      string             // highlighted structure
	Draft         bool               // fast, lower quality (while dragging)
}

// StandardViews are the views the 3D pane has buttons for.
var StandardViews = []string{"anterior", "posterior", "left", "right", "superior", "inferior"}

// FrameSource draws the 3D model; package render provides the real one.
type FrameSource interface {
	// SetScene replaces the model. It may take a second or more (levels of
	// detail of a million triangles); ModelView calls it off the UI
	// goroutine, one call at a time.
	SetScene(objs []meshio.Object)
	// StandardView is the camera of a named view of the current model.
	StandardView(view string) Camera
	// Render draws asynchronously and calls done, on any goroutine, with
	// the picture or the reason there is none. The newest request wins: one
	// still waiting when a newer one comes is dropped, and its done is
	// never called.
	Render(req FrameRequest, done func(*image.RGBA, error))
	// Pick is the structure and world point (RAS mm) under pixel (x, y);
	// it may block and must not be called on the UI goroutine.
	Pick(req FrameRequest, x, y int) (label string, world [3]float64, ok bool)
	// ZoomAt is c with its distance multiplied by factor, keeping the
	// point under pixel (x, y) of a w×h picture under it.
	ZoomAt(c Camera, w, h int, x, y, factor float64) Camera
	// ViewProj is the projection × view matrix the picture req describes
	// is drawn with, row-major, world RAS mm to clip space (segtools.View);
	// ok is false before a scene is set.
	ViewProj(req FrameRequest) (m [16]float64, ok bool)
	// Close releases the source.
	Close()
}

// ModelView is the 3D pane: frames from a FrameSource, orbit on left-drag
// (draft frames while dragging), pan on middle- or shift-drag, zoom about
// the pointer on the wheel, standard-view buttons, and a tap that picks a structure.
type ModelView struct {
	widget.BaseWidget
	src     FrameSource
	cam     Camera
	hidden  map[string]bool
	opacity map[string]float64
	sel     string
	ready   bool // a scene is set
	failed  bool // the last frame failed, and the status says why

	// sceneGen counts SetScene calls; a scene still being prepared when a
	// newer one is given is dropped. sceneMu keeps their preparations one
	// at a time.
	sceneGen atomic.Int64
	sceneMu  sync.Mutex

	frame   image.Image    // the newest frame, drawn by raster
	raster  *canvas.Raster // paints frame, stretched to the view
	painted int            // frames the painter has taken (UI goroutine)
	status  *canvas.Text
	button  desktop.MouseButton
	shift   bool
	scale   float32
	// OnPick is called on the UI goroutine with a picked structure and
	// world point.
	OnPick func(label string, world [3]float64)
	// OnFrame is called on the UI goroutine each time a frame, or the
	// reason there is none, is shown.
	OnFrame func()
	// Cutting, when set and true, makes a left-drag trace a polygon over
	// the view (the segment editor's scissors) instead of orbiting; on
	// release OnCut gets it, in pixels of the picture (y down), with the
	// view's projection (FrameSource.ViewProj) and viewport.
	Cutting func() bool
	OnCut   func(polygonPx [][2]float64, viewProj [16]float64, viewport [4]float64)
	cut     [][2]float64   // the polygon being traced, in pixels
	cutPath []*canvas.Line // its edges drawn over the picture
	// cutClose closes the polygon on screen while it is traced, from its
	// last point to its first (nil under 3 points).
	cutClose *canvas.Line
}

// NewModelView makes the 3D pane; src nil shows "3D unavailable: reason".
func NewModelView(src FrameSource, reason string) *ModelView {
	m := &ModelView{src: src, hidden: map[string]bool{}, opacity: map[string]float64{}, scale: 1}
	m.frame = image.NewRGBA(image.Rect(0, 0, 1, 1))
	// The painter takes the frame as it is: no software scaling on the UI
	// goroutine (draft frames are half size, and Fyne rounds sizes where
	// the request rounds up); the GPU stretches it with linear filtering.
	m.raster = canvas.NewRaster(func(int, int) image.Image {
		m.painted++
		return m.frame
	})
	m.raster.ScaleMode = canvas.ImageScaleFastest
	m.status = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	m.status.Alignment = fyne.TextAlignCenter
	m.ExtendBaseWidget(m)
	switch {
	case src == nil:
		m.status.Text = "3D unavailable: " + reason
	default:
		m.status.Text = "no model yet"
	}
	return m
}

// Available reports whether a FrameSource draws this view.
func (m *ModelView) Available() bool { return m.src != nil }

// SetStatus shows a message over the view ("" hides it).
func (m *ModelView) SetStatus(s string) {
	m.status.Text = s
	m.status.Refresh()
}

// SetUnavailable shows why there is no 3D view.
func (m *ModelView) SetUnavailable(reason string) {
	m.SetStatus("3D unavailable: " + reason)
	if m.OnFrame != nil {
		m.OnFrame()
	}
}

// SetScene shows a new model, from the anterior view (framed as the
// FrameSource frames it: the kidneys and tumour). The FrameSource
// prepares it (levels of detail: about a second for a full-size case) on
// a goroutine, never on the UI goroutine; the view says so meanwhile.
func (m *ModelView) SetScene(objs []meshio.Object) { m.setScene(objs, false) }

// UpdateScene replaces the scene's meshes, as SetScene, keeping the
// camera where it is: a mesh updated after an edit, or another model of
// the same case (the territories' colours).
func (m *ModelView) UpdateScene(objs []meshio.Object) { m.setScene(objs, true) }

func (m *ModelView) setScene(objs []meshio.Object, keepCamera bool) {
	if m.src == nil {
		return
	}
	gen := m.sceneGen.Add(1)
	m.SetStatus("preparing the 3D model…")
	go func() {
		m.sceneMu.Lock()
		defer m.sceneMu.Unlock()
		if m.sceneGen.Load() != gen {
			return // a newer scene was given meanwhile
		}
		m.src.SetScene(objs)
		cam := m.src.StandardView("anterior")
		fyne.Do(func() {
			if m.sceneGen.Load() != gen {
				return
			}
			if !m.ready || !keepCamera {
				m.cam = cam
			}
			m.ready = true
			m.SetStatus("")
			m.redraw(false)
		})
	}()
}

// SetVisibility sets the hidden structures and opacities.
func (m *ModelView) SetVisibility(hidden map[string]bool, opacity map[string]float64) {
	m.hidden, m.opacity = hidden, opacity
	m.redraw(false)
}

// ShowView moves the camera to a standard view.
func (m *ModelView) ShowView(view string) {
	if m.src == nil || !m.ready {
		return
	}
	m.cam = m.src.StandardView(view)
	m.redraw(false)
}

// request is the frame request for the current state.
func (m *ModelView) request(draft bool) FrameRequest {
	size := m.Size()
	return FrameRequest{
		Width: int(math.Ceil(float64(size.Width * m.scale))), Height: int(math.Ceil(float64(size.Height * m.scale))),
		Camera: m.cam, Hidden: m.hidden, Opacity: m.opacity, Selected: m.sel, Draft: draft,
	}
}

func (m *ModelView) redraw(draft bool) {
	if m.src == nil || !m.ready || m.Size().Width < 1 || m.Size().Height < 1 {
		return
	}
	if c := fyne.CurrentApp().Driver().CanvasForObject(m); c != nil {
		m.scale = c.Scale()
	}
	m.src.Render(m.request(draft), func(img *image.RGBA, err error) {
		fyne.Do(func() {
			if err != nil {
				m.failed = true
				m.SetUnavailable(err.Error())
				return
			}
			if m.failed {
				m.failed = false
				m.SetStatus("")
			}
			m.frame = img
			m.raster.Refresh()
			if m.OnFrame != nil {
				m.OnFrame()
			}
		})
	})
}

// Picture draws the view as it is (camera, visibility, selection) at
// w×h pixels and calls done, on any goroutine, with it. A frame the view
// asks for meanwhile may replace it (FrameSource.Render: newest wins),
// and then done is not called.
func (m *ModelView) Picture(w, h int, done func(*image.RGBA, error)) {
	if m.src == nil || !m.ready {
		done(nil, errors.New("no 3D model is shown"))
		return
	}
	req := m.request(false)
	req.Width, req.Height = w, h
	m.src.Render(req, done)
}

// Select highlights a structure.
func (m *ModelView) Select(label string) {
	m.sel = label
	m.redraw(false)
}

// MouseDown implements desktop.Mouseable.
func (m *ModelView) MouseDown(ev *desktop.MouseEvent) {
	m.button, m.shift = ev.Button, ev.Modifier&fyne.KeyModifierShift != 0
}

// MouseUp implements desktop.Mouseable.
func (m *ModelView) MouseUp(*desktop.MouseEvent) {}

// Dragged implements fyne.Draggable: orbit, or pan with the middle button
// or shift.
func (m *ModelView) Dragged(ev *fyne.DragEvent) {
	if m.cutting() {
		if n := len(m.cut); n > 0 {
			last := fyne.NewPos(float32(m.cut[n-1][0])/m.scale, float32(m.cut[n-1][1])/m.scale)
			l := canvas.NewLine(theme.Color(theme.ColorNamePrimary))
			l.StrokeWidth, l.Position1, l.Position2 = 2, last, ev.Position
			m.cutPath = append(m.cutPath, l)
		}
		m.cut = append(m.cut, [2]float64{float64(ev.Position.X * m.scale), float64(ev.Position.Y * m.scale)})
		if len(m.cut) >= 3 {
			if m.cutClose == nil {
				m.cutClose = canvas.NewLine(theme.Color(theme.ColorNamePrimary))
				m.cutClose.StrokeWidth = 1
			}
			m.cutClose.Position1 = ev.Position
			m.cutClose.Position2 = fyne.NewPos(float32(m.cut[0][0])/m.scale, float32(m.cut[0][1])/m.scale)
		}
		m.Refresh()
		return
	}
	if m.button == desktop.MouseButtonTertiary || m.shift {
		yaw, pitch := m.cam.Yaw*math.Pi/180, m.cam.Pitch*math.Pi/180
		k := m.cam.Distance / 500
		dx, dy := float64(ev.Dragged.DX)*k, float64(ev.Dragged.DY)*k
		// Screen right and up in world terms for a camera at (yaw, pitch).
		right := [3]float64{math.Cos(yaw), -math.Sin(yaw), 0}
		up := [3]float64{math.Sin(yaw) * math.Sin(pitch), math.Cos(yaw) * math.Sin(pitch), math.Cos(pitch)}
		for a := range m.cam.Target {
			m.cam.Target[a] += -dx*right[a] + dy*up[a]
		}
	} else {
		m.cam.Yaw += float64(ev.Dragged.DX) * 0.5
		m.cam.Pitch = math.Max(-89, math.Min(89, m.cam.Pitch+float64(ev.Dragged.DY)*0.5))
	}
	m.redraw(true)
}

// DragEnd implements fyne.Draggable: a full-quality frame, or the
// scissors' polygon handed to OnCut.
func (m *ModelView) DragEnd() {
	if poly := m.cut; len(poly) > 0 {
		m.cut, m.cutPath, m.cutClose = nil, nil, nil
		m.Refresh()
		req := m.request(false)
		vp, ok := m.src.ViewProj(req)
		if ok && m.OnCut != nil {
			m.OnCut(poly, vp, [4]float64{0, 0, float64(req.Width), float64(req.Height)})
		}
		return
	}
	m.redraw(false)
}

// cutting reports whether a left-drag traces the scissors' polygon.
func (m *ModelView) cutting() bool {
	return m.src != nil && m.ready && m.Cutting != nil && m.Cutting() && m.button == desktop.MouseButtonPrimary && !m.shift
}

// Scrolled implements fyne.Scrollable: zoom about the pointer.
func (m *ModelView) Scrolled(ev *fyne.ScrollEvent) {
	if m.src == nil || !m.ready {
		return
	}
	factor := math.Pow(0.9, float64(ev.Scrolled.DY)/10)
	if m.cam.Distance*factor < 10 {
		factor = 10 / m.cam.Distance
	}
	req := m.request(false)
	m.cam = m.src.ZoomAt(m.cam, req.Width, req.Height, float64(ev.Position.X*m.scale), float64(ev.Position.Y*m.scale), factor)
	m.redraw(false)
}

// Tapped implements fyne.Tappable: pick the structure under the pointer.
func (m *ModelView) Tapped(ev *fyne.PointEvent) {
	if m.src == nil || !m.ready {
		return
	}
	req := m.request(false)
	x, y := int(ev.Position.X*m.scale), int(ev.Position.Y*m.scale)
	go func() {
		label, world, ok := m.src.Pick(req, x, y)
		fyne.Do(func() {
			if !ok {
				label = ""
			}
			m.Select(label)
			if ok && m.OnPick != nil {
				m.OnPick(label, world)
			}
		})
	}()
}

// CreateRenderer implements fyne.Widget.
func (m *ModelView) CreateRenderer() fyne.WidgetRenderer {
	bar := container.NewHBox()
	for _, v := range StandardViews {
		bar.Add(widget.NewButton(strings.ToUpper(v[:1])+v[1:], func() { m.ShowView(v) }))
	}
	return &modelViewRenderer{m: m, bar: bar}
}

// MinSize implements fyne.Widget.
func (m *ModelView) MinSize() fyne.Size { return fyne.NewSize(200, 200) }

type modelViewRenderer struct {
	m    *ModelView
	bar  *fyne.Container
	size fyne.Size
}

func (r *modelViewRenderer) Layout(size fyne.Size) {
	r.m.raster.Resize(size)
	r.m.status.Resize(fyne.NewSize(size.Width, r.m.status.MinSize().Height))
	r.m.status.Move(fyne.NewPos(0, size.Height/2))
	bs := r.bar.MinSize()
	r.bar.Resize(bs)
	r.bar.Move(fyne.NewPos(0, size.Height-bs.Height))
	if size != r.size {
		r.size = size
		r.m.redraw(false)
	}
}

func (r *modelViewRenderer) MinSize() fyne.Size { return r.m.MinSize() }

func (r *modelViewRenderer) Refresh() {
	r.m.raster.Refresh()
	r.m.status.Refresh()
}

func (r *modelViewRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.m.raster, r.m.status, r.bar}
	for _, l := range r.m.cutPath {
		objs = append(objs, l)
	}
	if r.m.cutClose != nil {
		objs = append(objs, r.m.cutClose)
	}
	return objs
}

func (r *modelViewRenderer) Destroy() {}

// describePick is the pane's caption for a picked structure and its
// report line (nil when the report gives none).
func describePick(label string, m *measure.Structure) string {
	switch {
	case label == "":
		return "nothing picked"
	case m == nil:
		return label
	case m.FieldOfViewNote() != "":
		return label + ": " + m.VolumeText() + ", " + m.FieldOfViewNote()
	}
	return label + ": " + m.VolumeText()
}
