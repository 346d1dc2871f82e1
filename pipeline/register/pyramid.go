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
func downsample[T volume.Voxel](ctx context.Context, v *volume.Volume[T], f [3]int) (*volume.Volume[float32], error) {
	var sigma [3]float64
	for a := range sigma {
		sigma[a] = float64(f[a]) / 2
	}
	return decimate(ctx, v, f, sigma)
}

// coarsen is downsample(original, f) computed from finer =
// downsample(original, g), g dividing f on every axis: smoothing finer
// further by the Gaussian that brings its standard deviation from g/2 to
// f/2 original voxels (the variances add) and keeping one voxel in f/g,
// which reads a fraction of the original's voxels.
func coarsen(ctx context.Context, finer *volume.Volume[float32], g, f [3]int) (*volume.Volume[float32], error) {
	var d [3]int
	var sigma [3]float64
	for a := range d {
		d[a] = f[a] / g[a]
		sigma[a] = math.Sqrt(float64(f[a]*f[a]-g[a]*g[a])) / (2 * float64(g[a]))
	}
	return decimate(ctx, finer, d, sigma)
}

// decimate smooths v with a Gaussian of standard deviation sigma voxels
// along each axis (none where it is zero) and keeps one voxel in f,
// centred on each block of f voxels. Smoothing and decimation are done
// together, axis by axis, so that later passes read the already reduced
// image; x and y slice by slice, so that no full-size intermediate image
// is held.
func decimate[T volume.Voxel](ctx context.Context, v *volume.Volume[T], f [3]int, sigma [3]float64) (*volume.Volume[float32], error) {
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	tx, ty := gaussianDecimation(nx, f[0], sigma[0]), gaussianDecimation(ny, f[1], sigma[1])
	mx, my := len(tx), len(ty)
	xy := make([]float32, mx*my*nz)
	parallel.For(nz, 1, func(k0, k1 int) {
		row := make([]float32, mx*ny) // one slice filtered along x
		for k := k0; k < k1 && ctx.Err() == nil; k++ {
			filterRows(row, v.Data[k*nx*ny:(k+1)*nx*ny], 1, nx, tx, 0, ny*mx)
			filterRows(xy[k*mx*my:(k+1)*mx*my], row, mx, ny, ty, 0, my)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dims := [3]int{mx, my, nz}
	taps := gaussianDecimation(nz, f[2], sigma[2])
	data, err := filterAxis(ctx, xy, dims, 2, taps)
	if err != nil {
		return nil, err
	}
	dims[2] = len(taps)
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

// gaussianDecimation is the filter of one axis of n voxels shrunk by f
// with a Gaussian of standard deviation sigma voxels: output voxel i is
// centred at input position f·i + (f−1)/2 and weights the input voxels
// within three standard deviations, normalised over those inside the
// image; sigma 0 keeps the voxel at the centre (f odd) or averages the two
// beside it.
func gaussianDecimation(n, f int, sigma float64) []tap {
	radius := 3 * sigma
	taps := make([]tap, max(1, n/f))
	for i := range taps {
		c := float64(f*i) + float64(f-1)/2
		lo, hi := max(0, int(math.Ceil(c-radius))), min(n-1, int(math.Floor(c+radius)))
		if sigma == 0 {
			lo, hi = max(0, int(math.Floor(c))), min(n-1, int(math.Ceil(c)))
		}
		w := make([]float32, hi-lo+1)
		var sum float64
		for j := range w {
			x := 1.0
			if sigma > 0 {
				d := (float64(lo+j) - c) / sigma
				x = math.Exp(-d * d / 2)
			}
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
	out := make([]float32, outer*len(taps)*inner)
	rowsPerCheck := max(1, (1<<16)/inner)
	parallel.For(outer*len(taps), max(1, 4096/inner), func(lo, hi int) {
		for r := lo; r < hi && ctx.Err() == nil; r += rowsPerCheck {
			filterRows(out, in, inner, dims[a], taps, r, min(r+rowsPerCheck, hi))
		}
	})
	return out, ctx.Err()
}

// filterRows computes output rows [lo, hi) of filterAxis into out (zeroed
// beforehand): the image is outer × n × inner, row r is output voxel r%m
// (m taps) of outer block r/m, inner voxels long.
func filterRows[T volume.Voxel](out []float32, in []T, inner, n int, taps []tap, lo, hi int) {
	m := len(taps)
	for r := lo; r < hi; r++ {
		o, i := r/m, r%m
		base := o*n*inner + taps[i].start*inner
		if inner == 1 { // along x: a dot product over contiguous voxels
			ws := taps[i].weights
			src := in[base : base+len(ws)]
			var acc float32
			for t, w := range ws {
				acc += w * float32(src[t])
			}
			out[r] = acc
			continue
		}
		// Two input rows at a time, in the order of one at a time: the
		// same sums, half the passes over the output row.
		dst := out[r*inner : (r+1)*inner]
		ws := taps[i].weights
		t := 0
		for ; t+1 < len(ws); t += 2 {
			at := base + t*inner
			a, b := in[at:at+inner], in[at+inner:at+2*inner]
			w0, w1 := ws[t], ws[t+1]
			b = b[:len(a)]
			d := dst[:len(a)]
			for x := range d {
				d[x] = d[x] + w0*float32(a[x]) + w1*float32(b[x])
			}
		}
		if t < len(ws) {
			at := base + t*inner
			a := in[at : at+inner]
			d := dst[:len(a)]
			for x := range d {
				d[x] += ws[t] * float32(a[x])
			}
		}
	}
}
