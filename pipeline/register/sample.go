package register

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// body summarises the voxels of an image above the body threshold.
type body struct {
	count    int
	centroid [3]float64 // world mm
}

// bodyOf counts the voxels of v above threshold and finds their centre of
// mass (each voxel weighted one, so negative HU count like positive ones).
// Slices are summed in order, so the result does not depend on the cores.
func bodyOf(v *volume.Volume[float32], threshold float64) body {
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	counts := make([]int, nz)
	sums := make([][3]float64, nz)
	thr := float32(threshold)
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			var s [3]float64
			c := 0
			for j := 0; j < ny; j++ {
				row := v.Data[v.Index(0, j, k) : v.Index(0, j, k)+nx]
				for i, x := range row {
					if x > thr {
						c++
						s[0] += float64(i)
						s[1] += float64(j)
					}
				}
			}
			s[2] = float64(c) * float64(k)
			counts[k], sums[k] = c, s
		}
	})
	var b body
	var s [3]float64
	for k := range counts {
		b.count += counts[k]
		for a := range s {
			s[a] += sums[k][a]
		}
	}
	if b.count > 0 {
		for a := range s {
			s[a] /= float64(b.count)
		}
		b.centroid = v.VoxelToWorld(s)
	}
	return b
}

// sample is a point of an image: continuous voxel coordinates and the
// image's trilinear value there.
type sample struct {
	at    [3]float64
	value float32
	voxel int // storage index of the nearest voxel, to sort by
}

// drawSamples draws n points of v, uniformly at random (from seed and
// stream) over the points whose value is above threshold, given that
// b.count voxels are. Like elastix's random-coordinate sampler, the points
// are not voxel centres: samples on a grid that shares its spacing with the
// moving image's make the metric favour whole-voxel shifts, where
// interpolation does not blur the moving image. The points come sorted by
// the voxel they fall in, which keeps the reads of both images local.
func drawSamples(v *volume.Volume[float32], threshold float64, b body, n int, seed, stream uint64) []sample {
	rng := rand.New(rand.NewPCG(seed, stream))
	out := make([]sample, 0, n)
	// Rejection needs Len/count draws per sample on average; the bound
	// only guards against a body of a few voxels on their own.
	for tries := 0; len(out) < n && tries < 100*n*v.Len()/b.count; tries++ {
		var p [3]float64
		for a := range p {
			p[a] = rng.Float64() * float64(v.Dims[a]-1)
		}
		if x, _, _ := linearGradient(v, p); x > threshold {
			i := v.Index(int(math.Round(p[0])), int(math.Round(p[1])), int(math.Round(p[2])))
			out = append(out, sample{at: p, value: float32(x), voxel: i})
		}
	}
	slices.SortFunc(out, func(a, b sample) int {
		if c := cmp.Compare(a.voxel, b.voxel); c != 0 {
			return c
		}
		return slices.Compare(a.at[:], b.at[:])
	})
	return out
}

// Percentiles of the sampled intensities that bound the histograms, so that
// a few very bright voxels (bone, metal, contrast in a catheter) do not
// squeeze the tissues into a few bins.
const (
	rangeLow  = 0.005
	rangeHigh = 0.995
)

// minContrast is the smallest intensity spread, in HU, worth registering;
// below it an image is constant but for rounding.
const minContrast = 1

// intensityRange is the [rangeLow, rangeHigh] percentile interval of the
// samples' values, widened to their full range where that is narrower than
// minContrast; ok is false when the full range is too.
func intensityRange(samples []sample) (lo, hi float64, ok bool) {
	x := make([]float32, len(samples))
	for n, s := range samples {
		x[n] = s.value
	}
	slices.Sort(x)
	last := len(x) - 1
	if last < 0 {
		return 0, 0, false
	}
	lo = float64(x[int(math.Round(rangeLow*float64(last)))])
	hi = float64(x[int(math.Round(rangeHigh*float64(last)))])
	if hi-lo < minContrast {
		lo, hi = float64(x[0]), float64(x[last])
	}
	return lo, hi, hi-lo >= minContrast
}
