package ui

import "fyne.io/fyne/v2"

// notify sends a desktop notification through the running app (the
// operating system's notification centre; the test driver records it).
func notify(title, content string) {
	if a := fyne.CurrentApp(); a != nil {
		a.SendNotification(fyne.NewNotification(title, content))
	}
}
