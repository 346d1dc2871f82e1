// Package planreport lays out the printable surgical plan of a case as a
// PDF (codeberg.org/go-pdf/fpdf): identifiers, the not-for-clinical-use
// notice, the measurement table, nephrometry with its components, the
// kidneys, the provenance of every structure and the pictures it is given
// (3D views, key slices). It draws what it is given and computes nothing.
package planreport

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/measure"
)

// Picture is one image of the plan with its caption.
type Picture struct {
	Caption string
	Image   image.Image
}

// Plan is what the printed plan shows.
type Plan struct {
	// Case names the case (its folder); Study the study's identifiers
	// (from case.json), one line each.
	Case  string
	Study []string
	// Notice is the not-for-clinical-use notice ("" when none applies).
	Notice string
	Report *measure.Report
	// Views are 3D snapshots; Slices key slices through the tumour.
	Views, Slices []Picture
	// Missing says, a line each, what the plan could not show and why.
	Missing []string
	// Software names the program and its version.
	Software string
	// Made is when the plan was made.
	Made time.Time
}

// Write lays the plan out and writes it to path atomically.
func Write(path string, p *Plan) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Render(w, p) })
}

// Render lays the plan out as PDF bytes on w.
func Render(w io.Writer, p *Plan) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(p.Made)
	pdf.SetModificationDate(p.Made)
	pdf.SetTitle("Surgical plan "+p.Case, true)
	pdf.SetCreator(p.Software, true)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	text := func(s string) string { return tr(ascii(s)) }
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "I", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, text(fmt.Sprintf("%s · %s · page %d", p.Case, p.Software, pdf.PageNo())), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	d := &doc{pdf: pdf, text: text}
	d.title("Surgical plan: " + p.Case)
	for _, l := range p.Study {
		d.line(l)
	}
	d.line("Made " + p.Made.UTC().Format("2006-01-02 15:04 UTC") + " by " + p.Software)
	if p.Notice != "" {
		pdf.SetTextColor(200, 0, 0)
		pdf.SetFont("Helvetica", "B", 10)
		pdf.MultiCell(0, 5, text(p.Notice), "1", "L", false)
		pdf.SetTextColor(0, 0, 0)
	}
	r := p.Report
	for _, t := range r.Tumors {
		d.tumor(t)
	}
	if len(r.Tumors) == 0 {
		d.heading("Tumours")
		d.line("The label map holds no tumour.")
	}
	d.kidneys(r.Kidneys)
	d.territories(r.Territories)
	d.provenance(r)
	if len(p.Views)+len(p.Slices) > 0 {
		d.pdf.AddPage()
	}
	d.pictures("3D views", p.Views, 3)
	d.pictures("Key slices through the tumour (label overlay)", p.Slices, 3)
	if len(p.Missing) > 0 {
		d.heading("Not shown")
		for _, m := range p.Missing {
			d.small(m)
		}
	}
	d.heading("Methods")
	for _, m := range r.Methods {
		d.small(m)
	}
	return pdf.Output(w)
}

// ascii replaces the characters the PDF's built-in fonts lack.
func ascii(s string) string {
	return strings.NewReplacer("≥", ">=", "≤", "<=", "→", "->", "…", "...").Replace(s)
}

// doc writes the plan's parts.
type doc struct {
	pdf  *fpdf.Fpdf
	text func(string) string
}

func (d *doc) title(s string) {
	d.pdf.SetFont("Helvetica", "B", 16)
	d.pdf.CellFormat(0, 9, d.text(s), "", 1, "L", false, 0, "")
}

func (d *doc) heading(s string) {
	d.pdf.Ln(2)
	d.pdf.SetFont("Helvetica", "B", 12)
	d.pdf.CellFormat(0, 7, d.text(s), "B", 1, "L", false, 0, "")
	d.pdf.Ln(1)
}

func (d *doc) line(s string) {
	d.pdf.SetFont("Helvetica", "", 10)
	d.pdf.MultiCell(0, 5, d.text(s), "", "L", false)
}

func (d *doc) small(s string) {
	d.pdf.SetFont("Helvetica", "", 7.5)
	d.pdf.MultiCell(0, 3.6, d.text(s), "", "L", false)
}

