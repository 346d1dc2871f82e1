package measure

import (
	"math"
	"sort"

	"kidney3d/pipeline/volume"
)

// AxesMethod says in words how PrincipalDiameters measures, for reports.
const AxesMethod = "extents of the voxels along the three principal axes of the structure (the eigenvectors of its voxels' covariance), largest first, world mm: 3D Slicer's oriented bounding box diameters"

// PrincipalDiameters are the extents in mm of the voxels of value v (their
// cubes, not only their centres) along the structure's three principal
// axes, largest first: three orthogonal diameters. All are 0 when there is
// no voxel of value v.
func PrincipalDiameters(lab *volume.Volume[uint8], v uint8) [3]float64 {
	var n float64
	var sum [3]float64
	var sq [3][3]float64
	for idx, x := range lab.Data {
		if x != v {
			continue
		}
		i, j, k := lab.Coords(idx)
		p := [3]float64{float64(i), float64(j), float64(k)}
		n++
		for a := range 3 {
			sum[a] += p[a]
			for b := range 3 {
				sq[a][b] += p[a] * p[b]
			}
		}
	}
	if n == 0 {
		return [3]float64{}
	}
	// The covariance in voxel units, then in world units (M C Mᵀ).
	var cov [3][3]float64
	for a := range 3 {
		for b := range 3 {
			cov[a][b] = sq[a][b]/n - sum[a]*sum[b]/(n*n)
		}
	}
	var m [3][3]float64
	for c := range 3 {
		col := lab.Affine.Column(c)
		for r := range 3 {
			m[r][c] = col[r]
		}
	}
	world := mul3(mul3(m, cov), transpose3(m))
	axes := eigenvectors(world)
	pts := hullCandidates(lab, v)
	var out [3]float64
	for a, u := range axes {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range pts {
			x := dot(u, p)
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		var cube float64 // a voxel's own extent along u
		for c := range 3 {
			cube += math.Abs(dot(u, lab.Affine.Column(c)))
		}
		out[a] = hi - lo + cube
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(out[:])))
	return out
}

func mul3(a, b [3][3]float64) [3][3]float64 {
	var out [3][3]float64
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				out[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return out
}

func transpose3(a [3][3]float64) [3][3]float64 {
	var out [3][3]float64
	for i := range 3 {
		for j := range 3 {
			out[i][j] = a[j][i]
		}
	}
	return out
}

// eigenvectors are the unit eigenvectors of the symmetric matrix s, by
// Jacobi rotations.
func eigenvectors(s [3][3]float64) [3][3]float64 {
	v := [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} // columns are the vectors
	for range 50 {
		p, q, off := 0, 1, 0.0
		for i := range 3 {
			for j := i + 1; j < 3; j++ {
				if math.Abs(s[i][j]) > off {
					p, q, off = i, j, math.Abs(s[i][j])
				}
			}
		}
		if off < 1e-12*(math.Abs(s[0][0])+math.Abs(s[1][1])+math.Abs(s[2][2])+1e-300) {
			break
		}
		theta := (s[q][q] - s[p][p]) / (2 * s[p][q])
		t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
		c := 1 / math.Sqrt(t*t+1)
		sn := t * c
		var r [3][3]float64 // the rotation
		for i := range 3 {
			r[i][i] = 1
		}
		r[p][p], r[q][q], r[p][q], r[q][p] = c, c, sn, -sn
		s = mul3(mul3(transpose3(r), s), r)
		v = mul3(v, r)
	}
	return [3][3]float64{{v[0][0], v[1][0], v[2][0]}, {v[0][1], v[1][1], v[2][1]}, {v[0][2], v[1][2], v[2][2]}}
}
