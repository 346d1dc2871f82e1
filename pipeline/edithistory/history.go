// Package edithistory keeps the segment editor's strokes: the undo/redo
// history of a session (History), held as the strokes' run-length deltas
// so that its memory grows with what changed, and the crash-safe journal
// of committed strokes in CASE/edits/journal (Journal), from which an
// interrupted session is restored exactly.
package edithistory

import (
	"unsafe"

	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/volume"
)

// Entry is one stroke of the history: the tool that made it, the label it
// worked on, and its delta.
type Entry struct {
	Tool  string
	Label uint8
	Delta *labeledit.Delta
}

// Voxels is the number of voxels the stroke changed.
func (e Entry) Voxels() int { return e.Delta.Voxels() }

// History is a session's unlimited undo and redo: the strokes done, oldest
// first, and those undone, most recently undone last.
type History struct {
	done, undone []Entry
}

// Push records a stroke just applied; it forgets the strokes undone.
func (h *History) Push(e Entry) {
	h.done = append(h.done, e)
	clear(h.undone)
	h.undone = h.undone[:0]
}

// Undo reverts the last stroke done in lm and returns it; ok is false when
// there is none.
func (h *History) Undo(lm *volume.Volume[uint8]) (e Entry, ok bool) {
	return move(&h.done, &h.undone, func(d *labeledit.Delta) { d.Undo(lm) })
}

// Redo applies again the last stroke undone and returns it; ok is false
// when there is none.
func (h *History) Redo(lm *volume.Volume[uint8]) (e Entry, ok bool) {
	return move(&h.undone, &h.done, func(d *labeledit.Delta) { d.Redo(lm) })
}

// move takes the last stroke of from, applies its delta and puts it at
// the end of to.
func move(from, to *[]Entry, apply func(*labeledit.Delta)) (Entry, bool) {
	if len(*from) == 0 {
		return Entry{}, false
	}
	e := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	apply(e.Delta)
	*to = append(*to, e)
	return e, true
}

// Done lists the strokes that Undo would revert, oldest first: the named
// history list (tool, label, voxels changed).
func (h *History) Done() []Entry { return h.done }

// Undone lists the strokes that Redo would apply again, next last.
func (h *History) Undone() []Entry { return h.undone }

// Bytes is the memory the history holds: its deltas and its lists.
func (h *History) Bytes() int {
	n := int(unsafe.Sizeof(*h)) + (cap(h.done)+cap(h.undone))*int(unsafe.Sizeof(Entry{}))
	for _, e := range h.done {
		n += e.Delta.Bytes() + len(e.Tool)
	}
	for _, e := range h.undone {
		n += e.Delta.Bytes() + len(e.Tool)
	}
	return n
}
