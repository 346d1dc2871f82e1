package volume

import (
	"fmt"
	"math"
)

// Affine is a 4×4 homogeneous transform, row-major, mapping voxel indices
// (i, j, k, 1) to world RAS millimetres (x, y, z, 1).
type Affine [4][4]float64

// Identity is the identity transform.
var Identity = Affine{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}

// Apply maps a point through the affine.
func (a Affine) Apply(p [3]float64) [3]float64 {
	var q [3]float64
	for r := 0; r < 3; r++ {
		q[r] = a[r][0]*p[0] + a[r][1]*p[1] + a[r][2]*p[2] + a[r][3]
	}
	return q
}

// Mul returns a·b (b applied first).
func (a Affine) Mul(b Affine) Affine {
	var c Affine
	for r := 0; r < 4; r++ {
		for col := 0; col < 4; col++ {
			var s float64
			for k := 0; k < 4; k++ {
				s += a[r][k] * b[k][col]
			}
			c[r][col] = s
		}
	}
	return c
}

// Det3 is the determinant of the affine's 3×3 linear part; negative for a
// left-handed voxel frame (e.g. LPS voxel axes in a RAS world).
func (a Affine) Det3() float64 {
	return a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) -
		a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) +
		a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
}

// Inverse returns the inverse transform, or an error when the linear part is
// singular (a zero or degenerate voxel size).
func (a Affine) Inverse() (Affine, error) {
	det := a.Det3()
	if det == 0 || math.IsNaN(det) || math.IsInf(det, 0) {
		return Affine{}, fmt.Errorf("volume: affine is singular (det %g)", det)
	}
	var inv Affine
	inv[0][0] = (a[1][1]*a[2][2] - a[1][2]*a[2][1]) / det
	inv[0][1] = (a[0][2]*a[2][1] - a[0][1]*a[2][2]) / det
	inv[0][2] = (a[0][1]*a[1][2] - a[0][2]*a[1][1]) / det
	inv[1][0] = (a[1][2]*a[2][0] - a[1][0]*a[2][2]) / det
	inv[1][1] = (a[0][0]*a[2][2] - a[0][2]*a[2][0]) / det
	inv[1][2] = (a[0][2]*a[1][0] - a[0][0]*a[1][2]) / det
	inv[2][0] = (a[1][0]*a[2][1] - a[1][1]*a[2][0]) / det
	inv[2][1] = (a[0][1]*a[2][0] - a[0][0]*a[2][1]) / det
	inv[2][2] = (a[0][0]*a[1][1] - a[0][1]*a[1][0]) / det
	for r := 0; r < 3; r++ {
		inv[r][3] = -(inv[r][0]*a[0][3] + inv[r][1]*a[1][3] + inv[r][2]*a[2][3])
	}
	inv[3] = [4]float64{0, 0, 0, 1}
	return inv, nil
}

// Column returns the world direction of voxel axis c (its length is the
// voxel size along that axis).
func (a Affine) Column(c int) [3]float64 {
	return [3]float64{a[0][c], a[1][c], a[2][c]}
}

// Translated returns the affine moved by d millimetres in world space.
func (a Affine) Translated(d [3]float64) Affine {
	for r := 0; r < 3; r++ {
		a[r][3] += d[r]
	}
	return a
}

// Spacing is the voxel size along each voxel axis (the column norms).
func (a Affine) Spacing() [3]float64 {
	var s [3]float64
	for c := 0; c < 3; c++ {
		v := a.Column(c)
		s[c] = math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
	}
	return s
}

// AxisCodes gives, like nibabel's aff2axcodes, the world direction each voxel
// axis points to: a letter of "RAS" or "LPI" per axis, e.g. "LPS". Each voxel
// axis is assigned the world axis it is most aligned with, taking the best
// pairs first so that no world axis is used twice.
func (a Affine) AxisCodes() string {
	perm, flip := a.closestAxes()
	code := make([]byte, 3)
	for c := 0; c < 3; c++ {
		code[c] = "RAS"[perm[c]]
		if flip[c] {
			code[c] = "LPI"[perm[c]]
		}
	}
	return string(code)
}

// closestAxes returns, per voxel axis, the world axis it is closest to and
// whether it points the negative way, as nibabel's io_orientation does: the
// normalised linear part is replaced by its nearest orthogonal matrix (the
// polar factor of its SVD), then voxel axes in order take the remaining world
// axis of largest absolute cosine.
func (a Affine) closestAxes() (perm [3]int, flip [3]bool) {
	sp := a.Spacing()
	var q [3][3]float64 // q[world axis][voxel axis]
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			if sp[c] > 0 {
				q[r][c] = a[r][c] / sp[c]
			}
		}
	}
	q = polarFactor(q)
	var usedWorld [3]bool
	for c := 0; c < 3; c++ {
		best, br := -1.0, 0
		for r := 0; r < 3; r++ {
			if !usedWorld[r] && math.Abs(q[r][c]) > best {
				best, br = math.Abs(q[r][c]), r
			}
		}
		usedWorld[br] = true
		perm[c] = br
		flip[c] = q[br][c] < 0
	}
	return perm, flip
}

// polarFactor returns the orthogonal matrix nearest to m (Newton's iteration
// Q ← (Q + Q⁻ᵀ)/2); a singular m is returned as it is.
func polarFactor(m [3][3]float64) [3][3]float64 {
	q := m
	for it := 0; it < 50; it++ {
		var a Affine
		for r := 0; r < 3; r++ {
			copy(a[r][:3], q[r][:])
		}
		inv, err := a.Inverse()
		if err != nil {
			return m
		}
		var next [3][3]float64
		delta := 0.0
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				next[r][c] = 0.5 * (q[r][c] + inv[c][r])
				delta = math.Max(delta, math.Abs(next[r][c]-q[r][c]))
			}
		}
		q = next
		if delta < 1e-12 {
			break
		}
	}
	return q
}
