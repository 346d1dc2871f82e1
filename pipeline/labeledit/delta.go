package labeledit

import (
	"slices"
	"unsafe"

	"kidney3d/pipeline/volume"
)

// Run is a stretch of consecutive storage indices [Start, Start+Len) that
// a stroke set to New.
type Run struct {
	Start, Len uint32
	New        uint8
}

// OldRun is a stretch of Len changed voxels, in storage order, that held
// Value before the stroke.
type OldRun struct {
	Len   uint32
	Value uint8
}

// Delta is a stroke's change, run-length coded: the runs of changed voxels
// in ascending storage order with their new value, and the old values of
// those voxels in the same order. Its memory is proportional to the runs,
// not to the volume.
type Delta struct {
	Runs []Run
	Old  []OldRun
}

// Voxels is the number of voxels the delta changes.
func (d *Delta) Voxels() int {
	n := 0
	for _, r := range d.Runs {
		n += int(r.Len)
	}
	return n
}

// Bytes is the memory the delta holds.
func (d *Delta) Bytes() int {
	return int(unsafe.Sizeof(*d)) + cap(d.Runs)*int(unsafe.Sizeof(Run{})) + cap(d.Old)*int(unsafe.Sizeof(OldRun{}))
}

// Labels are the values the delta removes or writes, sorted, each once:
// the labels whose voxels it changes (0 included when it paints or erases
// background).
func (d *Delta) Labels() []uint8 {
	var seen [256]bool
	for _, r := range d.Runs {
		seen[r.New] = true
	}
	for _, o := range d.Old {
		seen[o.Value] = true
	}
	var out []uint8
	for v, ok := range seen {
		if ok {
			out = append(out, uint8(v))
		}
	}
	return out
}

// Redo writes the delta's new values into lm.
func (d *Delta) Redo(lm *volume.Volume[uint8]) {
	for _, r := range d.Runs {
		fill(lm.Data[r.Start:r.Start+r.Len], r.New)
	}
}

// Undo writes the delta's old values back into lm.
func (d *Delta) Undo(lm *volume.Volume[uint8]) {
	d.each(func(n uint32, old, _ uint8) { lm.Data[n] = old })
}

// Matches reports whether lm holds the delta's old values (want old) or its
// new values (want new) at every voxel it changes: whether Redo or Undo
// may be applied to lm.
func (d *Delta) Matches(lm *volume.Volume[uint8], old bool) bool {
	ok := true
	d.each(func(n uint32, o, nw uint8) {
		if int(n) >= len(lm.Data) || (old && lm.Data[n] != o) || (!old && lm.Data[n] != nw) {
			ok = false
		}
	})
	return ok
}

// Inverse is the delta that undoes d: the same voxels, from d's new values
// back to its old ones.
func (d *Delta) Inverse() *Delta {
	var b deltaBuilder
	d.each(func(n uint32, old, nw uint8) { b.add(n, nw, old) })
	return b.delta()
}

// each calls f for every changed voxel in storage order with its old and
// new value.
func (d *Delta) each(f func(n uint32, old, nw uint8)) {
	o, left := 0, uint32(0)
	for _, r := range d.Runs {
		for n := r.Start; n < r.Start+r.Len; n++ {
			for left == 0 {
				left = d.Old[o].Len
				o++
			}
			f(n, d.Old[o-1].Value, r.New)
			left--
		}
	}
}

// Valid reports whether the delta is well formed: runs ascending, not
// overlapping and non-empty, inside a volume of n voxels, with as many old
// values as changed voxels. A delta read from a file is checked before use.
func (d *Delta) Valid(n int) bool {
	end := uint64(0)
	total := uint64(0)
	for i, r := range d.Runs {
		if r.Len == 0 || (i > 0 && uint64(r.Start) < end) || uint64(r.Start)+uint64(r.Len) > uint64(n) {
			return false
		}
		end = uint64(r.Start) + uint64(r.Len)
		total += uint64(r.Len)
	}
	old := uint64(0)
	for _, o := range d.Old {
		if o.Len == 0 {
			return false
		}
		old += uint64(o.Len)
	}
	return old == total
}

// deltaBuilder collects changed voxels in ascending storage order.
type deltaBuilder struct{ d Delta }

func (b *deltaBuilder) add(n uint32, old, nw uint8) {
	if rs := b.d.Runs; len(rs) > 0 && rs[len(rs)-1].Start+rs[len(rs)-1].Len == n && rs[len(rs)-1].New == nw {
		rs[len(rs)-1].Len++
	} else {
		b.d.Runs = append(b.d.Runs, Run{Start: n, Len: 1, New: nw})
	}
	if os := b.d.Old; len(os) > 0 && os[len(os)-1].Value == old {
		os[len(os)-1].Len++
	} else {
		b.d.Old = append(b.d.Old, OldRun{Len: 1, Value: old})
	}
}

// delta is the collected delta, its slices trimmed to their length.
func (b *deltaBuilder) delta() *Delta {
	return &Delta{Runs: slices.Clip(slices.Clone(b.d.Runs)), Old: slices.Clip(slices.Clone(b.d.Old))}
}

func fill(s []uint8, v uint8) {
	for i := range s {
		s[i] = v
	}
}

// Merge is the one delta of a then b, two strokes applied one after the
// other (the dabs of one brush drag): each voxel either changed keeps a's
// old value where a changed it and takes b's new value where b changed
// it; a voxel that ends as it began is left out.
func Merge(a, b *Delta) *Delta {
	type change struct {
		n        uint32
		old, new uint8
	}
	var ca, cb []change
	a.each(func(n uint32, old, nw uint8) { ca = append(ca, change{n, old, nw}) })
	b.each(func(n uint32, old, nw uint8) { cb = append(cb, change{n, old, nw}) })
	var out deltaBuilder
	add := func(c change) {
		if c.old != c.new {
			out.add(c.n, c.old, c.new)
		}
	}
	i, j := 0, 0
	for i < len(ca) || j < len(cb) {
		switch {
		case j == len(cb) || i < len(ca) && ca[i].n < cb[j].n:
			add(ca[i])
			i++
		case i == len(ca) || cb[j].n < ca[i].n:
			add(cb[j])
			j++
		default:
			add(change{ca[i].n, ca[i].old, cb[j].new})
			i, j = i+1, j+1
		}
	}
	return out.delta()
}
