package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/about"
	"kidney3d/pipeline/infer/ort"
)

// shortcutsText is Help → Shortcuts.
const shortcutsText = `Slices (axial, coronal, sagittal)
  Wheel, Up/Down          next / previous slice
  Page Up/Page Down       10 slices
  + / -                   zoom about the pointer
  Middle-drag             zoom about where the drag started
  Left-drag               pan; with "ruler" ticked, measure (mm)
  Right-drag              window: width across, level up and down
  Tap                     move the crosshair
  Double tap              reset zoom and pan
  W and L fields          type a window width and level, then Enter

3D view
  Left-drag               orbit
  Middle- or Shift-drag   pan
  Wheel                   zoom about the pointer
  Tap                     pick a structure (it glows; the slices go there)
  "ruler" ticked, 2 taps  straight distance between two surface points (mm)
  Buttons                 Anterior, Posterior, Left, Right, Superior, Inferior
  Left-drag, Scissors     trace the polygon the scissors cut along the lines of sight

Edit (over a slice view while editing)
  1-9, T, H, L, X         Paint, Draw, Erase, Flood, Grow, Fill, Margin, Islands,
                          Smooth, Threshold, Hollow, Logical, Scissors
  Ctrl+Z / Ctrl+Shift+Z   undo / redo
  Ctrl+S                  save a version

Structures
  Surgical / All structures   hide or show the context organs in 3D
  2D / 3D ticks               show a structure in the slices / in 3D
  Slider                      its opacity in 3D`

// licences lists the bundled components and their licences, for About,
// as their LICENSE files in the module cache state them.
var licences = [][2]string{
	{"Fyne (fyne.io/fyne/v2)", "BSD 3-Clause"},
	{"g3n engine (github.com/g3n/engine)", "MIT"},
	{"ONNX Runtime " + ort.ExpectedVersion + " (Microsoft)", "MIT"},
	{"onnxruntime_go (github.com/yalue/onnxruntime_go)", "MIT"},
	{"GLFW Go bindings (github.com/go-gl/glfw)", "BSD 3-Clause"},
	{"Go fonts and golang.org/x/image", "BSD 3-Clause"},
	{"suyashkumar/dicom", "MIT"},
	{"cocosip/go-dicom", "Microsoft Public License"},
	{"cocosip/go-dicom-codec 0.6.0", "no licence stated by its authors"},
	{"klauspost/compress and pgzip", "BSD 3-Clause / MIT"},
	{"sqweek/dialog", "ISC"},
	{"go.yaml.in/yaml/v3", "MIT and Apache 2.0"},
}

// aboutText is Help → About: what `kidney3d --version` prints (it loads
// ONNX Runtime if it is not loaded yet), then the product, the notice and
// the bundled components' licences.
func aboutText() string {
	s := about.Text() + "\nKidney CT to 3D model for partial-nephrectomy planning.\n" +
		"Not for clinical use unless a notice says otherwise.\n\nBundled components and their licences:\n"
	for _, l := range licences {
		s += fmt.Sprintf("  %s — %s\n", l[0], l[1])
	}
	return s
}

// helpMenu is the Help menu: the shortcuts and About.
func helpMenu(w fyne.Window) *fyne.Menu {
	show := func(title, text string) func() {
		return func() {
			l := widget.NewLabel(text)
			l.TextStyle = fyne.TextStyle{Monospace: title == "Shortcuts"}
			s := container.NewVScroll(l)
			s.SetMinSize(fyne.NewSize(560, 400))
			dialog.ShowCustom(title, "Close", s, w)
		}
	}
	return fyne.NewMenu("Help",
		fyne.NewMenuItem("Shortcuts", show("Shortcuts", shortcutsText)),
		fyne.NewMenuItem("About kidney3d", func() {
			// ONNX Runtime may load first: off the UI goroutine
			go func() {
				text := aboutText()
				fyne.Do(show("About kidney3d", text))
			}()
		}))
}
