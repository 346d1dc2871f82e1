//go:build linux || freebsd || netbsd || openbsd

package ui

import (
	"errors"
	"os"
)

// errNoDisplay says why the app cannot open a window and what to do.
var errNoDisplay = errors.New("no display: the desktop app needs a graphical session, and neither DISPLAY nor WAYLAND_DISPLAY is set; " +
	"run it on a desktop, or under Xvfb (xvfb-run kidney3d view CASE --screenshot OUT.png); every other command works without one")

// needDisplay reports a session with no display server to open a window
// on, before GLFW would fail inside.
func needDisplay() error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errNoDisplay
	}
	return nil
}
