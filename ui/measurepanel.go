package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/nephrometry"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/planreport"
	"kidney3d/pipeline/stages"
	"kidney3d/pipeline/territory"
	"kidney3d/pipeline/volume"
)

// MeasurePanel shows what a surgeon plans from: per tumour its diameters,
// volume, distances to the collecting system, sinus and vessels, and
// R.E.N.A.L., PADUA and C-index with each component's value; per kidney
// its volume and the parenchyma left after resection; the arterial
// territories. It reads the case's current report.json, or measures the
// label map shown (nephrometry.Assess, off the UI goroutine) when the
// report is absent or out of date, or after an edit (Measure). The same
// rows as the printed plan (planreport). A toggle shows the territories
// as colours in the views.
type MeasurePanel struct {
	source      *widget.Label // where the figures come from
	list        *fyne.Container
	territories *widget.Check
	content     fyne.CanvasObject
	gen         int // increments per SetReport or Measure; late results are dropped
	// measured, when set, is called on the UI goroutine once Measure has
	// shown its figures or why there are none (the tests wait on it).
	measured func()
	// OnTerritories is called on the UI goroutine when the territories
	// toggle changes.
	OnTerritories func(on bool)
}

// NewMeasurePanel makes an empty panel.
func NewMeasurePanel() *MeasurePanel {
	p := &MeasurePanel{source: widget.NewLabel("no case open")}
	p.source.Wrapping = fyne.TextWrapWord
	p.list = container.NewVBox()
	p.territories = widget.NewCheck("Arterial territories in the views", func(on bool) {
		if p.OnTerritories != nil {
			p.OnTerritories(on)
		}
	})
	p.territories.Disable()
	p.content = container.NewBorder(container.NewVBox(p.territories, p.source), nil, nil, nil, container.NewVScroll(p.list))
	return p
}

// Content is the panel's canvas object.
func (p *MeasurePanel) Content() fyne.CanvasObject { return p.content }

// SetTerritories enables the territories toggle (unticked) when the case
// has a current territory map, else disables it with the reason.
func (p *MeasurePanel) SetTerritories(available bool, reason string) {
	p.territories.OnChanged = nil
	p.territories.SetChecked(false)
	p.territories.OnChanged = func(on bool) {
		if p.OnTerritories != nil {
			p.OnTerritories(on)
		}
	}
	p.territories.Text = "Arterial territories in the views"
	if available {
		p.territories.Enable()
		return
	}
	p.territories.Text += " (" + reason + ")"
	p.territories.Disable()
}

// SetReport shows a report's tumours, kidneys and territories, and where
// they come from (from).
func (p *MeasurePanel) SetReport(rep *measure.Report, from string) {
	p.gen++
	p.list.RemoveAll()
	if len(rep.Tumors) == 0 {
		p.add(heading("Tumours"), text("The label map holds no tumour."))
	}
	for _, t := range rep.Tumors {
		p.add(heading(planreport.TumorHeading(t)))
		p.add(pairs(planreport.TumorRows(t))...)
		if t.CutByFieldOfView {
			p.add(text(planreport.CutLine))
		}
		if r := t.Renal; r != nil {
			p.add(bold("R.E.N.A.L. " + r.Text))
			p.add(pairs(planreport.RenalRows(r))...)
		}
		if t.Padua != nil {
			p.add(bold("PADUA " + t.Padua.Text))
			p.add(pairs(planreport.PaduaRows(t))...)
		}
		if l := planreport.CIndexLine(t); l != "" {
			p.add(bold(l))
		}
		if l := planreport.FeedsLine(t); l != "" {
			p.add(text(l))
		}
	}
	if len(rep.Kidneys) > 0 {
		p.add(heading("Kidneys"))
		p.add(records(planreport.KidneyRows(rep.Kidneys))...)
	}
	if t := rep.Territories; t != nil {
		p.add(heading("Arterial territories (estimate)"))
		for _, l := range planreport.ArteryLines(t) {
			p.add(text(l))
		}
		if len(t.Branches) == 0 {
			p.add(text(planreport.NoBranchLine))
		}
		p.add(records(planreport.BranchRows(t))...)
	}
	p.source.SetText(from)
}

