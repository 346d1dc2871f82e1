package ui

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/cputime"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/editops"
	"kidney3d/pipeline/editsession"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh/export"
	"kidney3d/pipeline/volume"
	"kidney3d/render"
	"kidney3d/ui/sliceimg"
)

// fullEditor is an editing session on a synthetic full-size case
// (512×512×300 voxels of 0.78×0.78×1 mm, as `kidney3d demo --size full`)
// holding a left kidney, an ellipsoid of 60×50×110 mm, and a liver, one of
// 160×140×150 mm, and the case as the window holds it.
func fullEditor(b *testing.B) (*editor, *caseData) {
	b.Helper()
	g := volume.Grid{Dims: [3]int{512, 512, 300}, Affine: volume.Affine{{0.78, 0, 0, -200}, {0, 0.78, 0, -200}, {0, 0, 1, -150}, {0, 0, 0, 1}}}
	table := labels.Default()
	kidney, _ := table.ByName("kidney_left")
	liver, _ := table.ByName("liver")
	lab := volume.New[uint8](g)
	for n := range lab.Data {
		i, j, k := lab.Coords(n)
		p := g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
		x, y, z := (p[0]-60)/30, p[1]/25, p[2]/55
		if x*x+y*y+z*z <= 1 {
			lab.Data[n] = uint8(kidney.Value)
		}
		if x, y, z := (p[0]+70)/80, p[1]/70, (p[2]-20)/75; x*x+y*y+z*z <= 1 {
			lab.Data[n] = uint8(liver.Value)
		}
	}
	ct := volume.New[int16](g)
	for n := range ct.Data {
		ct.Data[n] = int16(lab.Data[n]) * 20
	}
	dir := b.TempDir()
	c := &casefile.Case{Dir: dir}
	for _, path := range []string{c.PhasePath("A"), c.OutputLabelsPath()} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	if err := volume.Save(c.PhasePath("A"), ct); err != nil {
		b.Fatal(err)
	}
	if err := volume.Save(c.OutputLabelsPath(), lab); err != nil {
		b.Fatal(err)
	}
	d := &caseData{dir: dir, grid: g, phases: map[string]*volume.Volume[int16]{"A": ct}, reference: "A", labels: lab, table: table}
	ed, err := beginEditing(d, editsession.Refuse)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ed.close() })
	d.labels = ed.shown
	return ed, d
}

