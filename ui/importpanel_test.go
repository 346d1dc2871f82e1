package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/ctphase"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/dicomseries"
	"kidney3d/pipeline/dicomtest"
)

// demoDICOM writes the small demo study of seed as DICOM (as `kidney3d
// demo --format dicom` does) and returns its folder.
func demoDICOM(t *testing.T, seed int64) string {
	t.Helper()
	start := time.Now()
	c, err := demo.Generate(demo.Options{Seed: seed, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := demo.WriteDICOM(dir, c); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo DICOM study of seed %d written in %.2f s", seed, time.Since(start).Seconds())
	return filepath.Join(dir, demo.DICOMDir)
}

// waitIdle waits until the panel's listing or import has ended and its
// outcome is shown.
func waitIdle(t *testing.T, p *ImportPanel) {
	t.Helper()
	var done <-chan struct{}
	fyne.DoAndWait(func() { done = p.Done() })
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the import panel was still busy after a minute")
	}
}

// importState is what the panel shows: the phase of each series, whether
// Import is enabled, why not, and the status line.
func importState(p *ImportPanel) (phases []string, enabled bool, message, status string) {
	fyne.DoAndWait(func() {
		for _, s := range p.selects {
			phases = append(phases, s.Selected)
		}
		enabled, message, status = !p.importBtn.Disabled(), p.Message(), p.status.Text
	})
	return
}

// TestImportDICOMOpensTheCase goes through File → Import DICOM… on the
// small demo study: the series table with the phases guessed, a duplicate
// phase disabling Import, a case folder inside the source refused, then
// the import of A and P (D set to none) into the suggested sibling folder
// and the case opened in the window.
func TestImportDICOMOpensTheCase(t *testing.T) {
	a := test.NewTempApp(t)
	src := demoDICOM(t, 1)
	var cw *CaseWindow
	fyne.DoAndWait(func() { cw = NewCaseWindow(a, Options{Size: fyne.NewSize(1400, 900)}) })
	start := time.Now()
	fyne.DoAndWait(func() { cw.ImportDICOM(src) })
	p := cw.importer
	waitIdle(t, p)
	took := time.Since(start)
	t.Logf("listed %d series (first %s, %d slices) in %.2f s", len(p.listing.Series), seriesCell(p.listing.Series[0], "Dims"), p.listing.Series[0].Slices, took.Seconds())

	phases, enabled, msg, status := importState(p)
	if got := strings.Join(phases, ","); got != "A,P,D" || !enabled || msg != "" {
		t.Fatalf("after listing: phases %s, Import enabled %v, message %q (status %q); want A,P,D preset from the guesses, enabled", got, enabled, msg, status)
	}
	rows := p.listing.Series
	for i, want := range []string{"2", "3", "4"} {
		if got := seriesCell(rows[i], "No"); got != want {
			t.Errorf("row %d: series number %s, want %s", i, got, want)
		}
		if rows[i].Slices == 0 || seriesCell(rows[i], "Why") == "" || !strings.HasPrefix(seriesCell(rows[i], "Guess"), phases[i]+" ") {
			t.Errorf("row %d: %d slices, guess %q, why %q", i, rows[i].Slices, seriesCell(rows[i], "Guess"), seriesCell(rows[i], "Why"))
		}
	}
	var dropped string
	fyne.DoAndWait(func() { dropped = p.dropped.Text })
	if !strings.Contains(dropped, "Topogram") {
		t.Errorf("left-out series: %q, want the scout named", dropped)
	}
	// Each series' middle slice arrives as a thumbnail in the table.
	thumbs := func() (n int) {
		fyne.DoAndWait(func() {
			for _, img := range p.thumbs {
				if img != nil && img.Bounds().Dx() == thumbPx {
					n++
				}
			}
		})
		return n
	}
	for start := time.Now(); thumbs() < len(rows) && time.Since(start) < 20*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	if n := thumbs(); n != len(rows) {
		t.Errorf("%d of %d series have a %d-pixel thumbnail", n, len(rows), thumbPx)
	}

	// Two series set to A: Import is disabled and the dialog says why.
	fyne.DoAndWait(func() { p.selects[1].SetSelected("A") })
	if _, enabled, msg, _ := importState(p); enabled || !strings.Contains(msg, "A is set for series 2 and 3") {
		t.Errorf("A twice: Import enabled %v, message %q; want disabled, naming series 2 and 3", enabled, msg)
	}
	fyne.DoAndWait(func() { p.selects[1].SetSelected("P"); p.selects[2].SetSelected(noPhase) })
	if _, enabled, msg, _ := importState(p); !enabled || msg != "" {
		t.Fatalf("A, P, none: Import enabled %v, message %q", enabled, msg)
	}

	// A case folder inside the source is refused, and nothing is written.
	inside := filepath.Join(src, "case")
	fyne.DoAndWait(func() { p.out.SetText(inside); p.Import() })
	waitIdle(t, p)
	if _, _, _, status := importState(p); !strings.Contains(status, "inside the source") {
		t.Errorf("case folder inside the source: status %q", status)
	}
	if _, err := os.Stat(inside); err == nil {
		t.Errorf("%s was written", inside)
	}
	fyne.DoAndWait(func() {
		// The import dialog, and over it the error's.
		if o := cw.win.Canvas().Overlays(); len(o.List()) != 2 {
			t.Errorf("%d overlays after the refused import, want the import dialog and an error dialog", len(o.List()))
		} else {
			o.Remove(o.Top())
		}
	})

	out := DefaultCaseFolder(src)
	if out != filepath.Join(filepath.Dir(src), "dicom-case") {
		t.Fatalf("suggested case folder %s", out)
	}
	start = time.Now()
	fyne.DoAndWait(func() { p.out.SetText(out); p.Import() })
	waitIdle(t, p)
	t.Logf("imported in %.2f s", time.Since(start).Seconds())
	if _, _, _, status := importState(p); !strings.HasPrefix(status, "imported 2 phase(s)") {
		t.Fatalf("after Import: status %q", status)
	}
	waitShown(t, cw, "dicom-case")
	for _, f := range []string{"input/A.nii.gz", "input/P.nii.gz", "case.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "input/D.nii.gz")); err == nil {
		t.Error("D was imported though set to none")
	}
	var rec dicomimport.Record
	if b, err := os.ReadFile(filepath.Join(out, "case.json")); err != nil || json.Unmarshal(b, &rec) != nil {
		t.Fatalf("case.json: %v", err)
	}
	if rec.Phases["A"].SeriesID != rows[0].ID || rec.Phases["P"].SeriesID != rows[1].ID {
		t.Errorf("case.json phases %+v, want A from %s and P from %s", rec.Phases, rows[0].ID, rows[1].ID)
	}
}

// fakeListing is a study of four series, one of them not importable, two
// guessed A, and a scout left out.
func fakeListing() *dicomimport.Listing {
	row := func(n int, desc, phase string, conf float64, why string) dicomimport.Row {
		return dicomimport.Row{ID: "2.25.7." + string(rune('0'+n)), Number: n, Description: desc, Modality: "CT", Slices: 120,
			Dims: [3]int{512, 512, 120}, Spacing: [3]float64{0.78, 0.78, 2.5}, Thickness: 2.5, Time: "101535",
			Guess: ctphase.Guess{Phase: phase, Confidence: conf, Reasons: []string{why}}}
	}
	broken := row(5, "Delayed 5.0", "D", 0.9, `description "Delayed 5.0" says delayed`)
	broken.Problem = "a slice is missing between z = 10.0 and z = 15.0 mm"
	broken.Spacing = [3]float64{}
	return &dicomimport.Listing{Files: 362, Series: []dicomimport.Row{
		row(2, "Arterial 1.0 B30f", "A", 0.9, `description "Arterial 1.0 B30f" says arterial`),
		row(3, "Arterial 5.0 B30f", "A", 0.9, `description "Arterial 5.0 B30f" says arterial`),
		row(4, "Venous 1.0", "P", 0.9, `description "Venous 1.0" says portal venous`),
		broken,
	}, Dropped: []dicomimport.Dropped{{SeriesUID: "2.25.7.1", Description: "Topogram 0.6 T20s", Files: 1, Reason: "localizer (scout)"}}}
}

// TestImportDialog renders the dialog's panel for a study with two series
// guessed A (both preset, so Import waits for one to be changed), a series
// that cannot be imported and a scout, as markup and as a picture.
func TestImportDialog(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	p := NewImportPanel(w, "/data/study", nil)
	p.list = func(context.Context, []string, dicomseries.Options) (*dicomimport.Listing, error) {
		return fakeListing(), nil
	}
	w.SetContent(p.Content())
	w.Resize(fyne.NewSize(1320, 560))
	p.Start()
	waitIdle(t, p)
	phases, enabled, msg, _ := importState(p)
	if strings.Join(phases, ",") != "A,A,P,none" || enabled || !strings.Contains(msg, "A is set for series 2 and 3") {
		t.Fatalf("phases %v, Import enabled %v, message %q", phases, enabled, msg)
	}
	if !p.selects[3].Disabled() {
		t.Error("the series that cannot be imported has an enabled phase selector")
	}
	p.status.SetText("4 series listed") // without the time it took
	p.table.Select(widget.TableCellID{Row: 0, Col: 9})
	test.AssertRendersToMarkup(t, "import_dialog.xml", w.Canvas())
	test.AssertImageMatches(t, "import_dialog.png", w.Canvas().Capture())
	p.selects[1].SetSelected(noPhase)
	if p.Message() != "" || p.importBtn.Disabled() {
		t.Errorf("one A: message %q, Import disabled %v", p.Message(), p.importBtn.Disabled())
	}
}

// TestImportPanelCancel cancels an import under way: the panel says
// nothing was written, and no case opens.
func TestImportPanelCancel(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	started := make(chan struct{})
	p := NewImportPanel(w, "/data/study", func(ctx context.Context, _ dicomimport.Options) (*dicomimport.Record, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	p.list = func(context.Context, []string, dicomseries.Options) (*dicomimport.Listing, error) {
		return fakeListing(), nil
	}
	p.OnImported = func(dir string) { t.Errorf("opened %s after a cancelled import", dir) }
	w.SetContent(p.Content())
	p.Start()
	waitIdle(t, p)
	fyne.DoAndWait(func() { p.selects[1].SetSelected(noPhase) })
	test.Tap(p.importBtn)
	<-started
	fyne.DoAndWait(func() {
		if p.cancelBtn.Disabled() {
			t.Error("Cancel is disabled during the import")
		}
	})
	test.Tap(p.cancelBtn)
	waitIdle(t, p)
	if _, enabled, _, status := importState(p); status != "import cancelled: nothing was written" || !enabled {
		t.Errorf("after Cancel: status %q, Import enabled %v", status, enabled)
	}
}

// TestDropDICOMFolderShowsImport drops the demo study's folder on the case
// window: the import dialog lists its series.
func TestDropDICOMFolderShowsImport(t *testing.T) {
	a := test.NewTempApp(t)
	src := demoDICOM(t, 2)
	var cw *CaseWindow
	fyne.DoAndWait(func() { cw = NewCaseWindow(a, Options{Size: fyne.NewSize(1400, 900)}) })
	cw.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(src)})
	var p *ImportPanel
	for deadline := time.Now().Add(10 * time.Second); p == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		fyne.DoAndWait(func() { p = cw.importer })
	}
	if p == nil {
		t.Fatal("dropping a DICOM folder showed no import dialog")
	}
	waitIdle(t, p)
	if phases, _, _, status := importState(p); strings.Join(phases, ",") != "A,P,D" {
		t.Errorf("dropped study: phases %v (status %q), want A,P,D", phases, status)
	}
}

