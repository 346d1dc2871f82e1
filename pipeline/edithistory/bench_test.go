package edithistory

import (
	"math/rand/v2"
	"testing"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/labeledit"
)

// BenchmarkHistory200Strokes makes 200 brush dabs of radius 10 mm, tumour,
// at random centres within 40 mm of the left kidney's centre, on the truth
// label map of the full-size demo case (`kidney3d demo --size full`,
// 512×512×300 voxels) and reports the memory their undo history holds
// (history-MB) beside that of one full copy of the map per stroke, as 3D
// Slicer keeps (copies-MB). The case is generated once, outside the timing.
func BenchmarkHistory200Strokes(b *testing.B) {
	c, err := demo.Generate(demo.Options{Seed: 1, Size: demo.Full})
	if err != nil {
		b.Fatal(err)
	}
	truth := c.Truth
	var centre [3]float64
	n := 0.0
	for i, v := range truth.Data {
		if v == 1 {
			x, y, z := truth.Coords(i)
			centre[0], centre[1], centre[2] = centre[0]+float64(x), centre[1]+float64(y), centre[2]+float64(z)
			n++
		}
	}
	centre = truth.VoxelToWorld([3]float64{centre[0] / n, centre[1] / n, centre[2] / n})
	var h History
	for b.Loop() {
		lm := truth.Clone()
		h = History{}
		rng := rand.New(rand.NewPCG(1, 2))
		for range 200 {
			p := centre
			for a := range p {
				p[a] += rng.Float64()*80 - 40
			}
			s, err := labeledit.Sphere(lm.Grid, p, 10)
			if err != nil {
				b.Fatal(err)
			}
			d, err := labeledit.Apply(lm, labeledit.Paint(s, 3), labeledit.Mask{}, nil)
			if err != nil {
				b.Fatal(err)
			}
			h.Push(Entry{Tool: "paint", Label: 3, Delta: d})
		}
	}
	voxels := 0
	for _, e := range h.Done() {
		voxels += e.Voxels()
	}
	b.ReportMetric(float64(h.Bytes())/1e6, "history-MB")
	b.ReportMetric(float64(200*truth.Len())/1e6, "copies-MB")
	b.ReportMetric(float64(voxels), "voxels-changed")
}
