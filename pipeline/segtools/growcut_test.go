package segtools

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

func TestGrowCutHalves(t *testing.T) {
	ctx := context.Background()
	// left half 0, right half 100; one seed in each corner
	img := volume.New[int16](grid1mm([3]int{10, 10, 2}, [3]float64{}))
	volumetest.Box(img, [3]int{5, 0, 0}, [3]int{10, 10, 2}, 100)
	seeds := volume.New[uint8](img.Grid)
	seeds.Set(0, 0, 0, 1)
	seeds.Set(9, 9, 1, 2)
	gc, err := NewGrowCut(img, [3]int{}, img.Dims)
	if err != nil {
		t.Fatal(err)
	}
	p, err := gc.Update(ctx, seeds)
	if err != nil {
		t.Fatal(err)
	}
	out := p.Full()
	want := volume.New[uint8](img.Grid)
	volumetest.Box(want, [3]int{0, 0, 0}, [3]int{5, 10, 2}, 1)
	volumetest.Box(want, [3]int{5, 0, 0}, [3]int{10, 10, 2}, 2)
	if !slices.Equal(out.Data, want.Data) {
		t.Errorf("labels %v, want the left half 1 and the right half 2", out.Data)
	}
	// a region i 3..6: the seed at (9, 9, 1) lies outside it, so label 1
	// fills the region and nothing else is labelled
	gc, _ = NewGrowCut(img, [3]int{3, 0, 0}, [3]int{7, 10, 2})
	seeds.Set(3, 5, 0, 1)
	p, _ = gc.Update(ctx, seeds)
	if p.Lo != [3]int{3, 0, 0} || p.Box.Dims != [3]int{4, 10, 2} {
		t.Fatalf("region part at %v size %v", p.Lo, p.Box.Dims)
	}
	out = p.Full()
	if labelops.Count(out) != 80 || out.At(6, 9, 1) != 1 || out.At(2, 0, 0) != 0 || out.At(0, 0, 0) != 0 {
		t.Errorf("region: %d voxels labelled, want 80 of label 1", labelops.Count(out))
	}
	for name, box := range map[string][2][3]int{"empty": {{3, 0, 0}, {3, 10, 2}}, "beyond": {{0, 0, 0}, {11, 10, 2}}} {
		if _, err := NewGrowCut(img, box[0], box[1]); err == nil {
			t.Errorf("a region %s was accepted", name)
		}
	}
	if _, err := gc.Update(ctx, volume.New[uint8](grid1mm([3]int{3, 3, 3}, [3]float64{}))); err == nil {
		t.Error("seeds on another grid were accepted")
	}
}

