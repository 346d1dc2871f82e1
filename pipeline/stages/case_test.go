package stages

import (
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/casefile/casefiletest"
	"kidney3d/pipeline/volume"
)

// writeCase writes a case folder of the given phases (input/<phase>.nii.gz)
// and masks (input/masks/<label>.nii.gz) and opens it.
func writeCase(t *testing.T, phases map[string]*volume.Volume[int16], masks map[string]*volume.Volume[uint8]) *casefile.Case {
	t.Helper()
	c := casefiletest.New(t)
	for p, v := range phases {
		if err := volume.Save(c.PhasePath(p), v); err != nil {
			t.Fatal(err)
		}
	}
	for name, m := range masks {
		if err := volume.Save(c.MaskPath(name), m); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// maskOf is the mask on g of the voxels where inside holds.
func maskOf(g volume.Grid, inside func(i, j, k int) bool) *volume.Volume[uint8] {
	m := volume.New[uint8](g)
	for n := range m.Data {
		if inside(g.Coords(n)) {
			m.Data[n] = 1
		}
	}
	return m
}
