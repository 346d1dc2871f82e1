package infer

import (
	"fmt"
	"math"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/limits"
)

// LargestFieldOfView is the largest body region, in mm (x, y, z), that
// CheckModel assumes an image may show: a CT scanner's 500 mm field of view
// over a 2000 mm whole-body scan.
var LargestFieldOfView = [3]float64{500, 500, 2000}

// Need is what a prediction holds in memory, in float32 values.
type Need struct {
	// Grid is the model grid's size (x, y, z).
	Grid [3]float64
	// GridVoxels is one channel of the image resampled to the model grid.
	GridVoxels float64
	// PatchValues is one network run's output: patch × classes × batch.
	PatchValues float64
	// Bytes is every working array together: the resampled channels, the
	// sliding window's accumulator and one batch in and out.
	Bytes float64
}

// need is the memory of predicting m, batch patches per run, on a model
// grid of size grid (x, y, z); sizes are float64 so that an absurd spacing
// cannot overflow them.
func need(m *modelpkg.Manifest, grid [3]float64, batch int) Need {
	c, k, b := float64(len(m.InputPhases)), float64(len(m.Labels)), float64(max(batch, 1))
	pz, py, px := float64(m.PatchSize[0]), float64(m.PatchSize[1]), float64(m.PatchSize[2])
	patch := pz * py * px
	n := Need{Grid: grid, GridVoxels: grid[0] * grid[1] * grid[2], PatchValues: patch * k * b}
	plane := math.Max(grid[1], py) * math.Max(grid[0], px) // padded to the patch
	values := (c+1)*n.GridVoxels + (k+1)*pz*plane + b*(c+k)*patch
	n.Bytes = 4 * values
	return n
}

// check holds n to the image limit (limits.MaxVoxels): the resampled grid
// is an image the pipeline holds, and so is a network run's output.
func (n Need) check() error {
	max := float64(limits.MaxVoxels())
	if n.GridVoxels > max {
		return fmt.Errorf("the model grid of %.0f×%.0f×%.0f = %.3g voxels is over the image limit of %.0f voxels (%s)",
			n.Grid[0], n.Grid[1], n.Grid[2], n.GridVoxels, max, limits.MaxVoxelsEnv)
	}
	if n.PatchValues > max {
		return fmt.Errorf("patch × classes × batch = %.3g values is over the image limit of %.0f voxels (%s)",
			n.PatchValues, max, limits.MaxVoxelsEnv)
	}
	return nil
}

// CheckModel checks that m, run batch patches at a time, fits the image
// limit on the largest image: LargestFieldOfView resampled to m's spacing.
// It returns what that prediction needs, for the caller to show; errors
// do not name m, which the caller does.
func CheckModel(m *modelpkg.Manifest, batch int) (Need, error) {
	var grid [3]float64
	for a := range 3 {
		grid[a] = math.Max(math.Round(LargestFieldOfView[a]/m.Spacing[2-a]), 1)
	}
	n := need(m, grid, batch)
	if err := n.check(); err != nil {
		return n, fmt.Errorf("spacing %v mm (z, y, x), patch_size %v on a %g×%g×%g mm image: %w",
			m.Spacing, m.PatchSize, LargestFieldOfView[0], LargestFieldOfView[1], LargestFieldOfView[2], err)
	}
	return n, nil
}
