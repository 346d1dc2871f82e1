package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editops"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/volume"
	"kidney3d/ui/sliceimg"
)

// tool is one of the Edit panel's tools: its name (the op of
// pipeline/editops, or of the segtools tools), short button text (README
// "Editing" names them in full), icon and shortcut key, as 3D Slicer's
// Segment Editor numbers them.
type tool struct {
	name, text string
	icon       fyne.Resource
	key        rune
	// brush tools paint dabs along a drag; click tools act on a tap;
	// the others act on the panel's Apply.
	brush, click bool
}

// tools are the Edit panel's tools in button order.
var tools = []tool{
	{"paint", "Paint", theme.ContentAddIcon(), '1', true, false},
	{"draw", "Draw", theme.DocumentCreateIcon(), '2', false, false},
	{"erase", "Erase", theme.ContentRemoveIcon(), '3', true, false},
	{"flood", "Flood", theme.ColorChromaticIcon(), '4', false, true},
	{"grow_seeds", "Grow", theme.ViewFullScreenIcon(), '5', true, false},
	{"interpolate", "Fill", theme.MenuIcon(), '6', false, false},
	{"margin", "Margin", theme.ZoomInIcon(), '7', false, false},
	{"islands", "Islands", theme.GridIcon(), '8', false, true},
	{"smooth", "Smooth", theme.ViewRefreshIcon(), '9', false, false},
	{"threshold", "Thresh", theme.ColorPaletteIcon(), 't', true, false},
	{"hollow", "Hollow", theme.CheckButtonIcon(), 'h', false, false},
	{"logical", "Logic", theme.ContentCopyIcon(), 'l', false, false},
	{"scissors", "Scissors", theme.ContentCutIcon(), 'x', false, false},
}

// EditPanel is the segment editor's panel: the tools with their shortcuts,
// brush radius in millimetres (a 2D disc in the view drawn on, or a 3D
// sphere), the active label, the masking (editable area, intensity range,
// labels that may be overwritten), Undo, Redo, Save with a comment, and
// the history of the session's strokes. Start editing takes the case's
// lock and opens the session; strokes on the slice views go through it,
// each journaled before it shows as done.
type EditPanel struct {
	win     fyne.Window
	data    *caseData
	ed      *editor
	tool    tool
	radius  float64 // mm
	sphere  bool    // the brush is a 3D sphere, else a disc in the view
	last    [3]float64
	started bool // a drag's first dab is done
	dirty   bool // strokes done since the last save

	start       *widget.Button
	toolButtons map[string]*widget.Button
	label       *widget.Select
	radiusText  *widget.Label
	area        *widget.Select
	inside      *widget.Select
	huOn        *widget.Check
	huLo, huHi  *widget.Entry
	overwrite   *widget.Select
	mm          *widget.Entry
	method      *widget.Select
	plane       *widget.Select
	operator    *widget.Select
	operand     *widget.Select
	fromVersion *widget.Select
	cutSide     *widget.Select
	slabOn      *widget.Check
	slabLo      *widget.Entry
	slabHi      *widget.Entry
	comment     *widget.Entry
	status      *widget.Label
	history     *widget.List
	cmpA, cmpB  *widget.Select
	compared    *widget.Label
	content     fyne.CanvasObject
	onCompared  func() // tests: a comparison is shown

	// busy is the tool whose op runs off the UI goroutine ("" when none):
	// until it ends, every other change of the map is refused.
	busy     string
	cancel   context.CancelFunc // cancels the op running
	busyBar  *widget.ProgressBarInfinite
	busyText *widget.Label
	busyRow  *fyne.Container
	apply    *widget.Button
	// seedKind says whether grow from seeds' strokes seed the structure
	// or the background.
	seedKind *widget.RadioGroup
	boxMM    *widget.Entry // how far around its seeds grow from seeds works
	// grown is grow from seeds' previewed change, which Apply accepts
	// (nil: none shown).
	grown  *editsession.Prepared
	onIdle func() // tests: an op run off the UI goroutine has ended
	// options shows the label, the active tool's own options (toolRows,
	// by tool name or "brush") and the masking (common).
	options      *fyne.Container
	optionsWidth *canvas.Rectangle
	labelRow     *widget.FormItem
	toolRows     map[string][]*widget.FormItem
	common       []*widget.FormItem

	// OnChanged is called on the UI goroutine after every change of the
	// map with the block it changed; done is true once the stroke is
	// journaled (a drag's dabs come with false).
	OnChanged func(b block, done bool)
	// OnEditing is called when a session starts (with its editor) or ends
	// (nil).
	OnEditing func(*editor)
	// OnPreview is called on the UI goroutine when grow from seeds'
	// preview changes (v nil: none; b the block changed, empty: all).
	OnPreview func(v *volume.Volume[uint8], b block)
	// Phase is the phase shown, whose intensities the HU range, threshold
	// paint, flood and grow from seeds read; nil: the reference phase.
	Phase func() string
}