// cpuPerOp reports the CPU time per op since start, beside the wall time.
func cpuPerOp(b *testing.B, start time.Duration, ok bool) {
	if end, _ := cputime.Used(); ok {
		b.ReportMetric(float64((end-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkEditDab: one dab of a 10 mm 2D brush on the full-size case to
// the slice on screen: the dab written through the session (within a
// drag, merged into the stroke) and the axial view's 700×700 image drawn
// again over the block it changed. "commit" is a tap: the dab, its
// stroke journaled (fsync) and pushed, and the redraw.
func BenchmarkEditDab(b *testing.B) {
	ed, d := fullEditor(b)
	f := sliceimg.NewFrame(sliceimg.Axial, d.grid.Dims, d.grid.Spacing(), 700, 700)
	img := image.NewRGBA(image.Rect(0, 0, 700, 700))
	k := 150
	layers := sliceimg.Layers{CT: d.phases["A"].Data, Labels: ed.shown.Data, Window: sliceimg.Presets[0].Window, Colors: d.colors(), Opacity: 0.4}
	sliceimg.Render(img, f, k, layers)
	r := 10.0
	dab := func(n int) block {
		c := d.grid.VoxelToWorld([3]float64{float64(300 + n%40), float64(220 + n%60), float64(k)})
		label := "tumor"
		if n%2 == 1 {
			label = "kidney_left"
		}
		bl, err := ed.dab(&editops.Op{Op: "paint", Label: label, Shape: "disc", Plane: "axial", CenterMM: &c, RadiusMM: &r})
		if err != nil {
			b.Fatal(err)
		}
		x0, y0 := f.ToScreen(bl.lo[0], bl.lo[1])
		x1, y1 := f.ToScreen(bl.hi[0]-1, bl.hi[1]-1)
		pad := 2 * f.PixelsPerMM()
		sliceimg.RenderRect(img, f, k, layers, image.Rect(int(min(x0, x1)-pad), int(min(y0, y1)-pad), int(max(x0, x1)+pad)+1, int(max(y0, y1)+pad)+1))
		return bl
	}
	b.Run("drag", func(b *testing.B) {
		start, ok := cputime.Used()
		n := 0
		for b.Loop() {
			dab(n)
			if n++; n%20 == 0 { // a drag of 20 dabs
				if _, _, err := ed.endStroke(); err != nil {
					b.Fatal(err)
				}
			}
		}
		cpuPerOp(b, start, ok)
		ed.endStroke()
	})
	b.Run("commit", func(b *testing.B) {
		start, ok := cputime.Used()
		n := 0
		for b.Loop() {
			dab(n)
			n++
			if _, _, err := ed.endStroke(); err != nil {
				b.Fatal(err)
			}
		}
		cpuPerOp(b, start, ok)
	})
}

// BenchmarkEditMesh: the 3D update of the edited kidney after a stroke on
// the full-size case, as the case window makes it (its box copied, then
// meshed by export.Objects): "live" without smoothing, right after the
// stroke; "final" with the kidney's own smoothing, when idle; and, as the
// baseline in the same run, "whole-map": export.Objects of the kidney
// from the whole label map, as the mesh stage does. Then the 3D view's
// scene with the liver and the new kidney: "scene-new" prepares every
// mesh (render.NewScene), "scene-update" only the kidney's
// (render.UpdateScene, as the app's 3D source does).
func BenchmarkEditMesh(b *testing.B) {
	ed, d := fullEditor(b)
	r := 10.0
	c := d.grid.VoxelToWorld([3]float64{300, 256, 150})
	if _, _, err := ed.do(&editops.Op{Op: "paint", Label: "kidney_left", Shape: "sphere", CenterMM: &c, RadiusMM: &r}); err != nil {
		b.Fatal(err)
	}
	kidney, _ := d.table.ByName("kidney_left")
	v := uint8(kidney.Value)
	for _, bm := range []struct{ name, smooth string }{{"live", "raw"}, {"final", ""}} {
		b.Run(bm.name, func(b *testing.B) {
			start, ok := cputime.Used()
			for b.Loop() {
				lo, hi, _ := ed.labelBox(v)
				objs, err := meshLabel(context.Background(), volume.Crop(ed.shown, lo, hi), d.table, "kidney_left", bm.smooth)
				if err != nil || len(objs) != 1 {
					b.Fatal(err, len(objs))
				}
			}
			cpuPerOp(b, start, ok)
		})
	}
	lo, hi, _ := ed.labelBox(v)
	kidneys, err := meshLabel(context.Background(), volume.Crop(ed.shown, lo, hi), d.table, "kidney_left", "")
	if err != nil {
		b.Fatal(err)
	}
	livers, err := meshLabel(context.Background(), ed.shown, d.table, "liver", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("scene: liver %d triangles, kidney %d", livers[0].Mesh.NumTriangles(), kidneys[0].Mesh.NumTriangles())
	prev := render.NewScene(livers)
	objs := append(livers, kidneys...)
	b.Run("scene-new", func(b *testing.B) {
		start, ok := cputime.Used()
		for b.Loop() {
			render.NewScene(objs)
		}
		cpuPerOp(b, start, ok)
	})
	b.Run("scene-update", func(b *testing.B) {
		start, ok := cputime.Used()
		for b.Loop() {
			render.UpdateScene(prev, objs)
		}
		cpuPerOp(b, start, ok)
	})
	b.Run("whole-map", func(b *testing.B) {
		start, ok := cputime.Used()
		for b.Loop() {
			if _, _, err := export.Objects(context.Background(), ed.shown, export.Options{Table: d.table, Labels: []string{"kidney_left"}, Smooth: "raw"}); err != nil {
				b.Fatal(err)
			}
		}
		cpuPerOp(b, start, ok)
	})
}

// BenchmarkRemeasure is what the Measurements tab does once an edit's
// stroke is done (remeasure): the label map copied
// and measured with its territories traced again (measureNow), on the
// truth of `kidney3d demo --size full --seed 7` (512×512×300).
func BenchmarkRemeasure(b *testing.B) {
	c, err := demo.Generate(demo.Options{Seed: 7, Size: demo.Full})
	if err != nil {
		b.Fatal(err)
	}
	table := labels.Default()
	b.ResetTimer()
	start, ok := cputime.Used()
	for range b.N {
		if _, err := measureNow(c.Truth.Clone(), table); err != nil {
			b.Fatal(err)
		}
	}
	cpuPerOp(b, start, ok)
}

// BenchmarkEditApplyOffUI: the Edit panel's Apply on the full-size case's
// kidney, a 2 mm margin and a 3 mm median smoothing, as EditPanel.run
// splits it: "prepare" off the UI goroutine (Session.Prepare: the op's
// change) and "ui" on it (editor.doPrepared: the change written into the
// map under its lock, journaled with fsync, shown; undone after each,
// untimed); and "preview", grow from seeds' preview of such a change off
// the UI goroutine (editor.previewOf: a copy of the map with the change
// written in).
func BenchmarkEditApplyOffUI(b *testing.B) {
	ed, _ := fullEditor(b)
	margin, median := 2.0, 3.0
	for _, op := range []*editops.Op{
		{Op: "margin", Label: "kidney_left", MM: &margin},
		{Op: "smooth", Label: "kidney_left", Method: "median", MM: &median},
	} {
		prep, err := ed.session.Prepare(context.Background(), op)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(op.Op+"/prepare", func(b *testing.B) {
			start, ok := cputime.Used()
			for b.Loop() {
				if _, err := ed.session.Prepare(context.Background(), op); err != nil {
					b.Fatal(err)
				}
			}
			cpuPerOp(b, start, ok)
		})
		b.Run(op.Op+"/ui", func(b *testing.B) {
			start, ok := cputime.Used()
			for b.Loop() {
				if s, _, err := ed.doPrepared(prep); err != nil || s.Voxels() == 0 {
					b.Fatal(err, s.Voxels())
				}
				b.StopTimer()
				if _, _, _, err := ed.undo(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			cpuPerOp(b, start, ok)
		})
		b.Run(op.Op+"/preview", func(b *testing.B) {
			start, ok := cputime.Used()
			for b.Loop() {
				if _, n, err := ed.previewOf(prep); err != nil || n == 0 {
					b.Fatal(err, n)
				}
			}
			cpuPerOp(b, start, ok)
		})
	}
}
