package infer

import (
	"fmt"
	"math"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Geometry ties a crop of the phase grid to the model's grid, in volume
// order (x, y, z): model voxel u along axis a samples the phase grid at
// Lo[a] + (u + 0.5)·ratio − 0.5, ratio = (Hi[a] − Lo[a]) / Size[a], as
// nnU-Net's resampling (skimage's resize) does. The phase grid is seen
// in the model's storage (its axes relabelled, see view).
type Geometry struct {
	Lo, Hi [3]int // the crop on the phase grid, Hi exclusive
	Size   [3]int // the model grid
}

// ratio is phase voxels per model voxel along axis a.
func (g Geometry) ratio(a int) float64 { return float64(g.Hi[a]-g.Lo[a]) / float64(g.Size[a]) }

// anisotropyThreshold is nnU-Net's: a spacing over 3 times the smallest
// makes an axis "anisotropic", resampled apart with nearest neighbours.
const anisotropyThreshold = 3

// plan is the model grid that covers the box lo..hi (the body's, bodyBox)
// of a grid of voxel size sp at m's spacing. It fails, before anything of
// the model grid's size is allocated, when that grid and m's patches,
// batch at a time, do not fit the image limit.
func plan(sp [3]float64, lo, hi [3]int, m *modelpkg.Manifest, batch int) (Geometry, error) {
	var g Geometry
	g.Lo, g.Hi = lo, hi
	var size [3]float64
	for a := range 3 {
		size[a] = math.Max(math.RoundToEven(float64(hi[a]-lo[a])*sp[a]/m.Spacing[2-a]), 1)
	}
	if err := need(m, size, batch).check(); err != nil {
		return g, fmt.Errorf("model %s at spacing %v mm (z, y, x) on this image (body %d×%d×%d voxels of %.3g×%.3g×%.3g mm): %w",
			limits.Quote(m.Name), m.Spacing, hi[0]-lo[0], hi[1]-lo[1], hi[2]-lo[2], sp[0], sp[1], sp[2], err)
	}
	for a := range 3 {
		g.Size[a] = int(size[a])
	}
	return g, nil
}

// bodyBox is the bounding box of the voxels above hu along each axis
// (the body, in lines of at least a few voxels so that noise in the air
// does not count), ignoring planes with fewer than minVoxels such voxels;
// the whole grid when there are none. Relabelling the axes moves the
// planes, not their counts: the box of a phase relabelled is its box
// relabelled.
func bodyBox[T volume.Voxel](v *volume.Volume[T], hu float32) (lo, hi [3]int) {
	const minVoxels = 16
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	countX := make([][]int32, nz)
	countY := make([][]int32, nz)
	countZ := make([]int32, nz)
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			cx, cy := make([]int32, nx), make([]int32, ny)
			var cz int32
			for j := range ny {
				row := v.Data[(k*ny+j)*nx : (k*ny+j+1)*nx]
				for i, x := range row {
					if float32(x) > hu {
						cx[i]++
						cy[j]++
						cz++
					}
				}
			}
			countX[k], countY[k], countZ[k] = cx, cy, cz
		}
	})
	totalX, totalY := make([]int32, nx), make([]int32, ny)
	for k := range nz {
		for i, c := range countX[k] {
			totalX[i] += c
		}
		for j, c := range countY[k] {
			totalY[j] += c
		}
	}
	for a, counts := range [3][]int32{totalX, totalY, countZ} {
		lo[a], hi[a] = 0, v.Dims[a]
		first, last := -1, -1
		for i, c := range counts {
			if c >= minVoxels {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first >= 0 {
			lo[a], hi[a] = first, last+1
		}
	}
	return lo, hi
}

// resample returns the crop g.Lo..g.Hi of v on the model grid g.Size:
// linear along each axis, one axis after the other, except that an axis
// whose model spacing is over 3 times the finest is resampled with nearest
// neighbours, as nnU-Net treats anisotropic data (order 0 along z). The
// first pass, along x, reads the source voxels themselves, so that the
// crop is never copied at full resolution; an axis whose size does not
// change is copied.
func resample[T volume.Voxel](v view[T], g Geometry, spacingZYX [3]float64) []float32 {
	finest := min(spacingZYX[0], spacingZYX[1], spacingZYX[2])
	nearest := func(a int) bool { return spacingZYX[2-a] > anisotropyThreshold*finest }
	dims := [3]int{g.Hi[0] - g.Lo[0], g.Hi[1] - g.Lo[1], g.Hi[2] - g.Lo[2]}
	data := resampleX(v, g.Lo, dims, g.Size[0], nearest(0))
	dims[0] = g.Size[0]
	for a := 1; a < 3; a++ {
		if g.Size[a] == dims[a] {
			continue
		}
		data = resampleAxis(data, dims, a, g.Size[a], nearest(a))
		dims[a] = g.Size[a]
	}
	return data
}

// resampleX crops v to lo..lo+dims, converts it to float32 and resamples
// it to n positions along x, in one pass: the one pass that reads the
// phase, through the view's strides.
func resampleX[T volume.Voxel](v view[T], lo, dims [3]int, n int, nearest bool) []float32 {
	t := axisTaps(dims[0], n, nearest)
	out := make([]float32, n*dims[1]*dims[2])
	parallel.For(dims[1]*dims[2], 64, func(l0, l1 int) {
		for l := l0; l < l1; l++ {
			j, k := l%dims[1], l/dims[1]
			start, s0 := v.index(lo[0], lo[1]+j, lo[2]+k), v.step[0]
			dst := out[l*n : (l+1)*n]
			for u := range dst {
				i := start + t.i0[u]*s0
				x := float32(v.data[i])
				if w := t.w[u]; w != 0 {
					x += w * (float32(v.data[i+s0]) - x)
				}
				dst[u] = x
			}
		}
	})
	return out
}

// taps are the source positions and weights of one output position along
// one axis: out[u] = (1−w)·in[i0] + w·in[i0+1] (w = 0 at the edges and for
// nearest neighbours).
type taps struct {
	i0 []int
	w  []float32
}

// axisTaps maps n model positions onto m source positions
// (s = (u + 0.5)·m/n − 0.5, clamped to the edges).
func axisTaps(m, n int, nearest bool) taps {
	t := taps{i0: make([]int, n), w: make([]float32, n)}
	r := float64(m) / float64(n)
	for u := range n {
		s := (float64(u)+0.5)*r - 0.5
		if nearest {
			t.i0[u] = min(max(int(math.Round(s)), 0), m-1)
			continue
		}
		s = min(max(s, 0), float64(m-1))
		i0 := min(int(s), m-1)
		t.i0[u] = i0
		if i0 < m-1 {
			t.w[u] = float32(s - float64(i0))
		}
	}
	return t
}

// resampleAxis resamples data of dims (x, y, z) to n positions along axis.
func resampleAxis(data []float32, dims [3]int, axis, n int, nearest bool) []float32 {
	t := axisTaps(dims[axis], n, nearest)
	out := dims
	out[axis] = n
	res := make([]float32, out[0]*out[1]*out[2])
	stride := [3]int{1, dims[0], dims[0] * dims[1]}[axis]
	ostride := [3]int{1, out[0], out[0] * out[1]}[axis]
	// Every output voxel is a line position u plus an offset shared by
	// source and output: walk the lines.
	lines := out[0] * out[1] * out[2] / n
	parallel.For(lines, 256, func(l0, l1 int) {
		for l := l0; l < l1; l++ {
			src, dst := lineBase(l, axis, dims), lineBase(l, axis, out)
			for u := range n {
				i := t.i0[u]
				v := data[src+i*stride]
				if w := t.w[u]; w != 0 {
					v += w * (data[src+(i+1)*stride] - v)
				}
				res[dst+u*ostride] = v
			}
		}
	})
	return res
}

// lineBase is the index of the first voxel of line l along axis, lines
// numbered over the other two axes (the lower one fastest).
func lineBase(l, axis int, dims [3]int) int {
	switch axis {
	case 0:
		return l * dims[0]
	case 1:
		x, z := l%dims[0], l/dims[0]
		return x + z*dims[0]*dims[1]
	default:
		return l
	}
}

// normalise applies the channel's scheme in place: nnU-Net's
// CTNormalization (clip to the training foreground's percentiles, then
// its mean and std), ZScoreNormalization (the image's own mean and std)
// or none.
func normalise(data []float32, m *modelpkg.Manifest, channel int) error {
	scheme := m.NormalizationSchemes[channel]
	var lo, hi, mean, std float64
	switch scheme {
	case modelpkg.NoNormalization:
		return nil
	case modelpkg.CTNormalization:
		in := m.Intensities[fmt.Sprint(channel)]
		lo, hi, mean, std = in.P00_5, in.P99_5, in.Mean, in.Std
	case modelpkg.ZScoreNormalization:
		lo, hi = math.Inf(-1), math.Inf(1)
		mean, std = meanStd(data)
	default:
		return fmt.Errorf("normalisation %q is not supported", scheme)
	}
	inv := float32(1 / max(std, 1e-8))
	flo, fhi, fmean := float32(lo), float32(hi), float32(mean)
	parallel.For(len(data), 1<<16, func(a, b int) {
		d := data[a:b]
		for i, v := range d {
			d[i] = (min(max(v, flo), fhi) - fmean) * inv
		}
	})
	return nil
}

func meanStd(data []float32) (mean, std float64) {
	if len(data) == 0 {
		return 0, 1
	}
	var s, s2 float64
	for _, v := range data {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	mean = s / float64(len(data))
	return mean, math.Sqrt(max(s2/float64(len(data))-mean*mean, 0))
}
