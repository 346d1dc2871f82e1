package measure

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"kidney3d/pipeline/buildinfo"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/volume"
)

// Report is output/report.json: each structure of the label map with its
// measurements and provenance, and the stages of the run that made
// nothing, with why. It holds no timings (they are in manifest.json), so
// that the same inputs always give the same bytes.
type Report struct {
	LabelMap string `json:"label_map"`
	// DiameterMethod says how max_diameter_mm is measured.
	DiameterMethod string      `json:"diameter_method"`
	Structures     []Structure `json:"structures"`
	// Tumors are the tumour's connected components, measured and scored
	// (package nephrometry); Kidneys the kidneys' volumes and vessels;
	// Methods say, a line each, how both were measured.
	Tumors  []Tumor  `json:"tumors,omitempty"`
	Kidneys []Kidney `json:"kidneys,omitempty"`
	// Territories are the renal arteries and their branches' territories
	// (package territory), when the territories stage ran.
	Territories *Territories `json:"territories,omitempty"`
	Methods     []string     `json:"methods,omitempty"`
	// Skipped are the stages of the run that made nothing, with the reason
	// they recorded: what could not be produced, and why.
	Skipped []Skipped `json:"skipped,omitempty"`
	// Software is the kidney3d that wrote the report (its models are in
	// each structure's provenance).
	Software *buildinfo.Build `json:"software,omitempty"`
}

// NotMade says, a line per stage that could not run, which labels were
// not made and why: "ureter: needs phase D (no input/D.nii.gz)".
func (r *Report) NotMade() []string {
	var out []string
	for _, s := range r.Skipped {
		if len(s.NotMade) > 0 {
			out = append(out, strings.Join(s.NotMade, ", ")+": "+s.Reason)
		}
	}
	return out
}

// WeakValidation says, a line per structure made by a model whose
// training record gives it a validation Dice below threshold for the phases
// it was fed, how well the model did there (Structure.WeakModelNote):
// "tumor: Dice 0.72 on the validation cases of demo-kidney 1.0.0 with phase
// A". Such a structure may be incomplete or wrong here (a small tumour
// missed, say).
func (r *Report) WeakValidation(threshold float64) []string {
	var out []string
	for _, s := range r.Structures {
		if note := s.WeakModelNote(threshold); note != "" {
			out = append(out, s.Name+": "+note)
		}
	}
	return out
}

// WeakDice is the validation Dice below which a structure is called out
// (WeakValidation) in the run's summary and the app: the bar issue 11 sets
// for the tumour.
const WeakDice = 0.8

// Skipped is a stage that made nothing: it ran and found nothing to do, or
// it could not run (an input it needs, such as a phase, is missing).
type Skipped struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
	// NotMade are the labels the stage would have made that the label map
	// lacks (a stage that could not run).
	NotMade []string `json:"not_made,omitempty"`
}

// Structure is one line of the report. A structure cut by the field of
// view has CutByFieldOfView set, and its volume (and diameter, when
// measured) is only a lower bound: the scan does not show all of it.
type Structure struct {
	Name          string  `json:"name"`
	Value         int     `json:"value"`
	Voxels        int     `json:"voxels"`
	VolumeML      float64 `json:"volume_ml"`
	MaxDiameterMM float64 `json:"max_diameter_mm,omitempty"`
	// CutByFieldOfView lists the faces of the scan's grid that the
	// structure touches.
	CutByFieldOfView []Cut `json:"cut_by_field_of_view,omitempty"`
	// VolumeIsLowerBound: the true volume is at least VolumeML.
	VolumeIsLowerBound bool `json:"volume_ml_is_lower_bound,omitempty"`
	// DiameterIsLowerBound: the true diameter is at least MaxDiameterMM.
	DiameterIsLowerBound bool `json:"max_diameter_mm_is_lower_bound,omitempty"`
	// Provenance says where the structure's voxels came from.
	Provenance Provenance `json:"provenance"`
}

// Cut is one face of the grid a structure touches.
type Cut struct {
	Side   string `json:"side"`   // the patient side it looks to, e.g. "inferior"
	Face   string `json:"face"`   // the face in storage terms, e.g. "first slice (k = 0)"
	Voxels int    `json:"voxels"` // the structure's voxels on that face
}

