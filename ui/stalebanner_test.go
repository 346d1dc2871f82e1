package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/manifest"
)

func TestStaleBanner(t *testing.T) {
	test.NewTempApp(t)
	b := NewStaleBanner()
	w := test.NewWindow(b.Content())
	defer w.Close()
	w.Resize(fyne.NewSize(640, 80))
	if b.Reason() != "" || b.Content().Visible() {
		t.Fatal("a new banner is shown")
	}
	b.SetReason("output/labels.nii.gz: input/A.nii.gz changed since stage load ran")
	test.AssertRendersToMarkup(t, "stale_banner.xml", w.Canvas())
	b.SetReason("")
	if b.Content().Visible() {
		t.Error("SetReason(\"\") left the banner shown")
	}
}

// TestNoticeBanner renders the banner that carries the not-for-clinical-use
// notice (red, as the out-of-date one) and the note that the labels shown
// are the truth of a demo case (amber).
func TestNoticeBanner(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name, text, golden string
		danger             bool
	}{
		{"not for clinical use", "NOT FOR CLINICAL USE — labels from demo-vessels 1.0.0: demonstration only; trained on synthetic phantoms — not for clinical use", "notice_banner.xml", true},
		{"truth", "Showing the " + casefile.TruthNotice + ": run the pipeline for results.", "truth_banner.xml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBanner()
			w := test.NewWindow(b.Content())
			defer w.Close()
			w.Resize(fyne.NewSize(640, 80))
			b.SetText(tt.text, tt.danger)
			if b.Text() != tt.text {
				t.Errorf("Text() = %q, want %q", b.Text(), tt.text)
			}
			test.AssertRendersToMarkup(t, tt.golden, w.Canvas())
			b.SetText("", tt.danger)
			if b.Content().Visible() || b.Text() != "" {
				t.Error("SetText(\"\") left the banner shown")
			}
		})
	}
}

// recordedCase writes a small demo case whose truth stands in for
// output/labels.nii.gz, with the manifest entry of a merge stage that made
// it from the three phases, as `kidney3d run` records it.
func recordedCase(t *testing.T) *casefile.Case {
	t.Helper()
	dir, _ := demotest.Write(t, 5)
	c, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	demotest.TruthAsOutput(t, c.Dir)
	m := &manifest.Manifest{Format: manifest.Format, Stages: map[string]*manifest.Entry{}, Hashes: map[string]manifest.CachedHash{}}
	h := &manifest.Hasher{Root: dir, Cache: m.Hashes}
	e := &manifest.Entry{Status: manifest.OK, Inputs: map[string]manifest.File{}, Outputs: map[string]manifest.File{}}
	for _, p := range c.PresentPhases() {
		if e.Inputs["phase/"+p], err = h.File(c.PhasePath(p)); err != nil {
			t.Fatal(err)
		}
	}
	if e.Outputs["labels"], err = h.File(c.OutputLabelsPath()); err != nil {
		t.Fatal(err)
	}
	m.Stages["merge"] = e
	if err := m.Save(c.ManifestPath()); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitShown waits until the case window shows a case (its title names
// it) and returns the out-of-date banner's text and how many structures
// are listed.
func waitShown(t *testing.T, cw *CaseWindow, name string) (string, int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var title, reason string
		var rows int
		fyne.DoAndWait(func() { title, reason, rows = cw.win.Title(), cw.stale.Reason(), len(cw.structs.checks) })
		if title == "kidney3d — "+name {
			return reason, rows
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the case %s was not shown within a minute", name)
	return "", 0
}

// noticeOf is the text of the case window's notice banner.
func noticeOf(cw *CaseWindow) string {
	var text string
	fyne.DoAndWait(func() { text = cw.notice.Text() })
	return text
}

// TestCaseWindowNotices opens an unprocessed demo case, whose truth is
// shown as such, then the same case with the truth as its recorded output
// but no report.json: labels whose provenance is unknown are not for
// clinical use.
func TestCaseWindowNotices(t *testing.T) {
	a := test.NewTempApp(t)
	c := recordedCase(t)
	if err := os.Remove(c.OutputLabelsPath()); err != nil {
		t.Fatal(err)
	}
	var cw *CaseWindow
	fyne.DoAndWait(func() { cw = NewCaseWindow(a, Options{Case: c.Dir, Size: fyne.NewSize(1000, 700)}) })
	if _, rows := waitShown(t, cw, "case"); rows == 0 {
		t.Fatal("the truth's structures are not listed")
	}
	if got := noticeOf(cw); !strings.Contains(got, "ground truth of a demo case, not a result") {
		t.Errorf("unprocessed demo case: notice %q, want it to say the labels are the ground truth of a demo case", got)
	}

	c = recordedCase(t)
	fyne.DoAndWait(func() { cw.Open(c.Dir) })
	if reason, rows := waitShown(t, cw, "case"); reason != "" || rows == 0 {
		t.Fatalf("recorded case: out-of-date banner %q, %d structures", reason, rows)
	}
	if got := noticeOf(cw); !strings.HasPrefix(got, "NOT FOR CLINICAL USE") || !strings.Contains(got, "no current report.json") {
		t.Errorf("labels without a report: notice %q, want NOT FOR CLINICAL USE, provenance unknown", got)
	}
}

// TestCaseWindowMarksOutOfDateResults opens a case whose labels are
// current, then the same case after its A phase changed: the banner says
// out of date and why, and no structure of the old labels is listed.
func TestCaseWindowMarksOutOfDateResults(t *testing.T) {
	a := test.NewTempApp(t)
	c := recordedCase(t)
	var cw *CaseWindow
	fyne.DoAndWait(func() { cw = NewCaseWindow(a, Options{Case: c.Dir, Size: fyne.NewSize(1000, 700)}) })
	reason, rows := waitShown(t, cw, "case")
	if reason != "" || rows == 0 {
		t.Fatalf("current case: banner %q, %d structures; want no banner and the structures", reason, rows)
	}

	p, err := os.ReadFile(c.PhasePath("P"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.PhasePath("A"), p, 0o644); err != nil {
		t.Fatal(err)
	}
	fyne.DoAndWait(func() { cw.Open(c.Dir) })
	reason, rows = waitShown(t, cw, "case")
	if !strings.Contains(reason, "Out of date: rerun") || !strings.Contains(reason, "input/A.nii.gz changed") || rows != 0 {
		t.Errorf("after A changed: banner %q, %d structures; want out of date naming input/A.nii.gz and none", reason, rows)
	}
}