// NewEditPanel makes the panel for the window win (its dialogs).
func NewEditPanel(win fyne.Window) *EditPanel {
	p := &EditPanel{win: win, tool: tools[0], radius: 5, toolButtons: map[string]*widget.Button{}}
	p.start = widget.NewButtonWithIcon("Start editing", theme.DocumentCreateIcon(), func() {
		if p.ed != nil {
			p.End()
			return
		}
		p.Begin(editsession.Refuse)
	})
	grid := container.NewGridWithColumns(3)
	for _, t := range tools {
		b := widget.NewButtonWithIcon(fmt.Sprintf("%s %c", t.text, unicode.ToUpper(t.key)), t.icon, func() { p.SetTool(t.name) })
		p.toolButtons[t.name] = b
		grid.Add(b)
	}
	p.label = widget.NewSelect(nil, nil)
	p.radiusText = widget.NewLabel("")
	radius := widget.NewSlider(0.5, 50)
	radius.Step = 0.5
	radius.OnChanged = func(x float64) { p.radius = x; p.radiusText.SetText(fmt.Sprintf("radius %.1f mm", x)) }
	radius.SetValue(p.radius)
	shape := widget.NewRadioGroup([]string{"2D", "3D"}, func(s string) { p.sphere = s == "3D" })
	shape.Horizontal = true
	shape.SetSelected("2D")
	p.area = widget.NewSelect([]string{"everywhere", "inside", "outside_all"}, nil)
	p.area.SetSelected("everywhere")
	p.inside = widget.NewSelect(nil, nil)
	p.huOn = widget.NewCheck("only in the HU range", nil)
	p.huLo, p.huHi = widget.NewEntry(), widget.NewEntry()
	p.huLo.SetText("-100")
	p.huHi.SetText("300")
	p.overwrite = widget.NewSelect([]string{"all", "none"}, nil)
	p.overwrite.SetSelected("all")
	p.mm = widget.NewEntry()
	p.mm.SetText("2")
	p.method = widget.NewSelect([]string{"median", "opening", "closing", "keep_largest", "remove_small"}, nil)
	p.method.SetSelected("median")
	p.plane = widget.NewSelect([]string{"axial", "coronal", "sagittal"}, nil)
	p.plane.SetSelected("axial")
	p.operator = widget.NewSelect([]string{"copy", "add", "subtract", "intersect", "invert"}, nil)
	p.operator.SetSelected("copy")
	p.operand = widget.NewSelect(nil, nil)
	p.fromVersion = widget.NewSelect(nil, nil)
	p.cutSide = widget.NewSelect([]string{"inside", "outside"}, nil)
	p.cutSide.SetSelected("inside")
	p.slabOn = widget.NewCheck("", nil)
	p.slabLo, p.slabHi = widget.NewEntry(), widget.NewEntry()
	p.slabLo.SetText("0")
	p.slabHi.SetText("1")
	p.cmpA, p.cmpB = widget.NewSelect(nil, nil), widget.NewSelect(nil, nil)
	compare := widget.NewButtonWithIcon("Compare", theme.SearchIcon(), p.Compare)
	p.compared = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	p.apply = widget.NewButtonWithIcon("Apply", theme.ConfirmIcon(), p.Apply)
	p.busyBar = widget.NewProgressBarInfinite()
	p.busyBar.Stop()
	p.busyText = widget.NewLabel("")
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), p.Cancel)
	p.busyRow = container.NewBorder(nil, nil, p.busyText, cancel, p.busyBar)
	p.busyRow.Hide()
	p.boxMM = widget.NewEntry()
	p.boxMM.SetText(strconv.Itoa(editops.SeedMarginMM))
	p.seedKind = widget.NewRadioGroup([]string{"structure", "background"}, nil)
	p.seedKind.Horizontal = true
	p.seedKind.SetSelected("structure")
	undo := widget.NewButtonWithIcon("Undo", theme.ContentUndoIcon(), p.Undo)
	redo := widget.NewButtonWithIcon("Redo", theme.ContentRedoIcon(), p.Redo)
	p.comment = widget.NewEntry()
	p.comment.SetPlaceHolder("what this version changes")
	save := widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), p.Save)
	p.status = widget.NewLabel("open a case, then Start editing")
	p.status.Wrapping = fyne.TextWrapWord
	p.history = widget.NewList(p.historyLen, func() fyne.CanvasObject { return widget.NewLabel("") }, func(i widget.ListItemID, o fyne.CanvasObject) {
		o.(*widget.Label).SetText(p.historyText(i))
	})
	item := widget.NewFormItem
	common := []*widget.FormItem{
		item("editable", p.area), item("inside", p.inside), item("intensity", p.huOn),
		item("HU", container.NewGridWithColumns(2, p.huLo, p.huHi)), item("overwrite", p.overwrite),
	}
	// Each tool's own options, as Slicer shows only the active effect's.
	p.toolRows = map[string][]*widget.FormItem{
		"brush":       {item("brush", shape), item("", container.NewBorder(nil, nil, nil, p.radiusText, radius))},
		"grow_seeds":  {item("seeds", p.seedKind), item("box mm", p.boxMM)},
		"margin":      {item("mm", p.mm)},
		"hollow":      {item("mm", p.mm)},
		"smooth":      {item("mm", p.mm), item("method", p.method)},
		"islands":     {item("mm³", p.mm), item("method", p.method)},
		"logical":     {item("operator", p.operator), item("operand", p.operand), item("from", p.fromVersion)},
		"scissors":    {item("cut", p.cutSide), item("depth", container.NewBorder(nil, nil, p.slabOn, nil, container.NewGridWithColumns(2, p.slabLo, p.slabHi)))},
		"interpolate": {item("across", p.plane)},
	}
	p.labelRow, p.common = item("label", p.label), common
	// As wide as the widest tool's options, so that the panel keeps its
	// width from tool to tool.
	p.optionsWidth = canvas.NewRectangle(color.Transparent)
	for _, t := range tools {
		p.tool = t
		w := widget.NewForm(p.optionItems()...).MinSize().Width
		p.optionsWidth.SetMinSize(fyne.NewSize(max(w, p.optionsWidth.MinSize().Width), 0))
	}
	p.options = container.NewStack()
	compareRow := container.NewVBox(container.NewGridWithColumns(2, p.cmpA, p.cmpB), compare)
	top := container.NewVBox(p.start, grid, p.options, p.apply, container.NewGridWithColumns(2, undo, redo),
		container.NewBorder(nil, nil, nil, save, p.comment),
		widget.NewLabel("Compare versions (0: the pipeline's output)"), compareRow, p.compared)
	// The history at least 200 high; the panel scrolls, so that it never
	// makes the window taller. The activity and the status stay in view
	// below it.
	tall := canvas.NewRectangle(color.Transparent)
	tall.SetMinSize(fyne.NewSize(0, 200))
	scroll := container.NewVScroll(container.NewVBox(top, container.NewStack(tall, p.history)))
	// Opaque, as the scrolled entries' text is not clipped under it.
	under := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	p.content = container.NewBorder(nil, container.NewStack(under, container.NewVBox(widget.NewSeparator(), p.busyRow, p.status)), nil, nil, scroll)
	p.SetTool("paint")
	return p
}

