package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/dicomseries"
)

// ImportFunc imports DICOM studies into a case; dicomimport.Import in the
// app, a fake in tests.
type ImportFunc func(ctx context.Context, opts dicomimport.Options) (*dicomimport.Record, error)

// noPhase is the phase selector's choice for a series left out.
const noPhase = "none"

// importColumns are the series table's columns and their widths; the
// first holds the phase selector.
var importColumns = []struct {
	title string
	width float32
}{
	{"Phase", 96}, {"Image", thumbPx + 8}, {"No", 44}, {"Description", 210}, {"Slices", 60}, {"Dims", 124},
	{"Spacing mm", 130}, {"Thick", 56}, {"Time", 80}, {"Guess", 70}, {"Why", 400},
}

// thumbPx is the size of a series' thumbnail in the table.
const thumbPx = 48

// ImportPanel is File → Import DICOM…: the series of a DICOM source with
// their phase guesses, a phase selector per series, the case folder to
// write, and the import with its progress. Listing and importing run off
// the UI goroutine; their results come back through fyne.Do.
type ImportPanel struct {
	source string
	win    fyne.Window // parent of error dialogs
	list   func(ctx context.Context, sources []string, opts dicomseries.Options) (*dicomimport.Listing, error)
	imp    ImportFunc
	cancel context.CancelFunc // of the listing or import under way; nil when idle
	done   chan struct{}      // closed once the listing or import under way is shown
	start  time.Time

	listing *dicomimport.Listing
	selects []*widget.Select // per series, the phase chosen
	thumbs  []image.Image    // per series, its middle slice once read; nil before
	// stopThumbs ends the reading of thumbnails (the panel closed).
	stopThumbs context.CancelFunc
	// thumbsRead is closed once the thumbnails being read are shown.
	thumbsRead chan struct{}

	title     *widget.Label
	table     *widget.Table
	detail    *widget.Label // the selected series' reasons in full
	dropped   *widget.Label
	message   *widget.Label // why Import is disabled
	out       *widget.Entry
	fillGaps  *widget.Check // interpolate missing slices (--fill-gaps)
	outBtn    *widget.Button
	bar       *widget.ProgressBar
	busy      *widget.ProgressBarInfinite
	status    *widget.Label
	importBtn *widget.Button
	cancelBtn *widget.Button
	closeBtn  *widget.Button
	content   fyne.CanvasObject

	// OnImported is called on the UI goroutine with the case folder once
	// an import succeeded.
	OnImported func(dir string)
	// OnClose is called when the Close button is pressed.
	OnClose func()
}

