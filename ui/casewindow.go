package ui

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/caserun"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/render/footer"
)

// CaseWindow is the main window: the slice viewer and the 3D view side by
// side, the structures and pipeline panels in tabs beside them, and the
// File menu with Open and recent cases.
type CaseWindow struct {
	app      fyne.App
	win      fyne.Window
	opts     Options
	slices   *SlicePanel
	model    *ModelView
	structs  *StructuresPanel
	measures *MeasurePanel
	pipe     *PipelinePanel
	edit     *EditPanel
	live     *liveEdit    // the editing session's live state; nil when none
	importer *ImportPanel // the import dialog last shown
	pick     *widget.Label
	ruler3D  *widget.Check // taps measure between surface points
	// rulerFrom is the 3D ruler's first point and its structure, nil
	// before it.
	rulerFrom *rulerEnd
	objs      []meshio.Object // the meshes the 3D view shows, which Export model writes
	stale     *StaleBanner
	notice    *Banner          // not for clinical use, or the truth of a demo case
	hsplit    *container.Split // views | tabs
	vsplit    *container.Split // slices over the 3D view
	title     string
	gen       int   // increments per case load; stale loads are dropped
	err       error // what made a screenshot run fail

	caseShown  bool // a case is opening or open, so a screenshot waits for its images
	modelShown bool
	capturing  bool
}

// NewCaseWindow builds and shows the main window, opening opts.Case.
func NewCaseWindow(a fyne.App, opts Options) *CaseWindow {
	cw := &CaseWindow{app: a, opts: opts, title: "kidney3d"}
	cw.win = a.NewWindow(cw.title)
	cw.slices = NewSlicePanel()
	cw.slices.OnShown = cw.checkScreenshot
	var src FrameSource
	reason := "no renderer in this build"
	if opts.NewFrames != nil {
		var err error
		if src, err = opts.NewFrames(); err != nil {
			src, reason = nil, err.Error()
		}
	}
	cw.model = NewModelView(src, reason)
	cw.model.OnFrame = func() { cw.modelShown = true; cw.checkScreenshot() }
	cw.structs = NewStructuresPanel()
	cw.structs.OnChange = func(v Visibility) {
		cw.model.SetVisibility(v.Hidden3D, v.Opacity)
		cw.slices.SetHidden(v.Hidden2D)
	}
	cw.pick = widget.NewLabel("tap the model to pick a structure")
	cw.ruler3D = widget.NewCheck("ruler", func(bool) { cw.rulerFrom = nil })
	cw.model.OnPick = func(label string, world [3]float64) {
		name := cw.structs.displayName(label)
		cw.slices.SetCrossWorld(world)
		if !cw.ruler3D.Checked {
			cw.pick.SetText(describePick(name, cw.structs.Measured(label)))
			return
		}
		cw.pick.SetText(cw.measure3D(name, world))
	}
	run := opts.RunPipeline
	if run == nil {
		run = caserun.Run
	}
	cw.edit = NewEditPanel(cw.win)
	cw.edit.OnEditing = cw.editing
	cw.edit.OnChanged = cw.edited
	cw.edit.OnPreview = cw.previewed
	cw.slices.edit = cw.edit
	cw.edit.Phase = func() string { return cw.slices.phase }
	cw.model.Cutting, cw.model.OnCut = cw.edit.Cutting, cw.edit.Cut
	cw.structs.OnAdd = func(name string) { cw.edit.label.SetSelected(name) }
	cw.pipe = NewPipelinePanel(run)
	cw.pipe.SetServerRun(ServerRun(func() ServerSettings { return loadServerSettings(cw.app.Preferences()) }))
	// After every run, also a failed or cancelled one, the case is read
	// again: what it shows, or the out-of-date banner, follows the manifest.
	cw.pipe.OnFinished = func(error) { cw.Open(cw.pipe.dir) }
	cw.measures = NewMeasurePanel()
	cw.measures.OnTerritories = cw.showTerritories
	tabs := container.NewAppTabs(
		container.NewTabItem("Structures", cw.structs.Content()),
		container.NewTabItem("Measurements", cw.measures.Content()),
		container.NewTabItem("Pipeline", cw.pipe.Content()),
		container.NewTabItem("Edit", cw.edit.Content()),
	)
	right := container.NewBorder(nil, container.NewBorder(nil, nil, nil, cw.ruler3D, cw.pick), nil, nil, cw.model)
	cw.vsplit = container.NewVSplit(cw.slices.Content(), right)
	cw.hsplit = container.NewHSplit(cw.vsplit, tabs)
	cw.hsplit.Offset = 0.72
	cw.stale = NewStaleBanner()
	cw.notice = NewBanner()
	banners := container.NewVBox(cw.stale.Content(), cw.notice.Content())
	cw.win.SetContent(container.NewBorder(banners, nil, nil, nil, cw.hsplit))
	cw.win.SetMainMenu(cw.menu())
	cw.editShortcuts()
	cw.win.SetOnDropped(cw.dropped)
	cw.win.SetCloseIntercept(cw.close)
	size := opts.Size
	if size.IsZero() {
		size = fyne.NewSize(1400, 900)
	}
	cw.win.Resize(size)
	cw.win.Show()
	startProbeFromEnv(cw)
	if opts.Case != "" {
		cw.Open(opts.Case)
	} else if opts.DICOM != "" {
		cw.ImportDICOM(opts.DICOM)
		if opts.Screenshot != "" { // once the series are listed, with their thumbnails
			listed := cw.importer.Done()
			go func() {
				<-listed
				fyne.Do(func() {
					read := cw.importer.ThumbnailsRead()
					go func() {
						<-read
						fyne.Do(cw.checkScreenshot)
					}()
				})
			}()
		}
	} else if opts.Screenshot != "" {
		cw.model.SetStatus("no case open")
		cw.checkScreenshot()
	}
	return cw
}