// Content is the panel's canvas object.
func (p *EditPanel) Content() fyne.CanvasObject { return p.content }

// setCase ends any session and offers the case's labels.
func (p *EditPanel) setCase(d *caseData) {
	p.End()
	p.data = d
	var names []string
	for _, l := range d.table.Labels {
		if l.Value > 0 && l.Value < 256 {
			names = append(names, l.Name)
		}
	}
	p.label.Options, p.inside.Options, p.operand.Options = names, names, names
	p.label.Refresh()
	p.inside.Refresh()
	p.operand.Refresh()
	p.compared.SetText("")
	p.refreshVersions()
	if len(d.present) > 0 {
		p.label.SetSelected(d.table.Name(d.present[0]))
	}
	p.status.SetText("Start editing takes the case for this window until it closes")
}

// Begin opens an editing session on the case shown. With Refuse, a case
// whose journal holds unsaved strokes asks whether to recover or discard
// them.
func (p *EditPanel) Begin(rec editsession.Recovery) {
	if p.data == nil || p.ed != nil {
		return
	}
	ed, err := beginEditing(p.data, rec)
	var unsaved *editsession.UnsavedError
	if errors.As(err, &unsaved) {
		d := dialog.NewConfirm("Unsaved edits", fmt.Sprintf("This case has %d stroke(s) that were not saved: the app was closed or stopped while editing.\n\nRecover them?", unsaved.Strokes), func(ok bool) {
			if ok {
				p.Begin(editsession.Recover)
			} else {
				p.Begin(editsession.Discard)
			}
		}, p.win)
		d.SetConfirmText("Recover")
		d.SetDismissText("Discard")
		d.Show()
		return
	}
	if err != nil {
		p.status.SetText("cannot edit: " + err.Error())
		return
	}
	p.ed = ed
	p.dirty = ed.session.Recovered > 0
	p.start.SetText("Stop editing")
	msg := "editing: strokes are journaled as they end; Save makes a version"
	if ed.session.Recovered > 0 {
		msg = fmt.Sprintf("recovered %d unsaved stroke(s); %s", ed.session.Recovered, msg)
	}
	p.status.SetText(msg)
	p.history.Refresh()
	p.refreshVersions()
	if p.OnEditing != nil {
		p.OnEditing(ed)
	}
}

