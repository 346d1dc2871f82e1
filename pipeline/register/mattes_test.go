package register

import (
	"context"
	"math"
	"testing"
)

// testMetric is Mattes MI between phantom phases A (fixed) and P (moving,
// displaced by shift) at 3 mm voxels.
func testMetric(t *testing.T, shift Transform) *mattes {
	t.Helper()
	g := phantomGrid(smallDims, smallSpacing)
	fixed := phantom(t, g, 0, Transform{}, 5, 1)
	moving := phantom(t, g, 1, shift, 5, 2)
	f := shrinkFactors(g, 3)
	levels, err := buildLevels(context.Background(), fixed, moving, []levelPlan{{shrink: 2, fixed: f, moving: f}}, -500, nil)
	if err != nil {
		t.Fatal(err)
	}
	lv := levels[0]
	m, err := lv.metric(DefaultOptions(), 0, lv.fixedBody.centroid)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMattesGradientMatchesFiniteDifferences(t *testing.T) {
	m := testMetric(t, Transform{Translation: [3]float64{3, -2, 4}})
	p := params{0.03, -0.02, 0.04, 1, -0.5, 1.5}
	_, g, _ := m.evaluate(p, true)
	// Steps small enough that no sample crosses a voxel boundary or the
	// moving image's edge: the gradient is exact, not an approximation.
	steps := params{1e-6, 1e-6, 1e-6, 1e-5, 1e-5, 1e-5}
	for k := range p {
		hi, lo := p, p
		hi[k] += steps[k]
		lo[k] -= steps[k]
		fh, _, _ := m.evaluate(hi, false)
		fl, _, _ := m.evaluate(lo, false)
		fd := (fh - fl) / (2 * steps[k])
		if math.Abs(fd-g[k]) > 1e-3*math.Abs(fd)+1e-6 {
			t.Errorf("∂MI/∂p%d = %.5g, finite difference %.5g", k, g[k], fd)
		}
	}
}

func TestMattesPeaksAtTheTrueShift(t *testing.T) {
	shift := params{0, 0, 0, 3, -2, 4}
	m := testMetric(t, shift.transform([3]float64{}))
	best, _, _ := m.evaluate(shift, false)
	for k := 3; k < 6; k++ {
		for _, d := range []float64{-2, 2} {
			q := shift
			q[k] += d
			if mi, _, _ := m.evaluate(q, false); mi >= best {
				t.Errorf("MI %.4f at %v exceeds %.4f at the true shift", mi, q, best)
			}
		}
	}
}
