package register

import (
	"context"
	"math"
	"testing"
	"time"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/demo/demotest"
)

// TestRigidRecoversDemoShifts registers the P and D phases of demo cases
// onto A. The generator displaces each phase's anatomy by ShiftMM (what A
// shows at x, the phase shows at x + ShiftMM), which is the translation of
// the fixed-to-moving Transform: the recovered transform must move both
// kidney centres to within 1 mm of where the shift puts them.
func TestRigidRecoversDemoShifts(t *testing.T) {
	seeds := demotest.Seeds(20, 3)
	var worst, sum [2]float64
	var spent time.Duration
	for seed := 1; seed <= seeds; seed++ {
		c, err := demo.Generate(demo.Options{Seed: int64(seed), Size: demo.Small})
		if err != nil {
			t.Fatal(err)
		}
		for i, phase := range []string{"P", "D"} {
			start := time.Now()
			res, err := Rigid(context.Background(), c.Phases["A"], c.Phases[phase], DefaultOptions())
			spent += time.Since(start)
			if err != nil {
				t.Fatalf("seed %d %s→A: %v", seed, phase, err)
			}
			shift := c.Params.Phases[phase].ShiftMM
			var e float64
			for _, k := range c.Params.Kidneys {
				want := Transform{Translation: shift}
				mm, _ := transformError(res.Transform, want, k.CenterMM)
				e = math.Max(e, mm)
			}
			t.Logf("seed %2d %s→A: shift %6.2f, found %6.2f, %.1f°; error %.3f mm",
				seed, phase, shift, res.Transform.Translation, res.Transform.RotationDegrees(), e)
			if e > 1 {
				t.Errorf("seed %d %s→A: kidneys off by %.2f mm (levels %+v)", seed, phase, e, res.Levels)
			}
			worst[i] = math.Max(worst[i], e)
			sum[i] += e
		}
	}
	t.Logf("P→A error max %.3f mean %.3f mm; D→A max %.3f mean %.3f mm; %v per pair",
		worst[0], sum[0]/float64(seeds), worst[1], sum[1]/float64(seeds), spent/time.Duration(2*seeds))
}

// BenchmarkRigid registers the P phase of demo case 1 (Small) onto A.
func BenchmarkRigid(b *testing.B) {
	c, err := demo.Generate(demo.Options{Seed: 1, Size: demo.Small})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Rigid(context.Background(), c.Phases["A"], c.Phases["P"], DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
