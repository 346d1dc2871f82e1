package ui

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/caselibrary"
	"kidney3d/pipeline/jobqueue"
	"kidney3d/pipeline/librarydb"
)

// LibrarySource is what the Library window reads: the case library
// (caselibrary.Library) in the app, a fake in tests.
type LibrarySource interface {
	List(ctx context.Context, status string) ([]caselibrary.Entry, error)
	Search(ctx context.Context, query string, limit int) ([]caselibrary.Hit, error)
}

// allStatuses is the status filter's choice for every case.
const allStatuses = "all"

// libraryColumns are the case table's columns: title, width and the
// text of an entry's cell.
var libraryColumns = []struct {
	title string
	width float32
	cell  func(caselibrary.Entry) string
}{
	{"Case", 180, func(e caselibrary.Entry) string { return e.Name }},
	{"Status", 110, func(e caselibrary.Entry) string { return e.Status }},
	{"Priority", 70, func(e caselibrary.Entry) string { return e.Priority }},
	{"Study", 220, func(e caselibrary.Entry) string { return e.Description }},
	{"Date", 90, func(e caselibrary.Entry) string { return e.StudyDate }},
	{"Phases", 70, func(e caselibrary.Entry) string { return strings.Join(e.Phases, "") }},
	{"Assignee", 100, func(e caselibrary.Entry) string { return e.Assignee }},
	{"Changed", 130, func(e caselibrary.Entry) string { return e.Changed.Local().Format("2006-01-02 15:04") }},
}

// syncEvery is how often the open Library window reads the case folders
// again (caselibrary.Sync).
const syncEvery = 5 * time.Second

// searchLimit is how many cases a search shows.
const searchLimit = 200

// LibraryWindow is the Library window's content: a search box
// (typo-tolerant, best first), a status filter, the table of cases sorted
// by any column (tap its header; again to reverse), and Open for the case
// selected. Searches are the library's (≤ 50 ms, BENCHMARKS.md) and run
// on the UI goroutine.
type LibraryWindow struct {
	src  LibrarySource
	open func(dir string)

	rows     []caselibrary.Entry
	sortCol  int // -1: the library's order (newest change, or best match)
	sortDesc bool
	selected int

	search  *widget.Entry
	status  *widget.Select
	table   *widget.Table
	message *widget.Label
	openBtn *widget.Button
}

// NewLibraryWindow shows src's cases; open is called with the folder of
// the case the user opens.
func NewLibraryWindow(src LibrarySource, open func(dir string)) *LibraryWindow {
	l := &LibraryWindow{src: src, open: open, sortCol: -1, selected: -1}
	l.search = widget.NewEntry()
	l.search.SetPlaceHolder("Search names, IDs, studies, tags, notes…")
	l.search.OnChanged = func(string) { l.Reload() }
	l.status = widget.NewSelect(append([]string{allStatuses}, caselibrary.Statuses...), func(string) { l.Reload() })
	l.status.Selected = allStatuses
	l.message = widget.NewLabel("")
	l.openBtn = widget.NewButton("Open", l.openSelected)
	l.openBtn.Importance = widget.HighImportance
	l.openBtn.Disable()
	l.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(l.rows), len(libraryColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(libraryColumns[id.Col].cell(l.rows[id.Row]))
		})
	l.table.ShowHeaderColumn = false
	l.table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	l.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		b.SetText(l.headerText(id.Col))
		b.OnTapped = func() { l.SortBy(id.Col) }
	}
	for i, c := range libraryColumns {
		l.table.SetColumnWidth(i, c.width)
	}
	l.table.OnSelected = func(id widget.TableCellID) {
		l.selected = id.Row
		l.openBtn.Enable()
	}
	l.Reload()
	return l
}

// Content is the window's content.
func (l *LibraryWindow) Content() fyne.CanvasObject {
	top := container.NewBorder(nil, nil, nil, l.status, l.search)
	bottom := container.NewBorder(nil, nil, nil, l.openBtn, l.message)
	return container.NewBorder(top, bottom, nil, nil, l.table)
}

// headerText is a column's title, with an arrow on the sorted column.
func (l *LibraryWindow) headerText(col int) string {
	t := libraryColumns[col].title
	if col == l.sortCol {
		t += map[bool]string{false: " ▲", true: " ▼"}[l.sortDesc]
	}
	return t
}

