package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/buildinfo"
)

// TestHelpAboutShowsTheVersion: Help → About kidney3d shows a dialog with
// what `kidney3d --version` prints, the build's line first.
func TestHelpAboutShowsTheVersion(t *testing.T) {
	a := test.NewTempApp(t)
	var cw *CaseWindow
	fyne.DoAndWait(func() { cw = NewCaseWindow(a, Options{Size: fyne.NewSize(1000, 700)}) })
	var item *fyne.MenuItem
	fyne.DoAndWait(func() {
		menus := cw.win.MainMenu().Items
		help := menus[len(menus)-1]
		if help.Label == "Help" && len(help.Items) == 2 {
			item = help.Items[1]
		}
	})
	if item == nil || item.Label != "About kidney3d" {
		t.Fatalf("the last menu is not Help with About kidney3d")
	}
	item.Action()
	want := buildinfo.Get().String()
	var text string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(text, want); time.Sleep(20 * time.Millisecond) {
		fyne.DoAndWait(func() {
			if top := cw.win.Canvas().Overlays().Top(); top != nil {
				text = labelsIn(top)
			}
		})
	}
	if !strings.Contains(text, want) || !strings.Contains(text, "ONNX Runtime") {
		t.Errorf("About shows %q, want %q and the ONNX Runtime line", text, want)
	}
}

// labelsIn joins the text of every label under o.
func labelsIn(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

// TestDICOMFolderOpensTheImportDialog: the app started on a DICOM folder
// (the desktop's "Open with kidney3d") shows the import dialog listing it.
func TestDICOMFolderOpensTheImportDialog(t *testing.T) {
	a := test.NewTempApp(t)
	src := demoDICOM(t, 1)
	var cw *CaseWindow
	fyne.DoAndWait(func() { cw = NewCaseWindow(a, Options{DICOM: src, Size: fyne.NewSize(1400, 900)}) })
	if cw.importer == nil {
		t.Fatal("no import dialog")
	}
	waitIdle(t, cw.importer)
	if n := len(cw.importer.listing.Series); n != 3 {
		t.Errorf("the dialog lists %d series, want the demo study's 3", n)
	}
}
