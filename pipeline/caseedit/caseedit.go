// Package caseedit is the headless segment editor: `kidney3d edit` (apply
// an ops file to a case and save a version), `kidney3d versions` and
// `kidney3d revert`, each under the case's lock.
package caseedit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editops"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/limits"
)

// Options are `kidney3d edit`'s.
type Options struct {
	Case    string
	Ops     string // the ops file; "" applies none (with Recover: save the recovered strokes)
	Message string
	Author  string
	// Recovery is what to do with unsaved strokes of a session that did
	// not end (editsession.Refuse, Recover or Discard).
	Recovery editsession.Recovery
}

// OpResult is what one op did.
type OpResult struct {
	Op     string `json:"op"`
	Label  string `json:"label,omitempty"`
	Voxels int    `json:"voxels_changed"`
}

// Result is what `kidney3d edit` did.
type Result struct {
	Ops       []OpResult           `json:"ops"`
	Recovered int                  `json:"recovered_strokes"`
	Cut       string               `json:"journal_cut,omitempty"`
	Saved     editversions.Version `json:"saved"`
}

// lock takes the case's lock for purpose, failing at once when another
// process holds it.
func lock(ctx context.Context, dir, purpose string) (*casefile.Case, *casefile.Lock, error) {
	c, err := casefile.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	l, err := c.Lock(ctx, purpose, nil)
	return c, l, err
}

// Edit applies the ops file to the case's newest version, each op one
// journaled stroke, and saves the result as a new version. When an op
// fails, its error names the file and the op; no version is saved and the
// strokes of the ops before it are dropped from the journal. When ctx ends
// between ops, nothing is saved and the strokes done stay in the journal,
// as after a crash.
func Edit(ctx context.Context, o Options) (*Result, error) {
	table := labels.Default()
	var ops []editops.Op
	if o.Ops != "" {
		data, err := limits.ReadFile(o.Ops, editops.MaxBytes)
		if err != nil {
			return nil, err
		}
		if ops, err = editops.Parse(data, o.Ops, table); err != nil {
			return nil, err
		}
	}
	c, l, err := lock(ctx, o.Case, "kidney3d edit")
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	s, err := open(c, table, o.Recovery)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	res := &Result{Ops: []OpResult{}, Recovered: s.Recovered}
	if s.Cut != nil {
		res.Cut = s.Cut.Error()
	}
	for n := range ops {
		if err := ctx.Err(); err != nil {
			// Interrupted: the strokes done stay in the journal, as after a
			// crash, for --recover or --discard.
			return nil, fmt.Errorf("%w after op %d of %d: the strokes done wait in %s (`kidney3d edit CASE --recover` keeps them, --discard drops them)", err, n, len(ops), c.JournalPath())
		}
		e, err := s.Do(&ops[n])
		if err != nil {
			return nil, errors.Join(fmt.Errorf("%s: op %d (%s): %w", o.Ops, n, ops[n].Op, err), s.Discard())
		}
		res.Ops = append(res.Ops, OpResult{Op: ops[n].Op, Label: ops[n].Label, Voxels: e.Voxels()})
	}
	if len(ops) == 0 && s.Recovered == 0 {
		return nil, errors.New("nothing to save: give --ops, or --recover on a case with unsaved strokes")
	}
	msg := o.Message
	if msg == "" && o.Ops == "" {
		msg = fmt.Sprintf("%d stroke(s) recovered from the journal", s.Recovered)
	}
	res.Saved, err = s.Save(editversions.Saver{Author: Author(o.Author), Comment: msg, Time: time.Now()})
	return res, err
}

// open opens an editing session on the case, saying how to go on when
// unsaved strokes wait in its journal.
func open(c *casefile.Case, table *labels.Table, rec editsession.Recovery) (*editsession.Session, error) {
	s, err := editsession.Open(c, table, rec)
	var unsaved *editsession.UnsavedError
	if errors.As(err, &unsaved) {
		return nil, fmt.Errorf("%w: `kidney3d edit %s --recover` keeps them, `--discard` drops them", err, c.Dir)
	}
	return s, err
}

