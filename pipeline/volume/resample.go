package volume

import (
	"fmt"
	"math"

	"kidney3d/pipeline/parallel"
)

// Interpolation selects how Resample reads between source voxels.
type Interpolation int

const (
	// Linear is trilinear interpolation, for intensities.
	Linear Interpolation = iota
	// Nearest takes the nearest voxel, for label maps.
	Nearest
)

func (m Interpolation) String() string {
	switch m {
	case Linear:
		return "linear"
	case Nearest:
		return "nearest"
	}
	return fmt.Sprintf("Interpolation(%d)", int(m))
}

// edge is how far outside the outermost voxel centres a sample still reads
// the edge voxel, in voxels: it absorbs rounding in the affine maths.
const edge = 1e-4

// Resample maps src onto the grid dst through world space: each output
// voxel takes the source value at its world position, or fill where that
// lies outside the source. It runs in parallel over output slices.
func Resample[T Voxel](src *Volume[T], dst Grid, method Interpolation, fill T) (*Volume[T], error) {
	if err := dst.Validate(); err != nil {
		return nil, err
	}
	inv, err := src.Affine.Inverse()
	if err != nil {
		return nil, err
	}
	m := inv.Mul(dst.Affine) // output voxel → source voxel
	out := New[T](dst)
	if method != Linear && method != Nearest {
		return nil, fmt.Errorf("volume: unknown interpolation %v", method)
	}
	nx, ny := dst.Dims[0], dst.Dims[1]
	step := [3]float64{m[0][0], m[1][0], m[2][0]}
	// Nearest reads voxel centres within half a voxel; linear needs the
	// sample between the outermost centres.
	reach := edge
	if method == Nearest {
		reach = 0.5
	}
	parallel.For(dst.Dims[2], 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				p := m.Apply([3]float64{0, float64(j), float64(k)})
				row := out.Data[dst.Index(0, j, k) : dst.Index(0, j, k)+nx]
				i0, i1 := src.insideRun(p, step, nx, reach)
				for i := range row {
					if i < i0 || i >= i1 {
						row[i] = fill
					}
				}
				if method == Nearest {
					src.nearestRow(row[i0:i1], p, step, i0)
				} else {
					src.linearRow(row[i0:i1], p, step, i0)
				}
			}
		}
	})
	return out, nil
}

// insideRun is the range [i0, i1) of output indices i whose sample point
// p + i·step lies within reach voxels of the source's outermost centres.
func (v *Volume[T]) insideRun(p, step [3]float64, n int, reach float64) (i0, i1 int) {
	lo, hi := 0.0, float64(n) // continuous range of i
	for a := 0; a < 3; a++ {
		min, max := -reach, float64(v.Dims[a]-1)+reach
		if step[a] == 0 {
			if p[a] < min || p[a] > max {
				return 0, 0
			}
			continue
		}
		t0, t1 := (min-p[a])/step[a], (max-p[a])/step[a]
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		lo, hi = math.Max(lo, t0), math.Min(hi, t1)
	}
	if hi < lo {
		return 0, 0
	}
	i0, i1 = int(math.Ceil(lo)), int(math.Floor(hi))+1
	// Rounding can put an end one index outside; the per-sample clamps
	// below keep reads in bounds, so only trim indices past the row.
	return max(i0, 0), min(i1, n)
}

// nearestRow fills row with the voxels nearest to p + (i0+i)·step.
func (v *Volume[T]) nearestRow(row []T, p, step [3]float64, i0 int) {
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	for i := range row {
		t := float64(i0 + i)
		x := clampIndex(int(math.Floor(p[0]+t*step[0]+0.5)), nx)
		y := clampIndex(int(math.Floor(p[1]+t*step[1]+0.5)), ny)
		z := clampIndex(int(math.Floor(p[2]+t*step[2]+0.5)), nz)
		row[i] = v.Data[x+nx*(y+ny*z)]
	}
}

