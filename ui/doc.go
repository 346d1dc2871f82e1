// Package ui is the Fyne desktop app (DESIGN.md "Layout"): the case window
// with the slice viewer (SlicePanel), the 3D view (ModelView, drawn by a
// FrameSource), the structures and pipeline panels, opening cases through
// the native folder dialog, and --screenshot captures. It talks to
// pipeline and render only through their APIs; loading, slice drawing,
// meshing and pipeline runs happen off the UI goroutine and reach the
// widgets through fyne.Do. Subpackage sliceimg draws slices; renderframes
// adapts package render to FrameSource.
package ui
