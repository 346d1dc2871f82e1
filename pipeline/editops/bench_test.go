package editops

import (
	"testing"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/editversions"
	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// BenchmarkGrowSeedsOpFullKidney is the Edit panel's grow from seeds on
// the full-size demo (seed 3) from kidneyByHand's strokes, as one op
// (grow_seeds, box_faces, 10 mm) with the change applied to the map with
// no masking. "first": the seeds gathered from the whole map, a new
// competition, the change; the map restored, untimed, between runs.
// "again": Apply once more on that result, as in the panel: every voxel
// of the label is a seed now, inside the box, so the competition is kept
// and updated from the seeds added (the label gains the voxels they now
// reach first). Each reports the kidney's Dice with the truth.
func BenchmarkGrowSeedsOpFullKidney(b *testing.B) {
	c, err := demo.Generate(demo.Options{Seed: 3, Size: demo.Full})
	if err != nil {
		b.Fatal(err)
	}
	seeded, truth, kidney := kidneyByHand(c)
	ops, err := Parse([]byte(`[{"op":"grow_seeds","labels":["`+kidney+`"],"background":"box_faces","mm":10}]`), "ops.json", labels.Default())
	if err != nil {
		b.Fatal(err)
	}
	lm := seeded.Clone()
	env := &Env{Labels: lm, Table: labels.Default(),
		Intensity: func(string) (*volume.Volume[int16], error) { return c.Phases["A"], nil }}
	kidneyDice := func() float64 { return kidneyCompared(b, truth, lm, kidney).Labels[0].Dice }
	grow := func() {
		ch, m, hu, err := ops[0].Change(env)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := labeledit.Apply(lm, ch, m, hu); err != nil {
			b.Fatal(err)
		}
	}
	var g Grower
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			copy(lm.Data, seeded.Data)
			g = Grower{}
			env.Grower = &g
			b.StartTimer()
			grow()
		}
		b.ReportMetric(float64((g.hi[0]-g.lo[0])*(g.hi[1]-g.lo[1])*(g.hi[2]-g.lo[2])), "region-voxels")
		b.ReportMetric(kidneyDice(), "dice")
	})
	b.Run("again", func(b *testing.B) {
		gc := g.gc
		for b.Loop() {
			grow()
		}
		if g.gc != gc {
			b.Error("the competition was not kept")
		}
		b.ReportMetric(kidneyDice(), "dice")
	})
}

// BenchmarkCompareFull compares two full-size label maps (the demo's
// truth with and without its tumour-free kidney), as `versions
// --compare` does once both are read.
func BenchmarkCompareFull(b *testing.B) {
	c, err := demo.Generate(demo.Options{Seed: 3, Size: demo.Full})
	if err != nil {
		b.Fatal(err)
	}
	seeded, _, _ := kidneyByHand(c)
	table := labels.Default()
	for b.Loop() {
		if _, err := editversions.Compare(c.Truth, seeded, 0, 1, table); err != nil {
			b.Fatal(err)
		}
	}
}
