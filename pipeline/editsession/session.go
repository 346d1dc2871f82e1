// Package editsession is one editing session on a case: the label map of
// its newest saved version (or of the pipeline's output), the strokes
// applied to it with their undo history, each journaled before it counts
// as done, and saving. The desktop app's Edit panel and `kidney3d edit`
// both edit through it.
package editsession

import (
	"context"
	"errors"
	"fmt"
	"os"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editops"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// Recovery says what Open does with strokes that the journal holds but no
// saved version does (a session that crashed or was killed).
type Recovery int

// The ways to open a case with unsaved strokes.
const (
	// Refuse returns an *UnsavedError naming them.
	Refuse Recovery = iota
	// Recover replays them onto the map, exactly, into the history.
	Recover
	// Discard drops them (the journal records that they were dropped).
	Discard
)

// UnsavedError is the error of Open with Refuse on a case whose journal
// holds unsaved strokes.
type UnsavedError struct {
	Journal string
	Strokes int
	Base    int // the version they apply on
}

func (e *UnsavedError) Error() string {
	return fmt.Sprintf("%s: %d unsaved stroke(s) on version %d from a session that did not end (a crash or a kill): recover them or discard them", e.Journal, e.Strokes, e.Base)
}

// Session is an open editing session.
type Session struct {
	Case   *casefile.Case
	Table  *labels.Table
	Labels *volume.Volume[uint8] // the map being edited
	// Base is the saved version the session started from (0: the
	// pipeline's output).
	Base int
	// Recovered is how many unsaved strokes Open replayed; Cut, when not
	// nil, says what a record cut by a crash lost.
	Recovered int
	Cut       *edithistory.CutError

	history   edithistory.History
	journal   *edithistory.Journal
	intensity map[string]*volume.Volume[int16]
	grower    editops.Grower
}

// Open starts a session on the case: its newest saved version's label map,
// or output/labels.nii.gz when none is saved. The caller holds the case's
// lock for the session's life.
func Open(c *casefile.Case, table *labels.Table, rec Recovery) (*Session, error) {
	vs, err := editversions.Load(c)
	if err != nil {
		return nil, err
	}
	s := &Session{Case: c, Table: table, intensity: map[string]*volume.Volume[int16]{}}
	if v, ok := vs.Latest(); ok {
		s.Base = v.Version
		s.Labels, err = editversions.LoadLabels(c, v)
	} else if _, serr := os.Stat(c.OutputLabelsPath()); serr != nil {
		return nil, fmt.Errorf("%s: no label map to edit: run `kidney3d run %s` first", c.OutputLabelsPath(), c.Dir)
	} else {
		s.Labels, err = volume.LoadLabelMap(c.OutputLabelsPath())
	}
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.EditsDir(), 0o755); err != nil {
		return nil, err
	}
	j, recs, err := edithistory.Open(c.JournalPath())
	if err != nil && !errors.As(err, &s.Cut) {
		return nil, err
	}
	s.journal = j
	switch base, strokes := edithistory.Unsaved(recs); {
	case len(strokes) > 0 && base < s.Base:
		// Saved in a newer version, by a session that stopped between
		// writing versions.json and journaling the save.
		err = s.Discard()
	case len(strokes) > 0:
		err = s.recover(base, strokes, rec)
	default:
		err = nil // a cut record alone is reported in s.Cut
	}
	if err != nil {
		j.Close()
		return nil, err
	}
	return s, nil
}

// recover applies Open's recovery policy to the unsaved strokes.
func (s *Session) recover(base int, strokes []edithistory.Record, rec Recovery) error {
	switch rec {
	case Refuse:
		return &UnsavedError{Journal: s.Case.JournalPath(), Strokes: len(strokes), Base: base}
	case Discard:
		return s.Discard()
	}
	if base != s.Base {
		return fmt.Errorf("%s: the unsaved strokes apply on version %d, but the newest version is %d: discard them", s.Case.JournalPath(), base, s.Base)
	}
	for n, r := range strokes {
		if !r.Delta.Valid(s.Labels.Len()) || !r.Delta.Matches(s.Labels, true) {
			return fmt.Errorf("%s: unsaved stroke %d (%s) does not apply to version %d: its voxels hold other values", s.Case.JournalPath(), n, r.Tool, base)
		}
		r.Delta.Redo(s.Labels)
		s.history.Push(edithistory.Entry{Tool: r.Tool, Label: r.Label, Delta: r.Delta})
	}
	s.Recovered = len(strokes)
	return nil
}

