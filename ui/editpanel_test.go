package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/volume"
)

// editWindow is a case window showing testCaseData written as a case
// folder (its phase in input/, its labels as the pipeline's output), with
// an editing session begun, and its 3D source.
func editWindow(t *testing.T) (*CaseWindow, *caseData, *fakeFrames) {
	return editWindowOf(t, testCaseData(t))
}

// editWindowOf is editWindow of the case d.
func editWindowOf(t *testing.T, d *caseData) (*CaseWindow, *caseData, *fakeFrames) {
	cw, src := caseWindowOf(t, d)
	cw.edit.Begin(editsession.Refuse)
	if cw.edit.ed == nil {
		t.Fatalf("editing did not start: %s", cw.edit.status.Text)
	}
	settleSlices(t, cw)
	return cw, d, src
}

// caseWindowOf is a case window showing the case d, written as a case
// folder (its phase in input/, its labels as the pipeline's output), with
// its 3D source; no editing session is begun.
func caseWindowOf(t *testing.T, d *caseData) (*CaseWindow, *fakeFrames) {
	a := test.NewTempApp(t)
	c := &casefile.Case{Dir: d.dir}
	for path, save := range map[string]func(string) error{
		c.PhasePath("A"):     func(p string) error { return volume.Save(p, d.phases["A"]) },
		c.OutputLabelsPath(): func(p string) error { return volume.Save(p, d.labels) },
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := save(path); err != nil {
			t.Fatal(err)
		}
	}
	src := &fakeFrames{}
	cw := NewCaseWindow(a, Options{NewFrames: func() (FrameSource, error) { return src, nil }})
	t.Cleanup(func() { cw.edit.End(); cw.win.Close() })
	frames, onFrame := signal()
	shown := cw.model.OnFrame
	cw.model.OnFrame = func() { shown(); onFrame() }
	cw.show(d)
	await(t, frames, "the model's first frame")
	settleSlices(t, cw)
	return cw, src
}

// at is the widget position of voxel (i, j) of view v's slice.
func at(v *sliceView, i, j int) fyne.Position {
	x, y := v.frame.ToScreen(i, j)
	return fyne.NewPos(float32(x)/v.scale, float32(y)/v.scale)
}

// shortcut types a Ctrl (+Shift) shortcut on the window.
func shortcut(cw *CaseWindow, k fyne.KeyName, m fyne.KeyModifier) {
	cw.win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault | m})
}

// settled runs f, which starts an op off the Edit panel's UI goroutine
// (EditPanel.run), and waits until the op has ended and the slice views
// have drawn its result.
func settled(t *testing.T, cw *CaseWindow, f func()) {
	t.Helper()
	idle, onIdle := signal()
	cw.edit.onIdle = onIdle
	f()
	await(t, idle, "the edit running to end")
	cw.edit.onIdle = nil
	settleSlices(t, cw)
}

