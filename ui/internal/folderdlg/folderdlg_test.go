package folderdlg

import (
	"errors"
	"runtime"
	"testing"
)

// TestChooseWithoutDisplayIsUnavailable: with no display to open, Choose
// returns ErrUnavailable (GTK's initialisation fails on first use) rather
// than panicking, and again on the next call.
func TestChooseWithoutDisplayIsUnavailable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the lazy GTK initialisation is Linux's")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("GDK_BACKEND", "x11")
	for range 2 {
		if _, err := Choose("Open a case folder", ""); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Choose with no display: %v, want ErrUnavailable", err)
		}
	}
}
