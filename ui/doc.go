// Package ui will hold the Fyne windows and widgets of the desktop app
// (DESIGN.md "Layout"); it talks to pipeline and render only through their
// APIs and never computes on the UI goroutine. The app itself is the
// desktop-app issue's work; until it lands, `kidney3d view CASE` prints the
// case summary instead of opening a window.
package ui
