package ui

import (
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/planreport"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
	"kidney3d/render"
)

// panelReport is a report with one scored tumour, a kidney and two
// territories.
func panelReport() *measure.Report {
	ucs, sinus, artery := 2.8, 1.9, 6.25
	c := 1.38
	first := 21.5
	return &measure.Report{
		Tumors: []measure.Tumor{{
			Index: 1, Kidney: "kidney_left", Voxels: 1300, VolumeML: 34.21, MaxDiameterMM: 41.6, FeretCentresMM: 38.9,
			DiametersMM: [3]float64{41.2, 36.5, 30.1}, ContactMM2: 812, ExophyticFraction: 0.42,
			DistancesMM: measure.Distances{CollectingSystem: &ucs, RenalSinus: &sinus, RenalArtery: &artery},
			Renal: &measure.Renal{R: 2, E: 2, N: 3, A: "p", L: 2, H: false, Score: 9, Text: "9p", RDiameterMM: 41.6,
				EExophyticFraction: 0.42, NDistanceMM: 2.8, AAnteriorMM: -12.5, LBetweenPolarLines: 0.4, HVesselDistanceMM: 6.25},
			Padua: &measure.Padua{Longitudinal: 2, Exophytic: 2, Rim: 1, Sinus: 2, CollectingSystem: 2, Size: 2, Suffix: "p",
				Score: 11, Text: "11p", BetweenSinusLines: 0.4, MedialMM: -8, SinusDistanceMM: 1.9, CollectingSystemMM: 2.8},
			CIndex: &measure.CIndex{CentreDistanceMM: 28.7, RadiusMM: 20.8}, CIndexScore: &c,
			Territories: []int{2},
		}},
		Kidneys: []measure.Kidney{{Name: "kidney_left", VolumeML: 152.3, ResectionMarginMM: 5, RemainingML: 131.9, Arteries: 1, Veins: 1, AortaToFirstBranchMM: &first}},
		Territories: &measure.Territories{
			Arteries: []measure.RenalArtery{{Kidney: "kidney_left", Index: 1, FromAorta: true, FirstBranchMM: &first, Branches: 2}},
			Branches: []measure.Branch{
				{Index: 1, Kidney: "kidney_left", Artery: 1, LengthMM: 31, ParenchymaML: 80.2},
				{Index: 2, Kidney: "kidney_left", Artery: 1, LengthMM: 27, ParenchymaML: 72.1, TumorML: 34.2, Tumors: []int{1}},
			},
		},
	}
}

// TestMeasurePanelShowsTheReport: a tumour's measurements, R.E.N.A.L.,
// PADUA and C-index with each component's value, the kidney and the
// territories.
func TestMeasurePanelShowsTheReport(t *testing.T) {
	test.NewTempApp(t)
	p := NewMeasurePanel()
	p.SetReport(panelReport(), "From the case's report (output/report.json).")
	w := test.NewWindow(p.Content())
	defer w.Close()
	w.Resize(fyne.NewSize(420, 1500))
	test.AssertRendersToMarkup(t, "measure_report.xml", w.Canvas())
	got := panelTexts(p)
	for _, want := range []string{
		"Tumour 1 (kidney left)",
		"Maximal diameter: 41.6 mm (between voxel centres: 38.9 mm)",
		"Distance to collecting system: 2.8 mm",
		"Distance to renal vein: not in the label map",
		"R.E.N.A.L. 9p",
		"N (nearness): 3 — 2.8 mm to the collecting system",
		"PADUA 11p",
		"C-index: 1.38 (tumour centre 28.7 mm from the kidney's centre, radius 20.8 mm)",
		"Kidney kidney left; volume: 152.3 mL; left after resection: 131.9 mL (margin 5 mm); renal arteries: 1; renal veins: 1; aorta to 1st branch: 21.5 mm",
		"Branch 2; kidney: kidney left; artery: 1; length: 27 mm; at risk if clamped: 72.1 mL parenchyma; tumour in it: 34.2 mL (tumour 1)",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no line %q in %q", want, got)
		}
	}
}