// NewImportPanel makes the panel for the DICOM folder (or DICOMDIR file)
// source; imp nil imports with dicomimport.Import. Start lists the series.
func NewImportPanel(win fyne.Window, source string, imp ImportFunc) *ImportPanel {
	if imp == nil {
		imp = dicomimport.Import
	}
	p := &ImportPanel{source: source, win: win, list: dicomimport.ListWith, imp: imp, thumbsRead: make(chan struct{})}
	close(p.thumbsRead)
	p.title = widget.NewLabel("DICOM source: " + source)
	p.title.Truncation = fyne.TextTruncateEllipsis
	p.table = widget.NewTableWithHeaders(func() (int, int) { return p.rows(), len(importColumns) }, p.newCell, p.updateCell)
	p.table.ShowHeaderColumn = false
	p.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	p.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(importColumns[id.Col].title)
		}
	}
	for i, c := range importColumns {
		p.table.SetColumnWidth(i, c.width)
	}
	p.table.OnSelected = p.showDetail
	p.detail = widget.NewLabel("")
	p.detail.Wrapping = fyne.TextWrapWord
	p.dropped = widget.NewLabel("")
	p.dropped.Wrapping = fyne.TextWrapWord
	p.message = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.message.Importance = widget.DangerImportance
	p.message.Wrapping = fyne.TextWrapWord
	p.out = widget.NewEntry()
	p.out.SetText(DefaultCaseFolder(source))
	p.out.OnChanged = func(string) { p.check() }
	p.outBtn = widget.NewButton("Choose…", func() {
		chooseFolder(p.win, "Choose the case folder to write", func(dir string) { p.out.SetText(dir) })
	})
	p.bar = widget.NewProgressBar()
	p.bar.Hide()
	p.busy = widget.NewProgressBarInfinite()
	p.busy.Hide()
	p.status = widget.NewLabel("")
	p.status.Wrapping = fyne.TextWrapWord
	p.importBtn = widget.NewButton("Import", p.Import)
	p.importBtn.Importance = widget.HighImportance
	p.importBtn.Disable()
	p.cancelBtn = widget.NewButton("Cancel", p.Cancel)
	p.cancelBtn.Disable()
	p.closeBtn = widget.NewButton("Close", p.Close)
	// Series with missing slices are listed again, importable or not.
	p.fillGaps = widget.NewCheck("Interpolate missing slices (--fill-gaps)", func(bool) {
		if p.cancel == nil {
			p.Start()
		}
	})
	outRow := container.NewBorder(nil, nil, widget.NewLabel("Case folder"), p.outBtn, p.out)
	bottom := container.NewVBox(p.detail, p.dropped, p.message, p.fillGaps, outRow, container.NewStack(p.bar, p.busy), p.status,
		container.NewHBox(layout.NewSpacer(), p.closeBtn, p.cancelBtn, p.importBtn))
	p.content = container.NewBorder(p.title, bottom, nil, nil, p.table)
	return p
}

// DefaultCaseFolder is the case folder suggested for a DICOM source: a
// sibling of the source folder (a DICOMDIR's folder) named <folder>-case.
func DefaultCaseFolder(source string) string {
	dir := filepath.Clean(source)
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	return dir + "-case"
}

// Content is the panel's canvas object.
func (p *ImportPanel) Content() fyne.CanvasObject { return p.content }

