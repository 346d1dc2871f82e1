package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"kidney3d/pipeline/caseedit"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editops"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/volume"
)

// editor is one editing session of the case shown (pipeline/editsession)
// under the case's lock, held from Begin to close: the label map the slice
// views show is kept equal to the session's map after every dab, undo and
// redo, with each label's voxel count and bounding box for the structures
// panel and the live 3D. Its methods run on the UI goroutine.
type editor struct {
	session *editsession.Session
	lock    *casefile.Lock
	// shown is the session's map on the case window's (RAS) grid: the same
	// volume when the file is stored so, else a reoriented copy.
	shown  *volume.Volume[uint8]
	orient volume.Orientation // the session's grid to shown's
	counts [256]int
	lo, hi [256][3]int // each label's box on shown's grid, [lo, hi); it only grows
	drag   *edithistory.Entry
	// labelsMu is the case's lock on the shown map's voxels (caseData's),
	// held while a stroke, undo or redo changes them (and the preview's).
	labelsMu *sync.RWMutex
	// preview is the shown map with grow from seeds' seed strokes, or its
	// previewed result, written in (nil: none); the slice views draw it in
	// place of the map.
	preview *volume.Volume[uint8]
}

// block is a box of voxels on the shown grid, [lo, hi), that a stroke
// changed, and the labels it changed.
type block struct {
	lo, hi [3]int
	labels []uint8
}

// empty reports whether the block holds no voxel.
func (b block) empty() bool { return b.hi[0] <= b.lo[0] }

// beginEditing takes the case's lock and opens an editing session on the
// case shown; the session's map must reorient onto the window's grid. A
// *editsession.UnsavedError means the journal holds unsaved strokes: begin
// again with Recover or Discard.
func beginEditing(d *caseData, rec editsession.Recovery) (*editor, error) {
	c, err := casefile.Open(d.dir)
	if err != nil {
		return nil, err
	}
	l, err := c.Lock(context.Background(), "kidney3d desktop app: editing", nil)
	if err != nil {
		return nil, err
	}
	s, err := editsession.Open(c, d.table, rec)
	if err != nil {
		l.Unlock()
		return nil, err
	}
	shown, o := volume.Canonical(s.Labels)
	if err := volume.SameGrid(shown.Grid, d.grid, volume.GridTolerance); err != nil {
		s.Close()
		l.Unlock()
		return nil, fmt.Errorf("%s: the label map to edit is not on the image's grid: %w", c.EditsDir(), err)
	}
	e := &editor{session: s, lock: l, shown: shown, orient: o, labelsMu: &d.labelsMu}
	for l := range e.lo {
		e.lo[l], e.hi[l] = shown.Dims, [3]int{}
	}
	for n, v := range shown.Data {
		e.counts[v]++
		if v != 0 {
			i, j, k := shown.Coords(n)
			e.extend(v, i, j, k)
		}
	}
	return e, nil
}

// extend extends label v's box to hold voxel p.
func (e *editor) extend(v uint8, i, j, k int) {
	lo, hi := &e.lo[v], &e.hi[v]
	lo[0], lo[1], lo[2] = min(lo[0], i), min(lo[1], j), min(lo[2], k)
	hi[0], hi[1], hi[2] = max(hi[0], i+1), max(hi[1], j+1), max(hi[2], k+1)
}

// close ends the session (unsaved strokes stay in the journal) and
// releases the case's lock.
func (e *editor) close() error {
	return errors.Join(e.session.Close(), e.lock.Unlock())
}

// show writes the voxels a delta changed into the shown map, counts them
// to their labels (forward: the delta was redone, else undone) and returns
// the block they span.
func (e *editor) show(d *labeledit.Delta, forward bool) block {
	sign := 1
	if !forward {
		sign = -1
	}
	var seen [256]bool
	for _, r := range d.Runs {
		e.counts[r.New] += sign * int(r.Len)
		seen[r.New] = true
	}
	for _, o := range d.Old {
		e.counts[o.Value] -= sign * int(o.Len)
		seen[o.Value] = true
	}
	b := block{lo: e.shown.Dims}
	src := e.session.Labels
	same := src == e.shown
	for _, r := range d.Runs {
		for n := r.Start; n < r.Start+r.Len; n++ {
			i, j, k := src.Coords(int(n))
			if !same {
				i, j, k = e.toShown(i, j, k)
				e.shown.Set(i, j, k, src.Data[n])
			}
			b.lo = [3]int{min(b.lo[0], i), min(b.lo[1], j), min(b.lo[2], k)}
			b.hi = [3]int{max(b.hi[0], i+1), max(b.hi[1], j+1), max(b.hi[2], k+1)}
			if v := src.Data[n]; v != 0 {
				e.extend(v, i, j, k)
			}
		}
	}
	for v, ok := range seen {
		if ok && v != 0 {
			b.labels = append(b.labels, uint8(v))
		}
	}
	return b
}