// TestMeasurePanelMeasuresTheLabelsShown: without a report the panel
// measures the label map itself and says the figures are not saved.
func TestMeasurePanelMeasuresTheLabelsShown(t *testing.T) {
	test.NewTempApp(t)
	p := NewMeasurePanel()
	measured := awaitMeasured(p)
	lab := territoryLabels()
	p.Measure(lab, labels.Default(), nil)
	measured(t)
	if s := sourceText(p); s != measuredNow {
		t.Fatalf("source %q: the labels were not measured", s)
	}
	var got []string
	fyne.DoAndWait(func() { got = panelTexts(p) })
	// The tumour: 4×4×4 voxels of 2×2×3 mm (0.768 mL; 8×8×12 mm, corner
	// to corner √(8²+8²+12²), centre to centre √(6²+6²+9²)) inside the
	// left kidney's 14×10×8 voxels (1 056 of kidney: 12.672 mL).
	for _, want := range []string{"Tumour 1 (kidney left)", "Volume: 0.8 mL", "Maximal diameter: 16.5 mm (between voxel centres: 12.4 mm)",
		"Orthogonal diameters: 12.0 × 8.0 × 8.0 mm", "Exophytic share: 0 %"} {
		if !slices.Contains(got, want) {
			t.Errorf("no line %q in %q", want, got)
		}
	}
}

// TestTerritoriesColourTheViews: ticking the territories colours each
// kidney voxel by its branch in the slices (the other labels as they
// were) and puts a mesh per territory in place of the kidney in 3D.
func TestTerritoriesColourTheViews(t *testing.T) {
	src := &fakeFrames{}
	a := test.NewTempApp(t)
	cw := NewCaseWindow(a, Options{NewFrames: func() (FrameSource, error) { return src, nil }})
	t.Cleanup(cw.win.Close)
	d := territoryCase(t)
	frames, onFrame := signal()
	shown := cw.model.OnFrame
	cw.model.OnFrame = func() { shown(); onFrame() }
	cw.show(d)
	await(t, frames, "the model's first frame")
	settleSlices(t, cw)
	if ok, why := territoriesAvailable(d); ok || why != "run the pipeline first" {
		t.Errorf("truth labels: available %v (%q), want not before a run", ok, why)
	}

	tickTerritories(t, cw, d)
	tv := cw.slices.territories
	g := d.grid
	left, right, tumour := tv.labels[g.Index(2, 5, 5)], tv.labels[g.Index(12, 5, 5)], tv.labels[g.Index(7, 6, 5)]
	if left == 1 || right == 1 || left == right || tumour != 3 || tv.labels[0] != 0 {
		t.Errorf("slice labels: branch 1 %d, branch 2 %d, tumour %d, outside %d; want two values of their own, the tumour and background kept", left, right, tumour, tv.labels[0])
	}
	if cl, cr := tv.colors[left], tv.colors[right]; cl != territoryColor(1) || cr != territoryColor(2) || cl == cr {
		t.Errorf("colours %v and %v, want the palette's first two", cl, cr)
	}
	await(t, frames, "a frame with the territories")
	src.mu.Lock()
	names := slices.Clone(src.names)
	src.mu.Unlock()
	slices.Sort(names)
	if !slices.Equal(names, []string{"Territory of artery branch 1", "Territory of artery branch 2", "tumor"}) {
		t.Errorf("3D scene %v, want the tumour and the two territories", names)
	}

	test.Tap(cw.measures.territories)
	settleSlices(t, cw)
	if cw.slices.territories != nil {
		t.Error("unticked: the slices still show the territories")
	}
}

// tickTerritories enables and ticks the territories toggle of the window
// showing d and waits until the slices and the 3D scene have them.
func tickTerritories(t *testing.T, cw *CaseWindow, d *caseData) {
	t.Helper()
	cw.measures.territories.Enable()
	test.Tap(cw.measures.territories)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done bool
		fyne.DoAndWait(func() { done = cw.slices.territories != nil && d.territoryScene != nil })
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the territories")
		}
		time.Sleep(5 * time.Millisecond)
	}
	settleSlices(t, cw)
}

// territoryLabels is a 16×16×12 map of 2×2×3 mm voxels: a left kidney
// block with a 4×4×4 tumour inside it.
func territoryLabels() *volume.Volume[uint8] {
	g := volume.Grid{Dims: [3]int{16, 16, 12}, Affine: volume.Affine{{2, 0, 0, -16}, {0, 2, 0, -16}, {0, 0, 3, -18}, {0, 0, 0, 1}}}
	lab := volume.New[uint8](g)
	for k := 2; k < 10; k++ {
		for j := 2; j < 12; j++ {
			for i := 1; i < 15; i++ {
				v := uint8(1)
				if i >= 6 && i < 10 && j >= 5 && j < 9 && k >= 4 && k < 8 {
					v = 3
				}
				lab.Data[g.Index(i, j, k)] = v
			}
		}
	}
	return lab
}

