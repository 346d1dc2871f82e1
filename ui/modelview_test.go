package ui

import (
	"errors"
	"image"
	"math"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/volume"
)

// fakeFrames is a FrameSource that records requests and draws blank
// frames at once, half size for drafts (as package render does).
type fakeFrames struct {
	mu     sync.Mutex
	reqs   []FrameRequest
	scenes int
	names  []string // the last scene's object names
	// pick answers Pick; nil hits nothing.
	pick func(req FrameRequest, x, y int) (string, [3]float64, bool)
}

func (f *fakeFrames) SetScene(objs []meshio.Object) {
	f.mu.Lock()
	f.scenes++
	f.names = f.names[:0]
	for _, o := range objs {
		f.names = append(f.names, o.Name)
	}
	f.mu.Unlock()
}

func (f *fakeFrames) StandardView(string) Camera { return Camera{Distance: 400} }

func (f *fakeFrames) Render(req FrameRequest, done func(*image.RGBA, error)) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	w, h := req.Width, req.Height
	if req.Draft {
		w, h = max(w/2, 1), max(h/2, 1)
	}
	done(image.NewRGBA(image.Rect(0, 0, w, h)), nil)
}

func (f *fakeFrames) Pick(req FrameRequest, x, y int) (string, [3]float64, bool) {
	if f.pick == nil {
		return "", [3]float64{}, false
	}
	return f.pick(req, x, y)
}

func (f *fakeFrames) Close() {}

// ViewProj is an orthographic view from below the feet (world x to the
// right, y up, z the depth), ±20 mm filling the picture: world x maps to
// pixel (x/20+1)/2·width, y to (1-y/20)/2·height, z to depth (z/20+1)/2.
func (f *fakeFrames) ViewProj(FrameRequest) ([16]float64, bool) {
	return [16]float64{0.05, 0, 0, 0, 0, 0.05, 0, 0, 0, 0, 0.05, 0, 0, 0, 0, 1}, true
}

// ZoomAt scales the distance and records where it zoomed in Target.
func (f *fakeFrames) ZoomAt(c Camera, w, h int, x, y, factor float64) Camera {
	c.Distance *= factor
	c.Target = [3]float64{x, y, float64(w*10000 + h)}
	return c
}

// requests is a copy of the requests so far.
func (f *fakeFrames) requests() []FrameRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FrameRequest(nil), f.reqs...)
}

// await waits for a signal on ch, failing the test after a few seconds.
func await(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// signal is a callback that sends on a buffered channel without blocking.
func signal() (chan struct{}, func()) {
	ch := make(chan struct{}, 64)
	return ch, func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func TestModelViewDragOrbitsAndPans(t *testing.T) {
	m, src, _ := shownModelView(t)
	cv := fyne.CurrentApp().Driver().CanvasForObject(m)
	size := m.Size()
	first := src.requests()
	if len(first) != 1 || first[0].Draft || first[0].Width != int(math.Ceil(float64(size.Width))) {
		t.Fatalf("after SetScene: requests %+v, want one full frame of %v", first, size)
	}

	// A left drag orbits with draft frames; its end asks for a full frame.
	test.Drag(cv, fyne.NewPos(200, 150), 40, 10)
	reqs := src.requests()[1:]
	if len(reqs) != 2 || !reqs[0].Draft || reqs[1].Draft {
		t.Fatalf("drag: requests %+v, want a draft then a full frame", reqs)
	}
	if c := reqs[0].Camera; c.Yaw != 20 || c.Pitch != 5 || c.Target != ([3]float64{}) {
		t.Errorf("orbit camera %+v, want yaw 20 and pitch 5 about the same target", c)
	}
	if reqs[1].Camera != reqs[0].Camera {
		t.Errorf("drag end camera %+v, want the dragged one %+v", reqs[1].Camera, reqs[0].Camera)
	}
	if got := m.frame.Bounds().Size(); got != image.Pt(reqs[1].Width, reqs[1].Height) {
		t.Errorf("frame shown after the drag is %v, want the full %dx%d", got, reqs[1].Width, reqs[1].Height)
	}

	// A middle drag pans: the target moves, the direction stays.
	m.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonTertiary})
	test.Drag(cv, fyne.NewPos(200, 150), 50, 0)
	m.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonTertiary})
	last := src.requests()
	c := last[len(last)-1].Camera
	if c.Yaw != 20 || c.Pitch != 5 || c.Target == ([3]float64{}) {
		t.Errorf("pan camera %+v, want the target moved and yaw 20, pitch 5", c)
	}

	// The wheel zooms in, about the pointer (fakeFrames.ZoomAt records
	// the pixel and picture size in Target).
	m.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(300, 50)}, Scrolled: fyne.Delta{DY: 10}})
	last = src.requests()
	r := last[len(last)-1]
	if c := r.Camera; c.Distance >= 400 || c.Target != [3]float64{300, 50, float64(r.Width*10000 + r.Height)} {
		t.Errorf("after scrolling in at (300, 50), camera %+v, want closer, zoomed about that pixel of the %dx%d picture", c, r.Width, r.Height)
	}
	if m.status.Text != "" {
		t.Errorf("status %q over the model, want none", m.status.Text)
	}
}