// TestEditStrokes drives the editor through the slice views: a painted
// drag (a 2D disc brush, one stroke), an erasing tap, Ctrl+Z (also during
// a drag), Ctrl+Shift+Z and Ctrl+S, checking the label map's voxels, the journal, the lock and
// the saved version; every stroke is in the journal before the panel
// says it is done.
func TestEditStrokes(t *testing.T) {
	cw, d, _ := editWindow(t)
	c := &casefile.Case{Dir: d.dir}
	var busy *casefile.BusyError
	if l, err := c.Lock(t.Context(), "test", nil); !errors.As(err, &busy) {
		if l != nil {
			l.Unlock()
		}
		t.Fatalf("lock while editing: %v, want the case held by the session", err)
	}
	journaled := func() int {
		recs, err := edithistory.Read(c.JournalPath())
		if err != nil {
			t.Fatal(err)
		}
		_, strokes := edithistory.Unsaved(recs)
		return len(strokes)
	}
	// Every "done" must find its stroke journaled: strokes done so far =
	// the journal's unsaved strokes (an undo or redo is journaled too).
	dones, inJournal := 0, []int{}
	changed := cw.edit.OnChanged
	cw.edit.OnChanged = func(b block, done bool) {
		if done {
			dones++
			inJournal = append(inJournal, journaled())
		}
		changed(b, done)
	}
	lab := d.labels // the session's map, shown
	if cw.slices.data.labels != cw.edit.ed.shown || lab != cw.edit.ed.shown {
		t.Fatal("the views do not show the session's map")
	}
	v := cw.slices.views[0] // axial, slice k = 6
	k := cw.slices.cross[2]
	ed := cw.edit
	ed.label.SetSelected("cyst")
	cyst := uint8(0)
	if l, ok := d.table.ByName("cyst"); ok {
		cyst = uint8(l.Value)
	}
	ed.SetTool("paint")
	ed.radius = 2 // mm: voxels within one voxel (2 mm) of the dab
	v.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: at(v, 2, 2)}})
	if want := float32(2 * 2 * v.frame.PixelsPerMM() / float64(v.scale)); !v.brush.Visible() || v.brush.Size().Width != want {
		t.Errorf("brush outline shown %v, %v wide; want %v (4 mm)", v.brush.Visible(), v.brush.Size().Width, want)
	}
	for _, ij := range [][2]int{{2, 2}, {2, 8}, {2, 12}} {
		v.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: at(v, ij[0], ij[1])}})
	}
	v.DragEnd()
	for j := 1; j <= 13; j++ {
		if got := lab.At(2, j, k); got != cyst {
			t.Errorf("after the drag voxel (2, %d, %d) holds %d, want %d (cyst)", j, k, got, cyst)
		}
	}
	if lab.At(2, 8, k+1) != 0 || lab.At(5, 8, k) != 0 {
		t.Error("the 2D brush painted beyond its disc")
	}
	painted := lab.Clone()
	if n := len(ed.ed.session.History().Done()); n != 1 {
		t.Fatalf("the drag made %d strokes, want 1", n)
	}
	// Erase with a tap on (7, 6): a voxel of label 3 becomes 0.
	ed.SetTool("erase")
	ed.label.SetSelected(d.table.Name(3))
	ed.radius = 0.5
	test.TapAt(v, at(v, 7, 6))
	if lab.At(7, 6, k) != 0 || lab.At(8, 6, k) != 3 {
		t.Errorf("erase tap: (7,6) holds %d (want 0), (8,6) %d (want 3); %s", lab.At(7, 6, k), lab.At(8, 6, k), ed.status.Text)
	}
	// Ctrl+Z during a drag: the drag becomes a stroke, and is undone.
	ed.SetTool("paint")
	ed.label.SetSelected("cyst")
	v.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: at(v, 12, 12)}})
	shortcut(cw, fyne.KeyZ, 0)
	v.DragEnd()
	if lab.At(12, 12, k) != 0 {
		t.Error("Ctrl+Z during a drag did not undo it")
	}
	shortcut(cw, fyne.KeyZ, 0)
	if !slices.Equal(lab.Data, painted.Data) {
		t.Error("Ctrl+Z did not restore the map before the erase")
	}
	shortcut(cw, fyne.KeyZ, fyne.KeyModifierShift)
	if lab.At(7, 6, k) != 0 || lab.At(12, 12, k) != 0 {
		t.Error("Ctrl+Shift+Z did not erase again")
	}
	if want := []int{1, 2, 3, 4, 5, 6}; !slices.Equal(inJournal, want) {
		t.Errorf("journal's strokes when each was done: %v, want %v", inJournal, want)
	}
	if got := ed.historyLen(); got != 3 {
		t.Errorf("history lists %d strokes, want 3 (one undone)", got)
	}
	ml := func(v uint8) string {
		n := 0
		for _, x := range lab.Data {
			if x == v {
				n++
			}
		}
		return fmt.Sprintf("%.1f mL (edited)", float64(n)*lab.VoxelVolume()/1000)
	}
	for _, v := range []uint8{cyst, 3} {
		name := d.table.Name(int(v))
		if l := cw.structs.volumes[name]; l == nil || l.Text != ml(v) {
			t.Errorf("structures panel: %s row %v, want volume %q", name, l != nil, ml(v))
		}
	}
	ed.comment.SetText("cyst drawn, one tumour voxel off")
	shortcut(cw, fyne.KeyS, 0)
	vs, err := editversions.Load(c)
	if err != nil {
		t.Fatal(err)
	}
	saved, ok := vs.Latest()
	if !ok || saved.Version != 1 || saved.Comment != "cyst drawn, one tumour voxel off" {
		t.Fatalf("versions %+v, want version 1 with the comment", vs.Versions)
	}
	got, err := editversions.LoadLabels(c, saved)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Data, lab.Data) {
		t.Error("the saved version differs from the map edited")
	}
	if journaled() != 0 {
		t.Error("strokes still unsaved after Save")
	}
}