// menu is the File menu (Open, Import DICOM, the recent cases, the
// Library window, Server settings, Export model and picture, and Fyne's Quit) and the Help
// menu.
func (cw *CaseWindow) menu() *fyne.MainMenu {
	open := fyne.NewMenuItem("Open case…", func() { chooseFolder(cw.win, "Open a case folder", cw.Open) })
	imp := fyne.NewMenuItem("Import DICOM…", func() { chooseFolder(cw.win, "Choose a DICOM folder to import", cw.ImportDICOM) })
	recent := fyne.NewMenuItem("Recent cases", nil)
	for _, dir := range recentCases(cw.app.Preferences()) {
		recent.ChildMenu = fyne.NewMenu("", append(recentItems(recent), fyne.NewMenuItem(dir, func() { cw.Open(dir) }))...)
	}
	if recent.ChildMenu == nil {
		recent.Disabled = true
	}
	library := fyne.NewMenuItem("Library and queue…", func() { showLibrary(cw.app, cw.Open) })
	server := fyne.NewMenuItem("Server settings…", func() { showServerSettings(cw.app, cw.win) })
	exportModel := fyne.NewMenuItem("Export model…", cw.showExportModel)
	exportPicture := fyne.NewMenuItem("Export picture…", cw.showExportPicture)
	file := fyne.NewMenu("File", open, imp, recent, library, server, fyne.NewMenuItemSeparator(), exportModel, exportPicture)
	return fyne.NewMainMenu(file, helpMenu(cw.win))
}

// ImportDICOM shows the import dialog for a DICOM folder (or DICOMDIR
// file); the case it writes opens in this window.
func (cw *CaseWindow) ImportDICOM(source string) {
	cw.importer = showImportDialog(cw.win, source, cw.opts.Import, cw.Open)
}

// dropped opens a case folder dropped on the window, or shows the import
// dialog for a DICOM folder, DICOMDIR or DICOM file (sniffed off the UI
// goroutine).
func (cw *CaseWindow) dropped(_ fyne.Position, uris []fyne.URI) {
	if len(uris) == 0 || uris[0].Scheme() != "file" {
		return
	}
	path := uris[0].Path()
	go func() {
		dicom := dicomimport.CheckCaseNotDICOM(path) != nil
		fyne.Do(func() {
			if dicom {
				cw.ImportDICOM(path)
				return
			}
			cw.Open(path)
		})
	}()
}

