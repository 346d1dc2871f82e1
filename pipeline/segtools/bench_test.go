package segtools

import (
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"kidney3d/pipeline/cputime"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

// measure runs body in b's loop and reports, beside the wall time, the
// process's CPU seconds per run ("cpu-s/op"; on 2 cores at most twice the
// wall time of an idle machine).
func measure(b *testing.B, body func()) {
	start, ok := cputime.Used()
	for b.Loop() {
		body()
	}
	if end, _ := cputime.Used(); ok {
		b.ReportMetric((end-start).Seconds()/float64(b.N), "cpu-s/op")
	}
}

// fullGrid is the full-size demo's grid: 512×512×300 voxels of
// 0.8×0.8×1.5 mm, RAS, centred on the world origin.
func fullGrid() volume.Grid {
	sp := [3]float64{0.8, 0.8, 1.5}
	aff := volume.Identity
	for a := range 3 {
		aff[a][a] = sp[a]
	}
	return volume.Grid{Dims: [3]int{512, 512, 300}, Affine: aff.Translated([3]float64{-204.4, -204.4, -224.25})}
}

// mmEllipsoid is the mask of the voxels of g within the ellipsoid of
// semi-axes r mm about the world origin.
func mmEllipsoid(g volume.Grid, r [3]float64) *volume.Volume[uint8] {
	m := volume.New[uint8](g)
	for n := range m.Data {
		i, j, k := g.Coords(n)
		p := g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
		if x, y, z := p[0]/r[0], p[1]/r[1], p[2]/r[2]; x*x+y*y+z*z <= 1 {
			m.Data[n] = 1
		}
	}
	return m
}

// organImage is a full-size image of 100 inside an organ-sized ellipsoid
// (semi-axes 80, 60, 100 mm: about 2.1 million voxels) and 0 outside.
func organImage() *volume.Volume[int16] {
	m := mmEllipsoid(fullGrid(), [3]float64{80, 60, 100})
	img := volume.New[int16](m.Grid)
	for n, x := range m.Data {
		img.Data[n] = 100 * int16(x)
	}
	return img
}

func BenchmarkFloodFill3D(b *testing.B) {
	img := organImage()
	seed, _ := img.Grid.NearestVoxel([3]float64{})
	var m *volume.Volume[uint8]
	measure(b, func() {
		m, _ = FloodFill(context.Background(), img, seed, FillOptions{Lo: 50, Hi: 150, Conn: labelops.Face})
	})
	b.ReportMetric(float64(labelops.Count(m)), "voxels")
}

func BenchmarkLevelTraceAxial(b *testing.B) {
	img := organImage()
	seed, _ := img.Grid.NearestVoxel([3]float64{})
	measure(b, func() { LevelTrace(context.Background(), img, seed, Slice{2, seed[2]}) })
}

// circle is an n-gon of radius r about c.
func circle(c [2]float64, r float64, n int) [][2]float64 {
	out := make([][2]float64, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = [2]float64{c[0] + r*math.Cos(a), c[1] + r*math.Sin(a)}
	}
	return out
}

// BenchmarkScissorsPerspective cuts the full grid with a 64-vertex circle
// of radius 150 pixels drawn in the middle of a 1000×800 perspective view
// (60° vertical field of view, the eye 600 mm above the volume's centre).
func BenchmarkScissorsPerspective(b *testing.B) {
	g := fullGrid()
	f := 1 / math.Tan(math.Pi/6)
	near, far := 10.0, 2000.0
	proj := volume.Affine{{f / 1.25, 0, 0, 0}, {0, f, 0, 0}, {0, 0, (far + near) / (near - far), 2 * far * near / (near - far)}, {0, 0, -1, 0}}
	view := View{ViewProj: proj.Mul(volume.Identity.Translated([3]float64{0, 0, -600})), Viewport: [4]float64{0, 0, 1000, 800}}
	poly := circle([2]float64{500, 400}, 150, 64)
	var m *volume.Volume[uint8]
	measure(b, func() { m, _ = Scissors(context.Background(), g, view, poly, Cut{}) })
	b.ReportMetric(float64(labelops.Count(m)), "voxels")
}

// BenchmarkInterpolateKidney fills between the axial slices, 15 mm apart,
// of a kidney-sized ellipsoid (semi-axes 30, 25, 55 mm) on the full grid,
// and runs the peer (tools/peer_interpolate.py: SciPy shape-based
// interpolation) on the same slices in the same run. Dice is over the
// slices from the first drawn to the last.
func BenchmarkInterpolateKidney(b *testing.B) {
	g := fullGrid()
	truth := mmEllipsoid(g, [3]float64{30, 25, 55})
	drawn := volume.New[uint8](g)
	lo, hi, _ := volume.BoundingBox(truth)
	first, last := lo[2]+3, lo[2]+3
	for k := first; k < hi[2]-3; k += 10 {
		volume.Paste(drawn, volume.Crop(truth, [3]int{0, 0, k}, [3]int{512, 512, k + 1}), [3]int{0, 0, k})
		last = k
	}
	slab := func(m *volume.Volume[uint8]) *volume.Volume[uint8] {
		return volume.Crop(m, [3]int{0, 0, first}, [3]int{512, 512, last + 1})
	}
	var out *volume.Volume[uint8]
	measure(b, func() { out, _ = InterpolateSlices(context.Background(), drawn, 2) })
	b.ReportMetric(dice(slab(out), slab(truth)), "dice")
	peerSeconds, peerOut, err := runInterpolationPeer(b.TempDir(), drawn)
	if err != nil {
		b.Logf("peer not run: %v", err)
		return
	}
	b.ReportMetric(peerSeconds, "peer-s/op")
	b.ReportMetric(dice(slab(peerOut), slab(truth)), "peer-dice")
}

// runInterpolationPeer runs tools/peer_interpolate.py on drawn along the
// last axis: its best time and its result.
func runInterpolationPeer(dir string, drawn *volume.Volume[uint8]) (float64, *volume.Volume[uint8], error) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import nibabel, scipy").Run(); err != nil {
		return 0, nil, err
	}
	in, out := filepath.Join(dir, "drawn.nii.gz"), filepath.Join(dir, "peer.nii.gz")
	if err := volume.SaveFast(in, drawn); err != nil {
		return 0, nil, err
	}
	text, err := exec.Command(python, "../../tools/peer_interpolate.py", in, "2", out, "3").Output()
	if err != nil {
		return 0, nil, err
	}
	var res struct{ Seconds float64 }
	if err := json.Unmarshal(text, &res); err != nil {
		return 0, nil, err
	}
	m, err := volume.Load[uint8](out)
	return res.Seconds, m, err
}