// territoryCase is a case of territoryLabels with its territory map
// written: branch 1 on the left half (i < 8), branch 2 on the right.
func territoryCase(t *testing.T) *caseData {
	lab := territoryLabels()
	g := lab.Grid
	m := volume.New[uint8](g)
	for n, v := range lab.Data {
		if v != 0 {
			if i, _, _ := g.Coords(n); i < 8 {
				m.Data[n] = 1
			} else {
				m.Data[n] = 2
			}
		}
	}
	dir := t.TempDir()
	path := (&casefile.Case{Dir: dir}).ArtefactPath("", stage.Territories)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := volume.Save(path, m); err != nil {
		t.Fatal(err)
	}
	return &caseData{dir: dir, grid: g, phases: map[string]*volume.Volume[int16]{"A": volume.New[int16](g)}, reference: "A",
		registered: map[string]bool{}, labels: lab, labelsFrom: "truth", table: labels.Default(), present: []int{1, 3}}
}

// panelTexts are the texts of the panel's list, in order.
func panelTexts(p *MeasurePanel) []string {
	var out []string
	for _, o := range p.list.Objects {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

// awaitMeasured makes p signal when Measure has shown its figures, and
// returns the wait for that: it fails the test after 30 s. Waiting on it
// orders the test after the measuring goroutine (the test driver runs
// fyne.Do on the caller's goroutine).
func awaitMeasured(p *MeasurePanel) func(t *testing.T) {
	ch, done := signal()
	p.measured = done
	return func(t *testing.T) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatal("timed out waiting for the measurements")
		}
	}
}

// sourceText is what the panel says its figures come from.
func sourceText(p *MeasurePanel) string {
	var s string
	fyne.DoAndWait(func() { s = p.source.Text })
	return s
}

// TestEditRemeasuresAndTakesTheTerritoriesOff: once an edit's stroke is
// done, the panel shows the edited labels measured and their territories
// traced again (not the report's), without waiting for the editor to be
// idle (the idle delay is an hour here), and the pipeline's territory map
// leaves the views, its toggle disabled saying why.
func TestEditRemeasuresAndTakesTheTerritoriesOff(t *testing.T) {
	neverIdle(t)
	d := territoryCase(t)
	d.report = panelReport()
	cw, d, _ := editWindowOf(t, d)
	if got := sourceText(cw.measures); !strings.HasPrefix(got, "From the case's report") {
		t.Fatalf("source %q before the edit, want the report", got)
	}
	tickTerritories(t, cw, d)

	// A dab of tumour in the kidney, away from the tumour: a second one.
	measured := awaitMeasured(cw.measures)
	ed, v := cw.edit, cw.slices.views[0]
	ed.label.SetSelected("tumor")
	ed.SetTool("paint")
	ed.radius = 0.5
	test.TapAt(v, at(v, 2, 2))
	measured(t)
	if s := sourceText(cw.measures); s != measuredNow {
		t.Fatalf("source %q: the edited labels were not measured", s)
	}
	settleSlices(t, cw)
	var got []string
	var shown, enabled bool
	var toggle string
	fyne.DoAndWait(func() {
		got = panelTexts(cw.measures)
		shown, enabled, toggle = cw.slices.territories != nil, !cw.measures.territories.Disabled(), cw.measures.territories.Text
	})
	for _, want := range []string{"Tumour 1 (kidney left)", "Tumour 2 (kidney left)", "Volume: 0.8 mL", "Arterial territories (estimate)", planreport.NoBranchLine} {
		if !slices.Contains(got, want) {
			t.Errorf("no line %q in %q", want, got)
		}
	}
	for _, l := range got {
		if strings.HasPrefix(l, "Branch ") {
			t.Errorf("line %q: the report's territories are still shown", l)
		}
	}
	if shown || enabled || !strings.Contains(toggle, editedTerritories) {
		t.Errorf("territories shown %v, toggle enabled %v (%q); want taken off, disabled saying %q", shown, enabled, toggle, editedTerritories)
	}
}

// neverIdle makes the editor's idle delay (finalDelay) an hour for the
// test, so that nothing it sees comes from the idle timer.
func neverIdle(t *testing.T) {
	was := finalDelay
	finalDelay = time.Hour
	t.Cleanup(func() { finalDelay = was })
}