// TestEditRecoversUnsavedStrokes: a session that ends without saving
// leaves its stroke in the journal; showing the case again offers it, and
// recovering restores the map.
func TestEditRecoversUnsavedStrokes(t *testing.T) {
	cw, d, src := editWindow(t)
	ed := cw.edit
	ed.label.SetSelected("cyst")
	ed.SetTool("paint")
	ed.radius = 3
	v := cw.slices.views[0]
	test.TapAt(v, at(v, 4, 4))
	want := d.labels.Clone()
	scenes := func() int { src.mu.Lock(); defer src.mu.Unlock(); return src.scenes }
	for start := time.Now(); scenes() < 2; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("the 3D view's meshes were not updated after the stroke")
		}
	}
	if !slices.ContainsFunc(cw.objs, func(o meshio.Object) bool { return o.Name == "cyst" }) {
		t.Error("no cyst mesh in the 3D view after painting it")
	}
	ed.End() // as a crash: nothing saved

	d2 := testCaseData(t)
	d2.dir = d.dir
	cw.show(d2)
	if cw.win.Canvas().Overlays().Top() == nil {
		t.Fatal("showing a case with unsaved strokes offered nothing")
	}
	cw.win.Canvas().Overlays().Top().Hide()
	ed.Begin(editsession.Recover)
	if ed.ed == nil || ed.ed.session.Recovered != 1 || !slices.Equal(ed.ed.shown.Data, want.Data) {
		t.Fatalf("recovery: session %v, status %q", ed.ed != nil, ed.status.Text)
	}
}