// Reload reads the cases again for the search and the status filter.
func (l *LibraryWindow) Reload() {
	ctx := context.Background()
	query := strings.TrimSpace(l.search.Text)
	status := l.status.Selected
	if status == allStatuses {
		status = ""
	}
	var rows []caselibrary.Entry
	var err error
	if query == "" {
		rows, err = l.src.List(ctx, status)
	} else {
		var hits []caselibrary.Hit
		hits, err = l.src.Search(ctx, query, searchLimit)
		for _, h := range hits {
			if status == "" || h.Status == status {
				rows = append(rows, h.Entry)
			}
		}
	}
	if err != nil {
		l.rows = nil
		l.message.SetText("library: " + err.Error())
	} else {
		l.rows = rows
		l.message.SetText(fmt.Sprintf("%d case(s)", len(rows)))
	}
	l.sortRows()
}

// SortBy sorts the table by a column; a second tap reverses the order.
func (l *LibraryWindow) SortBy(col int) {
	if l.sortCol == col {
		l.sortDesc = !l.sortDesc
	} else {
		l.sortCol, l.sortDesc = col, false
	}
	l.sortRows()
}

func (l *LibraryWindow) sortRows() {
	if l.sortCol >= 0 {
		cell := libraryColumns[l.sortCol].cell
		if l.sortCol == len(libraryColumns)-1 {
			cell = func(e caselibrary.Entry) string { return e.Changed.UTC().Format("20060102150405.000000000") }
		}
		slices.SortStableFunc(l.rows, func(a, b caselibrary.Entry) int {
			c := cmp.Compare(strings.ToLower(cell(a)), strings.ToLower(cell(b)))
			if l.sortDesc {
				return -c
			}
			return c
		})
	}
	l.selected = -1
	l.table.UnselectAll()
	l.openBtn.Disable()
	l.table.Refresh()
}

// Refresh reads the library again, as Reload does, keeping the case
// selected (if still shown) selected.
func (l *LibraryWindow) Refresh() {
	var dir string
	if l.selected >= 0 && l.selected < len(l.rows) {
		dir = l.rows[l.selected].Dir
	}
	l.Reload()
	if i := slices.IndexFunc(l.rows, func(e caselibrary.Entry) bool { return e.Dir == dir }); dir != "" && i >= 0 {
		l.Select(i)
	}
}

// Select selects the case in a row, as a tap on it does.
func (l *LibraryWindow) Select(row int) { l.table.Select(widget.TableCellID{Row: row}) }

// Names are the cases shown, in order.
func (l *LibraryWindow) Names() []string {
	names := make([]string, len(l.rows))
	for i, e := range l.rows {
		names[i] = e.Name
	}
	return names
}

func (l *LibraryWindow) openSelected() {
	if l.selected >= 0 && l.selected < len(l.rows) {
		l.open(filepath.Clean(l.rows[l.selected].Dir))
	}
}

// showLibrary opens the Library window on the library database of
// librarydb.DefaultPath, with the Queue panel as its second tab (refreshed
// every second); a case opened there opens in the case window.
func showLibrary(a fyne.App, open func(dir string)) {
	w := a.NewWindow("kidney3d — Library")
	path, err := librarydb.DefaultPath()
	var lib *caselibrary.Library
	if err == nil {
		lib, err = caselibrary.Open(path)
	}
	var q *jobqueue.Queue
	if err == nil {
		if q, err = jobqueue.Open(path); err != nil {
			lib.Close()
		}
	}
	if err != nil {
		w.SetContent(widget.NewLabel("library: " + err.Error()))
		w.Show()
		return
	}
	if _, err := lib.Sync(context.Background()); err != nil {
		fyne.LogError("library sync", err)
	}
	panel := NewQueuePanel(q)
	libWin := NewLibraryWindow(lib, open)
	w.SetContent(container.NewAppTabs(
		container.NewTabItem("Library", libWin.Content()),
		container.NewTabItem("Queue", panel.Content())))
	stop := make(chan struct{})
	// The queue is read every second; the folders every syncEvery, off
	// the UI goroutine (a remote job's progress, a run or an edit made
	// elsewhere), the table shown again when a case changed. The window
	// closed, this goroutine closes the databases, so that no sync is
	// under way then.
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		lastSync := time.Now()
		for {
			select {
			case <-stop:
				q.Close()
				lib.Close()
				return
			case <-tick.C:
				fyne.Do(panel.Refresh)
				if time.Since(lastSync) < syncEvery {
					continue
				}
				lastSync = time.Now()
				if n, err := lib.Sync(context.Background()); err != nil {
					fyne.LogError("library sync", err)
				} else if n > 0 {
					fyne.Do(libWin.Refresh)
				}
			}
		}
	}()
	w.SetOnClosed(func() { close(stop) })
	w.Resize(fyne.NewSize(1100, 600))
	w.Show()
}
