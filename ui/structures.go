package ui

import (
	"fmt"
	"image/color"
	"maps"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/measure"
)

// Structure is one row of the structures panel.
type Structure struct {
	Name    string // label name, the key of every setting
	Display string // what the row reads ("Left kidney"); "" shows Name
	// Color is the label table's colour; its alpha is the structure's
	// starting opacity in 3D.
	Color color.RGBA
	// Context marks an organ shown for orientation only: the Surgical
	// preset hides it in 3D.
	Context bool
	// Measured is the report's line for the structure (volume, whether the
	// field of view cuts it); nil when the report gives none.
	Measured *measure.Structure
}

// Visibility is what the structures panel asks the views to show: the
// structures hidden in the slices' overlay and in 3D, separately, and the
// 3D opacities by label name.
type Visibility struct {
	Hidden2D, Hidden3D map[string]bool
	Opacity            map[string]float64
}

// The presets of the structures panel.
const (
	PresetSurgical = "Surgical"       // context organs hidden in 3D
	PresetAll      = "All structures" // everything at its table opacity
)

// StructuresPanel lists the model's structures: colour, display name,
// visibility in the slices (2D) and in 3D, 3D opacity and volume, "≥ N mL"
// and "cut by the field of view" for a structure the scan's edge cuts, and
// "weak model" under one made by a model that did poorly on its own
// validation cases. A preset sets them all at once: Surgical (the default:
// context organs hidden in 3D) or All structures. Every case starts from
// its own defaults, and each change reaches OnChange.
type StructuresPanel struct {
	rows    []Structure
	vis     Visibility
	checks  map[string]*widget.Check // 3D visibility by name
	checks2 map[string]*widget.Check // 2D visibility by name
	sliders map[string]*widget.Slider
	volumes map[string]*widget.Label // the volume shown, by name
	// add offers the label table's structures the case lacks (Addable).
	add *widget.Select
	// addable are the rows add offers, by name.
	addable map[string]Structure
	preset  *widget.RadioGroup
	list    *fyne.Container
	content fyne.CanvasObject
	// OnChange is called on the UI goroutine after any change, and after
	// SetStructures with the new case's defaults.
	OnChange func(Visibility)
	// OnAdd is called with the name of a structure added from the label
	// table (to edit: the Edit panel's active label).
	OnAdd func(name string)
}

// NewStructuresPanel makes an empty panel.
func NewStructuresPanel() *StructuresPanel {
	p := &StructuresPanel{vis: Visibility{Hidden2D: map[string]bool{}, Hidden3D: map[string]bool{}, Opacity: map[string]float64{}}}
	p.list = container.NewVBox(widget.NewLabel("no structures yet"))
	p.preset = widget.NewRadioGroup([]string{PresetSurgical, PresetAll}, func(s string) {
		if s != "" {
			p.applyPreset(s)
		}
	})
	p.preset.Horizontal = true
	p.preset.Selected = PresetSurgical
	p.add = widget.NewSelect(nil, func(name string) {
		if name != "" {
			p.Add(name)
		}
	})
	p.add.PlaceHolder = "add a structure from the label table…"
	p.content = container.NewBorder(p.preset, p.add, nil, nil, container.NewVScroll(p.list))
	return p
}

// Content is the panel's canvas object.
func (p *StructuresPanel) Content() fyne.CanvasObject { return p.content }

// SetStructures replaces the rows with a case's structures, each at its
// defaults under the Surgical preset: shown in the slices, in 3D unless a
// context organ, at its colour's opacity. OnChange gets those defaults,
// so nothing of the previous case's settings stays in the views.
func (p *StructuresPanel) SetStructures(rows []Structure) {
	p.rows = rows
	p.checks, p.checks2, p.sliders = map[string]*widget.Check{}, map[string]*widget.Check{}, map[string]*widget.Slider{}
	p.volumes = map[string]*widget.Label{}
	p.list.RemoveAll()
	if len(rows) == 0 {
		p.list.Add(widget.NewLabel("no structures yet"))
	}
	for _, s := range rows {
		p.addRow(s)
	}
	p.preset.Selected = PresetSurgical
	p.preset.Refresh()
	p.applyPreset(PresetSurgical)
}