// TestEditRegionTools drives the tools that act on a region through the
// panel: level trace / flood (2D, background only), islands (keep the one
// tapped), fill between slices, grow from seeds and draw, each one stroke
// with exact voxels.
func TestEditRegionTools(t *testing.T) {
	d := testCaseData(t)
	ct := d.phases["A"]
	for k := 4; k < 8; k++ { // a bright 4×4×4 block for grow from seeds
		for j := 2; j < 6; j++ {
			for i := 2; i < 6; i++ {
				ct.Set(i, j, k, 200)
			}
		}
	}
	cw, d, _ := editWindowOf(t, d)
	ed, lab, v := cw.edit, d.labels, cw.slices.views[0]
	k := cw.slices.cross[2] // 6
	ed.label.SetSelected("cyst")
	l, _ := d.table.ByName("cyst")
	cyst := uint8(l.Value)
	count := func() int { return measure.Counts(lab)[cyst] }

	// Flood in 2D from (0, 0) over -100..100 HU, background only: the
	// slice's 256 voxels but the 16 bright ones and label 3's 16.
	ed.SetTool("flood")
	ed.huLo.SetText("-100")
	ed.huHi.SetText("100")
	ed.overwrite.SetSelected("none")
	settled(t, cw, func() { test.TapAt(v, at(v, 0, 0)) })
	if n := count(); n != 256-16-16 || lab.At(7, 6, k) != 3 {
		t.Fatalf("flood: %d cyst voxels (want 224), label 3 kept: %v; %s", n, lab.At(7, 6, k) == 3, ed.status.Text)
	}
	ed.Undo()
	ed.overwrite.SetSelected("all")

	// Two dabs, then keep the island tapped.
	ed.SetTool("paint")
	ed.radius = 0.5
	test.TapAt(v, at(v, 0, 0))
	test.TapAt(v, at(v, 15, 15))
	ed.SetTool("islands")
	settled(t, cw, func() { test.TapAt(v, at(v, 0, 0)) })
	if lab.At(0, 0, k) != cyst || lab.At(15, 15, k) == cyst || count() != 1 {
		t.Fatalf("islands keep_clicked: (0,0) %d, (15,15) %d, %d cyst voxels; %s", lab.At(0, 0, k), lab.At(15, 15, k), count(), ed.status.Text)
	}

	// dabAt paints one voxel, (i, j) of axial slice k, with a tap.
	dabAt := func(i, j, k int) {
		cw.slices.setCross([3]int{i, j, k})
		settleSlices(t, cw)
		ed.SetTool("paint")
		test.TapAt(v, at(v, i, j))
	}
	// Fill between slices: (0, 0) on slices 6 and 10 fills 7, 8, 9.
	dabAt(0, 0, 10)
	ed.SetTool("interpolate")
	ed.plane.SetSelected("axial")
	settled(t, cw, ed.Apply)
	for z := 6; z <= 10; z++ {
		if lab.At(0, 0, z) != cyst {
			t.Errorf("fill between slices: (0, 0, %d) holds %d, want cyst; %s", z, lab.At(0, 0, z), ed.status.Text)
		}
	}
	for range 5 { // the fill, the dab, the islands, the two dabs
		ed.Undo()
	}
	if count() != 0 {
		t.Fatalf("%d cyst voxels left after undoing everything", count())
	}

	// Grow from seeds: one seed voxel at (3, 3, 6) in the bright block;
	// the box it grows in, 9 mm around it, is (0..8, 0..8, 3..9), its
	// faces (all dark) seeding the background. The cyst wins the whole
	// block, 64 voxels, at no cost; the background everything dark. The
	// first Apply previews it, the map unchanged; the second accepts it.
	dabAt(3, 3, 6)
	ed.SetTool("grow_seeds")
	ed.boxMM.SetText("9")
	settled(t, cw, ed.Apply)
	if n, shown := count(), measure.Counts(cw.slices.preview)[cyst]; n != 1 || shown != 64 || ed.grown == nil {
		t.Errorf("grow from seeds previewed: %d cyst voxels in the map (want the seed, 1), %d shown (want 64, the bright block); %s", n, shown, ed.status.Text)
	}
	ed.Apply()
	if n := count(); n != 64 || lab.At(2, 2, 4) != cyst || lab.At(6, 3, 6) == cyst || cw.slices.preview != nil {
		t.Errorf("grow from seeds accepted: %d cyst voxels, want 64 (the bright block); preview still shown %v; %s", n, cw.slices.preview != nil, ed.status.Text)
	}

	// Draw: a square traced through (10..14, 10..14) on slice 6 is filled.
	ed.SetTool("draw")
	ed.label.SetSelected("cyst")
	for _, ij := range [][2]int{{10, 10}, {14, 10}, {14, 14}, {10, 14}} {
		v.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: at(v, ij[0], ij[1])}})
	}
	v.DragEnd()
	if lab.At(12, 12, 6) != cyst || lab.At(11, 13, 6) != cyst || lab.At(8, 12, 6) == cyst || lab.At(12, 12, 7) == cyst {
		t.Errorf("draw: (12,12) %d, (11,13) %d inside; (8,12) %d, (12,12,7) %d outside; %s", lab.At(12, 12, 6), lab.At(11, 13, 6), lab.At(8, 12, 6), lab.At(12, 12, 7), ed.status.Text)
	}
}