// Sources of a label (Provenance.Source).
const (
	// FromModel: a segmentation model made it (Provenance.Model).
	FromModel = "model"
	// FromGiven: a mask given in input/masks (Provenance.Given).
	FromGiven = "given"
	// FromDerived: a stage made it from other labels and the image, such
	// as the perirenal fat from the kidneys (Provenance.BasedOn).
	FromDerived = "derived"
	// FromEdit: a saved version of the segment editor (Provenance.Edit).
	FromEdit = "edit"
	// FromUnknown: the manifest does not say (Provenance.Note says why).
	FromUnknown = "unknown"
)

// Provenance is where one label of the label map came from: its source,
// then the stages that passed it on to the label map, each saying whether
// it changed the mask.
type Provenance struct {
	Source string `json:"source"`
	// Stage made the label: the segmentation stage for a model, the
	// deriving stage; "" for a given mask.
	Stage string             `json:"stage,omitempty"`
	Model *modelpkg.Identity `json:"model,omitempty"`
	// Phases are the phases the model read, e.g. ["P"] when a case had
	// only the portal venous phase.
	Phases []string `json:"phases,omitempty"`
	// ValidationDice is the Dice score the model's training record gives
	// for this label on the model's validation cases with these phases:
	// how well it did there (synthetic phantoms, for the demo models), not
	// a measure of this result; absent when the record has none.
	ValidationDice *float64   `json:"validation_dice,omitempty"`
	Given          *GivenMask `json:"given,omitempty"`
	// Edit is the saved version the label was taken from (FromEdit).
	Edit *EditSource `json:"edit,omitempty"`
	// BasedOn are the models behind the masks a derived label was made
	// from.
	BasedOn []modelpkg.Identity `json:"based_on_models,omitempty"`
	// Steps are the stages between the source and the label map, first to
	// last (e.g. reconnect, cleanup).
	Steps []Step `json:"steps"`
	// Edited is set when a saved version of the segment editor changed the
	// label (Source is then FromEdit).
	Edited bool `json:"edited"`
	// Note says why the source, or that of a label a derived one was made
	// from, is unknown.
	Note string `json:"note,omitempty"`
}

// GivenMask is a mask given in input/masks, as the run read it.
type GivenMask struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// EditSource is a saved version of the segment editor, as a run read it.
type EditSource struct {
	Version int    `json:"version"`
	File    string `json:"file"`   // its label map, relative to the case folder
	SHA256  string `json:"sha256"` // of File
}

// Step is one stage a label passed through. Changed: the stage's output
// file for the label differs from its input file.
type Step struct {
	Stage   string `json:"stage"`
	Changed bool   `json:"changed"`
}

// Models are every model behind the label: the one that made it, or those
// it was derived from.
func (p Provenance) Models() []modelpkg.Identity {
	if p.Model != nil {
		return []modelpkg.Identity{*p.Model}
	}
	return p.BasedOn
}

// ParseReport decodes report.json; source names it in errors.
func ParseReport(data []byte, source string) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not a report: %v", source, limits.Quote(err.Error()))
	}
	for _, s := range r.Structures {
		if s.Name == "" || !(s.VolumeML >= 0) || math.IsInf(s.VolumeML, 0) || s.Voxels < 0 {
			return nil, fmt.Errorf("%s: structure %s: want a name, voxels ≥ 0 and a finite volume ≥ 0", source, limits.Quote(s.Name))
		}
	}
	return &r, nil
}

// Structure is the report's line for a label name.
func (r *Report) Structure(name string) (Structure, bool) {
	i := slices.IndexFunc(r.Structures, func(s Structure) bool { return s.Name == name })
	if i < 0 {
		return Structure{}, false
	}
	return r.Structures[i], true
}

// Notice is what every screen and picture showing the named structures
// must carry, or "" when none: "NOT FOR CLINICAL USE", the models behind
// them that their model.json does not state fit for clinical use, and what
// those say of their use; a structure shown whose provenance the report
// lacks is named as unknown, and so are all of them on a nil report (a
// case with no current report.json).
func (r *Report) Notice(shown []string) string {
	var models, uses, unknown []string
	if r == nil && len(shown) > 0 {
		return NoticeText(nil, nil, []string{"every label: no current report.json"})
	}
	for _, name := range shown {
		s, ok := r.Structure(name)
		if !ok || s.Provenance.Source == FromUnknown || s.Provenance.Source == "" || s.Provenance.Note != "" {
			unknown = append(unknown, name)
			continue
		}
		for _, m := range s.Provenance.Models() {
			if m.ClinicalUse {
				continue
			}
			if id := m.Name + " " + m.Version; !slices.Contains(models, id) {
				models = append(models, id)
			}
			use := m.IntendedUse
			if use == "" {
				use = "its model.json does not state clinical use"
			}
			if !slices.Contains(uses, use) {
				uses = append(uses, use)
			}
		}
	}
	return NoticeText(models, uses, unknown)
}