// Start lists the source's series in the background.
func (p *ImportPanel) Start() {
	if p.stopThumbs != nil {
		p.stopThumbs() // of the listing before
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.begin(cancel, "listing the series of "+p.source+"…")
	p.busy.Show()
	p.busy.Start()
	go func() {
		start := time.Now()
		l, err := p.list(ctx, []string{p.source}, dicomseries.Options{FillGaps: p.fillGaps.Checked})
		took := time.Since(start)
		fyne.Do(func() { p.listed(l, err, took) })
	}()
}

// begin marks a listing or import as under way.
func (p *ImportPanel) begin(cancel context.CancelFunc, status string) {
	p.cancel, p.start, p.done = cancel, time.Now(), make(chan struct{})
	p.status.SetText(status)
	p.cancelBtn.Enable()
	p.importBtn.Disable()
}

// end marks the listing or import as over; the caller closes p.done
// once its outcome is shown.
func (p *ImportPanel) end() {
	p.cancel = nil
	p.cancelBtn.Disable()
	p.busy.Stop()
	p.busy.Hide()
}

// listed shows the listing, presetting each series' phase to its guess.
func (p *ImportPanel) listed(l *dicomimport.Listing, err error, took time.Duration) {
	defer close(p.done)
	p.end()
	var none *dicomimport.NoSeriesError
	if errors.As(err, &none) {
		l = none.Listing // show what was left out, and why
	}
	if l != nil {
		p.listing = l
		p.selects = make([]*widget.Select, len(l.Series))
		for i, r := range l.Series {
			s := widget.NewSelect(append([]string{noPhase}, casefile.Phases...), nil)
			s.SetSelected(noPhase)
			if r.Guess.Phase != "" && r.Problem == "" {
				s.SetSelected(r.Guess.Phase)
			}
			if r.Problem != "" {
				s.Disable()
			}
			s.OnChanged = func(string) { p.check() }
			p.selects[i] = s
		}
		p.dropped.SetText(droppedText(l))
		p.thumbs = make([]image.Image, len(l.Series))
		for i := range l.Series {
			p.table.SetRowHeight(i, thumbPx+8)
		}
		p.table.Refresh()
		p.readThumbnails(l)
	}
	if errors.Is(err, context.Canceled) {
		p.status.SetText("listing cancelled")
		p.check()
		return
	}
	if err != nil {
		p.status.SetText(fmt.Sprintf("cannot list %s: %v", p.source, err))
		p.check()
		dialog.ShowError(err, p.win)
		return
	}
	p.status.SetText(fmt.Sprintf("%d series listed in %.1f s: set the phase of each series to import, then Import", len(l.Series), took.Seconds()))
	p.check()
}

// readThumbnails reads the middle slice of each series of l, one after
// the other off the UI goroutine, and shows each as it comes; a series
// whose slice cannot be read keeps an empty cell (its row says why it
// cannot be imported, if that is the reason).
func (p *ImportPanel) readThumbnails(l *dicomimport.Listing) {
	ctx, stop := context.WithCancel(context.Background())
	p.stopThumbs = stop
	read := make(chan struct{})
	p.thumbsRead = read
	go func() {
		defer fyne.Do(func() { close(read) }) // after the last thumbnail is shown
		for i := range l.Series {
			if ctx.Err() != nil {
				return
			}
			img, err := l.Thumbnail(i, thumbPx)
			if err != nil {
				continue
			}
			fyne.Do(func() {
				if p.listing == l {
					p.thumbs[i] = img
					p.table.RefreshItem(widget.TableCellID{Row: i, Col: 1})
				}
			})
		}
	}()
}

// ThumbnailsRead is closed once the thumbnails of the latest listing are
// read and shown (at once when none are being read).
func (p *ImportPanel) ThumbnailsRead() <-chan struct{} { return p.thumbsRead }

// droppedText lists what the listing skipped.
func droppedText(l *dicomimport.Listing) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d files", l.Files)
	if l.NotDICOM+l.NotImages+l.Directories > 0 {
		fmt.Fprintf(&b, "; skipped %d not DICOM, %d without pixel data, %d DICOMDIR", l.NotDICOM, l.NotImages, l.Directories)
	}
	for _, d := range l.Dropped {
		fmt.Fprintf(&b, "\nLeft out: %d file(s) of series %q: %s", d.Files, d.Description, d.Reason)
	}
	return b.String()
}

// rows is how many series the table has.
func (p *ImportPanel) rows() int {
	if p.listing == nil {
		return 0
	}
	return len(p.listing.Series)
}

func (p *ImportPanel) newCell() fyne.CanvasObject { return container.NewStack(newCellLabel()) }

func newCellLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// updateCell puts the series' phase selector in the first column and its
// text in the others; cells are recycled across columns.
func (p *ImportPanel) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	c := o.(*fyne.Container)
	if id.Row >= p.rows() {
		return
	}
	if id.Col == 0 {
		if len(c.Objects) != 1 || c.Objects[0] != p.selects[id.Row] {
			c.Objects = []fyne.CanvasObject{p.selects[id.Row]}
			c.Refresh()
		}
		return
	}
	if importColumns[id.Col].title == "Image" {
		img, ok := c.Objects[0].(*canvas.Image)
		if !ok {
			img = canvas.NewImageFromImage(nil)
			img.FillMode = canvas.ImageFillContain
			img.ScaleMode = canvas.ImageScaleSmooth
			c.Objects = []fyne.CanvasObject{img}
			c.Refresh()
		}
		if img.Image != p.thumbs[id.Row] {
			img.Image = p.thumbs[id.Row]
			img.Refresh()
		}
		return
	}
	l, ok := c.Objects[0].(*widget.Label)
	if !ok {
		l = newCellLabel()
		c.Objects = []fyne.CanvasObject{l}
		c.Refresh()
	}
	l.SetText(seriesCell(p.listing.Series[id.Row], importColumns[id.Col].title))
}