// TestEditHollowLogicalCompare drives hollow, the logical operators (on
// this map and on a saved version) and the comparison of two versions
// through the Edit panel, with exact voxels. The tumour is the 4×4×4
// block (6..9, 5..8, 4..7) of 2×2×3 mm voxels.
func TestEditHollowLogicalCompare(t *testing.T) {
	cw, d, _ := editWindow(t)
	ed, lab := cw.edit, d.labels
	tumor, cyst := d.table.Value("tumor"), d.table.Value("cyst")
	count := func(v uint8) int { return measure.Counts(lab)[v] }
	// Hollow by 2 mm: the core whose in-plane neighbours (2 mm) are all
	// tumour, 2×2 across all 4 slices (3 mm apart, beyond the ball), goes.
	ed.label.SetSelected("tumor")
	ed.SetTool("hollow")
	ed.mm.SetText("2")
	settled(t, cw, ed.Apply)
	if n := count(tumor); n != 48 || lab.At(7, 6, 5) != 0 || lab.At(6, 6, 5) != tumor || lab.At(7, 6, 4) != 0 {
		t.Fatalf("hollow: %d tumour voxels, want 48; (7,6,5) %d; %s", n, lab.At(7, 6, 5), ed.status.Text)
	}
	ed.comment.SetText("hollow")
	ed.Save()

	// Copy the tumour into the cyst on this map: the cyst takes its 48
	// voxels (one label per voxel, so the tumour is gone).
	ed.label.SetSelected("cyst")
	ed.SetTool("logical")
	ed.operator.SetSelected("copy")
	ed.operand.SetSelected("tumor")
	ed.fromVersion.SetSelected("this map")
	settled(t, cw, ed.Apply)
	if count(cyst) != 48 || count(tumor) != 0 {
		t.Fatalf("copy: %d cyst, %d tumour voxels; want 48 and 0; %s", count(cyst), count(tumor), ed.status.Text)
	}
	ed.Undo()
	// Add the tumour of version 0 (the whole block) to the cyst.
	ed.operator.SetSelected("add")
	ed.fromVersion.SetSelected("v0: the pipeline's output")
	settled(t, cw, ed.Apply)
	if count(cyst) != 64 || count(tumor) != 0 || lab.At(7, 6, 5) != cyst {
		t.Fatalf("add from version 0: %d cyst, %d tumour voxels; want 64 and 0; %s", count(cyst), count(tumor), ed.status.Text)
	}
	ed.Undo()

	// Compare version 0 with version 1 (the hollowed tumour).
	compared, onCompared := signal()
	ed.onCompared = onCompared
	if got := ed.cmpB.Options; len(got) != 2 || got[1] != "v1: hollow" || ed.cmpA.Selected != "v0: the pipeline's output" || ed.cmpB.Selected != "v1: hollow" {
		t.Fatalf("versions offered: %q, chosen %q and %q", got, ed.cmpA.Selected, ed.cmpB.Selected)
	}
	ed.Compare()
	await(t, compared, "the comparison")
	want := "version 0 → 1: 16 voxels changed\n" +
		"LABEL              VOXELS A   VOXELS B    CHANGED    DICE\n" +
		"tumor                    64         48         16  0.8571"
	if ed.compared.Text != want {
		t.Errorf("comparison:\n%s\nwant\n%s", ed.compared.Text, want)
	}
}

