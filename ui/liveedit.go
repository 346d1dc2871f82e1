package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/edithistory"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh/export"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/volume"
)

// finalDelay is how long the editor is idle before the edited labels'
// meshes are made again with their own smoothing (a variable for the
// tests).
var finalDelay = 1500 * time.Millisecond

// liveEdit is what the case window keeps of an editing session: the
// labels changed by the stroke in progress, those meshed without
// smoothing since the last final meshing, the idle timer, and whether
// the labels are being measured.
type liveEdit struct {
	ed      *editor
	pending []uint8 // labels changed since the last stroke was done
	rough   []uint8 // labels meshed live, waiting for their final mesh
	gen     int     // increments per meshing request; older results are dropped
	idle    *time.Timer
	// measuring is set while the edited labels are measured; again, when a
	// stroke was done meanwhile: they are measured once more at the end.
	measuring, again bool
}

// editing starts (ed not nil) or ends the window's part of a session: the
// views show the session's map.
func (cw *CaseWindow) editing(ed *editor) {
	if cw.live != nil && cw.live.idle != nil {
		cw.live.idle.Stop()
	}
	cw.live = nil
	cw.slices.preview = nil
	if ed == nil {
		return
	}
	cw.live = &liveEdit{ed: ed}
	cw.slices.data.labels = ed.shown
	cw.slices.redraw()
	var all []uint8
	for v, n := range ed.counts {
		if v != 0 && n > 0 {
			all = append(all, uint8(v))
		}
	}
	if ed.session.Recovered > 0 || ed.session.Base > 0 {
		cw.edited(block{labels: all}, true)
	}
}

// edited shows a change of the map: the slices redraw the block it
// changed; once the stroke is done (journaled), the structures' volumes
// follow, the measurements are made again (remeasure) and the changed
// labels are meshed again from their boxes, first without smoothing, and
// with their own when the editor is idle.
func (cw *CaseWindow) edited(b block, done bool) {
	l := cw.live
	if l == nil {
		return
	}
	cw.slices.redrawBlock(b)
	for _, v := range b.labels {
		if !slices.Contains(l.pending, v) {
			l.pending = append(l.pending, v)
		}
	}
	if !done || len(l.pending) == 0 {
		return
	}
	changed := l.pending
	l.pending = nil
	for _, v := range changed {
		name := l.ed.session.Table.Name(int(v))
		if _, listed := cw.structs.checks[name]; !listed && l.ed.counts[v] > 0 {
			cw.structs.Add(name)
		}
		cw.structs.SetVolume(name, l.ed.volumeML(v))
		if !slices.Contains(l.rough, v) {
			l.rough = append(l.rough, v)
		}
	}
	cw.remesh(changed, "raw")
	cw.remeasure()
	if l.idle != nil {
		l.idle.Stop()
	}
	l.idle = time.AfterFunc(finalDelay, func() {
		fyne.Do(func() {
			if cw.live != l {
				return
			}
			if len(l.rough) > 0 {
				rough := l.rough
				l.rough = nil
				cw.remesh(rough, "")
			}
		})
	})
}

// editedTerritories is why the territory map cannot be shown over edited
// labels.
const editedTerritories = "the labels are edited: the map is of the pipeline's run before the edit; rerun the pipeline"

// remeasure shows the measurements of the labels as edited, the
// territories traced again from them (MeasurePanel.Measure, on a copy
// taken off the UI goroutine: a full-size map is 78 MB), and takes the
// pipeline's territory map off the views: it is of the labels before the
// edit. One measuring runs at a time: called while one runs, it measures
// once more when that one ends, so strokes in quick succession cost one
// measuring each at most and the figures shown are of the last.
func (cw *CaseWindow) remeasure() {
	l, d := cw.live, cw.slices.data
	if l == nil || d == nil {
		return
	}
	if l.measuring {
		l.again = true
		return
	}
	l.measuring = true
	if cw.measures.territories.Checked {
		cw.showTerritories(false)
	}
	cw.measures.SetTerritories(false, editedTerritories)
	shown, table := l.ed.shown, l.ed.session.Table
	go func() {
		d.labelsMu.RLock()
		lab := shown.Clone()
		d.labelsMu.RUnlock()
		fyne.Do(func() {
			if cw.live != l {
				return
			}
			cw.measures.Measure(lab, table, func() {
				l.measuring = false
				if l.again && cw.live == l {
					l.again = false
					cw.remeasure()
				}
			})
		})
	}()
}