// linearRow fills row with trilinear samples at p + (i0+i)·step: the
// samples whose eight neighbours all lie inside the source without
// clamping (most of them) by an unclamped loop that computes the same
// values, the others by trilinear.
func (v *Volume[T]) linearRow(row []T, p, step [3]float64, i0 int) {
	lo, hi, isInt := limits[T]()
	clamped := func(from, to int) {
		for i := from; i < to; i++ {
			t := float64(i0 + i)
			row[i] = castVoxel[T](v.trilinear([3]float64{p[0] + t*step[0], p[1] + t*step[1], p[2] + t*step[2]}), lo, hi, isInt)
		}
	}
	f0, f1 := v.interiorRun(p, step, i0, len(row))
	clamped(0, f0)
	clamped(f1, len(row))
	nx, sxy := v.Dims[0], v.Dims[0]*v.Dims[1]
	c := v.Data
	for i := f0; i < f1; i++ {
		t := float64(i0 + i)
		x, y, z := p[0]+t*step[0], p[1]+t*step[1], p[2]+t*step[2]
		bx, by, bz := int(x), int(y), int(z)
		fx, fy, fz := x-float64(bx), y-float64(by), z-float64(bz)
		n := bx + nx*by + sxy*bz
		x00 := lerp(float64(c[n]), float64(c[n+1]), fx)
		x10 := lerp(float64(c[n+nx]), float64(c[n+nx+1]), fx)
		x01 := lerp(float64(c[n+sxy]), float64(c[n+sxy+1]), fx)
		x11 := lerp(float64(c[n+sxy+nx]), float64(c[n+sxy+nx+1]), fx)
		row[i] = castVoxel[T](lerp(lerp(x00, x10, fy), lerp(x01, x11, fy), fz), lo, hi, isInt)
	}
}

// interiorRun is a range [f0, f1) of row indices i whose sample point
// p + (i0+i)·step lies in [0, n−1) along every axis, so that trilinear
// would neither clamp it nor move its base voxel: empty when an axis has
// a single voxel. The sample coordinate is monotone in i, so the range
// is checked at its ends.
func (v *Volume[T]) interiorRun(p, step [3]float64, i0, n int) (f0, f1 int) {
	inside := func(i int) bool {
		t := float64(i0 + i)
		for a := 0; a < 3; a++ {
			if x := p[a] + t*step[a]; !(x >= 0 && x < float64(v.Dims[a]-1)) {
				return false
			}
		}
		return true
	}
	lo, hi := 0.0, float64(n)
	for a := 0; a < 3; a++ {
		if v.Dims[a] < 2 {
			return 0, 0
		}
		if step[a] == 0 {
			if !(p[a] >= 0 && p[a] < float64(v.Dims[a]-1)) {
				return 0, 0
			}
			continue
		}
		t0, t1 := (0-p[a])/step[a], (float64(v.Dims[a]-1)-p[a])/step[a]
		if t0 > t1 {
			t0, t1 = t1, t0
		}
		lo, hi = max(lo, t0-float64(i0)), min(hi, t1-float64(i0))
	}
	if !(hi > lo) {
		return 0, 0
	}
	f0, f1 = max(0, int(math.Ceil(lo))), min(n, int(math.Floor(hi))+1)
	for f0 < f1 && !inside(f0) {
		f0++
	}
	for f1 > f0 && !inside(f1-1) {
		f1--
	}
	return f0, f1
}

func clampIndex(i, n int) int {
	if i < 0 {
		return 0
	}
	if i >= n {
		return n - 1
	}
	return i
}

// trilinear interpolates at continuous index p, clamped to the volume.
func (v *Volume[T]) trilinear(p [3]float64) float64 {
	var i0 [3]int
	var f [3]float64
	var d [3]int // neighbour offsets; an axis of size 1 repeats its voxel
	stride := 1
	for a := 0; a < 3; a++ {
		n := v.Dims[a]
		x := math.Max(0, math.Min(float64(n-1), p[a]))
		b := int(x)
		if b >= n-1 {
			b = max(n-2, 0)
		}
		i0[a], f[a] = b, x-float64(b)
		if n > 1 {
			d[a] = stride
		}
		stride *= n
	}
	n := v.Index(i0[0], i0[1], i0[2])
	c := v.Data
	x00 := lerp(float64(c[n]), float64(c[n+d[0]]), f[0])
	x10 := lerp(float64(c[n+d[1]]), float64(c[n+d[1]+d[0]]), f[0])
	x01 := lerp(float64(c[n+d[2]]), float64(c[n+d[2]+d[0]]), f[0])
	x11 := lerp(float64(c[n+d[2]+d[1]]), float64(c[n+d[2]+d[1]+d[0]]), f[0])
	return lerp(lerp(x00, x10, f[1]), lerp(x01, x11, f[1]), f[2])
}

func lerp(a, b, t float64) float64 { return a + (b-a)*t }
