package ui

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselibrary"
	"kidney3d/pipeline/caselibrary/casegen"
	"kidney3d/pipeline/jobqueue"
	"kidney3d/pipeline/librarydb"
	"kidney3d/pipeline/remotejob"
)

// generatedLibrary is a library of n generated cases.
func generatedLibrary(t *testing.T, n int) (*caselibrary.Library, []casegen.Case, string) {
	t.Helper()
	root := t.TempDir()
	cases := casegen.Generate(7, n)
	for _, c := range cases {
		if err := c.Write(root); err != nil {
			t.Fatal(err)
		}
	}
	lib, err := caselibrary.Open(filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lib.Close() })
	if _, err := lib.Add(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	return lib, cases, root
}

func TestLibraryWindowSearchFilterSortOpen(t *testing.T) {
	test.NewTempApp(t)
	lib, cases, root := generatedLibrary(t, 12)
	var opened []string
	l := NewLibraryWindow(lib, func(dir string) { opened = append(opened, dir) })
	w := test.NewWindow(l.Content())
	defer w.Close()
	if len(l.Names()) != 12 || l.message.Text != "12 case(s)" {
		t.Fatalf("shows %v, %q; want the 12 cases", l.Names(), l.message.Text)
	}
	// A query with two typos finds its case first.
	want := cases[5]
	query := casegen.Query(rand.New(rand.NewPCG(1, 2)), want, 2)
	test.Type(l.search, query)
	if got := l.Names(); len(got) == 0 || l.rows[0].Dir != filepath.Join(root, want.Folder) {
		t.Errorf("search %q shows %v first, want %s", query, got, want.Folder)
	}
	// No case needs review yet.
	l.status.SetSelected(caselibrary.NeedsReview)
	if len(l.Names()) != 0 {
		t.Errorf("needs review: %v, want none", l.Names())
	}
	l.status.SetSelected(allStatuses)
	l.search.SetText("")
	// Sorting by name, then reversed.
	l.SortBy(0)
	names := l.Names()
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
		t.Errorf("sorted by name: %v", names)
	}
	l.SortBy(0)
	if rev := l.Names(); rev[0] != names[len(names)-1] || l.headerText(0) != "Case ▼" {
		t.Errorf("reversed: %v, header %q", rev, l.headerText(0))
	}
	if !l.openBtn.Disabled() {
		t.Error("Open is enabled with no case selected")
	}
	l.Select(2)
	test.Tap(l.openBtn)
	if len(opened) != 1 || opened[0] != l.rows[2].Dir {
		t.Errorf("opened %v, want %s", opened, l.rows[2].Dir)
	}
}

// fixedLibrary is a library whose cases never change, for the screenshot.
type fixedLibrary []caselibrary.Entry