// recentItems are the items already in a submenu.
func recentItems(m *fyne.MenuItem) []*fyne.MenuItem {
	if m.ChildMenu == nil {
		return nil
	}
	return m.ChildMenu.Items
}

// Open loads a case folder in the background and shows it.
func (cw *CaseWindow) Open(dir string) {
	cw.gen++
	gen := cw.gen
	cw.caseShown, cw.modelShown = true, false
	cw.stale.SetReason("")
	cw.notice.SetText("", true)
	cw.win.SetTitle(fmt.Sprintf("%s — loading %s", cw.title, filepath.Base(dir)))
	cw.model.SetStatus("loading…")
	go func() {
		d, err := loadCase(dir)
		fyne.Do(func() {
			if gen != cw.gen {
				return
			}
			if err != nil {
				cw.fail(openError(dir, err))
				return
			}
			cw.show(d)
		})
	}()
}

// show puts a loaded case on screen and meshes its labels for the 3D view.
func (cw *CaseWindow) show(d *caseData) {
	cw.objs, cw.rulerFrom = nil, nil
	if cw.opts.Screenshot == "" && rememberCase(cw.app.Preferences(), d.dir) {
		cw.win.SetMainMenu(cw.menu())
	}
	cw.stale.SetReason(d.stale)
	cw.notice.SetText(d.notice, !d.noticeIsTruth)
	cw.slices.setCase(d)
	cw.pipe.SetCase(d.dir)
	cols := d.colors()
	var rows []Structure
	for _, v := range d.present {
		name := d.table.Name(v)
		l, _ := d.table.ByValue(v)
		rows = append(rows, Structure{Name: name, Display: d.table.DisplayName(name), Color: cols[v], Context: l.Context, Measured: d.measured(name)})
	}
	cw.structs.SetStructures(rows)
	if d.report != nil {
		cw.structs.SetNotMade(d.report.NotMade())
	}
	var all []Structure
	for _, l := range d.table.Labels {
		if l.Value > 0 && l.Value < 256 {
			all = append(all, Structure{Name: l.Name, Display: d.table.DisplayName(l.Name), Color: cols[l.Value], Context: l.Context})
		}
	}
	cw.structs.SetAddable(all)
	cw.edit.setCase(d)
	cw.offerRecovery(d)
	cw.measures.SetCase(d)
	// The title last: it says the case is on screen (tests wait for it).
	cw.win.SetTitle(fmt.Sprintf("%s — %s", cw.title, filepath.Base(d.dir)))
	if !cw.model.Available() {
		cw.modelShown = true
		cw.checkScreenshot()
		return
	}
	cw.model.SetStatus("meshing the model…")
	gen := cw.gen
	go func() {
		objs, err := d.meshObjects(context.Background())
		fyne.Do(func() {
			if gen != cw.gen {
				return
			}
			if err != nil {
				cw.model.SetUnavailable(err.Error())
				return
			}
			cw.objs = objs
			cw.model.SetScene(objs)
			if cw.measures.territories.Checked {
				cw.showTerritories(true) // ticked before the meshes were made
			}
		})
	}()
}

// openError is what the user reads when a case cannot be opened: what
// happened, and what to do about it.
func openError(dir string, err error) error {
	return fmt.Errorf("%s could not be opened: %w.\n\nA case folder holds its CT phases in input/ (A.nii.gz, P.nii.gz, D.nii.gz or N.nii.gz). "+
		"Choose such a folder with File → Open case…, or make one from DICOM files with File → Import DICOM…", filepath.Base(dir), err)
}

// fail reports an error: a dialog, or in screenshot mode the exit status.
func (cw *CaseWindow) fail(err error) {
	cw.win.SetTitle(cw.title)
	cw.model.SetStatus("")
	if cw.opts.Screenshot != "" {
		cw.err = err
		cw.app.Quit()
		return
	}
	dialog.ShowError(err, cw.win)
}