// testCaseData is a 16×16×12 case of 2×2×3 mm voxels with a tumour block.
func testCaseData(t *testing.T) *caseData {
	g := volume.Grid{Dims: [3]int{16, 16, 12}, Affine: volume.Affine{{2, 0, 0, -16}, {0, 2, 0, -16}, {0, 0, 3, -18}, {0, 0, 0, 1}}}
	lab := volume.New[uint8](g)
	for k := 4; k < 8; k++ {
		for j := 5; j < 9; j++ {
			for i := 6; i < 10; i++ {
				lab.Data[g.Index(i, j, k)] = 3
			}
		}
	}
	return &caseData{dir: t.TempDir(), grid: g, phases: map[string]*volume.Volume[int16]{"A": volume.New[int16](g)}, reference: "A",
		registered: map[string]bool{}, labels: lab, labelsFrom: "test", table: labels.Default(),
		report: &measure.Report{Structures: []measure.Structure{{Name: "tumor", Value: 3, VolumeML: 0.77}}}, present: []int{3}}
}

// settleSlices waits until no slice view is drawing. The test driver runs
// fyne.Do callbacks on the calling goroutine, so background drawing must
// be over before the test touches the window again.
func settleSlices(t *testing.T, cw *CaseWindow) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		busy := false
		for _, v := range cw.slices.views {
			v.mu.Lock()
			busy = busy || v.busy
			v.mu.Unlock()
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the slice views")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCaseWindowTapPicks(t *testing.T) {
	src := &fakeFrames{}
	world := [3]float64{-2, -4, -3} // voxel (7, 6, 5)
	var tapped [2]int
	src.pick = func(req FrameRequest, x, y int) (string, [3]float64, bool) {
		tapped = [2]int{x, y}
		return "tumor", world, true
	}
	cw, frames := caseWindowShown(t, src)

	picked, onPicked := signal()
	pick := cw.model.OnPick
	cw.model.OnPick = func(label string, w [3]float64) { pick(label, w); onPicked() }
	test.TapAt(cw.model, fyne.NewPos(120, 80))
	await(t, picked, "the pick")
	settleSlices(t, cw)

	if tapped != [2]int{120, 80} {
		t.Errorf("picked at pixel %v, want (120, 80)", tapped)
	}
	if got, want := cw.pick.Text, "Tumour: 0.8 mL"; got != want {
		t.Errorf("pick caption %q, want %q", got, want)
	}
	if got, want := cw.slices.cross, [3]int{7, 6, 5}; got != want {
		t.Errorf("crosshair at voxel %v, want %v (the picked point)", got, want)
	}
	reqs := src.requests()
	if last := reqs[len(reqs)-1]; last.Selected != "tumor" || last.Draft {
		t.Errorf("frame after the pick: %+v, want a full frame with tumor selected", last)
	}

	// A tap on the background clears the selection.
	src.pick = nil
	for len(frames) > 0 {
		<-frames
	}
	test.TapAt(cw.model, fyne.NewPos(5, 5))
	await(t, frames, "the frame after the second tap")
	reqs = src.requests()
	if last := reqs[len(reqs)-1]; last.Selected != "" {
		t.Errorf("after tapping the background, %q is still selected", last.Selected)
	}
}

// failingFrames fails its first n frames.
type failingFrames struct {
	fakeFrames
	n int
}

func (f *failingFrames) Render(req FrameRequest, done func(*image.RGBA, error)) {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		done(nil, errors.New("render: no scene"))
		return
	}
	f.fakeFrames.Render(req, done)
}

func TestModelViewErrorThenFrame(t *testing.T) {
	test.NewTempApp(t)
	src := &failingFrames{n: 1}
	m := NewModelView(src, "")
	frames, onFrame := signal()
	m.OnFrame = onFrame
	w := test.NewWindow(m)
	defer w.Close()
	w.Resize(fyne.NewSize(300, 200))
	m.SetScene(nil)
	await(t, frames, "the failed frame")
	if m.status.Text != "3D unavailable: render: no scene" {
		t.Fatalf("status %q after a failed frame", m.status.Text)
	}
	m.ShowView("left")
	await(t, frames, "the next frame")
	if m.status.Text != "" {
		t.Errorf("status %q after a good frame, want none", m.status.Text)
	}
}