// table writes rows of cells with the given column widths; the first row
// is bold.
func (d *doc) table(widths []float64, rows [][]string) {
	for n, row := range rows {
		style := ""
		if n == 0 {
			style = "B"
		}
		d.pdf.SetFont("Helvetica", style, 8.5)
		for i, c := range row {
			d.pdf.CellFormat(widths[i], 5, d.text(c), "1", 0, "L", n == 0, 0, "")
		}
		d.pdf.Ln(-1)
	}
}

func (d *doc) tumor(t measure.Tumor) {
	d.heading(TumorHeading(t))
	d.pdf.SetFillColor(235, 235, 235)
	d.table([]float64{70, 110}, TumorRows(t))
	if t.CutByFieldOfView {
		d.line(CutLine)
	}
	if r := t.Renal; r != nil {
		d.pdf.Ln(2)
		d.line("R.E.N.A.L. nephrometry score: " + r.Text)
		d.table([]float64{50, 20, 110}, RenalRows(r))
	}
	if p := t.Padua; p != nil {
		d.pdf.Ln(2)
		d.line("PADUA score: " + p.Text)
		d.table([]float64{50, 20, 110}, PaduaRows(t))
	}
	if l := CIndexLine(t); l != "" {
		d.pdf.Ln(2)
		d.line(l)
	}
	if l := FeedsLine(t); l != "" {
		d.line(l)
	}
}

// territories prints the renal arteries and each terminal branch's
// territory: the parenchyma at risk when it is clamped, the tumour in it.
func (d *doc) territories(t *measure.Territories) {
	if t == nil {
		return
	}
	d.heading("Arterial territories (estimate; see Methods)")
	for _, l := range ArteryLines(t) {
		d.line(l)
	}
	if len(t.Branches) == 0 {
		d.line(NoBranchLine)
		return
	}
	d.table([]float64{18, 30, 16, 20, 46, 50}, BranchRows(t))
}

func (d *doc) kidneys(ks []measure.Kidney) {
	if len(ks) == 0 {
		return
	}
	d.heading("Kidneys")
	d.table([]float64{28, 24, 46, 26, 24, 32}, KidneyRows(ks))
}

func (d *doc) provenance(r *measure.Report) {
	d.heading("Structures and where they came from")
	rows := [][]string{{"Structure", "Volume", "Source"}}
	for _, s := range r.Structures {
		src := s.Provenance.Source
		for _, m := range s.Provenance.Models() {
			src += " " + m.Name + " " + m.Version
		}
		if s.Provenance.Edited {
			src += ", edited"
		}
		rows = append(rows, []string{s.Name, s.VolumeText(), src})
	}
	d.table([]float64{45, 30, 105}, rows)
}

// pictures places the pictures perRow to a row, with their captions,
// under a heading.
func (d *doc) pictures(title string, pics []Picture, perRow int) {
	if len(pics) == 0 {
		return
	}
	d.heading(title)
	left, _, right, _ := d.pdf.GetMargins()
	pageW, _ := d.pdf.GetPageSize()
	w := (pageW - left - right - float64(perRow-1)*4) / float64(perRow)
	for i, p := range pics {
		var buf bytes.Buffer
		if err := png.Encode(&buf, p.Image); err != nil {
			d.pdf.SetError(err)
			return
		}
		name := fmt.Sprintf("%s-%d", title, i)
		info := d.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &buf)
		if info == nil {
			return
		}
		h := w * info.Height() / info.Width()
		col := i % perRow
		if col == 0 && i > 0 {
			d.pdf.SetY(d.pdf.GetY() + 6)
		}
		x, y := left+float64(col)*(w+4), d.pdf.GetY()
		d.pdf.ImageOptions(name, x, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		d.pdf.SetXY(x, y+h)
		d.pdf.SetFont("Helvetica", "", 8)
		d.pdf.CellFormat(w, 4, d.text(p.Caption), "", 0, "C", false, 0, "")
		if col == perRow-1 || i == len(pics)-1 {
			d.pdf.SetXY(left, y+h+5)
		} else {
			d.pdf.SetXY(x+w+4, y)
		}
	}
	d.pdf.Ln(2)
}