// previewed shows grow from seeds' preview v (nil: the map again) in the
// slice views, redrawing the block b changed (all when b is empty).
func (cw *CaseWindow) previewed(v *volume.Volume[uint8], b block) {
	cw.slices.preview = v
	if b.empty() {
		cw.slices.redraw()
		return
	}
	cw.slices.redrawBlock(b)
}

// remesh meshes the labels again from their boxes of the map (the boxes
// are copied here, the meshing runs off the UI goroutine) with the
// smoothing profile smooth ("" for each label's own), and puts the meshes
// in the 3D view in place of the old ones.
func (cw *CaseWindow) remesh(values []uint8, smooth string) {
	l := cw.live
	if l == nil || !cw.model.Available() {
		return
	}
	l.gen++
	gen := l.gen
	type job struct {
		name string
		box  *volume.Volume[uint8]
	}
	var jobs []job
	for _, v := range values {
		j := job{name: l.ed.session.Table.Name(int(v))}
		if lo, hi, ok := l.ed.labelBox(v); ok && l.ed.counts[v] > 0 {
			j.box = volume.Crop(l.ed.shown, lo, hi)
		}
		jobs = append(jobs, j)
	}
	table := l.ed.session.Table
	go func() {
		meshed := map[string][]meshio.Object{}
		for _, j := range jobs {
			var objs []meshio.Object
			if j.box != nil {
				var err error
				if objs, err = meshLabel(context.Background(), j.box, table, j.name, smooth); err != nil {
					fyne.Do(func() { cw.model.SetStatus("3D update failed: " + err.Error()) })
					return
				}
			}
			meshed[j.name] = objs
		}
		fyne.Do(func() {
			if cw.live != l || l.gen != gen {
				return
			}
			cw.objs = replaceObjects(cw.objs, meshed)
			cw.model.UpdateScene(cw.objs)
		})
	}()
}

// meshLabel meshes one label of a box of the label map as the mesh stage
// does (export.Objects), with the smoothing profile smooth ("" for the
// label's own).
func meshLabel(ctx context.Context, box *volume.Volume[uint8], table *labels.Table, name, smooth string) ([]meshio.Object, error) {
	objs, _, err := export.Objects(ctx, box, export.Options{Table: table, Labels: []string{name}, Smooth: smooth})
	return objs, err
}

// replaceObjects is objs with the objects of each name in meshed in place
// of those of that name (none: the name's object removed), new names last.
func replaceObjects(objs []meshio.Object, meshed map[string][]meshio.Object) []meshio.Object {
	var out []meshio.Object
	done := map[string]bool{}
	for _, o := range objs {
		m, ok := meshed[o.Name]
		switch {
		case !ok:
			out = append(out, o)
		case !done[o.Name]:
			out = append(out, m...)
			done[o.Name] = true
		}
	}
	for name, m := range meshed {
		if !done[name] {
			out = append(out, m...)
		}
	}
	return out
}

// editShortcuts adds the editor's keys to the window: Ctrl+Z undo,
// Ctrl+Shift+Z redo, Ctrl+S save (Cmd on macOS), Esc cancels an edit
// running.
func (cw *CaseWindow) editShortcuts() {
	c := cw.win.Canvas()
	key := func(k fyne.KeyName, m fyne.KeyModifier, f func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: m}, func(fyne.Shortcut) { f() })
	}
	def := fyne.KeyModifierShortcutDefault
	key(fyne.KeyZ, def, cw.edit.Undo)
	key(fyne.KeyZ, def|fyne.KeyModifierShift, cw.edit.Redo)
	key(fyne.KeyS, def, cw.edit.Save)
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			cw.edit.Cancel()
		}
	})
}

// offerRecovery opens an editing session at once when the case's journal
// holds unsaved strokes, which asks whether to recover or discard them.
func (cw *CaseWindow) offerRecovery(d *caseData) {
	// A cut journal still gives its good records; Begin reports the cut.
	recs, _ := edithistory.Read((&casefile.Case{Dir: d.dir}).JournalPath())
	if _, strokes := edithistory.Unsaved(recs); len(strokes) > 0 {
		cw.edit.Begin(editsession.Refuse)
	}
}