// fullDemo is the full-size demo case of seed 3, its kidney without the
// tumour, the kidney's region and the strokes of each slice direction,
// made once.
var fullDemo = sync.OnceValues(func() (*demo.Case, error) {
	return demo.Generate(demo.Options{Seed: 3, Size: demo.Full})
})

// BenchmarkGrowCutFullKidney runs grow from seeds on the full-size demo's
// kidney region: "first" is a fresh start from the strokes of all three
// slice directions, "update" adds the sagittal strokes to the result of
// the axial and coronal ones (the copy of that state is not in the wall
// time, but is in the CPU time).
func BenchmarkGrowCutFullKidney(b *testing.B) {
	c, err := fullDemo()
	if err != nil {
		b.Fatal(err)
	}
	kidney := demoKidney(c)
	lo, hi := kidneyRegion(kidney)
	strokes := kidneyStrokes(b, kidney, lo, hi)
	merge := func(parts ...*volume.Volume[uint8]) *volume.Volume[uint8] {
		out := volume.New[uint8](kidney.Grid)
		for _, p := range parts {
			for n, x := range p.Data {
				if x != 0 {
					out.Data[n] = x
				}
			}
		}
		return out
	}
	two, all := merge(strokes[:2]...), merge(strokes...)
	ctx := context.Background()
	kidneyDice := func(p *volume.Part[uint8]) float64 {
		got := p.Full()
		for n, x := range got.Data {
			got.Data[n] = x & 1 // label 1 is the kidney, 2 the background
		}
		return dice(got, kidney)
	}
	b.Run("first", func(b *testing.B) {
		var p *volume.Part[uint8]
		measure(b, func() {
			gc, _ := NewGrowCut(c.Phases["A"], lo, hi)
			p, _ = gc.Update(ctx, all)
		})
		b.ReportMetric(float64(p.Box.Len()), "region-voxels")
		b.ReportMetric(kidneyDice(p), "dice")
	})
	b.Run("update", func(b *testing.B) {
		base, _ := NewGrowCut(c.Phases["A"], lo, hi)
		base.Update(ctx, two)
		gc := *base
		gc.seeds, gc.dist, gc.label = slices.Clone(base.seeds), slices.Clone(base.dist), slices.Clone(base.label)
		var p *volume.Part[uint8]
		measure(b, func() {
			b.StopTimer()
			gc.seeds = append(gc.seeds[:0], base.seeds...)
			gc.dist = append(gc.dist[:0], base.dist...)
			gc.label = append(gc.label[:0], base.label...)
			b.StartTimer()
			p, _ = gc.Update(ctx, all)
		})
		b.ReportMetric(kidneyDice(p), "dice")
	})
}
