// Package folderdlg is the platform's native folder chooser, initialised
// only when it is first opened: on Linux a GTK 3 file chooser whose
// gtk_init_check runs on the first Choose (so no other command of the
// program touches X or D-Bus), elsewhere sqweek/dialog, whose Windows and
// macOS parts initialise nothing at start. Choose blocks its caller, which
// must be the main (UI) thread, until the dialog closes.
package folderdlg

import "errors"

// ErrCancelled is returned when the user closes the dialog without
// choosing a folder.
var ErrCancelled = errors.New("folderdlg: cancelled")

// ErrUnavailable is returned when there is no native dialog: GTK could not
// be initialised (no display, or a GDK backend with no server); callers
// fall back to a dialog of their own.
var ErrUnavailable = errors.New("folderdlg: no native folder dialog (GTK could not open a display)")
