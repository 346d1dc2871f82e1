package stage

import (
	"strings"

	"kidney3d/pipeline/casefile"
)

// Artefact names a stage's input or output: a phase, a mask, the label map,
// a stage's own file. Stages declare what they read and write by these
// names; the case folder decides where each lives
// (casefile.Case.ArtefactPath), and the manifest records them as strings.
type Artefact = casefile.Artefact

// Artefact names of the case's results.
const (
	// Labels is the final label map, output/labels.nii.gz.
	Labels Artefact = "labels"
	// Meshes is the folder of surface meshes, output/meshes/.
	Meshes Artefact = "meshes"
	// Report is output/report.json.
	Report Artefact = "report"
	// Territories is the arterial territory map, output/territories.nii.gz.
	Territories Artefact = "territories"
	// TerritoryReport is what the report says of the territories
	// (measure.Territories), work/<stage>/territories.json.
	TerritoryReport Artefact = "territories.json"
	// Reference is the reference phase's input file: the first of A, P, D
	// and N the case has (casefile.Case.ReferencePhase). Its grid is the
	// grid of every mask and of the label map.
	Reference Artefact = "reference"
	// InputsSummary is the load stage's record of the case's inputs,
	// work/load/inputs.json: every stage that reads phases or masks waits
	// for it, as it says they are valid.
	InputsSummary Artefact = "inputs.json"
)

// Phase names an input CT phase (A, P, D or N).
func Phase(p string) Artefact { return Artefact("phase/" + p) }

// PhaseOf is the phase an artefact names (Phase), if it names one.
func PhaseOf(a Artefact) (string, bool) { return strings.CutPrefix(string(a), "phase/") }

// Registered names a phase on the reference grid: the reference phase's
// own file, any other phase registered and resampled onto it.
func Registered(p string) Artefact { return Artefact("registered/" + p) }

// RegisteredOf is the phase an artefact names (Registered), if it names one.
func RegisteredOf(a Artefact) (string, bool) { return strings.CutPrefix(string(a), "registered/") }

// Mask names a binary mask of one label of the label table: the case's own
// (input/masks) or a segmentation stage's.
func Mask(label string) Artefact { return Artefact("mask/" + label) }

// MaskOf is the label an artefact is the mask of (Mask), if it is one.
func MaskOf(a Artefact) (string, bool) { return strings.CutPrefix(string(a), "mask/") }

// Given names a mask the case gives in input/masks, whether or not a
// stage also makes that label: what the load stage validates.
func Given(label string) Artefact { return Artefact("given/" + label) }

// GivenOf is the label an artefact names as given (Given), if it does.
func GivenOf(a Artefact) (string, bool) { return strings.CutPrefix(string(a), "given/") }

// Edits names edits/versions.json, the segment editor's saved versions,
// present once a version is saved: the labels the newest version edited
// count as given (the merge stage takes them from it), so a run never
// overwrites an edited label.
const Edits Artefact = "edits"

// EditRecord is the Record key under which the merge stage says which
// saved version it took edited labels from (measure.EditSource).
const EditRecord = "edit"

// GivenFolder names input/masks as a whole (its file names and contents),
// present when the folder is: a stage that reads it runs again whenever a
// file there is added, renamed or removed, as the load stage must to report
// files that are no label's mask.
const GivenFolder Artefact = "given"