// seriesCell is the text of a series' column, by its title.
func seriesCell(r dicomimport.Row, column string) string {
	switch column {
	case "No":
		return fmt.Sprint(r.Number)
	case "Description":
		return r.Description
	case "Slices":
		return fmt.Sprint(r.Slices)
	case "Dims":
		return fmt.Sprintf("%d×%d×%d", r.Dims[0], r.Dims[1], r.Dims[2])
	case "Spacing mm":
		if r.Problem != "" {
			return "-"
		}
		return fmt.Sprintf("%.3g×%.3g×%.3g", r.Spacing[0], r.Spacing[1], r.Spacing[2])
	case "Thick":
		return fmt.Sprintf("%.3g", r.Thickness)
	case "Time":
		return clockTime(r.Time)
	case "Guess":
		if r.Guess.Phase == "" {
			return "?"
		}
		return fmt.Sprintf("%s %.0f%%", r.Guess.Phase, 100*r.Guess.Confidence)
	case "Why":
		if r.Problem != "" {
			return "NOT IMPORTABLE: " + r.Problem
		}
		if r.Resampled != "" {
			return strings.Join(append(r.Guess.Reasons, r.Resampled), "; ")
		}
		return strings.Join(r.Guess.Reasons, "; ")
	}
	return ""
}

// clockTime writes a DICOM TM (HHMMSS.frac) as HH:MM:SS.
func clockTime(tm string) string {
	if len(tm) < 6 {
		return tm
	}
	return tm[0:2] + ":" + tm[2:4] + ":" + tm[4:6]
}

// showDetail shows the selected series' reasons in full, below the table.
func (p *ImportPanel) showDetail(id widget.TableCellID) {
	if id.Row < 0 || id.Row >= p.rows() {
		return
	}
	r := p.listing.Series[id.Row]
	p.detail.SetText(fmt.Sprintf("Series %d %q (%s), guess %s: %s", r.Number, r.Description, r.ID, seriesCell(r, "Guess"), seriesCell(r, "Why")))
}

// Phases maps each phase chosen to the ID of its series.
func (p *ImportPanel) Phases() map[string]string {
	out := map[string]string{}
	for i, s := range p.selects {
		if s.Selected != noPhase && s.Selected != "" {
			out[s.Selected] = p.listing.Series[i].ID
		}
	}
	return out
}

// problem is why Import cannot run now, or "".
func (p *ImportPanel) problem() string {
	if p.listing == nil || len(p.listing.Series) == 0 {
		return "no image series to import"
	}
	byPhase := map[string][]string{}
	for i, s := range p.selects {
		if s.Selected != noPhase && s.Selected != "" {
			byPhase[s.Selected] = append(byPhase[s.Selected], fmt.Sprint(p.listing.Series[i].Number))
		}
	}
	var dups []string
	for _, ph := range casefile.Phases {
		if n := byPhase[ph]; len(n) > 1 {
			dups = append(dups, fmt.Sprintf("%s is set for series %s", ph, strings.Join(n, " and ")))
		}
	}
	switch {
	case len(dups) > 0:
		return strings.Join(dups, "; ") + ": a phase comes from one series only; set the others to none"
	case len(byPhase) == 0:
		return "set a phase for at least one series"
	case strings.TrimSpace(p.out.Text) == "":
		return "choose the case folder to write"
	}
	return ""
}

// check shows why Import cannot run, and enables it when it can.
func (p *ImportPanel) check() {
	msg := p.problem()
	p.message.SetText(msg)
	if msg != "" || p.cancel != nil {
		p.importBtn.Disable()
		return
	}
	p.importBtn.Enable()
}

// Message is why Import is disabled ("" when it is not).
func (p *ImportPanel) Message() string { return p.message.Text }

