// Package ui is the Fyne desktop app (DESIGN.md "Layout"): the case window
// with the slice viewer (SlicePanel), the 3D view (ModelView, drawn by a
// FrameSource), the structures and pipeline panels, opening cases through
// the native folder dialog (internal/folderdlg: GTK is initialised only when
// it first opens, and Fyne's own dialog stands in where it cannot be), the
// banners above the views (Banner: the out-of-date one, StaleBanner, for
// results whose inputs changed or whose stage failed, which are not shown;
// and the notice that the labels shown come from models not for clinical
// use, or are the truth of a demo case), volumes as "≥ N mL" where the
// field of view cuts a structure, and --screenshot captures, which carry
// the notice in a footer too (render/footer). It talks to
// pipeline and render only through their APIs; loading, slice drawing,
// meshing, preparing the 3D scene and pipeline runs happen off the UI
// goroutine and reach the widgets through fyne.Do. The app runs the
// pipeline in a child process (ChildRun), so that its work does not starve
// the UI goroutine. Subpackage sliceimg draws slices; renderframes adapts
// package render to FrameSource; internal/clocale keeps Fyne quiet under
// the C.UTF-8 locale. ProbeEnv turns a `kidney3d view` into a measuring
// run (frame rates, event-loop stalls) for BENCHMARKS.md, in a binary built
// with `-tags probe`.
package ui