// addRow adds a structure's row: swatch, name, 2D and 3D ticks, opacity
// and volume, with its notes under it.
func (p *StructuresPanel) addRow(s Structure) {
	name := s.Name
	sw := canvas.NewRectangle(color.RGBA{s.Color.R, s.Color.G, s.Color.B, 255})
	sw.SetMinSize(fyne.NewSize(16, 16))
	sw.CornerRadius = 3
	title := s.Display
	if title == "" {
		title = name
	}
	in2D := widget.NewCheck("2D", func(on bool) {
		p.vis.Hidden2D[name] = !on
		p.changed()
	})
	in3D := widget.NewCheck("3D", func(on bool) {
		p.vis.Hidden3D[name] = !on
		p.changed()
	})
	p.checks2[name], p.checks[name] = in2D, in3D
	op := widget.NewSlider(0, 1)
	op.Step = 0.05
	op.OnChanged = func(x float64) {
		p.vis.Opacity[name] = x
		p.changed()
	}
	p.sliders[name] = op
	vol := "–"
	if s.Measured != nil {
		vol = s.Measured.VolumeText()
	}
	p.volumes[name] = widget.NewLabel(vol)
	head := container.NewBorder(nil, nil, container.NewHBox(container.NewCenter(sw), widget.NewLabel(title)), p.volumes[name])
	row := container.NewBorder(nil, nil, container.NewHBox(in2D, in3D), nil, op)
	items := []fyne.CanvasObject{head, row}
	if s.Measured != nil {
		for _, text := range []string{s.Measured.FieldOfViewNote(), weakModelText(s.Measured)} {
			if text != "" {
				note := widget.NewLabel(text)
				note.Importance = widget.WarningImportance
				note.TextStyle = fyne.TextStyle{Italic: true}
				note.Wrapping = fyne.TextWrapWord
				items = append(items, note)
			}
		}
	}
	p.list.Add(container.NewVBox(items...))
}

// SetAddable sets the structures of the label table that Add may add
// (those the case lacks are offered).
func (p *StructuresPanel) SetAddable(rows []Structure) {
	p.addable = map[string]Structure{}
	var names []string
	for _, s := range rows {
		if _, ok := p.checks[s.Name]; !ok {
			p.addable[s.Name] = s
			names = append(names, s.Name)
		}
	}
	p.add.Options = names
	p.add.ClearSelected()
	p.add.Refresh()
}

// Add adds the row of an addable structure, shown everywhere at its
// table opacity, and tells OnAdd. A structure already listed is only told.
func (p *StructuresPanel) Add(name string) {
	s, ok := p.addable[name]
	if _, listed := p.checks[name]; ok && !listed {
		if len(p.rows) == 0 {
			p.list.RemoveAll()
		}
		p.rows = append(p.rows, s)
		p.addRow(s)
		p.vis.Opacity[name] = float64(s.Color.A) / 255
		p.checks[name].Checked, p.checks2[name].Checked, p.sliders[name].Value = true, true, p.vis.Opacity[name]
		p.list.Refresh()
		p.changed()
	}
	if p.OnAdd != nil {
		p.OnAdd(name)
	}
}

// SetVolume shows a structure's volume as edited, in millilitres.
func (p *StructuresPanel) SetVolume(name string, ml float64) {
	if l, ok := p.volumes[name]; ok {
		l.SetText(fmt.Sprintf("%.1f mL (edited)", ml))
	}
}

// applyPreset sets every structure to preset's settings and tells
// OnChange once.
func (p *StructuresPanel) applyPreset(preset string) {
	p.vis = Visibility{Hidden2D: map[string]bool{}, Hidden3D: map[string]bool{}, Opacity: map[string]float64{}}
	for _, s := range p.rows {
		hide := preset == PresetSurgical && s.Context
		p.vis.Hidden3D[s.Name] = hide
		p.vis.Opacity[s.Name] = float64(s.Color.A) / 255
		// Set the widgets without their callbacks: one OnChange at the end.
		c3, c2, sl := p.checks[s.Name], p.checks2[s.Name], p.sliders[s.Name]
		c3.Checked, c2.Checked, sl.Value = !hide, true, p.vis.Opacity[s.Name]
		c3.Refresh()
		c2.Refresh()
		sl.Refresh()
	}
	p.list.Refresh()
	p.changed()
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

// displayName is the name a structure's row reads, or name itself.
func (p *StructuresPanel) displayName(name string) string {
	for _, s := range p.rows {
		if s.Name == name && s.Display != "" {
			return s.Display
		}
	}
	return name
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
	v := Visibility{Hidden2D: map[string]bool{}, Hidden3D: map[string]bool{}, Opacity: maps.Clone(p.vis.Opacity)}
	for k, h := range p.vis.Hidden2D {
		if h {
			v.Hidden2D[k] = true
		}
	}
	for k, h := range p.vis.Hidden3D {
		if h {
			v.Hidden3D[k] = true
		}
	}
	p.OnChange(v)
}