// close asks before closing during a run, then cancels it cleanly.
func (cw *CaseWindow) close() {
	if !cw.pipe.Running() {
		cw.quit()
		return
	}
	dialog.ShowConfirm("Pipeline running", "Cancel the run and close?", func(ok bool) {
		if ok {
			cw.pipe.CancelAndWait(cw.quit)
		}
	}, cw.win)
}

func (cw *CaseWindow) quit() {
	cw.edit.End()
	if cw.model.src != nil {
		cw.model.src.Close()
	}
	cw.win.Close()
	cw.app.Quit()
}

// checkScreenshot captures the window once the slices and the 3D view
// (a frame or a status message) are shown, in screenshot mode.
func (cw *CaseWindow) checkScreenshot() {
	if cw.opts.Screenshot == "" || cw.capturing || cw.caseShown && !cw.modelShown {
		return
	}
	if cw.caseShown {
		for _, v := range cw.slices.views {
			if v.frame.W == 0 {
				return
			}
		}
	}
	cw.capturing = true
	// Let the painter show the last images before capturing.
	time.AfterFunc(500*time.Millisecond, func() {
		fyne.Do(func() {
			img, notice := cw.capture(), cw.notice.Text()
			go func() {
				err := writeShot(cw.opts.Screenshot, img, notice)
				fyne.Do(func() {
					cw.err = err
					cw.quit()
				})
			}()
		})
	})
}

// capture is the screenshot: Options.Size pixels (else the window's size
// at scale 1). It is what the GL painter shows when its front buffer can
// be read and has that size; else (Xvfb's GL stack gives back an empty
// front buffer, and a HiDPI screen has more pixels) the window's content is
// painted in software at scale 1, where it lies in the window and at the
// size it has there, so nothing is laid out again, with the dialogs over
// it. The menu bar's items, drawn by the driver, are then left out: its
// strip shows the background.
func (cw *CaseWindow) capture() image.Image {
	c := cw.win.Canvas()
	size := cw.opts.Size
	if size.IsZero() {
		size = c.Size()
	}
	w, h := int(math.Ceil(float64(size.Width))), int(math.Ceil(float64(size.Height)))
	if img := c.Capture(); img.Bounds().Size() == image.Pt(w, h) && !uniform(img) {
		return img
	}
	// The content and the overlays (a dialog) over it, each keeping its
	// position and size.
	objects := append([]fyne.CanvasObject{cw.win.Content()}, c.Overlays().List()...)
	sc := software.NewCanvas()
	sc.SetPadded(false)
	sc.SetContent(container.NewWithoutLayout(objects...))
	sc.Resize(fyne.NewSize(float32(w), float32(h)))
	return sc.Capture()
}

// uniform reports whether every pixel of img has one colour.
func uniform(img image.Image) bool {
	b := img.Bounds()
	if b.Empty() {
		return true
	}
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}

// writeShot writes the screenshot img to path atomically as PNG, with the
// window's notice (not for clinical use, the truth of a demo case) also
// drawn into its bottom (footer.Draw), so that the picture carries it
// wherever it goes.
func writeShot(path string, img image.Image, notice string) error {
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	if err := footer.Draw(rgba, notice); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, rgba) })
}

// rulerEnd is a picked surface point and the structure it lies on.
type rulerEnd struct {
	name  string
	world [3]float64
}

// measure3D takes one tap of the 3D ruler: the first gives its start, the
// second the straight distance between the two surface points; the next
// starts again. It returns the caption.
func (cw *CaseWindow) measure3D(name string, world [3]float64) string {
	if cw.rulerFrom == nil {
		cw.rulerFrom = &rulerEnd{name: name, world: world}
		return "ruler: from " + name + "; tap the second point"
	}
	a := cw.rulerFrom
	cw.rulerFrom = nil
	d := math.Sqrt((world[0]-a.world[0])*(world[0]-a.world[0]) + (world[1]-a.world[1])*(world[1]-a.world[1]) + (world[2]-a.world[2])*(world[2]-a.world[2]))
	return fmt.Sprintf("ruler: %.1f mm from %s to %s", d, a.name, name)
}
