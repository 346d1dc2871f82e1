package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/mesh/meshio"
	_ "kidney3d/pipeline/stages"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
	"kidney3d/ui/sliceimg"
)

// TestCaseWithoutTheArterialPhase opens a demo case of P and D only: P is
// the reference phase (the grid of the labels), D is shown on P's grid,
// and the slice panel offers P and D with P selected.
func TestCaseWithoutTheArterialPhase(t *testing.T) {
	test.NewTempApp(t)
	dir, dc := demotest.Write(t, 5)
	if err := os.Remove(filepath.Join(dir, "input", "A.nii.gz")); err != nil {
		t.Fatal(err)
	}
	d, err := loadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.reference != "P" || d.grid.Dims != dc.Phases["P"].Grid.Dims || !slices.Equal(d.available(), []string{"P", "D"}) {
		t.Fatalf("reference %s, grid %v, phases %v", d.reference, d.grid.Dims, d.available())
	}
	if d.decoded("D") != nil {
		t.Error("D was decoded with the case: want it decoded when first shown")
	}
	p := NewSlicePanel()
	p.setCase(d)
	if !slices.Equal(p.phases.Options, []string{"P", "D"}) || p.phases.Selected != "P" {
		t.Errorf("phases %v, selected %q; want P and D, P selected", p.phases.Options, p.phases.Selected)
	}
	if r := p.readout.Text; !strings.Contains(r, " P ") || !strings.Contains(r, "(reference)") {
		t.Errorf("read-out %q, want P as the reference", r)
	}
	p.SetPhase("D")
	shown := func() string {
		var r string
		fyne.DoAndWait(func() { r = p.readout.Text })
		return r
	}
	for start := time.Now(); !strings.Contains(shown(), " D ") && time.Since(start) < 30*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	if r := shown(); !strings.Contains(r, " D ") || !strings.Contains(r, "(raw)") || d.decoded("D") == nil || d.decoded("D").Grid != d.grid {
		t.Errorf("after choosing D the read-out says %q; want D, raw, decoded on the reference grid", r)
	}

	if err := os.Remove(filepath.Join(dir, "input", "P.nii.gz")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "input", "D.nii.gz")); err != nil {
		t.Fatal(err)
	}
	if _, err := loadCase(dir); err == nil || !strings.Contains(err.Error(), "no phase") {
		t.Errorf("a case without phases: %v, want no phase", err)
	}
}

// TestModelShowsTheCaseMeshes: the 3D view of a processed case shows
// output/meshes itself, the same bytes written again, so that what a
// surgeon sees is what `render` draws and the exports hold; once those
// meshes are out of date it meshes the label map as the mesh stage does.
func TestModelShowsTheCaseMeshes(t *testing.T) {
	c, _ := stagetest.DefectiveDemoCase(t, 6)
	stagetest.Run(t, c, stagetest.Entry{Kind: "load"}, stagetest.Entry{Kind: "merge"}, stagetest.Entry{Kind: "mesh"})
	d, err := loadCase(c.Dir)
	if err != nil {
		t.Fatal(err)
	}
	shown, err := d.meshObjects(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	again := t.TempDir()
	if _, err := meshio.WriteFiles(again, shown, meshio.OBJ); err != nil {
		t.Fatal(err)
	}
	saved, _ := filepath.Glob(filepath.Join(c.MeshesDir(), "*.obj"))
	if len(saved) == 0 || len(saved) != len(shown) {
		t.Fatalf("%d meshes shown, %d saved", len(shown), len(saved))
	}
	for _, p := range append(saved, filepath.Join(c.MeshesDir(), meshio.MTLName)) {
		a, errA := os.ReadFile(p)
		b, errB := os.ReadFile(filepath.Join(again, filepath.Base(p)))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: the view's mesh differs from the saved one (%v, %v)", filepath.Base(p), errA, errB)
		}
	}

	// Out of date: a saved mesh is gone, so the set is not the one the run
	// recorded; the view meshes the labels itself, as the stage does.
	if err := os.Remove(saved[0]); err != nil {
		t.Fatal(err)
	}
	remeshed, err := d.meshObjects(context.Background())
	if err != nil || len(remeshed) != len(shown) {
		t.Fatalf("remeshed %d objects (%v), want %d", len(remeshed), err, len(shown))
	}
	for i, o := range remeshed {
		if o.Name != shown[i].Name || o.Mesh.NumTriangles() != shown[i].Mesh.NumTriangles() {
			t.Errorf("%s: %d triangles, the mesh stage made %s with %d", o.Name, o.Mesh.NumTriangles(), shown[i].Name, shown[i].Mesh.NumTriangles())
		}
	}
}