// seedDab paints a dab of grow from seeds' seed strokes (the op's brush,
// the op's label or, with background, the surroundings) apart from the
// map, and shows it in the preview (the surroundings as background); it
// returns the block it spans on the shown grid.
func (e *editor) seedDab(op *editops.Op, background bool) (block, error) {
	e.labelsMu.Lock()
	defer e.labelsMu.Unlock()
	r, err := e.session.Grower().AddSeeds(op, e.session.Env(), background)
	if err != nil {
		return block{}, err
	}
	var v uint8
	if l, ok := e.session.Table.ByName(op.Label); ok && !background {
		v = uint8(l.Value)
	}
	if e.preview == nil {
		e.preview = e.shown.Clone()
	}
	b := block{lo: e.shown.Dims}
	for n, x := range r.Box.Data {
		if x == 0 {
			continue
		}
		i, j, k := r.Box.Coords(n)
		i, j, k = i+r.Lo[0], j+r.Lo[1], k+r.Lo[2]
		if e.session.Labels != e.shown {
			i, j, k = e.toShown(i, j, k)
		}
		e.preview.Set(i, j, k, v)
		b.lo = [3]int{min(b.lo[0], i), min(b.lo[1], j), min(b.lo[2], k)}
		b.hi = [3]int{max(b.hi[0], i+1), max(b.hi[1], j+1), max(b.hi[2], k+1)}
	}
	return b, nil
}

// previewOf is the map with a prepared change written in, on the shown
// grid, and the voxels the change would change; it only reads the map,
// so it may run off the UI goroutine while nothing changes it.
func (e *editor) previewOf(p *editsession.Prepared) (*volume.Volume[uint8], int, error) {
	lm, s, err := e.session.Preview(p)
	if err != nil {
		return nil, 0, err
	}
	shown, _ := volume.Canonical(lm)
	return shown, s.Delta.Voxels(), nil
}

// setPreview shows v (nil: none) in place of the map.
func (e *editor) setPreview(v *volume.Volume[uint8]) {
	e.labelsMu.Lock()
	e.preview = v
	e.labelsMu.Unlock()
}

// toShown is the shown grid's voxel of the session grid's voxel (i, j, k).
func (e *editor) toShown(i, j, k int) (int, int, int) {
	q := [3]int{i, j, k}
	dims := e.session.Labels.Dims
	var p [3]int
	for a := range 3 {
		in := e.orient.Perm[a]
		p[a] = q[in]
		if e.orient.Flip[a] {
			p[a] = dims[in] - 1 - q[in]
		}
	}
	return p[0], p[1], p[2]
}

// dab applies an op as a part of the stroke in progress (a brush drag),
// which endStroke commits.
func (e *editor) dab(op *editops.Op) (block, error) {
	p, err := e.session.Prepare(context.Background(), op)
	if err != nil {
		return block{}, err
	}
	return e.add(p)
}

// add writes a prepared change into the map, under the case's lock on it,
// as a part of the stroke in progress.
func (e *editor) add(p *editsession.Prepared) (block, error) {
	e.labelsMu.Lock()
	defer e.labelsMu.Unlock()
	part, err := e.session.ApplyPrepared(p)
	if err != nil {
		return block{}, err
	}
	if e.drag == nil {
		e.drag = &part
	} else {
		e.drag.Delta = labeledit.Merge(e.drag.Delta, part.Delta)
	}
	return e.show(part.Delta, true), nil
}

// endStroke journals the stroke in progress (fsync'd) and pushes it onto
// the history: only then is it done. ok is false when none was in
// progress, or it changed nothing. When the journal fails, the stroke is
// undone on screen too.
func (e *editor) endStroke() (s edithistory.Entry, ok bool, err error) {
	e.labelsMu.Lock()
	defer e.labelsMu.Unlock()
	if e.drag == nil || e.drag.Delta.Voxels() == 0 {
		e.drag = nil
		return s, false, nil
	}
	s, e.drag = *e.drag, nil
	if err := e.session.Commit(s); err != nil {
		e.show(s.Delta, false)
		return s, true, err
	}
	return s, true, nil
}

// do applies an op as one whole stroke.
func (e *editor) do(op *editops.Op) (edithistory.Entry, block, error) {
	p, err := e.session.Prepare(context.Background(), op)
	if err != nil {
		return edithistory.Entry{}, block{}, err
	}
	return e.doPrepared(p)
}

// doPrepared writes a prepared change into the map as one whole stroke,
// journaled.
func (e *editor) doPrepared(p *editsession.Prepared) (edithistory.Entry, block, error) {
	b, err := e.add(p)
	if err != nil {
		return edithistory.Entry{}, b, err
	}
	s, _, err := e.endStroke()
	return s, b, err
}

// undo reverts the last stroke; ok is false when there is none.
func (e *editor) undo() (s edithistory.Entry, b block, ok bool, err error) {
	e.labelsMu.Lock()
	defer e.labelsMu.Unlock()
	if s, ok, err = e.session.Undo(); ok && err == nil {
		b = e.show(s.Delta, false)
	}
	return s, b, ok, err
}

// redo applies the last stroke undone again.
func (e *editor) redo() (s edithistory.Entry, b block, ok bool, err error) {
	e.labelsMu.Lock()
	defer e.labelsMu.Unlock()
	if s, ok, err = e.session.Redo(); ok && err == nil {
		b = e.show(s.Delta, true)
	}
	return s, b, ok, err
}

// save writes the map as a new version with the comment.
func (e *editor) save(comment string) (editversions.Version, error) {
	return e.session.Save(editversions.Saver{Author: caseedit.Author(""), Comment: comment, Time: time.Now()})
}

// volumeML is label v's volume in millilitres.
func (e *editor) volumeML(v uint8) float64 {
	return float64(e.counts[v]) * e.shown.VoxelVolume() / 1000
}

// labelBox is label v's box grown by one voxel, clipped to the grid; ok
// is false when the label has never had a voxel.
func (e *editor) labelBox(v uint8) (lo, hi [3]int, ok bool) {
	if e.hi[v][0] == 0 {
		return lo, hi, false
	}
	lo, hi = volume.GrowBox(e.shown.Grid, e.lo[v], e.hi[v], [3]int{1, 1, 1})
	return lo, hi, true
}