// TestEditRemeasuresTheLastOfQuickStrokes: strokes done while the labels
// are being measured are measured once that measuring ends, so the panel
// ends with the figures of the last stroke: two dabs of tumour apart
// from the tumour and each other, done back to back, end with three
// tumours listed.
func TestEditRemeasuresTheLastOfQuickStrokes(t *testing.T) {
	neverIdle(t)
	cw, _, _ := editWindowOf(t, territoryCase(t))
	ed, v := cw.edit, cw.slices.views[0]
	ed.label.SetSelected("tumor")
	ed.SetTool("paint")
	ed.radius = 0.5
	measured := awaitMeasured(cw.measures)
	test.TapAt(v, at(v, 2, 2))
	test.TapAt(v, at(v, 12, 10))
	for n := 1; ; n++ {
		measured(t)
		var got []string
		fyne.DoAndWait(func() { got = panelTexts(cw.measures) })
		if slices.Contains(got, "Tumour 3 (kidney left)") {
			break
		}
		if n == 3 {
			t.Fatalf("after %d measurings the panel shows %q, want three tumours", n, got)
		}
	}
}

// TestTerritoryMeshesRenderInTheirColours: the 3D scene the territories
// tick puts in the view (territoryView.meshes), drawn by the offscreen
// renderer `render` and the app use (render.Surgical, anterior view),
// shows each territory in its palette colour, branch 1 (the grid's
// i < 8: x < 0, the patient's left in RAS) on the picture's right, as the
// patient's left is seen from the front, branch 2 on its left.
func TestTerritoryMeshesRenderInTheirColours(t *testing.T) {
	r, err := render.NewRenderer()
	if err != nil {
		t.Skipf("no OpenGL here, skipping the pixel test: %v", err)
	}
	defer r.Close()
	d := territoryCase(t)
	tv, err := loadTerritories(d)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := d.meshObjects(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	scene, err := tv.meshes(t.Context(), objs)
	if err != nil {
		t.Fatal(err)
	}
	s := render.NewScene(scene)
	r.SetScene(s)
	const w, h = 160, 120
	img, err := r.RenderSync(render.Surgical(render.Request{Width: w, Height: h, Camera: render.StandardView(render.Anterior, s)}))
	if err != nil {
		t.Fatal(err)
	}
	var count, sumX [3]int // by branch
	for y := range h {
		for x := range w {
			for b := 1; b <= 2; b++ {
				if sameHue(img.RGBAAt(x, y), territoryColor(b)) {
					count[b]++
					sumX[b] += x
				}
			}
		}
	}
	t.Logf("pixels of branch 1: %d, of branch 2: %d, of %d×%d", count[1], count[2], w, h)
	// Each territory is a 7×10×8-voxel half of the kidney (14×20×24 mm)
	// seen from the front, framed in the picture: hundreds of pixels.
	for b := 1; b <= 2; b++ {
		if count[b] < 200 {
			t.Errorf("%d pixels in branch %d's colour %v, want ≥ 200", count[b], b, territoryColor(b))
		}
	}
	if c1, c2 := sumX[1]/max(count[1], 1), sumX[2]/max(count[2], 1); c1 <= w/2 || c2 >= w/2 {
		t.Errorf("branch 1 centred at x %d, branch 2 at %d of %d: want branch 1 (patient's left) on the right half, branch 2 on the left", c1, c2, w)
	}
}

// sameHue reports whether a shaded pixel p shows colour c: hue within
// 12°, clearly saturated, not black.
func sameHue(p, c color.RGBA) bool {
	hue := func(c color.RGBA) (h, s, v float64) {
		r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
		hi, lo := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
		if hi == 0 || hi == lo {
			return 0, 0, hi
		}
		switch hi {
		case r:
			h = 60 * math.Mod((g-b)/(hi-lo)+6, 6)
		case g:
			h = 60 * (2 + (b-r)/(hi-lo))
		default:
			h = 60 * (4 + (r-g)/(hi-lo))
		}
		return h, (hi - lo) / hi, hi
	}
	ph, ps, pv := hue(p)
	ch, _, _ := hue(c)
	dh := math.Abs(ph - ch)
	return math.Min(dh, 360-dh) <= 12 && ps >= 0.25 && pv >= 0.15
}