// TestEditScissorsIn3D traces polygons over the 3D view (fakeFrames'
// orthographic view: world x, y → pixels, z → depth) and cuts the
// tumour block (x -4, -2, 0, 2 mm; z -6, -3, 0, 3 mm, depths 0.35 to
// 0.575) along the lines of sight.
func TestEditScissorsIn3D(t *testing.T) {
	cw, d, _ := editWindow(t)
	ed, lab, m := cw.edit, d.labels, cw.model
	tumor := d.table.Value("tumor")
	count := func() int { return measure.Counts(lab)[tumor] }
	req := m.request(false)
	// trace drags over the view through the world points (x, y).
	button := desktop.MouseButtonPrimary
	trace := func(xy ...[2]float64) {
		m.MouseDown(&desktop.MouseEvent{Button: button})
		for _, p := range xy {
			px := fyne.NewPos(float32((p[0]/20+1)/2*float64(req.Width))/m.scale, float32((1-p[1]/20)/2*float64(req.Height))/m.scale)
			m.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: px}, Dragged: fyne.Delta{DX: 4}})
		}
		m.DragEnd()
	}
	left := [][2]float64{{-19, -19}, {-1, -19}, {-1, 19}, {-19, 19}}
	ed.label.SetSelected("tumor")
	ed.SetTool("paint")
	cam := m.cam
	trace(left...)
	if count() != 64 || m.cam == cam {
		t.Fatalf("a drag with another tool cut (%d tumour voxels) or did not orbit", count())
	}
	ed.SetTool("scissors")
	button, cam = desktop.MouseButtonTertiary, m.cam
	trace(left...)
	if count() != 64 || m.cam.Target == cam.Target {
		t.Fatalf("a middle-drag with the scissors cut (%d tumour voxels) or did not pan", count())
	}
	// While traced, the polygon is drawn closed: its edges, and the last
	// point joined to the first.
	m.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	var pts []fyne.Position
	for _, xy := range [][2]float32{{10, 10}, {60, 10}, {60, 50}} {
		pts = append(pts, fyne.NewPos(xy[0], xy[1]))
		m.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: pts[len(pts)-1]}})
	}
	if c := m.cutClose; len(m.cutPath) != 2 || c == nil || c.Position1 != pts[2] || c.Position2 != pts[0] {
		t.Fatalf("tracing 3 points: %d edges, closing line %+v; want 2 edges and %v → %v", len(m.cutPath), c, pts[2], pts[0])
	}
	m.cut, m.cutPath, m.cutClose = nil, nil, nil // not cut
	button, cam = desktop.MouseButtonPrimary, m.cam
	settled(t, cw, func() { trace(left...) })
	if n := count(); n != 32 || lab.At(7, 5, 4) != 0 || lab.At(8, 5, 4) != tumor || m.cam != cam {
		t.Fatalf("scissors inside x < -1: %d tumour voxels, want 32 (x ≥ 0 kept); camera moved %v; %s", n, m.cam != cam, ed.status.Text)
	}
	ed.Undo()
	// Outside the polygon, within depths 0.4 to 0.6: x ≥ 0 on z ≥ -3.
	ed.cutSide.SetSelected("outside")
	ed.slabOn.SetChecked(true)
	ed.slabLo.SetText("0.4")
	ed.slabHi.SetText("0.6")
	settled(t, cw, func() { trace(left...) })
	if n := count(); n != 64-24 || lab.At(8, 5, 5) != 0 || lab.At(8, 5, 4) != tumor || lab.At(7, 5, 5) != tumor {
		t.Fatalf("scissors outside in the slab: %d tumour voxels, want 40; %s", n, ed.status.Text)
	}
}