// End closes the session, if any, and gives back the case's lock;
// unsaved strokes stay in the journal.
func (p *EditPanel) End() {
	if p.ed == nil {
		return
	}
	p.Cancel()
	// The seeds go with the session (an op still running may use them).
	p.dropGrow(false)
	if err := p.ed.close(); err != nil {
		p.status.SetText(err.Error())
	}
	p.ed = nil
	p.start.SetText("Start editing")
	if p.dirty {
		p.status.SetText("editing stopped; strokes not saved wait in the case's journal (offered when the case is next opened)")
	}
	if p.OnEditing != nil {
		p.OnEditing(nil)
	}
}

// SetTool chooses a tool by name; not while an op runs (refused).
// Leaving grow from seeds drops its preview and seed strokes.
func (p *EditPanel) SetTool(name string) {
	if p.refused() {
		return
	}
	if name != "grow_seeds" {
		p.dropGrow(true)
	}
	for _, t := range tools {
		if t.name == name {
			p.tool = t
		}
		p.toolButtons[t.name].Importance = widget.MediumImportance
		if t.name == name {
			p.toolButtons[t.name].Importance = widget.HighImportance
		}
		p.toolButtons[t.name].Refresh()
	}
	p.showOptions()
}

// optionItems are the rows of the active tool's options: the label, the
// brush's, the tool's own, the masking.
func (p *EditPanel) optionItems() []*widget.FormItem {
	items := []*widget.FormItem{p.labelRow}
	if p.tool.brush {
		items = append(items, p.toolRows["brush"]...)
	}
	return append(append(items, p.toolRows[p.tool.name]...), p.common...)
}

// showOptions shows the active tool's options, and Apply, named after
// it, where the tool has one.
func (p *EditPanel) showOptions() {
	p.options.Objects = []fyne.CanvasObject{p.optionsWidth, widget.NewForm(p.optionItems()...)}
	p.options.Refresh()
	p.apply.SetText("Apply: " + p.tool.text)
	if _, applies := p.toolRows[p.tool.name]; applies && p.tool.name != "scissors" {
		p.apply.Show()
	} else {
		p.apply.Hide()
	}
}

// toolKey chooses the tool of a shortcut key; it reports whether the key
// is one.
func (p *EditPanel) toolKey(r rune) bool {
	for _, t := range tools {
		if t.key == unicode.ToLower(r) {
			p.SetTool(t.name)
			return true
		}
	}
	return false
}

// masking is the panel's masking as an ops file states it, and the error
// of a range that is not two numbers.
func (p *EditPanel) masking() (*editops.MaskSpec, error) {
	m := &editops.MaskSpec{Editable: p.area.Selected, Overwrite: p.overwrite.Selected}
	if m.Editable == "inside" {
		m.InsideLabel = p.inside.Selected
	}
	if p.huOn.Checked {
		r, err := p.huRange()
		if err != nil {
			return nil, err
		}
		m.HU = &r
	}
	return m, nil
}

// huRange is the intensity range typed.
func (p *EditPanel) huRange() ([2]float64, error) {
	return numbers("intensity range", p.huLo.Text, p.huHi.Text)
}

// numbers is a range typed as two numbers, the first not above the
// second; what names it in the error.
func numbers(what, lo, hi string) ([2]float64, error) {
	a, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	b, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if err1 != nil || err2 != nil || !(a <= b) {
		return [2]float64{}, fmt.Errorf("%s %q to %q: want two numbers, the first not above the second", what, lo, hi)
	}
	return [2]float64{a, b}, nil
}

// op is an op of the panel's tool with its label, masking and the phase
// shown.
func (p *EditPanel) op(name string) (*editops.Op, error) {
	m, err := p.masking()
	if err != nil {
		return nil, err
	}
	o := &editops.Op{Op: name, Label: p.label.Selected, Mask: m}
	if p.Phase != nil {
		o.Phase = p.Phase()
	}
	return o, nil
}

// brushOp is the dab of the brush tool at the world point on the view of
// plane.
func (p *EditPanel) brushOp(plane sliceimg.Plane, world [3]float64) (*editops.Op, error) {
	o, err := p.op(p.tool.name)
	if err != nil {
		return nil, err
	}
	r := p.radius
	c := world
	o.CenterMM, o.RadiusMM = &c, &r
	o.Shape, o.Plane = "disc", plane.String()
	if p.sphere {
		o.Shape, o.Plane = "sphere", ""
	}
	if o.Op == "threshold" {
		hu, err := p.huRange()
		if err != nil {
			return nil, err
		}
		o.HU = &hu
	}
	if o.Op == "erase" && p.label.Selected == "" {
		o.Label = ""
	}
	return o, nil
}

// Editing reports whether a session is open and the tool acts on the
// slice views (rather than the views panning and moving the crosshair).
func (p *EditPanel) Editing() bool {
	return p.ed != nil && (p.tool.brush || p.tool.click || p.tool.name == "draw")
}

