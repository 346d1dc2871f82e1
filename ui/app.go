package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	_ "kidney3d/ui/internal/clocale" // before Fyne reads the locale
	"kidney3d/ui/internal/folderdlg"
)

// AppID is the application's identifier (FyneApp.toml), which also keys
// its preferences.
const AppID = "org.kidney3d.app"

// Options are what `kidney3d view` was asked.
type Options struct {
	Case       string    // case folder to open; "" for none
	DICOM      string    // DICOM folder to show in the import dialog at start ("Open with"; with Screenshot, captured once listed); "" for none
	Screenshot string    // when set, capture the window to this PNG and exit
	Size       fyne.Size // window size; zero for the default
	// NewFrames makes the 3D view's frame source; nil or an error shows
	// "3D unavailable: reason".
	NewFrames func() (FrameSource, error)
	// RunPipeline runs the pipeline for the Run button; nil runs it in
	// this process (caserun.Run).
	RunPipeline RunFunc
	// Import writes a DICOM import's case (File → Import DICOM…); nil
	// imports in this process (dicomimport.Import).
	Import ImportFunc
}

// ScreenshotTimeout is how long `view --screenshot` waits for the window
// to draw before it gives up with an error.
const ScreenshotTimeout = 3 * time.Minute

// Run opens the app and returns when its window is closed (or, with
// Options.Screenshot, once the capture is written). Unless Options say
// otherwise, the Run button runs the pipeline in a child process of this
// program, which must be kidney3d (ChildRun).
func Run(opts Options) error {
	if err := needDisplay(); err != nil {
		return err
	}
	if opts.Screenshot != "" {
		// A window that never finishes drawing (Fyne 2.7.1 was seen to
		// stall once at start-up under Xvfb, its event queue and main
		// loop waiting on each other) must not leave a script waiting.
		watchdog := time.AfterFunc(ScreenshotTimeout, func() {
			fmt.Fprintf(os.Stderr, "kidney3d view: no screenshot after %s: the window never finished drawing; nothing written to %s\n", ScreenshotTimeout, opts.Screenshot)
			os.Exit(1)
		})
		defer watchdog.Stop()
	}
	if opts.RunPipeline == nil {
		if exe, err := os.Executable(); err == nil {
			opts.RunPipeline = ChildRun(exe)
		}
	}
	a := app.NewWithID(AppID)
	w := NewCaseWindow(a, opts)
	a.Run()
	return w.err
}

// recentKey is the preference that lists recent cases, newest first.
const recentKey = "recentCases"

// maxRecent is how many recent cases are remembered.
const maxRecent = 8

// recentCases lists the remembered case folders, newest first.
func recentCases(p fyne.Preferences) []string { return p.StringList(recentKey) }

// rememberCase puts dir first in the recent cases; it reports whether
// that changed them (reopening the first one does not, nor write them).
func rememberCase(p fyne.Preferences, dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	list := recentCases(p)
	if len(list) > 0 && list[0] == abs {
		return false
	}
	list = slices.DeleteFunc(list, func(s string) bool { return s == abs })
	list = append([]string{abs}, list...)
	if len(list) > maxRecent {
		list = list[:maxRecent]
	}
	p.SetStringList(recentKey, list)
	return true
}

// nativeFolder is the native folder dialog; tests replace it.
var nativeFolder = folderdlg.Choose

// chooseNative runs nativeFolder, turning a panic inside it (a toolkit
// that cannot start) into folderdlg.ErrUnavailable, so File → Open falls
// back to Fyne's dialog instead of ending the app.
func chooseNative(title, start string) (dir string, err error) {
	defer func() {
		if p := recover(); p != nil {
			dir, err = "", fmt.Errorf("%w: %v", folderdlg.ErrUnavailable, p)
		}
	}()
	return nativeFolder(title, start)
}

// chooseFolder asks for a folder (a case, a DICOM study…), under title,
// with the platform's native dialog
// (GTK is initialised there, on first use), falling back to Fyne's own when
// there is none. It must run on the UI goroutine (menu and button actions
// do); the native dialog blocks it while open; chosen is not called on
// cancel.
func chooseFolder(w fyne.Window, title string, chosen func(dir string)) {
	start := ""
	if rec := recentCases(fyne.CurrentApp().Preferences()); len(rec) > 0 {
		start = filepath.Dir(rec[0])
	}
	dir, err := chooseNative(title, start)
	switch {
	case err == nil:
		chosen(dir)
		return
	case errors.Is(err, folderdlg.ErrCancelled):
		return
	}
	slog.Info("native folder dialog unavailable; using Fyne's", "err", err)
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			dialog.ShowError(err, w)
			return
		}
		if u != nil {
			chosen(u.Path())
		}
	}, w)
	if start != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(start)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}
