// Package volumetest writes the images that tests of hostile input need:
// any stored type, with the header changed before it is written (no
// qform or sform, a zero voxel size, an absurd scl_slope), and draws the
// boxes and balls that tests build volumes from.
package volumetest

import (
	"testing"

	"kidney3d/nifti"
	"kidney3d/pipeline/volume"
)

// Save writes data on g to path, stored as T, after tweak (when not nil)
// has changed the header; it fails t on error.
func Save[T volume.Voxel](t testing.TB, path string, g volume.Grid, data []T, tweak func(*nifti.Header)) {
	t.Helper()
	img := volume.ToImage(&volume.Volume[T]{Grid: g, Data: data})
	if tweak != nil {
		tweak(&img.Header)
	}
	if err := volume.SaveImage(path, img); err != nil {
		t.Fatal(err)
	}
}

// Box sets the voxels of m in [lo, hi) to x.
func Box[T volume.Voxel](m *volume.Volume[T], lo, hi [3]int, x T) {
	for k := lo[2]; k < hi[2]; k++ {
		for j := lo[1]; j < hi[1]; j++ {
			for i := lo[0]; i < hi[0]; i++ {
				m.Set(i, j, k, x)
			}
		}
	}
}

// Ball sets to x the voxels of m in the ellipsoid about voxel c with
// semi-axes r, in voxels: (i-c₀)²/r₀² + (j-c₁)²/r₁² + (k-c₂)²/r₂² ≤ 1,
// computed in integers.
func Ball[T volume.Voxel](m *volume.Volume[T], c, r [3]int, x T) {
	a, b, d := r[0]*r[0], r[1]*r[1], r[2]*r[2]
	for n := range m.Data {
		i, j, k := m.Coords(n)
		di, dj, dk := i-c[0], j-c[1], k-c[2]
		if di*di*b*d+dj*dj*a*d+dk*dk*a*b <= a*b*d {
			m.Data[n] = x
		}
	}
}