// Env is what ops run against in this session (editops.Env); grow from
// seeds keeps its competition for the session's life.
func (s *Session) Env() *editops.Env {
	return &editops.Env{Labels: s.Labels, Table: s.Table, Intensity: s.Intensity, Version: s.Version, Grower: &s.grower}
}

// Do applies an op as one stroke: the change is written into the map,
// journaled and pushed onto the history. It returns the stroke.
func (s *Session) Do(op *editops.Op) (edithistory.Entry, error) {
	e, err := s.Apply(op)
	if err != nil {
		return e, err
	}
	return e, s.Commit(e)
}

// Apply writes an op's change into the map without journaling it: a part
// of a stroke still in progress (a dab of a brush drag), which Commit
// makes done once the stroke ends (labeledit.Merge joins the parts).
func (s *Session) Apply(op *editops.Op) (edithistory.Entry, error) {
	p, err := s.Prepare(context.Background(), op)
	if err != nil {
		return edithistory.Entry{}, err
	}
	return s.ApplyPrepared(p)
}

// Prepared is an op's change computed on the map but not yet written into
// it (Prepare), with its mask and the intensities the mask reads.
type Prepared struct {
	Op     *editops.Op
	Change *labeledit.Change
	Mask   labeledit.Mask
	HU     *volume.Volume[int16]
}

// Prepare computes an op's change without touching the map: it only reads
// it, so it may run off the goroutine that owns the session while nothing
// changes the map; ctx cancels the long ops.
func (s *Session) Prepare(ctx context.Context, op *editops.Op) (*Prepared, error) {
	env := s.Env()
	env.Ctx = ctx
	c, m, hu, err := op.Change(env)
	if err != nil {
		return nil, err
	}
	return &Prepared{Op: op, Change: c, Mask: m, HU: hu}, nil
}

// ApplyPrepared writes a prepared change into the map, not journaled
// (as Apply).
func (s *Session) ApplyPrepared(p *Prepared) (edithistory.Entry, error) {
	return s.applyTo(s.Labels, p)
}

// Preview is the map with a prepared change written into a copy of it
// (the map itself is only read), and the stroke that change would be:
// what ApplyPrepared would make of the map.
func (s *Session) Preview(p *Prepared) (*volume.Volume[uint8], edithistory.Entry, error) {
	lm := s.Labels.Clone()
	e, err := s.applyTo(lm, p)
	return lm, e, err
}

// Grower is the session's grow from seeds: its competition and the seed
// strokes painted apart from the map.
func (s *Session) Grower() *editops.Grower { return &s.grower }

// applyTo writes a prepared change into lm, the session's map or a copy.
func (s *Session) applyTo(lm *volume.Volume[uint8], p *Prepared) (edithistory.Entry, error) {
	d, err := labeledit.Apply(lm, p.Change, p.Mask, p.HU)
	if err != nil {
		return edithistory.Entry{}, err
	}
	var label uint8
	if p.Op.Label != "" {
		if l, ok := s.Table.ByName(p.Op.Label); ok {
			label = uint8(l.Value)
		}
	}
	return edithistory.Entry{Tool: p.Op.Op, Label: label, Delta: d}, nil
}

// Commit journals a stroke already applied to the map and pushes it onto
// the history; when the journal cannot take it, the stroke is undone and
// the error returned.
func (s *Session) Commit(e edithistory.Entry) error {
	if err := s.journal.Append(edithistory.Record{Kind: edithistory.Stroke, Tool: e.Tool, Label: e.Label, Delta: e.Delta}); err != nil {
		e.Delta.Undo(s.Labels)
		return err
	}
	s.history.Push(e)
	return nil
}

