package stage

import "strings"

// Artefact names: what stages declare as inputs and outputs. The case folder
// decides where each lives (casefile.Case.ArtefactPath).
const (
	// Labels is the final label map, output/labels.nii.gz.
	Labels = "labels"
	// Meshes is the folder of surface meshes, output/meshes/.
	Meshes = "meshes"
	// Report is output/report.json.
	Report = "report"
	// Reference is the reference phase's input file: the first of A, P, D
	// and N the case has (casefile.Case.ReferencePhase). Its grid is the
	// grid of every mask and of the label map.
	Reference = "reference"
)

// Phase names an input CT phase (A, P, D or N).
func Phase(p string) string { return "phase/" + p }

// PhaseOf is the phase an artefact names (Phase), if it names one.
func PhaseOf(artefact string) (string, bool) { return strings.CutPrefix(artefact, "phase/") }

// Registered names a phase on the reference grid: the reference phase's
// own file, any other phase registered and resampled onto it.
func Registered(p string) string { return "registered/" + p }

// RegisteredOf is the phase an artefact names (Registered), if it names one.
func RegisteredOf(artefact string) (string, bool) { return strings.CutPrefix(artefact, "registered/") }

// Mask names a binary mask of one label of the label table: the case's own
// (input/masks) or a segmentation stage's.
func Mask(label string) string { return "mask/" + label }

// MaskOf is the label an artefact is the mask of (Mask), if it is one.
func MaskOf(artefact string) (string, bool) { return strings.CutPrefix(artefact, "mask/") }

// Given names a mask the case gives in input/masks, whether or not a
// stage also makes that label: what the load stage validates.
func Given(label string) string { return "given/" + label }

// GivenFolder names input/masks as a whole (its file names and contents),
// present when the folder is: a stage that reads it runs again whenever a
// file there is added, renamed or removed, as the load stage must to report
// files that are no label's mask.
const GivenFolder = "given"
