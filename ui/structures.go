package ui

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Structure is one row of the structures panel.
type Structure struct {
	Name     string
	Color    color.RGBA
	VolumeML float64
	HasVol   bool // the report gives a volume
}

// StructuresPanel lists the model's structures: colour, visibility,
// opacity and volume. Its changes reach OnChange as the 3D view's hidden
// set and opacities.
type StructuresPanel struct {
	rows    []Structure
	hidden  map[string]bool
	opacity map[string]float64
	checks  map[string]*widget.Check
	list    *fyne.Container
	content fyne.CanvasObject
	// OnChange is called on the UI goroutine after any change.
	OnChange func(hidden map[string]bool, opacity map[string]float64)
}

// NewStructuresPanel makes an empty panel.
func NewStructuresPanel() *StructuresPanel {
	p := &StructuresPanel{hidden: map[string]bool{}, opacity: map[string]float64{}}
	p.list = container.NewVBox(widget.NewLabel("no structures yet"))
	p.content = container.NewVScroll(p.list)
	return p
}

// Content is the panel's canvas object.
func (p *StructuresPanel) Content() fyne.CanvasObject { return p.content }

// SetStructures replaces the rows; every structure starts visible and
// opaque.
func (p *StructuresPanel) SetStructures(rows []Structure) {
	p.rows = rows
	p.hidden, p.opacity, p.checks = map[string]bool{}, map[string]float64{}, map[string]*widget.Check{}
	p.list.RemoveAll()
	if len(rows) == 0 {
		p.list.Add(widget.NewLabel("no structures yet"))
	}
	for _, s := range rows {
		name := s.Name
		sw := canvas.NewRectangle(s.Color)
		sw.SetMinSize(fyne.NewSize(16, 16))
		sw.CornerRadius = 3
		check := widget.NewCheck(name, func(on bool) {
			p.hidden[name] = !on
			p.changed()
		})
		check.Checked = true
		p.checks[name] = check
		op := widget.NewSlider(0, 1)
		op.Step = 0.05
		op.Value = 1
		op.OnChanged = func(x float64) {
			p.opacity[name] = x
			p.changed()
		}
		vol := "–"
		if s.HasVol {
			vol = fmt.Sprintf("%.1f mL", s.VolumeML)
		}
		left := container.NewHBox(container.NewCenter(sw), check)
		p.list.Add(container.NewBorder(nil, nil, left, widget.NewLabel(vol), op))
	}
	p.list.Refresh()
}

// Volume is a structure's volume from the report.
func (p *StructuresPanel) Volume(name string) (float64, bool) {
	for _, s := range p.rows {
		if s.Name == name {
			return s.VolumeML, s.HasVol
		}
	}
	return 0, false
}

func (p *StructuresPanel) changed() {
	if p.OnChange == nil {
		return
	}
	h, o := map[string]bool{}, map[string]float64{}
	for k, v := range p.hidden {
		if v {
			h[k] = true
		}
	}
	for k, v := range p.opacity {
		o[k] = v
	}
	p.OnChange(h, o)
}
