package ui

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/volume"
	"kidney3d/ui/sliceimg"
)

// SlicePanel is the slice viewer: axial, coronal and sagittal views linked
// by one crosshair, with the phase, window, overlay opacity and outline
// controls and a read-out of the voxel under the pointer.
type SlicePanel struct {
	data    *caseData
	phase   string
	window  sliceimg.Window
	opacity float64
	outline bool
	ruler   bool // left-drag measures instead of panning
	cross   [3]int
	colors  *[256]color.RGBA
	hidden  map[string]bool // structures left out of the overlay
	// edit is the Edit panel the views send strokes to; nil: no editing.
	edit *EditPanel
	// territories, when set, colour the kidneys by arterial territory.
	territories *territoryView
	// preview, when set, is drawn in place of the labels: the editor's
	// grow from seeds preview, on the labels' grid.
	preview *volume.Volume[uint8]

	views   []*sliceView
	phases  *widget.RadioGroup
	presets *widget.Select
	// width and level show the grey window in HU and take typed values.
	width, level *widget.Entry
	readout      *widget.Label
	content      fyne.CanvasObject
	// OnShown is called on the UI goroutine each time a view shows a new
	// image.
	OnShown func()
}

// NewSlicePanel makes an empty slice viewer; SetCase fills it.
func NewSlicePanel() *SlicePanel {
	p := &SlicePanel{phase: "A", window: sliceimg.Presets[0].Window, opacity: 0.4}
	grid := container.NewGridWithColumns(3)
	for _, pl := range sliceimg.Planes {
		v := newSliceView(p, pl)
		p.views = append(p.views, v)
		grid.Add(v)
	}
	p.phases = widget.NewRadioGroup(nil, func(s string) {
		if s != "" {
			p.SetPhase(s)
		}
	})
	p.phases.Horizontal = true
	var names []string
	for _, pr := range sliceimg.Presets {
		names = append(names, fmt.Sprintf("%s W%g/L%g", pr.Name, pr.Window.Width, pr.Window.Level))
	}
	p.presets = widget.NewSelect(names, func(s string) {
		for i, n := range names {
			if n == s {
				p.SetWindow(sliceimg.Presets[i].Window)
			}
		}
	})
	p.width, p.level = widget.NewEntry(), widget.NewEntry()
	for _, e := range []*widget.Entry{p.width, p.level} {
		e.OnSubmitted = func(string) { p.windowTyped() }
	}
	p.presets.SetSelectedIndex(0)
	opacity := widget.NewSlider(0, 1)
	opacity.Step = 0.05
	opacity.SetValue(p.opacity)
	opacity.OnChanged = func(x float64) { p.opacity = x; p.redraw() }
	outline := widget.NewCheck("outline", func(b bool) { p.outline = b; p.redraw() })
	ruler := widget.NewCheck("ruler", func(b bool) { p.ruler = b })
	p.readout = widget.NewLabel("no case open")
	bar := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewLabel("phase"), p.phases, p.presets,
			widget.NewLabel("W"), sized(p.width), widget.NewLabel("L"), sized(p.level), widget.NewLabel("overlay")), container.NewHBox(outline, ruler), opacity)
	p.content = container.NewBorder(bar, p.readout, nil, nil, grid)
	return p
}

// Content is the panel's canvas object.
func (p *SlicePanel) Content() fyne.CanvasObject { return p.content }

// setCase shows a loaded case, the crosshair at the volume's centre.
func (p *SlicePanel) setCase(d *caseData) {
	p.data = d
	p.colors = d.colors()
	p.territories = nil
	p.cross = [3]int{d.grid.Dims[0] / 2, d.grid.Dims[1] / 2, d.grid.Dims[2] / 2}
	p.phases.Options = d.available()
	p.phases.Selected = d.reference
	p.phase = d.reference
	p.phases.Refresh()
	for _, v := range p.views {
		v.placed, v.zoom, v.ruler = false, 1, ruler{}
	}
	p.showReadout(p.cross)
	p.redraw()
}

// SetPhase shows phase A, P, D or N. A phase not shown before is decoded
// first, off the UI goroutine; the read-out says so meanwhile, and names
// the file and the reason if it cannot be read (the phase shown stays).
func (p *SlicePanel) SetPhase(ph string) {
	d := p.data
	if d == nil || !slices.Contains(d.available(), ph) {
		return
	}
	if p.phases.Selected != ph {
		p.phases.SetSelected(ph) // which calls SetPhase again
		return
	}
	show := func() {
		p.phase = ph
		p.redraw()
		p.showReadout(p.cross)
	}
	if d.decoded(ph) != nil {
		show()
		return
	}
	p.readout.SetText("decoding phase " + ph + "…")
	go func() {
		_, err := d.decodePhase(ph)
		fyne.Do(func() {
			switch {
			case p.data != d:
			case err != nil:
				p.phases.SetSelected(p.phase)
				p.readout.SetText(fmt.Sprintf("phase %s cannot be shown: %v", ph, err))
			case p.phases.Selected == ph:
				show()
			}
		})
	}()
}