// NoticeText is the notice for labels from the given models (name and
// version) whose model.json says uses, and for the structures whose
// provenance is unknown; "" when both lists are empty.
func NoticeText(models, uses, unknown []string) string {
	var parts []string
	if len(models) > 0 {
		slices.Sort(models)
		parts = append(parts, "labels from "+strings.Join(models, ", ")+": "+strings.Join(uses, "; "))
	}
	if len(unknown) > 0 {
		parts = append(parts, "provenance unknown for "+strings.Join(unknown, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "NOT FOR CLINICAL USE — " + strings.Join(parts, "; ")
}

// VolumeText is the structure's volume as the user reads it: "12.3 mL",
// or "≥ 12.3 mL" when the field of view cuts it.
func (s Structure) VolumeText() string {
	if s.VolumeIsLowerBound {
		return fmt.Sprintf("≥ %.1f mL", s.VolumeML)
	}
	return fmt.Sprintf("%.1f mL", s.VolumeML)
}

// FieldOfViewNote is "cut by the field of view (inferior, right)" for a
// structure the scan's edge cuts, else "".
func (s Structure) FieldOfViewNote() string {
	if len(s.CutByFieldOfView) == 0 {
		return ""
	}
	var sides []string
	for _, c := range s.CutByFieldOfView {
		if !slices.Contains(sides, c.Side) {
			sides = append(sides, c.Side)
		}
	}
	return "cut by the field of view (" + strings.Join(sides, ", ") + ")"
}

// WeakModelNote is "Dice 0.72 on the validation cases of demo-kidney 1.0.0
// with phase A" for a structure made by a model whose training record
// gives it a validation Dice below threshold for the phases it was fed,
// else "".
func (s Structure) WeakModelNote(threshold float64) string {
	p := s.Provenance
	if p.ValidationDice == nil || *p.ValidationDice >= threshold || p.Model == nil {
		return ""
	}
	phases := "phases " + strings.Join(p.Phases, "+")
	if len(p.Phases) == 1 {
		phases = "phase " + p.Phases[0]
	}
	return fmt.Sprintf("Dice %.2f on the validation cases of %s %s with %s", *p.ValidationDice, p.Model.Name, p.Model.Version, phases)
}

// Measure lists the structures of a label map, by value: voxel count,
// volume in mL, the grid faces each touches (then the volume is a lower
// bound) and, for the names in diameters, the maximal diameter. Names come
// from table; provenance is left to the caller. It stops when ctx is done
// and reports progress in [0, 1] when progress is not nil.
func Measure(ctx context.Context, lab *volume.Volume[uint8], table *labels.Table, diameters []string, progress func(float64)) ([]Structure, error) {
	counts := Counts(lab)
	edges := EdgeVoxels(lab)
	ml := lab.VoxelVolume() / 1000
	var out []Structure
	for v := 1; v < 256; v++ {
		if counts[v] == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st := Structure{Name: table.Name(v), Value: v, Voxels: counts[v], VolumeML: round(float64(counts[v])*ml, 3)}
		for f, face := range Faces {
			if n := edges[v][f]; n > 0 {
				st.CutByFieldOfView = append(st.CutByFieldOfView, Cut{Side: face.Side(lab.Affine), Face: face.Describe(lab.Dims), Voxels: n})
			}
		}
		st.VolumeIsLowerBound = len(st.CutByFieldOfView) > 0
		if slices.Contains(diameters, st.Name) {
			st.MaxDiameterMM = round(MaxDiameter(lab, uint8(v)), 2)
			st.DiameterIsLowerBound = st.VolumeIsLowerBound && st.MaxDiameterMM > 0
		}
		out = append(out, st)
		if progress != nil {
			progress(float64(v) / 255)
		}
	}
	return out, nil
}

// round keeps n decimals, so that the report reads cleanly.
func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
