package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestChooseFolderFallsBackToFyneDialog: where GTK cannot open a display
// (here a Wayland backend with no compositor), opening a case shows Fyne's
// own folder dialog instead of panicking.
func TestChooseFolderFallsBackToFyneDialog(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "wayland-kidney3d-none")
	t.Setenv("GDK_BACKEND", "wayland")
	assertFyneFolderDialog(t)
}

// assertFyneFolderDialog checks that asking for a folder shows Fyne's
// dialog over the window.
func assertFyneFolderDialog(t *testing.T) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	defer w.Close()
	w.Resize(fyne.NewSize(800, 600))
	chooseFolder(w, "Open a case folder", func(dir string) { t.Errorf("chose %s with no dialog answered", dir) })
	if top := w.Canvas().Overlays().Top(); top == nil {
		t.Fatal("no folder dialog shown")
	}
}

// TestChooseFolderSurvivesAPanickingDialog: a native dialog that panics
// while starting (as sqweek/dialog's GTK part does where GTK cannot start)
// falls back to Fyne's dialog too.
func TestChooseFolderSurvivesAPanickingDialog(t *testing.T) {
	old := nativeFolder
	nativeFolder = func(string, string) (string, error) { panic("gtk_init: cannot open display") }
	defer func() { nativeFolder = old }()
	assertFyneFolderDialog(t)
}

// TestOpenErrorSaysHowToRecover: a case that cannot be opened is reported
// with the cause and what to do next.
func TestOpenErrorSaysHowToRecover(t *testing.T) {
	dir := t.TempDir()
	_, err := loadCase(dir)
	msg := openError(dir, err).Error()
	for _, want := range []string{filepath.Base(dir) + " could not be opened", "not a case folder", "File → Import DICOM…"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
}