// SetHidden sets the structures, by label name, left out of the overlay.
func (p *SlicePanel) SetHidden(hidden map[string]bool) {
	p.hidden = hidden
	p.redraw()
}

// SetTerritories colours the kidneys by arterial territory, or as the
// label table does (nil).
func (p *SlicePanel) SetTerritories(t *territoryView) {
	p.territories = t
	p.redraw()
}

// overlayColors are the overlay's colours by value: opaque, the hidden
// structures transparent.
func (p *SlicePanel) overlayColors() *[256]color.RGBA {
	out := *p.colors
	if p.territories != nil {
		out = *p.territories.colors
	}
	for v := range out {
		if out[v].A == 0 {
			continue
		}
		out[v].A = 255
		if p.hidden[p.data.table.Name(v)] {
			out[v].A = 0
		}
	}
	return &out
}

// SetWindow sets the grey window, and shows its width and level.
func (p *SlicePanel) SetWindow(w sliceimg.Window) {
	p.window = w
	p.width.SetText(strconv.FormatFloat(math.Round(w.Width), 'f', -1, 64))
	p.level.SetText(strconv.FormatFloat(math.Round(w.Level), 'f', -1, 64))
	p.redraw()
}

// windowTyped applies the width and level typed in their fields; a value
// that is not a number, or a width below 1, puts the fields back.
func (p *SlicePanel) windowTyped() {
	w, errW := strconv.ParseFloat(strings.TrimSpace(p.width.Text), 64)
	l, errL := strconv.ParseFloat(strings.TrimSpace(p.level.Text), 64)
	if errW != nil || errL != nil || w < 1 || math.IsInf(w, 0) || math.IsInf(l, 0) {
		w, l = p.window.Width, p.window.Level
	}
	p.SetWindow(sliceimg.Window{Width: w, Level: l})
}

// sized gives an entry room for a five-digit number.
func sized(e *widget.Entry) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(70, e.MinSize().Height), e)
}

// SetCrossWorld moves the crosshair to a world point (RAS mm), e.g. one
// picked in the 3D view.
func (p *SlicePanel) SetCrossWorld(world [3]float64) {
	if p.data == nil {
		return
	}
	c, err := p.data.grid.WorldToVoxel(world)
	if err != nil {
		return
	}
	var v [3]int
	for a := range v {
		v[a] = max(0, min(p.data.grid.Dims[a]-1, int(math.Round(c[a]))))
	}
	p.setCross(v)
}

func (p *SlicePanel) setCross(v [3]int) {
	p.cross = v
	p.showReadout(v)
	p.redraw()
}

// moveCross moves the crosshair n voxels along axis a.
func (p *SlicePanel) moveCross(a, n int) {
	if p.data == nil {
		return
	}
	v := p.cross
	v[a] = max(0, min(p.data.grid.Dims[a]-1, v[a]+n))
	p.setCross(v)
}

func (p *SlicePanel) sliceIndex(pl sliceimg.Plane) int {
	_, _, n := pl.Axes()
	return p.cross[n]
}

// layers is the snapshot of what the views draw.
func (p *SlicePanel) layers() sliceimg.Layers {
	l := sliceimg.Layers{CT: p.data.decoded(p.phase).Data, Window: p.window, Colors: p.overlayColors(), Opacity: p.opacity, Outline: p.outline, Cross: p.cross}
	if p.data.labels != nil {
		l.Labels = p.data.labels.Data
	}
	if p.territories != nil {
		l.Labels = p.territories.labels
	}
	if p.preview != nil {
		l.Labels = p.preview.Data
	}
	return l
}

// redrawBlock draws again what a stroke changed, in each view whose slice
// crosses it.
func (p *SlicePanel) redrawBlock(b block) {
	for _, v := range p.views {
		v.redrawBlock(b)
	}
}

func (p *SlicePanel) redraw() {
	for _, v := range p.views {
		v.redraw()
	}
}

// shown is called when a view has shown a new image.
func (p *SlicePanel) shown(v *sliceView) {
	v.Refresh()
	if p.OnShown != nil {
		p.OnShown()
	}
}

// showReadout writes the position, HU and label of voxel v.
func (p *SlicePanel) showReadout(v [3]int) {
	d := p.data
	if d == nil || !d.grid.Contains(v[0], v[1], v[2]) {
		return
	}
	w := d.grid.VoxelToWorld([3]float64{float64(v[0]), float64(v[1]), float64(v[2])})
	name := "background"
	if d.labels != nil {
		if l := d.labels.At(v[0], v[1], v[2]); l != 0 {
			name = d.table.Name(int(l))
		}
	}
	src := "raw"
	if p.phase == d.reference || d.registered[p.phase] {
		src = "registered"
		if p.phase == d.reference {
			src = "reference"
		}
	}
	p.readout.SetText(fmt.Sprintf("voxel (%d, %d, %d)  RAS (%.1f, %.1f, %.1f) mm  %s %d HU (%s)  %s",
		v[0], v[1], v[2], w[0], w[1], w[2], p.phase, d.decoded(p.phase).At(v[0], v[1], v[2]), src, name))
}