func (f fixedLibrary) List(_ context.Context, status string) ([]caselibrary.Entry, error) {
	var out []caselibrary.Entry
	for _, e := range f {
		if status == "" || e.Status == status {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f fixedLibrary) Search(ctx context.Context, query string, _ int) ([]caselibrary.Hit, error) {
	es, _ := f.List(ctx, "")
	var hits []caselibrary.Hit
	for _, e := range es {
		if strings.Contains(strings.ToLower(e.Name+" "+e.Description), strings.ToLower(query)) {
			hits = append(hits, caselibrary.Hit{Entry: e})
		}
	}
	return hits, nil
}

func TestLibraryWindowScreenshot(t *testing.T) {
	test.NewTempApp(t)
	at := func(day int) time.Time { return time.Date(2026, 11, day, 9, 30, 0, 0, time.Local) }
	lib := fixedLibrary{
		{Name: "K3D-00001 SMITH^JOHN", Status: caselibrary.NeedsReview, Priority: "urgent", Description: "CT abdomen triphasic", StudyDate: "20261102", Phases: []string{"A", "P", "D"}, Assignee: "dr. Chen", Changed: at(3), Dir: "/cases/K3D-00001"},
		{Name: "K3D-00002 GARCIA^MARIA", Status: caselibrary.SignedOff, Description: "CT urogram", StudyDate: "20261020", Phases: []string{"P", "D"}, Changed: at(1), Dir: "/cases/K3D-00002"},
		{Name: "K3D-00003 NGUYEN^AN", Status: caselibrary.Failed, Reason: "register_D: no overlap", Description: "renal mass protocol", StudyDate: "20261104", Phases: []string{"A", "P"}, Changed: at(5), Dir: "/cases/K3D-00003"},
		{Name: "K3D-00004 MÜLLER^ANNA", Status: caselibrary.Queued, Priority: "normal", Description: "nephrectomy planning", StudyDate: "20261105", Phases: []string{"A", "P", "D"}, Changed: at(6), Dir: "/cases/K3D-00004"},
	}
	l := NewLibraryWindow(lib, func(string) {})
	w := test.NewWindow(l.Content())
	defer w.Close()
	w.Resize(fyne.NewSize(1000, 320))
	l.SortBy(1)
	l.Select(0)
	test.AssertImageMatches(t, "library_window.png", w.Canvas().Capture())
}

func TestQueuePanelProgressPriorityCancel(t *testing.T) {
	test.NewTempApp(t)
	db := filepath.Join(t.TempDir(), "library.db")
	q, err := jobqueue.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	root := t.TempDir()
	ctx := context.Background()
	for _, c := range []struct {
		name string
		p    jobqueue.Priority
	}{{"batch-case", jobqueue.Batch}, {"normal-case", jobqueue.Normal}, {"urgent-case", jobqueue.Urgent}} {
		dir := filepath.Join(root, c.name)
		if err := os.MkdirAll(filepath.Join(dir, "input"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Add(ctx, dir, c.p, "auto"); err != nil {
			t.Fatal(err)
		}
	}
	p := NewQueuePanel(q)
	w := test.NewWindow(p.Content())
	defer w.Close()
	w.Resize(fyne.NewSize(800, 220))
	if got, want := p.States(), []string{"urgent-case queued", "normal-case queued", "batch-case queued"}; !slices.Equal(got, want) {
		t.Fatalf("jobs %v, want %v", got, want)
	}
	p.Cancel(p.jobs[1].ID)
	if got, want := p.States(), []string{"urgent-case queued", "batch-case queued", "normal-case cancelled"}; !slices.Equal(got, want) {
		t.Errorf("after cancel: %v, want %v", got, want)
	}
	if p.message.Text != "2 job(s) waiting or running, 3 in all" {
		t.Errorf("message %q", p.message.Text)
	}
	test.AssertImageMatches(t, "queue_panel.png", w.Canvas().Capture())
}

func TestShowLibraryHasLibraryAndQueueTabs(t *testing.T) {
	a := test.NewTempApp(t)
	t.Setenv(librarydb.EnvPath, filepath.Join(t.TempDir(), "library.db"))
	showLibrary(a, func(string) {})
	i := slices.IndexFunc(a.Driver().AllWindows(), func(w fyne.Window) bool { return w.Title() == "kidney3d — Library" })
	if i < 0 {
		t.Fatal("no Library window")
	}
	w := a.Driver().AllWindows()[i]
	defer w.Close()
	tabs, ok := w.Content().(*container.AppTabs)
	if !ok || len(tabs.Items) != 2 || tabs.Items[0].Text != "Library" || tabs.Items[1].Text != "Queue" {
		t.Fatalf("content %T, want the Library and Queue tabs", w.Content())
	}
}

// TestLibraryWindowShowsRemoteJobs: a case submitted to the workers shows
// queued, then failed with the workers' reason; Refresh keeps the case
// selected.
func TestLibraryWindowShowsRemoteJobs(t *testing.T) {
	test.NewTempApp(t)
	lib, cases, root := generatedLibrary(t, 3)
	c := &casefile.Case{Dir: filepath.Join(root, cases[0].Folder)}
	l := NewLibraryWindow(lib, func(string) {})
	w := test.NewWindow(l.Content())
	defer w.Close()
	sync := func(s remotejob.State) {
		t.Helper()
		if err := remotejob.Write(c, s); err != nil {
			t.Fatal(err)
		}
		if n, err := lib.Sync(context.Background()); err != nil || n != 1 {
			t.Fatalf("Sync = %d, %v; want the one case", n, err)
		}
		l.Refresh()
	}
	l.Select(1)
	selected := l.rows[1].Dir
	sync(remotejob.State{Job: "j1", Priority: "urgent", Submitted: time.Now().UTC(), State: remotejob.Queued})
	if l.selected < 0 || l.rows[l.selected].Dir != selected || l.openBtn.Disabled() {
		t.Errorf("after Refresh: selected row %d, want %s still selected", l.selected, selected)
	}
	l.status.SetSelected(caselibrary.Queued)
	if got := l.Names(); !slices.Equal(got, []string{cases[0].Folder}) {
		t.Errorf("queued: %v, want %s", got, cases[0].Folder)
	}
	sync(remotejob.State{Job: "j1", Priority: "urgent", Submitted: time.Now().UTC(), State: remotejob.Failed, Attempts: 3, Reason: "failed 3 times: boom"})
	l.status.SetSelected(caselibrary.Failed)
	if len(l.rows) != 1 || l.rows[0].Reason != "on the workers: failed 3 times: boom" {
		t.Errorf("failed: %+v", l.rows)
	}
}