// TestModelViewPicture: Export picture asks for the view as it is, at the
// size chosen, at full quality.
func TestModelViewPicture(t *testing.T) {
	m, src, _ := shownModelView(t)
	m.SetVisibility(map[string]bool{"liver": true}, map[string]float64{"perirenal_fat": 0.2})
	var got *image.RGBA
	m.Picture(1920, 1080, func(img *image.RGBA, err error) {
		if err != nil {
			t.Error(err)
		}
		got = img
	})
	reqs := src.requests()
	last := reqs[len(reqs)-1]
	if got == nil || got.Bounds().Dx() != 1920 || last.Draft || !last.Hidden["liver"] || last.Opacity["perirenal_fat"] != 0.2 || last.Camera != m.cam {
		t.Errorf("picture request %+v", last)
	}
}

// shownModelView is a model view of a fakeFrames scene in a 400×300 test
// window, its first frame shown, and the channel its frames signal on.
func shownModelView(t *testing.T) (*ModelView, *fakeFrames, chan struct{}) {
	test.NewTempApp(t)
	src := &fakeFrames{}
	m := NewModelView(src, "")
	frames, onFrame := signal()
	m.OnFrame = onFrame
	w := test.NewWindow(m)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(400, 300))
	m.SetScene([]meshio.Object{{Name: "tumor"}})
	await(t, frames, "the first frame")
	return m, src, frames
}

// TestCaseWindowSettingsArePerCase: what was hidden in one case is not
// hidden in the next, in 3D or in the slices.
func TestCaseWindowSettingsArePerCase(t *testing.T) {
	src := &fakeFrames{}
	cw, frames := caseWindowShown(t, src)
	test.Tap(cw.structs.checks["tumor"])
	test.Tap(cw.structs.checks2["tumor"])
	settleSlices(t, cw)
	if reqs := src.requests(); !reqs[len(reqs)-1].Hidden["tumor"] || !cw.slices.hidden["tumor"] {
		t.Fatalf("unticking the tumour: 3D hidden %v, slices hidden %v", reqs[len(reqs)-1].Hidden, cw.slices.hidden)
	}
	cw.show(testCaseData(t))
	await(t, frames, "the second case's frame")
	settleSlices(t, cw)
	if reqs := src.requests(); reqs[len(reqs)-1].Hidden["tumor"] || cw.slices.hidden["tumor"] {
		t.Errorf("next case: 3D hidden %v, slices hidden %v; want the tumour shown", reqs[len(reqs)-1].Hidden, cw.slices.hidden)
	}
}

// TestCaseWindowRuler3D: with the 3D ruler ticked, two picks give the
// straight distance between the surface points, by display name.
func TestCaseWindowRuler3D(t *testing.T) {
	a := test.NewTempApp(t)
	cw := NewCaseWindow(a, Options{NewFrames: func() (FrameSource, error) { return &fakeFrames{}, nil }})
	defer cw.win.Close()
	cw.structs.SetStructures([]Structure{{Name: "tumor", Display: "Tumour"}, {Name: "vein", Display: "Renal vein"}})
	cw.ruler3D.SetChecked(true)
	cw.model.OnPick("tumor", [3]float64{10, 0, 0})
	if got := cw.pick.Text; got != "ruler: from Tumour; tap the second point" {
		t.Errorf("after the first point: %q", got)
	}
	cw.model.OnPick("vein", [3]float64{13, 4, 0})
	if got := cw.pick.Text; got != "ruler: 5.0 mm from Tumour to Renal vein" {
		t.Errorf("after the second point: %q", got)
	}
	cw.ruler3D.SetChecked(false)
	cw.model.OnPick("vein", [3]float64{13, 4, 0})
	if got := cw.pick.Text; got != "Renal vein" {
		t.Errorf("ruler off: %q, want the plain pick", got)
	}
}

// caseWindowShown is a case window drawing with src, showing testCaseData
// with its first frame drawn and its slices settled, and the channel its
// frames signal on.
func caseWindowShown(t *testing.T, src FrameSource) (*CaseWindow, chan struct{}) {
	a := test.NewTempApp(t)
	cw := NewCaseWindow(a, Options{NewFrames: func() (FrameSource, error) { return src, nil }})
	t.Cleanup(cw.win.Close)
	frames, onFrame := signal()
	shown := cw.model.OnFrame
	cw.model.OnFrame = func() { shown(); onFrame() }
	cw.show(testCaseData(t))
	await(t, frames, "the model's first frame")
	settleSlices(t, cw)
	return cw, frames
}
