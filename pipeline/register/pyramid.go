package register

import (
	"context"
	"math"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// shrinkFactors is the per-axis decimation that brings g's voxels closest to
// target millimetres, never below one voxel of the original grid nor above
// its size: an anisotropic CT (0.7 mm in plane, 2.5 mm slices) shrinks its
// in-plane axes more than its slices.
func shrinkFactors(g volume.Grid, target float64) [3]int {
	sp := g.Spacing()
	var f [3]int
	for a := range f {
		f[a] = min(max(1, int(math.Round(target/sp[a]))), g.Dims[a])
	}
	return f
}

// downsample smooths v with a Gaussian of standard deviation f/2 voxels
// along each axis (elastix's pyramid schedule: half a voxel where f is 1,
// which also evens out the noise that linear interpolation would smooth
// more between voxels than on them) and keeps one voxel in f, centred on
// each block of f voxels so that the world geometry is unchanged.
// Smoothing and decimation are done together, axis by axis, so that later
// passes read the already reduced image.
func downsample[T volume.Voxel](ctx context.Context, v *volume.Volume[T], f [3]int) (*volume.Volume[float32], error) {
	dims := v.Dims
	taps := gaussianDecimation(dims[0], f[0])
	data, err := filterAxis(ctx, v.Data, dims, 0, taps)
	dims[0] = len(taps)
	for a := 1; a < 3 && err == nil; a++ {
		taps = gaussianDecimation(dims[a], f[a])
		data, err = filterAxis(ctx, data, dims, a, taps)
		dims[a] = len(taps)
	}
	if err != nil {
		return nil, err
	}
	s := volume.Identity
	for a := 0; a < 3; a++ {
		s[a][a] = float64(f[a])
		s[a][3] = float64(f[a]-1) / 2
	}
	return volume.Wrap(volume.Grid{Dims: dims, Affine: v.Affine.Mul(s)}, data)
}

// tap is the Gaussian weights of one output voxel over input voxels
// start, start+1, ….
type tap struct {
	start   int
	weights []float32
}

// gaussianDecimation is the filter of one axis of n voxels shrunk by f:
// output voxel i is centred at input position f·i + (f−1)/2 and weights the
// input voxels within three standard deviations, normalised over those
// inside the image.
func gaussianDecimation(n, f int) []tap {
	sigma := float64(f) / 2
	radius := 3 * sigma
	taps := make([]tap, max(1, n/f))
	for i := range taps {
		c := float64(f*i) + float64(f-1)/2
		lo, hi := max(0, int(math.Ceil(c-radius))), min(n-1, int(math.Floor(c+radius)))
		w := make([]float32, hi-lo+1)
		var sum float64
		for j := range w {
			d := (float64(lo+j) - c) / sigma
			x := math.Exp(-d * d / 2)
			w[j] = float32(x)
			sum += x
		}
		for j := range w {
			w[j] /= float32(sum)
		}
		taps[i] = tap{start: lo, weights: w}
	}
	return taps
}

// filterAxis applies taps along axis a of an image of size dims. The image
// is seen as outer × n × inner with inner the voxels before axis a, so each
// output row of inner voxels is a weighted sum of contiguous input rows.
func filterAxis[T volume.Voxel](ctx context.Context, in []T, dims [3]int, a int, taps []tap) ([]float32, error) {
	inner, outer := 1, 1
	for b := 0; b < a; b++ {
		inner *= dims[b]
	}
	for b := a + 1; b < 3; b++ {
		outer *= dims[b]
	}
	n, m := dims[a], len(taps)
	out := make([]float32, outer*m*inner)
	rowsPerCheck := max(1, (1<<16)/inner)
	parallel.For(outer*m, max(1, 4096/inner), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			if (r-lo)%rowsPerCheck == 0 && ctx.Err() != nil {
				return
			}
			o, i := r/m, r%m
			base := o*n*inner + taps[i].start*inner
			if inner == 1 { // along x: a dot product over contiguous voxels
				var acc float32
				for t, w := range taps[i].weights {
					acc += w * float32(in[base+t])
				}
				out[r] = acc
				continue
			}
			dst := out[r*inner : (r+1)*inner]
			for t, w := range taps[i].weights {
				at := base + t*inner
				for x, s := range in[at : at+inner] {
					dst[x] += w * float32(s)
				}
			}
		}
	})
	return out, ctx.Err()
}
