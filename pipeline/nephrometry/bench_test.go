package nephrometry_test

import (
	"context"
	"os"
	"testing"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/nephrometry"
	"kidney3d/pipeline/territory"
	"kidney3d/pipeline/volume"
)

// benchLabels is the label map the benchmarks measure: the file named by
// KIDNEY3D_BENCH_LABELS (e.g. a full-size case's output/labels.nii.gz),
// else the truth of `kidney3d demo --size full --seed 7`.
func benchLabels(b *testing.B) *volume.Volume[uint8] {
	b.Helper()
	if path := os.Getenv("KIDNEY3D_BENCH_LABELS"); path != "" {
		lab, err := volume.Load[uint8](path)
		if err != nil {
			b.Fatal(err)
		}
		return lab
	}
	c, err := demo.Generate(demo.Options{Seed: 7, Size: demo.Full})
	if err != nil {
		b.Fatal(err)
	}
	return c.Truth
}

// BenchmarkMeasureStage is the measure stage's work on a full-size label
// map: every structure's volume and diameters (measure.Measure) and every
// tumour and kidney assessed (nephrometry.Assess).
func BenchmarkMeasureStage(b *testing.B) {
	lab := benchLabels(b)
	table := labels.Default()
	ctx := context.Background()
	for b.Loop() {
		if _, err := measure.Measure(ctx, lab, table, []string{"tumor", "cyst", "kidney_left", "kidney_right"}, nil); err != nil {
			b.Fatal(err)
		}
		if _, _, err := nephrometry.Assess(ctx, lab, table, 5); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTerritories is the territories stage's work on a full-size
// label map (territory.Compute).
func BenchmarkTerritories(b *testing.B) {
	lab := benchLabels(b)
	table := labels.Default()
	for b.Loop() {
		if _, err := territory.Compute(context.Background(), lab, table); err != nil {
			b.Fatal(err)
		}
	}
}