// Undo reverts the last stroke, journaled as the stroke "undo TOOL";
// ok is false when there is nothing to undo.
func (s *Session) Undo() (e edithistory.Entry, ok bool, err error) {
	if e, ok = s.history.Undo(s.Labels); !ok {
		return e, false, nil
	}
	if err = s.journal.Append(edithistory.Record{Kind: edithistory.Stroke, Tool: "undo " + e.Tool, Label: e.Label, Delta: e.Delta.Inverse()}); err != nil {
		s.history.Redo(s.Labels)
	}
	return e, true, err
}

// Redo applies the last stroke undone again, journaled as "redo TOOL".
func (s *Session) Redo() (e edithistory.Entry, ok bool, err error) {
	if e, ok = s.history.Redo(s.Labels); !ok {
		return e, false, nil
	}
	if err = s.journal.Append(edithistory.Record{Kind: edithistory.Stroke, Tool: "redo " + e.Tool, Label: e.Label, Delta: e.Delta}); err != nil {
		s.history.Undo(s.Labels)
	}
	return e, true, err
}

// History is the session's undo history.
func (s *Session) History() *edithistory.History { return &s.history }

// Save writes the map as a new version, marks the journal's strokes as
// saved and compacts the journal (saved). The version has no File when
// none was saved; with a File and an error, the version is saved but the
// journal failed.
func (s *Session) Save(by editversions.Saver) (editversions.Version, error) {
	v, err := editversions.Save(s.Case, s.Labels, s.Table, by)
	if err != nil {
		return editversions.Version{}, err
	}
	s.Base = v.Version
	return v, s.saved(v.Version)
}

// saved journals that the map was saved as version n, then restarts the
// journal from that record (edithistory.Journal.Restart), so that it
// holds only the strokes after it. An error names the version as saved.
func (s *Session) saved(n int) error {
	r := edithistory.Record{Kind: edithistory.Saved, Version: n}
	err := s.journal.Append(r)
	if err == nil {
		err = s.journal.Restart(r)
	}
	if err != nil {
		return fmt.Errorf("version %d is saved, but its journal: %w", n, err)
	}
	return nil
}

// Revert saves version to again as a new version (editversions.Revert) and
// makes it the session's map; the session's unsaved strokes are dropped.
func (s *Session) Revert(to int, by editversions.Saver) (editversions.Version, error) {
	v, err := editversions.Revert(s.Case, to, s.Table, by)
	if err != nil {
		return v, err
	}
	if s.Labels, err = editversions.LoadLabels(s.Case, v); err != nil {
		return v, err
	}
	s.Base, s.history = v.Version, edithistory.History{}
	return v, s.saved(v.Version)
}

// Version is the label map of saved version n (editversions.Labels).
func (s *Session) Version(n int) (*volume.Volume[uint8], error) {
	return editversions.Labels(s.Case, n)
}

// Intensity is the phase's CT numbers on the label map's grid: the
// reference phase's input, another phase as registered onto it by the
// pipeline. "" is the reference phase.
func (s *Session) Intensity(phase string) (*volume.Volume[int16], error) {
	ref, ok := s.Case.ReferencePhase()
	if !ok {
		return nil, fmt.Errorf("%s: the case has no phase", s.Case.Dir)
	}
	if phase == "" {
		phase = ref
	}
	if v, ok := s.intensity[phase]; ok {
		return v, nil
	}
	path := s.Case.PhasePath(phase)
	if phase != ref {
		files := s.Case.WrittenBy(stage.Registered(phase))
		if len(files) == 0 {
			return nil, fmt.Errorf("phase %q: no registered image of it on the reference grid (the case's phases: %v; run the pipeline)", phase, s.Case.PresentPhases())
		}
		path = files[0]
	}
	v, err := volume.Load[int16](path)
	if err != nil {
		return nil, err
	}
	if err := volume.SameGrid(s.Labels.Grid, v.Grid, volume.GridTolerance); err != nil {
		return nil, fmt.Errorf("%s: not on the label map's grid: %w", path, err)
	}
	s.intensity[phase] = v
	return v, nil
}

// Discard drops the session's unsaved strokes from the journal (they
// will not be offered again); the map in memory keeps them.
func (s *Session) Discard() error {
	return s.journal.Append(edithistory.Record{Kind: edithistory.Saved, Version: s.Base})
}

// Close ends the session; strokes not saved stay in the journal.
func (s *Session) Close() error { return s.journal.Close() }