// BrushRadius is the brush outline's radius in mm, 0 for a tool without
// one.
func (p *EditPanel) BrushRadius() float64 {
	if p.ed == nil || !p.tool.brush {
		return 0
	}
	return p.radius
}

// Drag paints the brush's dabs from the last point of the drag to world,
// at most half a radius apart, or adds a vertex to a drawn polygon.
func (p *EditPanel) Drag(plane sliceimg.Plane, world [3]float64, polygon *[][3]float64) {
	if p.ed == nil || p.refused() {
		return
	}
	if p.tool.name == "draw" {
		*polygon = append(*polygon, world)
		return
	}
	if !p.tool.brush {
		return
	}
	from := world
	if p.started {
		from = p.last
	}
	d := math.Sqrt((world[0]-from[0])*(world[0]-from[0]) + (world[1]-from[1])*(world[1]-from[1]) + (world[2]-from[2])*(world[2]-from[2]))
	n := max(1, int(math.Ceil(d/(p.radius/2))))
	if !p.started {
		n = 0
	}
	for s := 0; s <= n; s++ {
		if p.started && s == 0 {
			continue
		}
		t := 1.0
		if n > 0 {
			t = float64(s) / float64(n)
		}
		at := [3]float64{from[0] + t*(world[0]-from[0]), from[1] + t*(world[1]-from[1]), from[2] + t*(world[2]-from[2])}
		if !p.dab(plane, at) {
			return
		}
		p.started = true
	}
	p.last = world
}

// dab paints one dab of the brush; false on an error (shown).
func (p *EditPanel) dab(plane sliceimg.Plane, at [3]float64) bool {
	o, err := p.brushOp(plane, at)
	if err == nil && p.tool.name == "grow_seeds" {
		var b block
		if b, err = p.ed.seedDab(o, p.seedKind.Selected == "background"); err == nil {
			// The preview shown is no longer the result.
			p.grown = nil
			p.apply.SetText("Apply: " + p.tool.text)
			p.preview(b)
			return true
		}
	} else if err == nil {
		var b block
		if b, err = p.ed.dab(o); err == nil {
			p.changed(b, false)
			return true
		}
	}
	p.status.SetText(err.Error())
	return false
}

// DragEnd ends a drag: the brush's stroke, or the drawn polygon filled,
// is journaled and becomes done.
func (p *EditPanel) DragEnd(plane sliceimg.Plane, polygon [][3]float64) {
	if p.ed == nil || p.busy != "" {
		return
	}
	p.started = false
	if p.tool.name == "draw" {
		if len(polygon) < 3 {
			return
		}
		o, err := p.op("draw")
		if err != nil {
			p.status.SetText(err.Error())
			return
		}
		o.PointsMM, o.Plane = polygon, plane.String()
		p.report(p.ed.do(o))
		return
	}
	p.strokeEnd()
}

// strokeEnd ends a brush's stroke: journaled, it is done; grow from
// seeds' seed strokes update the preview instead.
func (p *EditPanel) strokeEnd() {
	if p.tool.name == "grow_seeds" {
		p.growPreview()
		return
	}
	s, _, err := p.ed.endStroke()
	p.done(s, block{}, err)
}

// endDrag makes a brush drag still in progress (a key typed before the
// button is released) a done stroke, so that undo, redo and save follow
// it.
func (p *EditPanel) endDrag() {
	if s, ok, err := p.ed.endStroke(); ok || err != nil {
		p.started = false
		p.done(s, block{}, err)
	}
}

// Tap acts at a world point of the view of plane: one dab of a brush, a
// flood fill from the point, or the island there kept.
func (p *EditPanel) Tap(plane sliceimg.Plane, world [3]float64) {
	if p.ed == nil || p.refused() {
		return
	}
	switch {
	case p.tool.brush:
		p.started = false
		if p.dab(plane, world) {
			p.strokeEnd()
		}
	case p.tool.name == "flood":
		r, err := p.huRange()
		if err != nil {
			p.status.SetText(err.Error())
			return
		}
		if _, ok := p.labelValue(); !ok {
			return
		}
		o, err := p.op("flood")
		if err != nil {
			p.status.SetText(err.Error())
			return
		}
		c := world
		o.PointMM, o.HU = &c, &r
		if !p.sphere {
			o.Plane = plane.String()
		}
		p.run(o)
	case p.tool.name == "islands":
		o, err := p.op("islands")
		if err != nil {
			p.status.SetText(err.Error())
			return
		}
		c := world
		o.Mode, o.PointMM = "keep_clicked", &c
		p.run(o)
	}
}

// labelValue is the active label's value; false (said) when none is set.
func (p *EditPanel) labelValue() (uint8, bool) {
	l, ok := p.data.table.ByName(p.label.Selected)
	if !ok || l.Value <= 0 || l.Value > 255 {
		p.status.SetText("choose the label to edit")
		return 0, false
	}
	return uint8(l.Value), true
}

