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

func mm(v *float64) string {
	if v == nil {
		return "not in the label map"
	}
	return fmt.Sprintf("%.1f mm", *v)
}

func (d *doc) tumor(t measure.Tumor) {
	d.heading(fmt.Sprintf("Tumour %d (%s)", t.Index, strings.ReplaceAll(orNone(t.Kidney), "_", " ")))
	d.pdf.SetFillColor(235, 235, 235)
	dist := t.DistancesMM
	d.table([]float64{70, 110}, [][]string{
		{"Measurement", "Value"},
		{"Volume", fmt.Sprintf("%.1f mL", t.VolumeML)},
		{"Maximal diameter", fmt.Sprintf("%.1f mm (between voxel centres: %.1f mm)", t.MaxDiameterMM, t.FeretCentresMM)},
		{"Orthogonal diameters", fmt.Sprintf("%.1f × %.1f × %.1f mm", t.DiametersMM[0], t.DiametersMM[1], t.DiametersMM[2])},
		{"Contact with the kidney", fmt.Sprintf("%.0f mm²", t.ContactMM2)},
		{"Exophytic share", fmt.Sprintf("%.0f %%", 100*t.ExophyticFraction)},
		{"Distance to collecting system", mm(dist.CollectingSystem)},
		{"Distance to renal sinus", mm(dist.RenalSinus)},
		{"Distance to renal artery", mm(dist.RenalArtery)},
		{"Distance to renal vein", mm(dist.RenalVein)},
	})
	if t.CutByFieldOfView {
		d.line("The scan's field of view cuts this tumour: its size is a lower bound.")
	}
	if r := t.Renal; r != nil {
		d.pdf.Ln(2)
		d.line(fmt.Sprintf("R.E.N.A.L. nephrometry score: %s", r.Text))
		d.table([]float64{50, 20, 110}, [][]string{
			{"Component", "Points", "From"},
			{"R (radius)", fmt.Sprint(r.R), fmt.Sprintf("maximal diameter %.1f mm", r.RDiameterMM)},
			{"E (exophytic)", fmt.Sprint(r.E), fmt.Sprintf("%.0f %% exophytic", 100*r.EExophyticFraction)},
			{"N (nearness)", fmt.Sprint(r.N), fmt.Sprintf("%.1f mm to the %s", r.NDistanceMM, map[bool]string{false: "collecting system", true: "renal sinus"}[r.NFromSinus])},
			{"A (anterior/posterior)", r.A, fmt.Sprintf("centroid %.1f mm anterior of the kidney's", r.AAnteriorMM)},
			{"L (location)", fmt.Sprint(r.L), fmt.Sprintf("%.0f %% between the polar lines; crosses the axial midline: %s", 100*r.LBetweenPolarLines, yesNo(r.LCrossesMidline))},
			{"h (hilar)", yesNo(r.H), fmt.Sprintf("%.1f mm to the renal artery or vein", r.HVesselDistanceMM)},
		})
	}
	if p := t.Padua; p != nil {
		d.pdf.Ln(2)
		d.line(fmt.Sprintf("PADUA score: %s", p.Text))
		d.table([]float64{50, 20, 110}, [][]string{
			{"Component", "Points", "From"},
			{"Longitudinal location", fmt.Sprint(p.Longitudinal), fmt.Sprintf("%.0f %% between the sinus lines", 100*p.BetweenSinusLines)},
			{"Exophytic rate", fmt.Sprint(p.Exophytic), fmt.Sprintf("%.0f %% exophytic", 100*t.ExophyticFraction)},
			{"Renal rim", fmt.Sprint(p.Rim), fmt.Sprintf("centroid %.1f mm medial of the kidney's", p.MedialMM)},
			{"Renal sinus", fmt.Sprint(p.Sinus), fmt.Sprintf("%.1f mm to the sinus", p.SinusDistanceMM)},
			{"Collecting system", fmt.Sprint(p.CollectingSystem), fmt.Sprintf("%.1f mm to the collecting system", p.CollectingSystemMM)},
			{"Size", fmt.Sprint(p.Size), fmt.Sprintf("maximal diameter %.1f mm", t.MaxDiameterMM)},
		})
	}
	if t.CIndexScore != nil {
		d.pdf.Ln(2)
		d.line(fmt.Sprintf("C-index: %.2f (tumour centre %.1f mm from the kidney's centre, radius %.1f mm)", *t.CIndexScore, t.CIndex.CentreDistanceMM, t.CIndex.RadiusMM))
	}
	if len(t.Territories) > 0 {
		d.line(fmt.Sprintf("Fed by arterial branches: %s (see Arterial territories)", strings.Trim(fmt.Sprint(t.Territories), "[]")))
	}
}

// territories prints the renal arteries and each terminal branch's
// territory: the parenchyma at risk when it is clamped, the tumour in it.
func (d *doc) territories(t *measure.Territories) {
	if t == nil {
		return
	}
	d.heading("Arterial territories (estimate; see Methods)")
	for _, a := range t.Arteries {
		from := "from the aorta"
		if !a.FromAorta {
			from = "not reaching the aorta label"
		}
		first := "no branching"
		if a.FirstBranchMM != nil {
			first = fmt.Sprintf("first branch %.1f mm from its start", *a.FirstBranchMM)
		}
		d.line(fmt.Sprintf("%s, renal artery %d (%s): %s, %d terminal branches", strings.ReplaceAll(a.Kidney, "_", " "), a.Index, from, first, a.Branches))
	}
	if len(t.Branches) == 0 {
		d.line("No artery branch reaches a kidney in the label map.")
		return
	}
	rows := [][]string{{"Branch", "Kidney", "Artery", "Length", "At risk if clamped", "Tumour in it"}}
	for _, b := range t.Branches {
		tum := "none"
		if len(b.Tumors) > 0 {
			tum = fmt.Sprintf("%.1f mL (tumour %s)", b.TumorML, strings.Trim(fmt.Sprint(b.Tumors), "[]"))
		}
		rows = append(rows, []string{fmt.Sprint(b.Index), strings.ReplaceAll(b.Kidney, "_", " "), fmt.Sprint(b.Artery),
			fmt.Sprintf("%.0f mm", b.LengthMM), fmt.Sprintf("%.1f mL parenchyma", b.ParenchymaML), tum})
	}
	d.table([]float64{18, 30, 16, 20, 46, 50}, rows)
}

func (d *doc) kidneys(ks []measure.Kidney) {
	if len(ks) == 0 {
		return
	}
	d.heading("Kidneys")
	rows := [][]string{{"Kidney", "Volume", "Left after resection", "Renal arteries", "Renal veins", "Aorta to 1st branch"}}
	for _, k := range ks {
		first := "-"
		if k.AortaToFirstBranchMM != nil {
			first = fmt.Sprintf("%.1f mm", *k.AortaToFirstBranchMM)
		}
		rows = append(rows, []string{
			strings.ReplaceAll(k.Name, "_", " "), fmt.Sprintf("%.1f mL", k.VolumeML),
			fmt.Sprintf("%.1f mL (margin %.0f mm)", k.RemainingML, k.ResectionMarginMM),
			fmt.Sprint(k.Arteries), fmt.Sprint(k.Veins), first,
		})
	}
	d.table([]float64{28, 24, 46, 26, 24, 32}, rows)
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

func orNone(s string) string {
	if s == "" {
		return "no kidney"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