// TestImportPanelCancelListing cancels the listing of a source: the panel
// says so, with no error dialog, and Import stays disabled.
func TestImportPanelCancelListing(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	w.Resize(fyne.NewSize(800, 500))
	p := NewImportPanel(w, "/data/study", nil)
	p.list = func(ctx context.Context, _ []string, _ dicomseries.Options) (*dicomimport.Listing, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	w.SetContent(p.Content())
	p.Start()
	test.Tap(p.cancelBtn)
	waitIdle(t, p)
	if _, enabled, _, status := importState(p); status != "listing cancelled" || enabled {
		t.Errorf("after Cancel: status %q, Import enabled %v", status, enabled)
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Error("a dialog is shown after cancelling the listing")
	}
}

// TestImportPanelFillsGapsWhenAsked: a series missing a slice cannot be
// imported until "Interpolate missing slices" is ticked, which lists the
// source again with the series importable and says how it is resampled.
func TestImportPanelFillsGapsWhenAsked(t *testing.T) {
	test.NewTempApp(t)
	stack := dicomtest.Stack(dicomtest.Default(), 6, [3]float64{0, 0, 2})
	src := dicomtest.WriteAll(t, filepath.Join(t.TempDir(), "study"), append(stack[:2:2], stack[3:]...))
	var p *ImportPanel
	fyne.DoAndWait(func() {
		p = NewImportPanel(test.NewWindow(nil), src, nil)
		p.Start()
	})
	waitIdle(t, p)
	var problem, disabled string
	fyne.DoAndWait(func() {
		problem, disabled = p.listing.Series[0].Problem, fmt.Sprint(p.selects[0].Disabled())
	})
	if !strings.Contains(problem, "--fill-gaps") || disabled != "true" {
		t.Fatalf("before: problem %q, selector disabled %s", problem, disabled)
	}
	fyne.DoAndWait(func() { p.fillGaps.SetChecked(true) })
	waitIdle(t, p)
	var why string
	fyne.DoAndWait(func() {
		r := p.listing.Series[0]
		problem, disabled, why = r.Problem, fmt.Sprint(p.selects[0].Disabled()), seriesCell(r, "Why")
	})
	if problem != "" || disabled != "false" || !strings.Contains(why, "filled (--fill-gaps)") {
		t.Errorf("after: problem %q, selector disabled %s, why %q", problem, disabled, why)
	}
}
