package template

import (
	"testing"
	"time"

	"kidney3d/assets"
	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/volume"
)

func TestParseRejectsBadKnots(t *testing.T) {
	for _, bad := range []string{
		`{"sides": {"middle": []}}`,
		`{"sides": {"left": [{"label": "artery", "paths": [[{"body": [0, 0, 0], "r": 1}]]}]}}`,
		`{"sides": {"left": [{"label": "artery", "paths": [[{"body": [0, 0, 0], "r": 1}, {"r": 1}]]}]}}`,
		`{"sides": {"left": [{"label": "artery", "paths": [[{"body": [0, 0, 0], "r": 1}, {"body": [0, 0, 1], "kidney": [0, 0, 0], "r": 1}]]}]}}`,
		`{"sides": `,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	if _, err := Parse(assets.RenalTemplateJSON); err != nil {
		t.Fatalf("the shipped template: %v", err)
	}
}

func TestFitKidneyFindsAxesAndExtents(t *testing.T) {
	g := volume.Grid{Dims: [3]int{40, 40, 60}, Affine: volume.Affine{{1, 0, 0, 20}, {0, 1, 0, -20}, {0, 0, 1, -30}, {0, 0, 0, 1}}}
	m := volume.New[uint8](g)
	// A box 10 × 6 × 40 mm centred at (40, 0, 0), long along z.
	for k := 10; k < 50; k++ {
		for j := 17; j < 23; j++ {
			for i := 15; i < 25; i++ {
				m.Set(i, j, k, 1)
			}
		}
	}
	f, ok := FitKidney(m, 0, 0)
	if !ok {
		t.Fatal("no fit")
	}
	near := func(a, b [3]float64, tol float64) bool { return dot(sub(a, b), sub(a, b)) <= tol*tol }
	if !near(f.Axes[0], [3]float64{0, 0, 1}, 1e-6) || !near(f.Axes[1], [3]float64{-1, 0, 0}, 1e-6) || !near(f.Axes[2], [3]float64{0, 1, 0}, 1e-6) {
		t.Errorf("axes %v", f.Axes)
	}
	if !near(f.Center, [3]float64{39.5, -0.5, -0.5}, 1e-6) || !near(f.Half, [3]float64{19.5, 4.5, 2.5}, 1e-6) {
		t.Errorf("centre %v, half-extents %v", f.Center, f.Half)
	}
	if got := (Knot{Kidney: &[3]float64{1, 1, 0}, MM: [3]float64{0, 2, 0}}).Place(f, 0); !near(got, [3]float64{33, -0.5, 19}, 1e-6) {
		t.Errorf("kidney knot at %v", got)
	}
	if got := (Knot{Body: &[3]float64{-5, 1, 2}}).Place(f, 3); !near(got, [3]float64{-2, 0.5, 1.5}, 1e-6) {
		t.Errorf("body knot at %v", got)
	}
	// The same mask held as a part of its bounding box fits the same frame.
	lo, hi, _ := volume.BoundingBox(m)
	if fp, ok := FitKidneyPart(volume.CropPart(g, lo, volume.Crop(m, lo, hi)), 0, 0); !ok || fp != f {
		t.Errorf("FitKidneyPart %+v, want %+v", fp, f)
	}
}

// TestDemoAccuracy fits the template on defective demo kidneys and
// measures how much of each drawn structure lies near the truth.
func TestDemoAccuracy(t *testing.T) {
	seeds := demotest.Seeds(20, 2)
	tpl, err := Parse(assets.RenalTemplateJSON)
	if err != nil {
		t.Fatal(err)
	}
	table := labels.Default()
	values := map[string]uint8{"artery": table.Value("artery"), "vein": table.Value("vein"), "ureter": table.Value("ureter")}
	near, all := map[string]int{}, map[string]int{}
	var took time.Duration
	for seed := int64(1); seed <= int64(seeds); seed++ {
		c, m := demotest.Defective(t, seed)
		start := time.Now()
		mid := midline.X(c.Truth.Grid, m.ByLabel["kidney_left"], m.ByLabel["kidney_right"])
		frames := map[string]Frame{}
		for _, s := range []string{"left", "right"} {
			if f, ok := FitKidney(m.ByLabel["kidney_"+s], mid, tpl.HilumTurnDeg); ok {
				frames[s] = f
			}
		}
		out := volume.New[uint8](c.Truth.Grid)
		tpl.Draw(out, frames, mid, values)
		took += time.Since(start)
		for name, v := range values {
			truth := volume.New[uint8](c.Truth.Grid)
			drawn := volume.New[uint8](c.Truth.Grid)
			for n, x := range c.Truth.Data {
				truth.Data[n] = b2u(x == v)
				drawn.Data[n] = b2u(out.Data[n] == v)
			}
			d := labelops.DistanceOutsideMM(truth)
			for n, x := range drawn.Data {
				if x != 0 {
					all[name]++
					if d.Data[n] <= 10 {
						near[name]++
					}
				}
			}
			if _, sizes := labelops.Components(drawn, labelops.Full); len(sizes) != 2 {
				t.Errorf("seed %d: %s drawn in %d pieces, want one per side", seed, name, len(sizes))
			}
		}
	}
	for name := range values {
		f := float64(near[name]) / float64(all[name])
		t.Logf("%s: %.0f%% of the template's voxels within 10 mm of the truth", name, 100*f)
		if f < 0.6 {
			t.Errorf("%s: only %.0f%% of the template within 10 mm of the truth", name, 100*f)
		}
	}
	t.Logf("fit and draw: %v per case", took/time.Duration(seeds))
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
