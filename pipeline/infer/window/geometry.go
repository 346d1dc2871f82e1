// Package window is sliding-window inference as nnU-Net v2 does it
// (nnunetv2/inference/sliding_window_prediction.py and
// predict_from_raw_data.py): the tile positions, the Gaussian importance
// map, optional mirroring, and the weighted accumulation of logits, here
// in bounded memory: the accumulator holds one patch's depth of rows, and
// each row is handed on, normalised, as soon as no later tile touches it.
//
// Shapes are in array order (z, y, x), x fastest in memory, as the network
// tensors [N, C, Z, Y, X] are.
package window

import (
	"math"
)

// Steps returns the start of every tile along each axis of an image of
// the given size (at least the patch size), as nnU-Net's
// compute_steps_for_sliding_window: tiles overlap by about 1-step of the
// patch and the last one ends at the image's edge.
func Steps(image, patch [3]int, step float64) [3][]int {
	var out [3][]int
	for a := range 3 {
		target := float64(patch[a]) * step
		n := int(math.Ceil(float64(image[a]-patch[a])/target)) + 1
		maxStart := image[a] - patch[a]
		actual := 0.0
		if n > 1 {
			actual = float64(maxStart) / float64(n-1)
		}
		starts := make([]int, n)
		for i := range starts {
			starts[i] = int(math.RoundToEven(actual * float64(i)))
		}
		out[a] = starts
	}
	return out
}

// Gaussian is nnU-Net's importance map of a patch: a Gaussian centred on
// the patch (σ = sigmaScale × the patch size per axis), scaled so that
// its peak is 10, with no zero left (zeros would divide by zero where
// only a tile's edge covers a voxel).
func Gaussian(patch [3]int, sigmaScale float64) []float32 {
	var axes [3][]float64
	for a := range 3 {
		sigma := sigmaScale * float64(patch[a])
		centre := patch[a] / 2
		axes[a] = make([]float64, patch[a])
		for i := range axes[a] {
			d := float64(i - centre)
			if sigma > 0 {
				axes[a][i] = math.Exp(-d * d / (2 * sigma * sigma))
			} else if d == 0 {
				axes[a][i] = 1
			}
		}
	}
	out := make([]float32, patch[0]*patch[1]*patch[2])
	smallest := float32(math.MaxFloat32)
	n := 0
	for z := range patch[0] {
		for y := range patch[1] {
			zy := axes[0][z] * axes[1][y]
			for x := range patch[2] {
				v := float32(10 * zy * axes[2][x])
				out[n] = v
				if v > 0 && v < smallest {
					smallest = v
				}
				n++
			}
		}
	}
	for i, v := range out {
		if v == 0 {
			out[i] = smallest
		}
	}
	return out
}

// padding is how an image smaller than the patch is padded: centred, as
// nnU-Net's pad_nd_image, to at least the patch size.
func padding(image, patch [3]int) (padded, offset [3]int) {
	for a := range 3 {
		padded[a] = max(image[a], patch[a])
		offset[a] = (padded[a] - image[a]) / 2
	}
	return padded, offset
}

// mirrorSets lists every subset of the mirror axes, the empty one first,
// in nnU-Net's order.
func mirrorSets(axes []int) [][]int {
	sets := [][]int{nil}
	for _, a := range axes {
		n := len(sets)
		for i := range n {
			s := append(append([]int(nil), sets[i]...), a)
			sets = append(sets, s)
		}
	}
	return sets
}
