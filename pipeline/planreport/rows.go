package planreport

import (
	"fmt"
	"strings"

	"kidney3d/pipeline/measure"
)

// The tables' rows and the lines of the plan, as text: the first row of
// each table is its header. The app's measurements panel shows the same.

// CutLine says that the field of view cuts a tumour.
const CutLine = "The scan's field of view cuts this tumour: its size is a lower bound."

// NoBranchLine says that no territory was found.
const NoBranchLine = "No artery branch reaches a kidney in the label map."

// TumorHeading names a tumour and its kidney: "Tumour 1 (kidney left)".
func TumorHeading(t measure.Tumor) string {
	return fmt.Sprintf("Tumour %d (%s)", t.Index, strings.ReplaceAll(orNone(t.Kidney), "_", " "))
}

// TumorRows are a tumour's measurements.
func TumorRows(t measure.Tumor) [][]string {
	dist := t.DistancesMM
	return [][]string{
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
	}
}

// RenalRows are R.E.N.A.L.'s components, their points and the values they
// came from.
func RenalRows(r *measure.Renal) [][]string {
	return [][]string{
		{"Component", "Points", "From"},
		{"R (radius)", fmt.Sprint(r.R), fmt.Sprintf("maximal diameter %.1f mm", r.RDiameterMM)},
		{"E (exophytic)", fmt.Sprint(r.E), fmt.Sprintf("%.0f %% exophytic", 100*r.EExophyticFraction)},
		{"N (nearness)", fmt.Sprint(r.N), nearnessFrom(r)},
		{"A (anterior/posterior)", r.A, fmt.Sprintf("centroid %.1f mm anterior of the kidney's", r.AAnteriorMM)},
		{"L (location)", fmt.Sprint(r.L), fmt.Sprintf("%.0f %% between the polar lines; crosses the axial midline: %s", 100*r.LBetweenPolarLines, yesNo(r.LCrossesMidline))},
		{"h (hilar)", yesNo(r.H), hilarFrom(r)},
	}
}

// nearnessFrom is what N came from: the distance to the collecting system
// (or, where it has none, the renal sinus), or that there is neither.
func nearnessFrom(r *measure.Renal) string {
	if r.NNothingNear {
		return "no collecting system or renal sinus in the labels: 1 by default"
	}
	return fmt.Sprintf("%.1f mm to the %s", r.NDistanceMM, map[bool]string{false: "collecting system", true: "renal sinus"}[r.NFromSinus])
}

// hilarFrom is what h came from: the distance to the renal vessels, or
// that the labels hold none.
func hilarFrom(r *measure.Renal) string {
	if r.HNoVessel {
		return "no renal artery or vein in the labels: no by default"
	}
	return fmt.Sprintf("%.1f mm to the renal artery or vein", r.HVesselDistanceMM)
}

// PaduaRows are PADUA's components, their points and the values they
// came from; t.Padua must be set.
func PaduaRows(t measure.Tumor) [][]string {
	p := t.Padua
	return [][]string{
		{"Component", "Points", "From"},
		{"Longitudinal location", fmt.Sprint(p.Longitudinal), fmt.Sprintf("%.0f %% between the sinus lines", 100*p.BetweenSinusLines)},
		{"Exophytic rate", fmt.Sprint(p.Exophytic), fmt.Sprintf("%.0f %% exophytic", 100*t.ExophyticFraction)},
		{"Renal rim", fmt.Sprint(p.Rim), fmt.Sprintf("centroid %.1f mm medial of the kidney's", p.MedialMM)},
		{"Renal sinus", fmt.Sprint(p.Sinus), fmt.Sprintf("%.1f mm to the sinus", p.SinusDistanceMM)},
		{"Collecting system", fmt.Sprint(p.CollectingSystem), fmt.Sprintf("%.1f mm to the collecting system", p.CollectingSystemMM)},
		{"Size", fmt.Sprint(p.Size), fmt.Sprintf("maximal diameter %.1f mm", t.MaxDiameterMM)},
	}
}

// CIndexLine is the tumour's C-index and what it came from, "" when it
// has none.
func CIndexLine(t measure.Tumor) string {
	if t.CIndexScore == nil {
		return ""
	}
	return fmt.Sprintf("C-index: %.2f (tumour centre %.1f mm from the kidney's centre, radius %.1f mm)", *t.CIndexScore, t.CIndex.CentreDistanceMM, t.CIndex.RadiusMM)
}

// FeedsLine names the arterial branches that feed the tumour, "" when
// none is known.
func FeedsLine(t measure.Tumor) string {
	if len(t.Territories) == 0 {
		return ""
	}
	return fmt.Sprintf("Fed by arterial branches: %s (see Arterial territories)", strings.Trim(fmt.Sprint(t.Territories), "[]"))
}

// KidneyRows are the kidneys' volumes, the parenchyma left after
// resection and their vessels.
func KidneyRows(ks []measure.Kidney) [][]string {
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
	return rows
}

// ArteryLines describe the renal arteries, a line each.
func ArteryLines(t *measure.Territories) []string {
	var out []string
	for _, a := range t.Arteries {
		from := "from the aorta"
		if !a.FromAorta {
			from = "not reaching the aorta label"
		}
		first := "no branching"
		if a.FirstBranchMM != nil {
			first = fmt.Sprintf("first branch %.1f mm from its start", *a.FirstBranchMM)
		}
		out = append(out, fmt.Sprintf("%s, renal artery %d (%s): %s, %d terminal branches", strings.ReplaceAll(a.Kidney, "_", " "), a.Index, from, first, a.Branches))
	}
	return out
}

// BranchRows are the terminal branches' territories: the parenchyma at
// risk when each is clamped and the tumour in it.
func BranchRows(t *measure.Territories) [][]string {
	rows := [][]string{{"Branch", "Kidney", "Artery", "Length", "At risk if clamped", "Tumour in it"}}
	for _, b := range t.Branches {
		tum := "none"
		if len(b.Tumors) > 0 {
			tum = fmt.Sprintf("%.1f mL (tumour %s)", b.TumorML, strings.Trim(fmt.Sprint(b.Tumors), "[]"))
		}
		rows = append(rows, []string{fmt.Sprint(b.Index), strings.ReplaceAll(b.Kidney, "_", " "), fmt.Sprint(b.Artery),
			fmt.Sprintf("%.0f mm", b.LengthMM), fmt.Sprintf("%.1f mL parenchyma", b.ParenchymaML), tum})
	}
	return rows
}

func mm(v *float64) string {
	if v == nil {
		return "not in the label map"
	}
	return fmt.Sprintf("%.1f mm", *v)
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