// Apply runs the tool that works on the whole label: margin, hollow and
// smoothing by the millimetres typed (islands: keep the largest or remove
// those under that many mm³), fill between slices across the plane chosen,
// and the logical operator chosen with the operand label (of the version
// chosen, or of this map), each off the UI goroutine (run). With grow
// from seeds it previews the grow, or accepts the preview shown.
func (p *EditPanel) Apply() {
	if p.ed == nil || p.refused() {
		return
	}
	if p.tool.name == "grow_seeds" {
		if p.grown != nil {
			p.acceptGrow()
		} else {
			p.growPreview()
		}
		return
	}
	mm, err := strconv.ParseFloat(strings.TrimSpace(p.mm.Text), 64)
	if err != nil {
		p.status.SetText(fmt.Sprintf("%q: not a number of millimetres", p.mm.Text))
		return
	}
	switch p.tool.name {
	case "margin", "smooth", "islands", "hollow", "logical":
		if _, ok := p.labelValue(); !ok {
			return
		}
		o, err := p.op(p.tool.name)
		if err != nil {
			p.status.SetText(err.Error())
			return
		}
		switch p.tool.name {
		case "margin", "hollow":
			o.MM = &mm
		case "logical":
			if err := p.logical(o); err != nil {
				p.status.SetText(err.Error())
				return
			}
		case "smooth":
			o.MM, o.Method = &mm, p.method.Selected
		default:
			o.Mode, o.MinMM3 = "keep_largest", 0
			if p.method.Selected == "remove_small" {
				o.Mode, o.MinMM3 = "remove_small", mm
			}
		}
		p.run(o)
	case "interpolate":
		if _, ok := p.labelValue(); !ok {
			return
		}
		o, err := p.op("interpolate")
		if err != nil {
			p.status.SetText(err.Error())
			return
		}
		o.Plane = p.plane.Selected
		p.run(o)
	case "scissors":
		p.status.SetText("Scissors works on the 3D view: left-drag a polygon over the model there")
	default:
		p.status.SetText(p.tool.text + " works on the slices: tap or drag there")
	}
}

// logical sets the logical op's operator, operand and the version it is
// taken from.
func (p *EditPanel) logical(o *editops.Op) error {
	o.Operator = p.operator.Selected
	if o.Operator == "invert" {
		return nil
	}
	if o.Operand = p.operand.Selected; o.Operand == "" {
		return errors.New("choose the operand label")
	}
	if n, ok := versionNumber(p.fromVersion.Selected); ok {
		o.FromVersion = &n
	}
	return nil
}

// Cutting reports whether a left-drag over the 3D view traces the
// scissors' polygon.
func (p *EditPanel) Cutting() bool { return p.ed != nil && p.tool.name == "scissors" }

// Cut erases the active label's voxels that the 3D view (its projection
// and viewport) shows inside the polygon traced over it (outside, as
// chosen), within the depth slab when ticked: the scissors op.
func (p *EditPanel) Cut(polygonPx [][2]float64, viewProj [16]float64, viewport [4]float64) {
	if !p.Cutting() || len(polygonPx) < 3 || p.refused() {
		return
	}
	o, err := p.op("scissors")
	if err == nil && p.slabOn.Checked {
		var slab [2]float64
		if slab, err = numbers("depth slab", p.slabLo.Text, p.slabHi.Text); err == nil {
			o.Slab = &slab
		}
	}
	if err != nil {
		p.status.SetText(err.Error())
		return
	}
	o.ViewProj, o.Viewport, o.PolygonPx, o.Outside = &viewProj, &viewport, polygonPx, p.cutSide.Selected == "outside"
	p.run(o)
}

// refreshVersions offers the case's saved versions for comparing and as
// the logical operand's source.
func (p *EditPanel) refreshVersions() {
	opts := []string{"v0: the pipeline's output"}
	if c, err := casefile.Open(p.data.dir); err == nil {
		if l, err := editversions.Load(c); err == nil && len(l.Versions) > 1 {
			for _, v := range l.Versions[1:] {
				opts = append(opts, fmt.Sprintf("v%d: %s", v.Version, v.Comment))
			}
		}
	}
	p.cmpA.Options, p.cmpB.Options = opts, opts
	p.fromVersion.Options = append([]string{"this map"}, opts...)
	p.cmpA.SetSelected(opts[0])
	p.cmpB.SetSelected(opts[len(opts)-1])
	p.fromVersion.SetSelected("this map")
}

// versionNumber is the version an option of refreshVersions names.
func versionNumber(option string) (int, bool) {
	var n int
	_, err := fmt.Sscanf(option, "v%d:", &n)
	return n, err == nil
}

