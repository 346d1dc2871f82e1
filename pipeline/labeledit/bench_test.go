package labeledit

import (
	"math"
	"testing"

	"kidney3d/pipeline/volume"
)

// fullGrid is the full-size demo case's grid (`kidney3d demo --size
// full`): 512×512×300 voxels of 0.8×0.8×1.5 mm, centred on the origin.
func fullGrid() volume.Grid {
	return volume.Grid{Dims: [3]int{512, 512, 300}, Affine: volume.Affine{
		{0.8, 0, 0, -204.4}, {0, 0.8, 0, -204.4}, {0, 0, 1.5, -224.25}, {0, 0, 0, 1}}}
}

// BenchmarkBrushDab is one 3D brush dab of radius 10 mm on the full-size
// grid: the sphere made, applied under the default mask, its delta kept.
func BenchmarkBrushDab(b *testing.B) {
	lm := volume.New[uint8](fullGrid())
	voxels, inside := 0, 0
	n := 0
	for b.Loop() {
		s, err := Sphere(lm.Grid, [3]float64{float64(n%20) - 10, 0, 0}, 10)
		if err != nil {
			b.Fatal(err)
		}
		d, err := Apply(lm, Paint(s, uint8(1+n%2)), Mask{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		voxels += d.Voxels()
		inside = s.Box.Len()
		n++
	}
	b.ReportMetric(float64(voxels)/float64(n), "changed/dab")
	b.ReportMetric(float64(inside), "box-voxels")
}

// undoRadius is the radius of a sphere of about 100 000 voxels on the
// full-size grid (0.96 mm³ each).
var undoRadius = math.Cbrt(100000 * 0.96 * 3 / (4 * math.Pi))

// BenchmarkUndo100k undoes (and, every other time, redoes) a stroke of
// about 100 000 voxels on the full-size grid from its delta.
func BenchmarkUndo100k(b *testing.B) {
	lm := volume.New[uint8](fullGrid())
	s, _ := Sphere(lm.Grid, [3]float64{0, 0, 0}, undoRadius)
	d, err := Apply(lm, Paint(s, 3), Mask{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			d.Undo(lm)
		} else {
			d.Redo(lm)
		}
		n++
	}
	b.ReportMetric(float64(d.Voxels()), "voxels")
	b.ReportMetric(float64(d.Bytes()), "delta-bytes")
}

// BenchmarkUndoFullCopy is the same undo done as 3D Slicer does it, by
// restoring a full copy of the label map: the baseline of
// BenchmarkUndo100k.
func BenchmarkUndoFullCopy(b *testing.B) {
	lm := volume.New[uint8](fullGrid())
	before := lm.Clone()
	s, _ := Sphere(lm.Grid, [3]float64{0, 0, 0}, undoRadius)
	Apply(lm, Paint(s, 3), Mask{}, nil)
	after := lm.Clone()
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			copy(lm.Data, before.Data)
		} else {
			copy(lm.Data, after.Data)
		}
		n++
	}
}