// TestGrowCutIncremental checks that adding seeds gives the distances a
// fresh run gives, that removing one recomputes, and that a cancelled
// update leaves the next one whole.
func TestGrowCutIncremental(t *testing.T) {
	ctx := context.Background()
	img := volume.New[int16](grid1mm([3]int{24, 20, 16}, [3]float64{}))
	r := rand.New(rand.NewPCG(1, 2))
	for n := range img.Data {
		img.Data[n] = int16(r.IntN(2000))
	}
	first, more := volume.New[uint8](img.Grid), volume.New[uint8](img.Grid)
	volumetest.Box(first, [3]int{2, 2, 2}, [3]int{6, 3, 3}, 1)
	volumetest.Box(first, [3]int{18, 15, 12}, [3]int{20, 18, 13}, 2)
	copy(more.Data, first.Data)
	volumetest.Box(more, [3]int{10, 10, 2}, [3]int{11, 14, 3}, 3)
	volumetest.Box(more, [3]int{3, 15, 14}, [3]int{6, 16, 15}, 1)

	gc, _ := NewGrowCut(img, [3]int{}, img.Dims)
	if _, err := gc.Update(ctx, first); err != nil {
		t.Fatal(err)
	}
	inc, _ := gc.Update(ctx, more)
	fresh, _ := NewGrowCut(img, [3]int{}, img.Dims)
	all, _ := fresh.Update(ctx, more)
	if !slices.Equal(gc.dist, fresh.dist) {
		t.Error("incremental distances differ from a fresh run's")
	}
	if !slices.Equal(inc.Box.Data, all.Box.Data) {
		t.Error("incremental labels differ from a fresh run's")
	}
	// removing the added seeds gives exactly the first result again
	back, _ := gc.Update(ctx, first)
	again, _ := fresh.Update(ctx, first)
	if !slices.Equal(back.Box.Data, again.Box.Data) || !slices.Equal(gc.dist, fresh.dist) {
		t.Error("after removing seeds the result is not a fresh run's")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	big, _ := NewGrowCut(volume.New[int16](grid1mm([3]int{80, 80, 20}, [3]float64{})), [3]int{}, [3]int{80, 80, 20})
	seeds := volume.New[uint8](big.grid)
	seeds.Set(0, 0, 0, 1)
	if _, err := big.Update(cancelled, seeds); err != context.Canceled {
		t.Errorf("cancelled update: %v", err)
	}
	p, err := big.Update(ctx, seeds)
	if err != nil || labelops.Count(p.Full()) != 80*80*20 {
		t.Errorf("update after a cancel: %v", err)
	}
}

// kidneyStrokes draws, as a user would on the slices through the truth
// kidney's deepest voxel, 3 strokes per slice direction (axial, coronal,
// sagittal): two short lines (up to 20 mm either side of that voxel, 3 mm
// inside the kidney's outline) along the slice's two in-plane axes,
// labelled 1, and the outline of the region on that slice outside the
// kidney, labelled 2 (background). It returns the strokes of each
// direction on the truth's grid.
func kidneyStrokes(t testing.TB, kidney *volume.Volume[uint8], roiLo, roiHi [3]int) []*volume.Volume[uint8] {
	inner := labelops.Erode(kidney, 3)
	// the centre: the kidney's deepest voxel (its outline curves round
	// the hilum, so the middle of its box may lie outside it)
	depth := labelops.DistanceMM(kidney)
	deepest := 0
	for n, d := range depth.Data {
		if d > depth.Data[deepest] {
			deepest = n
		}
	}
	i, j, k := kidney.Coords(deepest)
	c := [3]int{i, j, k}
	var out []*volume.Volume[uint8]
	for _, plane := range []string{"axial", "coronal", "sagittal"} {
		axis, err := kidney.Grid.PlaneAxis(plane)
		if err != nil {
			t.Fatal(err)
		}
		s := Slice{axis, c[axis]}
		u, v := s.inPlane()
		strokes := volume.New[uint8](kidney.Grid)
		for _, along := range []int{u, v} {
			reach := int(20 / kidney.Spacing()[along])
			for d := -reach; d <= reach; d++ {
				p := c
				p[along] += d
				if kidney.Contains(p[0], p[1], p[2]) && inner.At(p[0], p[1], p[2]) != 0 {
					strokes.Set(p[0], p[1], p[2], 1)
				}
			}
		}
		forSlice(kidney.Grid, s, func(n int) {
			i, j, k := kidney.Coords(n)
			p := [3]int{i, j, k}
			inRegion := p[u] >= roiLo[u] && p[u] < roiHi[u] && p[v] >= roiLo[v] && p[v] < roiHi[v]
			edge := p[u] == roiLo[u] || p[u] == roiHi[u]-1 || p[v] == roiLo[v] || p[v] == roiHi[v]-1
			if inRegion && edge && kidney.Data[n] == 0 {
				strokes.Data[n] = 2
			}
		})
		if slices.Index(strokes.Data, 1) < 0 {
			t.Fatalf("no kidney stroke on the %s slice", plane)
		}
		out = append(out, strokes)
	}
	return out
}

// demoKidney is the truth mask of the kidney of c that holds no tumour.
func demoKidney(c *demo.Case) *volume.Volume[uint8] {
	side := "left"
	if c.Params.Tumor.Side == "left" {
		side = "right"
	}
	value := labels.Default().Value("kidney_" + side)
	m := volume.New[uint8](c.Truth.Grid)
	for n, x := range c.Truth.Data {
		if x == value {
			m.Data[n] = 1
		}
	}
	return m
}

// kidneyRegion is the kidney's bounding box grown by 10 mm.
func kidneyRegion(kidney *volume.Volume[uint8]) (lo, hi [3]int) {
	lo, hi, _ = volume.BoundingBox(kidney)
	return volume.GrowBox(kidney.Grid, lo, hi, labelops.Margin(kidney.Grid, 10))
}

// TestGrowCutDemoKidney segments a small demo case's kidney from 3 strokes
// per slice direction, added direction by direction as incremental
// updates, on the arterial phase.
func TestGrowCutDemoKidney(t *testing.T) {
	c, err := demo.Generate(demo.Options{Seed: 3, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	kidney := demoKidney(c)
	lo, hi := kidneyRegion(kidney)
	gc, err := NewGrowCut(c.Phases["A"], lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	seeds := volume.New[uint8](kidney.Grid)
	var d float64
	for n, strokes := range kidneyStrokes(t, kidney, lo, hi) {
		for i, x := range strokes.Data {
			if x != 0 {
				seeds.Data[i] = x
			}
		}
		p, err := gc.Update(context.Background(), seeds)
		if err != nil {
			t.Fatal(err)
		}
		got := p.Full()
		for i, x := range got.Data {
			if x != 1 {
				got.Data[i] = 0
			}
		}
		d = dice(got, kidney)
		t.Logf("after %d slice directions: Dice %.4f", n+1, d)
	}
	if d < 0.90 {
		t.Errorf("Dice %.4f with the kidney, want ≥ 0.90", d)
	}
}