// Compare shows, off the UI goroutine, the voxels changed and the Dice
// of every label between the two versions chosen
// (editversions.CompareVersions, as `kidney3d versions --compare`).
func (p *EditPanel) Compare() {
	a, okA := versionNumber(p.cmpA.Selected)
	b, okB := versionNumber(p.cmpB.Selected)
	if p.data == nil || !okA || !okB {
		p.compared.SetText("choose two versions")
		return
	}
	dir, table := p.data.dir, p.data.table
	p.compared.SetText("comparing…")
	go func() {
		var out strings.Builder
		c, err := casefile.Open(dir)
		var r *editversions.Comparison
		if err == nil {
			r, err = editversions.CompareVersions(c, a, b, table)
		}
		if err == nil {
			err = r.WriteText(&out)
		}
		text := strings.TrimRight(out.String(), "\n")
		if err != nil {
			text = "cannot compare: " + err.Error()
		}
		fyne.Do(func() {
			p.compared.SetText(text)
			if p.onCompared != nil {
				p.onCompared()
			}
		})
	}()
}

// run computes the op's change off the UI goroutine, showing the tool
// as busy (Cancel or Esc cancels it), then writes it into the map on the
// UI goroutine as one journaled stroke. While it runs, every other change
// of the map is refused (refused).
func (p *EditPanel) run(o *editops.Op) {
	ed := p.ed
	ctx, cancel := context.WithCancel(context.Background())
	p.setBusy(p.tool.text, cancel)
	go func() {
		prep, err := ed.session.Prepare(ctx, o)
		fyne.Do(func() {
			defer p.setBusy("", nil)
			switch {
			case p.ed != ed: // the session ended meanwhile
			case errors.Is(err, context.Canceled):
				p.status.SetText(p.busy + " cancelled: nothing changed")
			case err != nil:
				p.status.SetText(err.Error())
			default:
				p.report(ed.doPrepared(prep))
			}
		})
	}()
}

// growOp is the grow_seeds op of the panel: the active label against its
// surroundings (the box's unlabelled faces and the other labels, editops'
// box_faces), in its box grown by the box's millimetres typed.
func (p *EditPanel) growOp() (*editops.Op, error) {
	mm, err := strconv.ParseFloat(strings.TrimSpace(p.boxMM.Text), 64)
	if err != nil {
		return nil, fmt.Errorf("%q: not a number of millimetres", p.boxMM.Text)
	}
	if _, ok := p.labelValue(); !ok {
		return nil, errors.New("choose the label to grow")
	}
	o, err := p.op("grow_seeds")
	if err != nil {
		return nil, err
	}
	o.Labels, o.Background, o.MM = []string{o.Label}, "box_faces", &mm
	return o, nil
}

// growPreview runs grow from seeds off the UI goroutine, from the map and
// the seed strokes (editops.Grower), and shows its result in the slice
// views in place of the map, which it leaves as it is: Apply accepts it
// (acceptGrow), Cancel drops it, a further stroke updates it.
func (p *EditPanel) growPreview() {
	o, err := p.growOp()
	if err != nil {
		p.status.SetText(err.Error())
		return
	}
	ed := p.ed
	ctx, cancel := context.WithCancel(context.Background())
	p.setBusy(p.tool.text, cancel)
	go func() {
		prep, err := ed.session.Prepare(ctx, o)
		var v *volume.Volume[uint8]
		n := 0
		if err == nil {
			v, n, err = ed.previewOf(prep)
		}
		fyne.Do(func() {
			defer p.setBusy("", nil)
			switch {
			case p.ed != ed:
			case errors.Is(err, context.Canceled):
				p.status.SetText(p.busy + " cancelled: the preview is not up to date")
			case err != nil:
				p.status.SetText(err.Error())
			default:
				p.grown = prep
				p.apply.SetText("Apply: accept the grow")
				ed.setPreview(v)
				p.preview(block{})
				p.status.SetText(fmt.Sprintf("grow from seeds: preview of %s, %d voxels would change: Apply accepts it, Cancel drops it, more strokes update it", o.Label, n))
			}
		})
	}()
}

// acceptGrow writes the previewed grow into the map as one journaled
// stroke, exactly as previewed, and drops the seed strokes.
func (p *EditPanel) acceptGrow() {
	prep := p.grown
	p.dropGrow(true)
	p.report(p.ed.doPrepared(prep))
}

// dropGrow stops showing grow from seeds' preview; with seeds, its seed
// strokes and competition are dropped too.
func (p *EditPanel) dropGrow(seeds bool) {
	if p.ed == nil {
		return
	}
	if p.grown != nil {
		p.grown = nil
		p.apply.SetText("Apply: " + p.tool.text)
	}
	if seeds {
		p.ed.session.Grower().Reset()
	}
	if p.ed.preview != nil {
		p.ed.setPreview(nil)
		p.preview(block{})
	}
}

// preview tells the window that the preview changed in b (all of it when
// b is empty).
func (p *EditPanel) preview(b block) {
	if p.OnPreview != nil {
		p.OnPreview(p.ed.preview, b)
	}
}

