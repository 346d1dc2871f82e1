package stage

import (
	"fmt"
	"log/slog"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
)

// Env is what a stage sees of the world while it checks and runs: the case,
// where each of its inputs is read from and where each output goes, a
// logger and a progress sink. (The label table is the stage's own, given
// to its factory: Base.Table.)
type Env struct {
	Case *casefile.Case
	Log  *slog.Logger
	// Device is "auto", "cpu" or "gpu", from `kidney3d run --device`.
	Device string
	// Record holds facts the stage wants in the manifest beside its
	// outputs (e.g. a registration's transform and residual).
	Record map[string]any
	// Volumes holds the run's decoded volumes (LoadVolume, SaveVolume);
	// nil reads every volume from its file.
	Volumes *Store

	stage    string
	sources  map[Artefact]string
	progress func(float64)
}

// SkippedRecord is the Record key under which a stage that had nothing to
// do (no model, no kidney, everything given) says why; the run reports the
// stage as skipped with that reason.
const SkippedRecord = "skipped"

// NoteRecord is the Record key under which a stage that did its work says
// something the user should know about how (e.g. it ran on CPU because the
// GPU provider did not start, and why); the run reports it beside the
// stage's "done".
const NoteRecord = "note"

// SourcesRecord is the Record key under which a stage that may read a
// label's mask from one of several artefacts (merge, cleanup) lists, by
// label name, the artefact it read: where report.json's provenance of the
// label goes on.
const SourcesRecord = "sources"

// ModelRecord is the Record key under which a segmentation stage records
// the identity of the model it ran (modelpkg.Identity), and PhasesRecord
// the phases it fed it: where report.json's provenance of a label made by
// a model comes from.
const (
	ModelRecord  = "model_id"
	PhasesRecord = "input_phases"
)

// ValidationRecord is the Record key under which a segmentation stage
// records, by label it wrote, the Dice score the model's training record
// gives for that label on its validation cases with the phases it was fed
// (modelpkg.Manifest.ValidationDice).
const ValidationRecord = "validation_dice"

// NewEnv makes the environment of one stage: sources maps each of its
// input artefacts to the file it is read from; progress receives fractions
// in [0, 1].
func NewEnv(c *casefile.Case, log *slog.Logger, stageName, device string, sources map[Artefact]string, progress func(float64)) *Env {
	if progress == nil {
		progress = func(float64) {}
	}
	return &Env{Case: c, Log: log, Device: device, Record: map[string]any{},
		stage: stageName, sources: sources, progress: progress}
}

// Input is the file an input artefact is read from.
func (e *Env) Input(artefact Artefact) (string, error) {
	p, ok := e.sources[artefact]
	if !ok {
		return "", fmt.Errorf("stage %s: input %s is not available", e.stage, artefact)
	}
	return p, nil
}

// Output is the file (or, for meshes, the folder) an output artefact is
// written to; the stage writes it atomically.
func (e *Env) Output(artefact Artefact) string {
	return e.Case.ArtefactPath(e.stage, artefact)
}

// Atomic is the option every output write passes to atomicfile.Write (or
// volume.Save): temporary files go to the case's work/.tmp.
func (e *Env) Atomic() atomicfile.Option { return atomicfile.TempDir(e.Case.TempDir()) }

// Progress reports the fraction of the stage's work done.
func (e *Env) Progress(f float64) { e.progress(min(max(f, 0), 1)) }

// SaveJSON writes v as an output artefact, as indented JSON
// (atomicfile.WriteJSON), atomically.
func (e *Env) SaveJSON(artefact Artefact, v any) error {
	return atomicfile.WriteJSON(e.Output(artefact), v, e.Atomic())
}