// TestEditRunsOffTheUIGoroutine: Apply computes the op off the UI
// goroutine and shows the tool as busy; while it runs, a second Apply, an
// undo or a stroke is refused, saying so, and the map is written only
// once the op is done: the tumour block (6..9, 5..8, 4..7) of 2×2×3 mm
// voxels grown by 2 mm gains one voxel in-plane on each side, 32 per
// slice.
func TestEditRunsOffTheUIGoroutine(t *testing.T) {
	cw, d, _ := editWindow(t)
	ed, lab, v := cw.edit, d.labels, cw.slices.views[0]
	tumor := d.table.Value("tumor")
	count := func() int { return measure.Counts(lab)[tumor] }
	ed.label.SetSelected("tumor")
	ed.SetTool("margin")
	ed.mm.SetText("2")
	idle, onIdle := signal()
	ed.onIdle = onIdle
	// The op's result waits on the map's lock, held here as a slice view
	// drawing would hold it, so the op is still running below.
	d.labelsMu.RLock()
	ed.Apply()
	if ed.busy != "Margin" || !ed.apply.Disabled() || !ed.toolButtons["paint"].Disabled() || !ed.busyRow.Visible() || ed.busyText.Text != "Margin…" {
		d.labelsMu.RUnlock()
		t.Fatalf("while running: busy %q, Apply disabled %v, activity shown %v %q", ed.busy, ed.apply.Disabled(), ed.busyRow.Visible(), ed.busyText.Text)
	}
	refused := "Margin is still running: wait for it, or Cancel (Esc)"
	ed.Apply()
	again := ed.status.Text
	ed.status.SetText("")
	ed.Undo()
	undo := ed.status.Text
	ed.status.SetText("")
	ed.SetTool("paint")
	tool := ed.status.Text
	ed.status.SetText("")
	ed.radius = 0.5
	ed.tool = tools[0] // paint, as if chosen before
	test.TapAt(v, at(v, 0, 0))
	tap := ed.status.Text
	n := count()
	d.labelsMu.RUnlock()
	if again != refused || undo != refused || tool != refused || tap != refused || n != 64 {
		t.Fatalf("while running: Apply %q, Undo %q, a tool chosen %q, a tap %q (want %q); %d tumour voxels, want 64 (unchanged)", again, undo, tool, tap, refused, n)
	}
	await(t, idle, "the margin")
	if n := count(); n != 128 || lab.At(5, 5, 4) != tumor || lab.At(5, 4, 4) != 0 || lab.At(6, 5, 3) != 0 || ed.busy != "" || ed.apply.Disabled() || ed.busyRow.Visible() {
		t.Fatalf("margin: %d tumour voxels, want 128; busy %q; %s", n, ed.busy, ed.status.Text)
	}
	if h := ed.historyText(0); h != "1. margin tumor: 64 voxels" {
		t.Errorf("history: %q", h)
	}
}