// setBusy shows that the tool named runs off the UI goroutine (with the
// function that cancels it), or, with "", that none does; the tools and
// Apply are disabled meanwhile.
func (p *EditPanel) setBusy(name string, cancel context.CancelFunc) {
	was := p.busy
	p.busy, p.cancel = name, cancel
	for _, b := range p.toolButtons {
		if name != "" {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if name != "" {
		p.apply.Disable()
		p.busyText.SetText(name + "…")
		p.busyRow.Show()
		p.busyBar.Start()
		return
	}
	p.apply.Enable()
	p.busyBar.Stop()
	p.busyRow.Hide()
	if was != "" && p.onIdle != nil {
		p.onIdle()
	}
}

// refused reports whether an op runs off the UI goroutine, saying so: a
// stroke, undo, redo or save must wait for it.
func (p *EditPanel) refused() bool {
	if p.busy == "" {
		return false
	}
	p.status.SetText(fmt.Sprintf("%s is still running: wait for it, or Cancel (Esc)", p.busy))
	return true
}

// Cancel cancels the op running off the UI goroutine (Esc); the map is
// left as it was. With none running, it drops grow from seeds' preview
// and seed strokes.
func (p *EditPanel) Cancel() {
	if p.cancel != nil {
		p.cancel()
		return
	}
	if p.ed != nil && p.ed.preview != nil {
		p.dropGrow(true)
		p.status.SetText("grow from seeds: preview and seed strokes dropped")
	}
}

// report shows a whole stroke's result.
func (p *EditPanel) report(s edithistory.Entry, b block, err error) {
	if err == nil || b.labels != nil {
		p.changed(b, false)
	}
	p.done(s, b, err)
}

// done says a stroke is done (journaled) or why it failed.
func (p *EditPanel) done(s edithistory.Entry, b block, err error) {
	if err != nil {
		p.status.SetText(err.Error())
		return
	}
	if s.Delta == nil {
		p.status.SetText("nothing changed: no voxel there that the tool and the masking may change")
		return
	}
	p.dirty = true
	p.status.SetText(fmt.Sprintf("%s %s: %d voxels changed (journaled)", s.Tool, p.data.table.Name(int(s.Label)), s.Voxels()))
	p.history.Refresh()
	p.changed(b, true)
}

// changed tells the window what changed; a change of the map drops grow
// from seeds' preview (its seed strokes are kept).
func (p *EditPanel) changed(b block, done bool) {
	p.dropGrow(false)
	if p.OnChanged != nil {
		p.OnChanged(b, done)
	}
}

// Undo reverts the last stroke (Ctrl+Z).
func (p *EditPanel) Undo() { p.move(p.ed.undo, "undid") }

// Redo applies the last stroke undone again (Ctrl+Shift+Z).
func (p *EditPanel) Redo() { p.move(p.ed.redo, "redid") }

func (p *EditPanel) move(f func() (edithistory.Entry, block, bool, error), verb string) {
	if p.ed == nil || p.refused() {
		return
	}
	p.endDrag()
	s, b, ok, err := f()
	switch {
	case err != nil:
		p.status.SetText(err.Error())
	case !ok:
		p.status.SetText("nothing to " + strings.TrimSuffix(verb, "id") + "o")
	default:
		p.dirty = true
		p.status.SetText(fmt.Sprintf("%s %s %s: %d voxels", verb, s.Tool, p.data.table.Name(int(s.Label)), s.Voxels()))
		p.history.Refresh()
		p.changed(b, false)
		p.changed(block{}, true)
	}
}

// Save writes the map as a new version with the comment typed (Ctrl+S).
func (p *EditPanel) Save() {
	if p.ed == nil || p.refused() {
		return
	}
	p.endDrag()
	v, err := p.ed.save(p.comment.Text)
	if err != nil && v.File == "" {
		p.status.SetText("not saved: " + err.Error())
		return
	}
	p.comment.SetText("")
	p.dirty = false
	p.refreshVersions()
	if err != nil { // saved, but the journal could not be compacted
		p.status.SetText(err.Error())
		return
	}
	p.status.SetText(fmt.Sprintf("saved version %d (%s); `kidney3d run` brings output/ up to date", v.Version, v.File))
}

func (p *EditPanel) historyLen() int {
	if p.ed == nil {
		return 0
	}
	h := p.ed.session.History()
	return len(h.Done()) + len(h.Undone())
}

// historyText is row i of the history: the strokes done, oldest first,
// then those undone (marked), the next to redo first.
func (p *EditPanel) historyText(i int) string {
	h := p.ed.session.History()
	done, undone := h.Done(), h.Undone()
	mark := ""
	var s edithistory.Entry
	if i < len(done) {
		s = done[i]
	} else {
		s, mark = undone[len(undone)-1-(i-len(done))], " (undone)"
	}
	return fmt.Sprintf("%d. %s %s: %d voxels%s", i+1, s.Tool, p.data.table.Name(int(s.Label)), s.Voxels(), mark)
}
