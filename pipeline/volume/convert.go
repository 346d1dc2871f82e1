package volume

import (
	"math"

	"kidney3d/pipeline/parallel"
)

// parallelFor splits n voxels over the cores in chunks big enough to pay for
// the goroutine hand-off.
func parallelFor(n int, body func(lo, hi int)) { parallel.For(n, 1<<14, body) }

// limits is the value range of T and whether T is an integer type.
func limits[T Voxel]() (lo, hi float64, isInt bool) {
	var z T
	switch any(z).(type) {
	case uint8:
		return 0, math.MaxUint8, true
	case int8:
		return math.MinInt8, math.MaxInt8, true
	case int16:
		return math.MinInt16, math.MaxInt16, true
	case uint16:
		return 0, math.MaxUint16, true
	case int32:
		return math.MinInt32, math.MaxInt32, true
	case uint32:
		return 0, math.MaxUint32, true
	}
	return math.Inf(-1), math.Inf(1), false
}

// castVoxel converts x to T: rounded half away from zero and saturated for
// integer types (NaN becomes 0), unchanged for floating types.
func castVoxel[T Voxel](x, lo, hi float64, isInt bool) T {
	if !isInt {
		return T(x)
	}
	switch {
	case math.IsNaN(x):
		return 0
	case x <= lo:
		return T(lo)
	case x >= hi:
		return T(hi)
	}
	return T(math.Round(x))
}