// Author is the name a version records: the one given, else the user's.
func Author(name string) string {
	if name != "" {
		return name
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// WriteText prints the result for people.
func (r *Result) WriteText(w io.Writer) error {
	if r.Cut != "" {
		fmt.Fprintf(w, "warning: %s\n", r.Cut)
	}
	if r.Recovered > 0 {
		fmt.Fprintf(w, "recovered %d unsaved stroke(s) from the journal\n", r.Recovered)
	}
	for n, op := range r.Ops {
		fmt.Fprintf(w, "op %d %s %s: %d voxels changed\n", n, op.Op, op.Label, op.Voxels)
	}
	_, err := fmt.Fprintf(w, "saved version %d (%s): changed %s; edited since the pipeline: %s\n"+
		"`kidney3d run CASE` brings output/ up to date (the stages from the merge on rerun)\n",
		r.Saved.Version, r.Saved.File, list(r.Saved.Changed), list(r.Saved.Edited))
	return err
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Listing is what `kidney3d versions` prints.
type Listing struct {
	Versions []editversions.Version `json:"versions"`
	// Unsaved is the number of journaled strokes no version holds.
	Unsaved int    `json:"unsaved_strokes"`
	Cut     string `json:"journal_cut,omitempty"`
}

// Versions lists the case's saved versions and its unsaved strokes.
func Versions(dir string) (*Listing, error) {
	c, err := casefile.Open(dir)
	if err != nil {
		return nil, err
	}
	vs, err := editversions.Load(c)
	if err != nil {
		return nil, err
	}
	out := &Listing{Versions: vs.Versions}
	recs, err := edithistory.Read(c.JournalPath())
	var cut *edithistory.CutError
	if errors.As(err, &cut) {
		out.Cut = cut.Error()
	} else if err != nil {
		return nil, err
	}
	_, strokes := edithistory.Unsaved(recs)
	out.Unsaved = len(strokes)
	if out.Versions == nil {
		out.Versions = []editversions.Version{}
	}
	return out, nil
}

// WriteText prints the listing as a table.
func (l *Listing) WriteText(w io.Writer) error {
	if len(l.Versions) == 0 {
		fmt.Fprintln(w, "no saved version: the case shows the pipeline's output")
	} else {
		fmt.Fprintf(w, "%-4s %-20s %-14s %-30s %s\n", "V", "TIME", "AUTHOR", "COMMENT", "CHANGED")
	}
	for _, v := range l.Versions {
		fmt.Fprintf(w, "%-4d %-20s %-14s %-30s %s\n", v.Version, v.Time.Format(time.DateTime), v.Author, v.Comment, list(v.Changed))
	}
	if l.Cut != "" {
		fmt.Fprintf(w, "warning: %s\n", l.Cut)
	}
	if l.Unsaved > 0 {
		fmt.Fprintf(w, "%d unsaved stroke(s) in the journal: `kidney3d edit CASE --recover` keeps them, --discard drops them\n", l.Unsaved)
	}
	return nil
}

// Revert saves version to of the case again as its newest version; the
// case must have no unsaved strokes.
func Revert(ctx context.Context, dir string, to int, by string) (editversions.Version, error) {
	c, l, err := lock(ctx, dir, "kidney3d revert")
	if err != nil {
		return editversions.Version{}, err
	}
	defer l.Unlock()
	s, err := open(c, labels.Default(), editsession.Refuse)
	if err != nil {
		return editversions.Version{}, err
	}
	defer s.Close()
	return s.Revert(to, editversions.Saver{Author: Author(by), Time: time.Now()})
}

// WriteJSON prints the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error { return atomicfile.EncodeJSON(w, r) }

// WriteJSON prints the listing as indented JSON.
func (l *Listing) WriteJSON(w io.Writer) error { return atomicfile.EncodeJSON(w, l) }