// TestEditGrowFromSeedsPreview: grow from seeds' strokes are kept apart
// from the map, as 3D Slicer keeps its seeds: a structure stroke shows
// the grow as a preview, the map unchanged; the same seeds again give the
// same preview; a background stroke shrinks it; Apply commits exactly the
// preview as one undoable stroke. The block (2..5, 2..5, 4..7) is 200 HU
// at i = 2, 3 and 150 HU at i = 4, 5, in the 0 HU case.
func TestEditGrowFromSeedsPreview(t *testing.T) {
	d := testCaseData(t)
	for k := 4; k < 8; k++ {
		for j := 2; j < 6; j++ {
			for i := 2; i < 6; i++ {
				d.phases["A"].Set(i, j, k, int16(200-50*(i/4)))
			}
		}
	}
	cw, d, _ := editWindowOf(t, d)
	ed, lab, v := cw.edit, d.labels, cw.slices.views[0]
	cyst := d.table.Value("cyst")
	before := lab.Clone()
	cw.slices.setCross([3]int{3, 3, 6})
	settleSlices(t, cw)
	ed.label.SetSelected("cyst")
	ed.SetTool("grow_seeds")
	ed.radius = 0.5
	ed.boxMM.SetText("9")
	shown := func() int { return measure.Counts(cw.slices.preview)[cyst] }
	settled(t, cw, func() { test.TapAt(v, at(v, 3, 3)) })
	first := cw.slices.preview.Clone()
	if n := shown(); n != 64 || !slices.Equal(lab.Data, before.Data) || ed.historyLen() != 0 {
		t.Fatalf("a structure stroke: %d cyst voxels shown, want 64 (the block); map unchanged %v; %d strokes; %s", n, slices.Equal(lab.Data, before.Data), ed.historyLen(), ed.status.Text)
	}
	settled(t, cw, func() { test.TapAt(v, at(v, 3, 3)) })
	if !slices.Equal(cw.slices.preview.Data, first.Data) {
		t.Fatalf("the same seeds again: %d cyst voxels shown, want the same preview (64)", shown())
	}
	// The background stroke in the 150 HU half takes it: the cyst keeps
	// the 200 HU half, 32 voxels.
	ed.seedKind.SetSelected("background")
	settled(t, cw, func() { test.TapAt(v, at(v, 5, 3)) })
	if n := shown(); n != 32 || cw.slices.preview.At(4, 2, 4) != 0 || cw.slices.preview.At(3, 5, 7) != cyst || !slices.Equal(lab.Data, before.Data) {
		t.Fatalf("a background stroke: %d cyst voxels shown, want 32 (i = 2, 3); %s", n, ed.status.Text)
	}
	want := cw.slices.preview.Clone()
	ed.Apply()
	if !slices.Equal(lab.Data, want.Data) || cw.slices.preview != nil || ed.historyText(0) != "1. grow_seeds cyst: 32 voxels" {
		t.Fatalf("accepted: the map is the preview %v, preview still shown %v; history %q; %s", slices.Equal(lab.Data, want.Data), cw.slices.preview != nil, ed.historyText(0), ed.status.Text)
	}
	ed.Undo()
	if !slices.Equal(lab.Data, before.Data) {
		t.Fatal("undo did not give back the map before the grow")
	}
	// Accepting dropped the seed strokes: with no cyst in the map, Apply
	// has nothing to grow from.
	settled(t, cw, ed.Apply)
	if cw.slices.preview != nil || !strings.Contains(ed.status.Text, "paint a few seed strokes first") {
		t.Errorf("Apply after accepting and undoing: %s", ed.status.Text)
	}
}

// TestEditPanelShowsTheToolsOptions: as Slicer shows only the active
// effect's options, the panel shows the label, the tool's own options
// and the masking, Apply named after the tool where it has one, at one
// width whatever the tool.
func TestEditPanelShowsTheToolsOptions(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("edit")
	t.Cleanup(w.Close)
	p := NewEditPanel(w)
	w.SetContent(p.Content())
	masking := []string{"editable", "inside", "intensity", "HU", "overwrite"}
	width := p.options.MinSize().Width
	for _, c := range []struct {
		tool  string
		rows  []string
		apply string // "" hidden
	}{
		{"paint", []string{"label", "brush", ""}, ""},
		{"grow_seeds", []string{"label", "brush", "", "seeds", "box mm"}, "Apply: Grow"},
		{"smooth", []string{"label", "mm", "method"}, "Apply: Smooth"},
		{"interpolate", []string{"label", "across"}, "Apply: Fill"},
		{"scissors", []string{"label", "cut", "depth"}, ""},
		{"logical", []string{"label", "operator", "operand", "from"}, "Apply: Logic"},
	} {
		p.SetTool(c.tool)
		var rows []string
		for _, it := range p.options.Objects[1].(*widget.Form).Items {
			rows = append(rows, it.Text)
		}
		apply := ""
		if p.apply.Visible() {
			apply = p.apply.Text
		}
		if want := append(c.rows, masking...); !slices.Equal(rows, want) || apply != c.apply || p.options.MinSize().Width != width {
			t.Errorf("%s: rows %q, Apply %q, width %g; want %q, %q, %g", c.tool, rows, apply, p.options.MinSize().Width, want, c.apply, width)
		}
	}
}