// measuredNow is what the panel says of figures measured from the labels
// shown rather than read from the case's report.
const measuredNow = "Measured now from the labels shown, the arterial territories traced again from them; not saved: run the pipeline for the case's report."

// Measure measures the tumours and kidneys of lab (nephrometry.Assess,
// with the report's default resection margin) and traces its arterial
// territories (territory.Compute) off the UI goroutine, and shows them,
// saying they are not saved (measuredNow). lab must not change meanwhile.
// then, when not nil, is called on the UI goroutine once the measuring
// has ended, whether its figures were shown or a later call's replace
// them.
func (p *MeasurePanel) Measure(lab *volume.Volume[uint8], table *labels.Table, then func()) {
	p.gen++
	gen := p.gen
	p.source.SetText("measuring the labels shown…")
	go func() {
		rep, err := measureNow(lab, table)
		fyne.Do(func() {
			if then != nil {
				defer then()
			}
			if gen != p.gen {
				return
			}
			if err != nil {
				p.source.SetText("the labels shown could not be measured: " + err.Error())
			} else {
				p.SetReport(rep, measuredNow)
			}
			if p.measured != nil {
				p.measured()
			}
		})
	}()
}

// measureNow is the report Measure shows: lab's tumours and kidneys
// (nephrometry.Assess, the default resection margin) and its arterial
// territories (territory.Compute), side by side: both read lab only, so
// they take the longer one's time.
func measureNow(lab *volume.Volume[uint8], table *labels.Table) (*measure.Report, error) {
	rep := &measure.Report{}
	var t *territory.Result
	err := parallel.Each(context.Background(), 2, func(i int) (err error) {
		if i == 0 {
			rep.Tumors, rep.Kidneys, err = nephrometry.Assess(context.Background(), lab, table, stages.DefaultResectionMarginMM)
		} else {
			t, err = territory.Compute(context.Background(), lab, table)
		}
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	territory.Apply(rep, &t.Report)
	return rep, nil
}

// add appends objects to the list.
func (p *MeasurePanel) add(objs ...fyne.CanvasObject) {
	for _, o := range objs {
		p.list.Add(o)
	}
}

func heading(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func bold(s string) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	return l
}

func text(s string) fyne.CanvasObject {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// pairs shows a table of name, value(s) rows (its header left out) a
// line each: "R (radius): 2 — maximal diameter 41.6 mm".
func pairs(rows [][]string) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, r := range rows[1:] {
		out = append(out, text(r[0]+": "+strings.Join(r[1:], " — ")))
	}
	return out
}

// records shows a table whose rows are things (a kidney, a branch) a line
// each, every value after its column's name.
func records(rows [][]string) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, r := range rows[1:] {
		parts := []string{rows[0][0] + " " + r[0]}
		for i, c := range r[1:] {
			parts = append(parts, strings.ToLower(rows[0][i+1])+": "+c)
		}
		out = append(out, text(strings.Join(parts, "; ")))
	}
	return out
}

// SetCase shows a loaded case's figures: its current report's, else
// those of its label map measured now; and whether its territories can
// be shown.
func (p *MeasurePanel) SetCase(d *caseData) {
	p.SetTerritories(territoriesAvailable(d))
	switch {
	case d.report != nil && len(d.report.Tumors)+len(d.report.Kidneys) > 0:
		p.SetReport(d.report, "From the case's report (output/report.json).")
	case d.labels != nil:
		p.Measure(d.labels, d.table, nil)
	default:
		p.gen++
		p.list.RemoveAll()
		p.source.SetText("No labels to measure: run the pipeline.")
	}
}
