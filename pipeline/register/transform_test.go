package register

import (
	"math"
	"testing"
)

func TestTransformAffine(t *testing.T) {
	tr := Transform{Rotation: [3]float64{0.1, -0.2, 0.3}, Translation: [3]float64{2, -3, 4}, Center: [3]float64{10, 20, -5}}
	a := tr.Affine()
	r := rotation(tr.Rotation)
	// The centre moves by the translation alone.
	c := a.Apply(tr.Center)
	for i := range c {
		if math.Abs(c[i]-tr.Center[i]-tr.Translation[i]) > 1e-12 {
			t.Fatalf("centre maps to %v", c)
		}
	}
	// Other points rotate about the centre.
	p := [3]float64{-7, 3, 11}
	q := a.Apply(p)
	want := r.apply([3]float64{p[0] - 10, p[1] - 20, p[2] + 5})
	for i := range q {
		if math.Abs(q[i]-want[i]-tr.Center[i]-tr.Translation[i]) > 1e-12 {
			t.Fatalf("%v maps to %v", p, q)
		}
	}
	// Rz·Ry·Rx: a pure z rotation of 90° turns x into y (right-handed).
	z := rotation([3]float64{0, 0, math.Pi / 2}).apply([3]float64{1, 0, 0})
	if math.Abs(z[1]-1) > 1e-12 {
		t.Errorf("Rz(90°)·x = %v", z)
	}
	x := rotation([3]float64{math.Pi / 2, 0, 0}).apply([3]float64{0, 1, 0})
	y := rotation([3]float64{0, math.Pi / 2, 0}).apply([3]float64{0, 0, 1})
	if math.Abs(x[2]-1) > 1e-12 || math.Abs(y[0]-1) > 1e-12 {
		t.Errorf("Rx(90°)·y = %v, Ry(90°)·z = %v", x, y)
	}
	if d := (Transform{Rotation: [3]float64{0, 0, 0.05}}).RotationDegrees(); math.Abs(d-0.05*180/math.Pi) > 1e-9 {
		t.Errorf("RotationDegrees = %g", d)
	}
}

func TestRotationJacobian(t *testing.T) {
	theta := [3]float64{0.3, -0.5, 0.7}
	j := rotationJacobian(theta)
	const h = 1e-6
	for k := 0; k < 3; k++ {
		hi, lo := theta, theta
		hi[k] += h
		lo[k] -= h
		rh, rl := rotation(hi), rotation(lo)
		for a := 0; a < 3; a++ {
			for b := 0; b < 3; b++ {
				if fd := (rh[a][b] - rl[a][b]) / (2 * h); math.Abs(fd-j[k][a][b]) > 1e-8 {
					t.Fatalf("∂R/∂θ%d[%d][%d] = %g, finite difference %g", k, a, b, j[k][a][b], fd)
				}
			}
		}
	}
}
