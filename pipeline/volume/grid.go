package volume

import (
	"fmt"
	"math"
)

// Grid is the geometry of a volume: its size in voxels and the affine from
// voxel indices to world RAS millimetres. Voxel (i, j, k) is stored at index
// i + Dims[0]*(j + Dims[1]*k).
type Grid struct {
	Dims   [3]int
	Affine Affine
}

// Len is the number of voxels.
func (g Grid) Len() int { return g.Dims[0] * g.Dims[1] * g.Dims[2] }

// Index is the storage index of voxel (i, j, k).
func (g Grid) Index(i, j, k int) int { return i + g.Dims[0]*(j+g.Dims[1]*k) }

// Coords is the voxel (i, j, k) stored at index n.
func (g Grid) Coords(n int) (i, j, k int) {
	i = n % g.Dims[0]
	n /= g.Dims[0]
	return i, n % g.Dims[1], n / g.Dims[1]
}

// Contains reports whether (i, j, k) is inside the grid.
func (g Grid) Contains(i, j, k int) bool {
	return i >= 0 && j >= 0 && k >= 0 && i < g.Dims[0] && j < g.Dims[1] && k < g.Dims[2]
}

// Spacing is the voxel size in millimetres along each voxel axis.
func (g Grid) Spacing() [3]float64 { return g.Affine.Spacing() }

// VoxelVolume is the volume of one voxel in mm³.
func (g Grid) VoxelVolume() float64 { return math.Abs(g.Affine.Det3()) }

// VoxelToWorld maps continuous voxel coordinates to world RAS millimetres.
func (g Grid) VoxelToWorld(p [3]float64) [3]float64 { return g.Affine.Apply(p) }

// WorldToVoxel maps world RAS millimetres to continuous voxel coordinates.
func (g Grid) WorldToVoxel(p [3]float64) ([3]float64, error) {
	inv, err := g.Affine.Inverse()
	if err != nil {
		return [3]float64{}, err
	}
	return inv.Apply(p), nil
}

// Validate reports a grid that cannot hold a volume: a non-positive size or a
// singular or non-finite affine.
func (g Grid) Validate() error {
	for a, d := range g.Dims {
		if d <= 0 {
			return fmt.Errorf("volume: dimension %d is %d, must be positive", a, d)
		}
	}
	for r := 0; r < 4; r++ {
		for c := 0; c < 4; c++ {
			if v := g.Affine[r][c]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("volume: affine[%d][%d] is %g", r, c, v)
			}
		}
	}
	_, err := g.Affine.Inverse()
	return err
}

// Corners are the world positions of the eight corner voxel centres.
func (g Grid) Corners() [8][3]float64 {
	var out [8][3]float64
	for n := 0; n < 8; n++ {
		p := [3]float64{}
		for a := 0; a < 3; a++ {
			if n>>a&1 == 1 {
				p[a] = float64(g.Dims[a] - 1)
			}
		}
		out[n] = g.Affine.Apply(p)
	}
	return out
}

// Bounds is the world-space axis-aligned box spanned by the voxel centres.
func (g Grid) Bounds() (lo, hi [3]float64) {
	c := g.Corners()
	lo, hi = c[0], c[0]
	for _, p := range c[1:] {
		for a := 0; a < 3; a++ {
			lo[a] = math.Min(lo[a], p[a])
			hi[a] = math.Max(hi[a], p[a])
		}
	}
	return lo, hi
}

// GridMismatchError says how two grids that should be the same differ.
type GridMismatchError struct {
	What      string // "dims", "spacing", "origin" or "direction"
	A, B      string // the two values, formatted
	Tolerance float64
}

func (e *GridMismatchError) Error() string {
	if e.Tolerance > 0 {
		return fmt.Sprintf("volume: grids differ in %s: %s vs %s (tolerance %g)", e.What, e.A, e.B, e.Tolerance)
	}
	return fmt.Sprintf("volume: grids differ in %s: %s vs %s", e.What, e.A, e.B)
}

// DefaultTolerance is the relative tolerance of SameGrid, as ITK's
// coordinate tolerance: 1e-6 of the voxel size for origin and spacing, and
// 1e-6 for direction cosines.
const DefaultTolerance = 1e-6

// SameGrid checks that b has a's dims, spacing, origin and direction, like
// ITK's VerifyInputInformation: spacing and origin within tol times a's
// smallest voxel size, direction cosines within tol. The error says which
// property differs and by how much.
func SameGrid(a, b Grid, tol float64) error {
	if a.Dims != b.Dims {
		return &GridMismatchError{What: "dims", A: fmt.Sprint(a.Dims), B: fmt.Sprint(b.Dims)}
	}
	sa, sb := a.Spacing(), b.Spacing()
	scale := math.Min(sa[0], math.Min(sa[1], sa[2]))
	for c := 0; c < 3; c++ {
		if math.Abs(sa[c]-sb[c]) > tol*scale {
			return &GridMismatchError{What: "spacing", A: fmtVec(sa), B: fmtVec(sb), Tolerance: tol * scale}
		}
	}
	oa := [3]float64{a.Affine[0][3], a.Affine[1][3], a.Affine[2][3]}
	ob := [3]float64{b.Affine[0][3], b.Affine[1][3], b.Affine[2][3]}
	for r := 0; r < 3; r++ {
		if math.Abs(oa[r]-ob[r]) > tol*scale {
			return &GridMismatchError{What: "origin", A: fmtVec(oa), B: fmtVec(ob), Tolerance: tol * scale}
		}
	}
	for c := 0; c < 3; c++ {
		ca, cb := a.Affine.Column(c), b.Affine.Column(c)
		for r := 0; r < 3; r++ {
			if math.Abs(ca[r]/sa[c]-cb[r]/sb[c]) > tol {
				return &GridMismatchError{What: "direction", A: a.Affine.AxisCodes() + " " + fmtVec(ca), B: b.Affine.AxisCodes() + " " + fmtVec(cb), Tolerance: tol}
			}
		}
	}
	return nil
}

func fmtVec(v [3]float64) string { return fmt.Sprintf("(%.6g, %.6g, %.6g)", v[0], v[1], v[2]) }