// Import writes the chosen series into the case folder in the
// background, with progress; the series are named explicitly unless every
// choice is the series' own guess.
func (p *ImportPanel) Import() {
	if p.cancel != nil || p.problem() != "" {
		return
	}
	opts := dicomimport.Options{Sources: []string{p.source}, Case: strings.TrimSpace(p.out.Text), FillGaps: p.fillGaps.Checked}
	phases := p.Phases()
	if !p.guessesKept() {
		opts.Phases = phases
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.begin(cancel, fmt.Sprintf("importing %s into %s…", strings.Join(slices.Sorted(maps.Keys(phases)), ", "), opts.Case))
	p.out.Disable()
	p.outBtn.Disable()
	for _, s := range p.selects {
		s.Disable()
	}
	p.bar.Max, p.bar.Value = float64(len(phases)), 0
	p.bar.Show()
	p.bar.Refresh()
	pr, pw := io.Pipe()
	opts.Progress = pw
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		p.follow(pr)
	}()
	go func() {
		rec, err := p.imp(ctx, opts)
		pw.Close()
		<-followed // its last line is shown before the outcome
		fyne.Do(func() { p.imported(opts.Case, rec, err) })
	}()
}

// guessesKept reports whether every importable series is set to its own
// guess, so that Import may choose by the guesses (case.json then says
// "guess" rather than that the series were named).
func (p *ImportPanel) guessesKept() bool {
	for i, r := range p.listing.Series {
		want := noPhase
		if r.Guess.Phase != "" && r.Problem == "" {
			want = r.Guess.Phase
		}
		if p.selects[i].Selected != want {
			return false
		}
	}
	return true
}

// follow moves the bar one step per phase written (Options.Progress
// writes a line per phase) and shows the line.
func (p *ImportPanel) follow(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fyne.Do(func() {
			p.bar.SetValue(p.bar.Value + 1)
			p.status.SetText(line)
		})
	}
	io.Copy(io.Discard, r)
}

// imported shows the import's outcome: the case opens, or the error says
// what failed (the import leaves nothing behind).
func (p *ImportPanel) imported(dir string, rec *dicomimport.Record, err error) {
	defer close(p.done)
	p.end()
	p.out.Enable()
	p.outBtn.Enable()
	for i, s := range p.selects {
		if p.listing.Series[i].Problem == "" {
			s.Enable()
		}
	}
	took := time.Since(p.start).Seconds()
	switch {
	case errors.Is(err, context.Canceled):
		p.bar.Hide()
		p.status.SetText("import cancelled: nothing was written")
	case err != nil:
		p.bar.Hide()
		p.status.SetText(fmt.Sprintf("import failed after %.1f s: %v", took, err))
		dialog.ShowError(err, p.win)
	default:
		p.bar.SetValue(p.bar.Max)
		p.status.SetText(fmt.Sprintf("imported %d phase(s) into %s in %.1f s", len(rec.Phases), dir, took))
		if p.OnImported != nil {
			p.OnImported(dir)
		}
	}
	p.check()
}

// Running reports whether a listing or an import is under way.
func (p *ImportPanel) Running() bool { return p.cancel != nil }

// Done is closed once the last listing or import started has ended and
// its outcome is shown.
func (p *ImportPanel) Done() <-chan struct{} { return p.done }

// Cancel stops the listing or import under way.
func (p *ImportPanel) Cancel() {
	if p.cancel != nil {
		p.cancel()
		p.status.SetText("cancelling…")
		p.cancelBtn.Disable()
	}
}

// Close cancels what is under way and calls OnClose.
func (p *ImportPanel) Close() {
	p.Cancel()
	if p.stopThumbs != nil {
		p.stopThumbs()
	}
	if p.OnClose != nil {
		p.OnClose()
	}
}

// showImportDialog shows the import panel for source over win, listing its
// series at once; opened is called with the case folder once imported.
func showImportDialog(win fyne.Window, source string, imp ImportFunc, opened func(dir string)) *ImportPanel {
	p := NewImportPanel(win, source, imp)
	d := dialog.NewCustomWithoutButtons("Import DICOM — "+filepath.Base(source), p.Content(), win)
	p.OnClose = d.Hide
	p.OnImported = func(dir string) {
		d.Hide()
		opened(dir)
	}
	size := win.Canvas().Size()
	d.Resize(fyne.NewSize(max(size.Width*0.95, 600), max(size.Height*0.9, 400)))
	d.Show()
	p.Start()
	return p
}