// TestSliceLettersFollowTheWorld opens a case whose phase is stored LPS
// (voxel axis 0 toward the patient's left) with bright voxels on the
// patient's right (x > 0): the axial view labels its left edge R, and
// that is where the bright half is drawn.
func TestSliceLettersFollowTheWorld(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	g := volume.Grid{Dims: [3]int{8, 6, 4}, Affine: volume.Affine{{-2, 0, 0, 7}, {0, -2, 0, 5}, {0, 0, 3, 0}, {0, 0, 0, 1}}}
	a := volume.New[int16](g)
	for n := range a.Data {
		i, j, k := g.Coords(n)
		a.Data[n] = -1000
		if g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})[0] > 0 {
			a.Data[n] = 1000
		}
	}
	if err := volume.Save(filepath.Join(dir, "input", "A.nii.gz"), a); err != nil {
		t.Fatal(err)
	}
	d, err := loadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := sliceimg.Axial.Letters(d.axes())
	if e != (sliceimg.Edges{Left: "R", Right: "L", Top: "A", Bottom: "P"}) {
		t.Fatalf("axial letters %+v, want R left, L right, A top, P bottom", e)
	}
	p := NewSlicePanel()
	p.setCase(d)
	f := sliceimg.NewFrame(sliceimg.Axial, d.grid.Dims, d.grid.Spacing(), 80, 60)
	img := image.NewRGBA(image.Rect(0, 0, 80, 60))
	l := p.layers()
	l.NoCross = true
	sliceimg.Render(img, f, 2, l)
	if left, right := img.RGBAAt(25, 30).R, img.RGBAAt(55, 30).R; left < 200 || right > 50 {
		t.Errorf("grey %d on the left (R), %d on the right (L): want the bright right side of the patient on the left", left, right)
	}
}

// TestSliceZoomKeepsThePointStill: zooming about a point of the view
// keeps the voxel under it under it.
func TestSliceZoomKeepsThePointStill(t *testing.T) {
	_, v := axialShown(t)
	at := fyne.NewPos(v.Size().Width*0.7, v.Size().Height*0.3)
	fyne.DoAndWait(func() {
		x, y := float64(at.X*v.scale), float64(at.Y*v.scale)
		f := v.frame
		if f.W == 0 {
			t.Fatal("no slice was drawn")
		}
		bx, by, _ := f.ToVoxel(x, y)
		v.setZoom(3, at)
		f.Zoom, f.Center = v.zoom, v.center
		ax, ay, _ := f.ToVoxel(x, y)
		if ax != bx || ay != by || v.zoom != 3 {
			t.Errorf("voxel under the point (%d, %d) before, (%d, %d) after zooming to %g", bx, by, ax, ay, v.zoom)
		}
	})
}

// TestWindowNumbersAreShownAndEditable: the width and level fields show
// the preset's window, a typed window is applied, and nonsense is undone.
func TestWindowNumbersAreShownAndEditable(t *testing.T) {
	test.NewTempApp(t)
	p := NewSlicePanel()
	w := test.NewWindow(p.Content())
	defer w.Close()
	if p.width.Text != "400" || p.level.Text != "40" {
		t.Fatalf("fields W %q L %q, want the abdomen preset's 400 and 40", p.width.Text, p.level.Text)
	}
	p.width.SetText("350")
	p.level.SetText("-20")
	p.level.OnSubmitted(p.level.Text)
	if p.window != (sliceimg.Window{Width: 350, Level: -20}) {
		t.Errorf("window %+v after typing 350 and -20", p.window)
	}
	p.width.SetText("wide")
	p.width.OnSubmitted(p.width.Text)
	if p.window != (sliceimg.Window{Width: 350, Level: -20}) || p.width.Text != "350" {
		t.Errorf("after typing nonsense: window %+v, field %q; want both unchanged", p.window, p.width.Text)
	}
}

// TestSliceRuler: with the ruler on, a left-drag measures the in-plane
// distance in millimetres and shows it; the next case clears it.
func TestSliceRuler(t *testing.T) {
	p, v := axialShown(t)
	p.ruler = true
	fyne.DoAndWait(func() {
		from, to := fyne.NewPos(40, 60), fyne.NewPos(100, 140)
		v.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: from}, Button: desktop.MouseButtonPrimary})
		v.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: to}, Dragged: fyne.NewDelta(60, 80)})
		want := 100 * float64(v.scale) / v.frame.PixelsPerMM() // a 60-80-100 triangle
		if got := v.ruler.length(); math.Abs(got-want) > 1e-6 {
			t.Errorf("ruler %.3f mm, want %.3f", got, want)
		}
		if v.rulerText.Text != fmt.Sprintf("%.1f mm", want) || !v.rulerLine.Visible() {
			t.Errorf("ruler shows %q, line visible %v", v.rulerText.Text, v.rulerLine.Visible())
		}
	})
	p.setCase(testCaseData(t))
	if v.ruler.set {
		t.Error("the ruler stayed after opening another case")
	}
}

// axialShown is a slice panel of testCaseData in a 900×500 test window,
// and its axial view once it has drawn its first image.
func axialShown(t *testing.T) (*SlicePanel, *sliceView) {
	test.NewTempApp(t)
	p := NewSlicePanel()
	w := test.NewWindow(p.Content())
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(900, 500))
	p.setCase(testCaseData(t))
	v := p.views[0]
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(5 * time.Millisecond) {
		var ok bool
		fyne.DoAndWait(func() { ok = v.frame.W > 0 })
		if ok {
			break
		}
	}
	return p, v
}
