package register

import (
	"math"

	"kidney3d/pipeline/volume"
)

// Transform is a rigid transform of world RAS millimetres that maps a point
// p of the fixed image to the point of the moving image showing the same
// anatomy:
//
//	T(p) = R·(p − Center) + Center + Translation,  R = Rz(θz)·Ry(θy)·Rx(θx),
//
// where Rotation holds (θx, θy, θz), right-handed rotations about the world
// axes in radians, x applied first. When the anatomy of the moving phase is
// displaced by d millimetres relative to the fixed phase (what is at p in
// the fixed image is at p + d in the moving one), Translation is d.
type Transform struct {
	Rotation    [3]float64 `json:"rotation_rad"`
	Translation [3]float64 `json:"translation_mm"`
	Center      [3]float64 `json:"center_mm"`
}

// Affine is the transform as a 4×4 world-to-world matrix.
func (t Transform) Affine() volume.Affine {
	r := rotation(t.Rotation)
	var a volume.Affine
	for i := 0; i < 3; i++ {
		off := t.Center[i] + t.Translation[i]
		for j := 0; j < 3; j++ {
			a[i][j] = r[i][j]
			off -= r[i][j] * t.Center[j]
		}
		a[i][3] = off
	}
	a[3][3] = 1
	return a
}

// RotationDegrees is the rotation angle of the transform in degrees, whatever
// its axis.
func (t Transform) RotationDegrees() float64 {
	r := rotation(t.Rotation)
	c := (r[0][0] + r[1][1] + r[2][2] - 1) / 2
	return math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}

type mat3 [3][3]float64

func (m mat3) mul(n mat3) mat3 {
	var p mat3
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			p[i][j] = m[i][0]*n[0][j] + m[i][1]*n[1][j] + m[i][2]*n[2][j]
		}
	}
	return p
}

func (m mat3) apply(v [3]float64) [3]float64 {
	return [3]float64{
		m[0][0]*v[0] + m[0][1]*v[1] + m[0][2]*v[2],
		m[1][0]*v[0] + m[1][1]*v[1] + m[1][2]*v[2],
		m[2][0]*v[0] + m[2][1]*v[1] + m[2][2]*v[2],
	}
}

// axisRotations are Rx(θx), Ry(θy), Rz(θz) and their derivatives.
func axisRotations(theta [3]float64) (r, dr [3]mat3) {
	for a := 0; a < 3; a++ {
		c, s := math.Cos(theta[a]), math.Sin(theta[a])
		// The two world axes the rotation about axis a turns, in
		// right-handed order: (y, z) for x, (z, x) for y, (x, y) for z.
		u, v := (a+1)%3, (a+2)%3
		r[a][a][a] = 1
		r[a][u][u], r[a][u][v], r[a][v][u], r[a][v][v] = c, -s, s, c
		dr[a][u][u], dr[a][u][v], dr[a][v][u], dr[a][v][v] = -s, -c, c, -s
	}
	return r, dr
}

// rotation is R = Rz·Ry·Rx.
func rotation(theta [3]float64) mat3 {
	r, _ := axisRotations(theta)
	return r[2].mul(r[1]).mul(r[0])
}

// rotationJacobian is ∂R/∂θx, ∂R/∂θy, ∂R/∂θz.
func rotationJacobian(theta [3]float64) [3]mat3 {
	r, dr := axisRotations(theta)
	return [3]mat3{
		r[2].mul(r[1]).mul(dr[0]),
		r[2].mul(dr[1]).mul(r[0]),
		dr[2].mul(r[1]).mul(r[0]),
	}
}
