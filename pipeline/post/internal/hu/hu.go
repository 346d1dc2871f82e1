// Package hu turns thresholds in Hounsfield units, given as float64
// parameters, into integer bounds that CT voxels (int16) are compared with
// directly, so that the hot loops convert nothing.
package hu

import "math"

// bound clamps a whole number to a range just wider than int16's, so that
// it converts to int safely and still compares as it did; NaN, which no
// voxel reaches, becomes a bound above every int16.
func bound(x float64) int {
	if math.IsNaN(x) {
		return math.MaxInt16 + 1
	}
	return int(min(max(x, math.MinInt16-1), math.MaxInt16+1))
}

// Ceil is a bound t such that, for every int16 v, float64(v) >= x exactly
// when int(v) >= t: math.Ceil(x), clamped.
func Ceil(x float64) int { return bound(math.Ceil(x)) }

// Floor is a bound t such that, for every int16 v, float64(v) > x exactly
// when int(v) > t: math.Floor(x), clamped.
func Floor(x float64) int { return bound(math.Floor(x)) }
