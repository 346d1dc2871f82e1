package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/measure"
)

// Structure is one row of the structures panel.
type Structure struct {
	Name  string
	Color color.RGBA
	// Measured is the report's line for the structure (volume, whether the
	// field of view cuts it); nil when the report gives none.
	Measured *measure.Structure
}

// StructuresPanel lists the model's structures: colour, visibility,
// opacity and volume, "≥ N mL" and "cut by the field of view" for a
// structure the scan's edge cuts, and "weak model" under one made by a
// model that did poorly on its own validation cases. Its changes reach OnChange as the 3D view's hidden
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
		if s.Measured != nil {
			vol = s.Measured.VolumeText()
		}
		left := container.NewHBox(container.NewCenter(sw), check)
		row := container.NewBorder(nil, nil, left, widget.NewLabel(vol), op)
		var notes []fyne.CanvasObject
		if s.Measured != nil {
			for _, text := range []string{s.Measured.FieldOfViewNote(), weakModelText(s.Measured)} {
				if text != "" {
					note := widget.NewLabel(text)
					note.Importance = widget.WarningImportance
					note.TextStyle = fyne.TextStyle{Italic: true}
					note.Wrapping = fyne.TextWrapWord
					notes = append(notes, note)
				}
			}
		}
		if len(notes) == 0 {
			p.list.Add(row)
			continue
		}
		p.list.Add(container.NewVBox(append([]fyne.CanvasObject{row}, notes...)...))
	}
	p.list.Refresh()
}

// weakModelText is the row's note for a structure whose model did poorly
// on its own validation cases (measure.Structure.WeakModelNote), or "".
func weakModelText(s *measure.Structure) string {
	if note := s.WeakModelNote(measure.WeakDice); note != "" {
		return "weak model: " + note
	}
	return ""
}

// SetNotMade lists, after the structures, what the run could not make and
// why (measure.Report.NotMade); call it after SetStructures.
func (p *StructuresPanel) SetNotMade(lines []string) {
	for _, line := range lines {
		l := widget.NewLabel("Not made: " + line)
		l.Importance = widget.WarningImportance
		l.Wrapping = fyne.TextWrapWord
		p.list.Add(l)
	}
	p.list.Refresh()
}

// Measured is the report's line for a structure, or nil.
func (p *StructuresPanel) Measured(name string) *measure.Structure {
	for _, s := range p.rows {
		if s.Name == name {
			return s.Measured
		}
	}
	return nil
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
