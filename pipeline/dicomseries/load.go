package dicomseries

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/dicompixel"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Image is a series' voxels in the modality's units (Hounsfield units for
// CT): exactly one of Int16 and Float32 is set.
type Image struct {
	Int16   *volume.Volume[int16]
	Float32 *volume.Volume[float32]
}

// Grid is the image's grid.
func (im *Image) Grid() volume.Grid {
	if im.Int16 != nil {
		return im.Int16.Grid
	}
	return im.Float32.Grid
}

// Datatype is "int16" or "float32".
func (im *Image) Datatype() string {
	if im.Int16 != nil {
		return "int16"
	}
	return "float32"
}

// Save writes the image as NIfTI, atomically, Huffman-coded only
// (volume.SaveFast): compressing is most of an import's time.
func (im *Image) Save(path string, opts ...atomicfile.Option) error {
	if im.Int16 != nil {
		return volume.SaveFast(path, im.Int16, opts...)
	}
	return volume.SaveFast(path, im.Float32, opts...)
}

// Load reads the pixels of a series that has no Err, decoding slices in
// parallel, and rescales them (Rescale Slope and Intercept, slice by
// slice). The voxels are int16 when every slope and intercept is a whole
// number and every value fits; otherwise float32.
func Load(ctx context.Context, s *Series) (*Image, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	if s.Geometry.Resampled != "" {
		return loadResampled(ctx, s)
	}
	g := s.Geometry.Grid
	plane := g.Dims[0] * g.Dims[1]
	if integral(s) {
		v := volume.New[int16](g)
		fits, err := fill(ctx, s, func(k int, raw []int32, slope, inter float64) bool {
			return putInt16(v.Data[k*plane:(k+1)*plane], raw, g.Dims[0], int32(slope), int32(inter))
		})
		if err != nil {
			return nil, err
		}
		if fits {
			return &Image{Int16: v}, nil
		}
	}
	v := volume.New[float32](g)
	if _, err := fill(ctx, s, func(k int, raw []int32, slope, inter float64) bool {
		putFloat32(v.Data[k*plane:(k+1)*plane], raw, g.Dims[0], slope, inter)
		return true
	}); err != nil {
		return nil, err
	}
	return &Image{Float32: v}, nil
}

// loadResampled loads a series of slices as they are and brings them onto
// its grid (Geometry.Resampled): unequally spaced or missing slices each
// interpolated linearly between the two slices around it, rounded to the
// nearest whole value when the voxels are int16; a tilted series resampled
// trilinearly from its sheared slices, the voxels outside them given the
// series' lowest value (its padding).
func loadResampled(ctx context.Context, s *Series) (*Image, error) {
	stacked := *s
	stacked.Geometry = Geometry{Grid: s.Geometry.stacked, SliceSpacing: s.Geometry.SliceSpacing}
	im, err := Load(ctx, &stacked)
	if err != nil {
		return nil, err
	}
	if s.Geometry.positions == nil { // a gantry tilt: the sheared slices onto the orthogonal grid
		if im.Int16 != nil {
			v, err := volume.Resample(im.Int16, s.Geometry.Grid, volume.Linear, slices.Min(im.Int16.Data))
			return &Image{Int16: v}, err
		}
		v, err := volume.Resample(im.Float32, s.Geometry.Grid, volume.Linear, slices.Min(im.Float32.Data))
		return &Image{Float32: v}, err
	}
	if im.Int16 != nil {
		return &Image{Int16: interpolateSlices(im.Int16, s.Geometry.positions, s.Geometry.Grid, s.Geometry.SliceSpacing)}, nil
	}
	return &Image{Float32: interpolateSlices(im.Float32, s.Geometry.positions, s.Geometry.Grid, s.Geometry.SliceSpacing)}, nil
}

// interpolateSlices makes the volume on g whose slice j lies step·j along
// the normal from v's first slice, v's slice k lying positions[k] from it:
// linear between the two slices around it, v's slice itself where one lies
// there.
func interpolateSlices[T int16 | float32](v *volume.Volume[T], positions []float64, g volume.Grid, step float64) *volume.Volume[T] {
	out := volume.New[T](g)
	plane := g.Dims[0] * g.Dims[1]
	last := len(positions) - 1
	var zero T
	_, round := any(zero).(int16)
	parallel.For(g.Dims[2], 1, func(j0, j1 int) {
		k := 0
		for j := j0; j < j1; j++ {
			z := min(step*float64(j), positions[last])
			for k < last-1 && positions[k+1] <= z {
				k++
			}
			t := (z - positions[k]) / (positions[k+1] - positions[k])
			a, b := v.Data[k*plane:(k+1)*plane], v.Data[(k+1)*plane:(k+2)*plane]
			dst := out.Data[j*plane : (j+1)*plane]
			switch {
			case t <= 1e-9:
				copy(dst, a)
			case t >= 1-1e-9:
				copy(dst, b)
			default:
				for n := range dst {
					x := (1-t)*float64(a[n]) + t*float64(b[n])
					if round {
						x = math.Round(x)
					}
					dst[n] = T(x)
				}
			}
		}
	})
	return out
}

// putInt16 stores a slice's raw samples, rescaled by whole numbers, rows
// flipped (see grid); it reports false, storing nothing, when a value
// does not fit an int16.
func putInt16(dst []int16, raw []int32, nx int, slope, inter int32) bool {
	lo, hi := raw[0], raw[0]
	for _, x := range raw {
		lo, hi = min(lo, x), max(hi, x)
	}
	a, b := int64(lo)*int64(slope)+int64(inter), int64(hi)*int64(slope)+int64(inter)
	if min(a, b) < math.MinInt16 || max(a, b) > math.MaxInt16 {
		return false
	}
	ny := len(raw) / nx
	for r := 0; r < ny; r++ {
		src, out := raw[r*nx:(r+1)*nx], dst[(ny-1-r)*nx:(ny-r)*nx]
		if slope == 1 {
			for c, x := range src {
				out[c] = int16(x + inter)
			}
			continue
		}
		for c, x := range src {
			out[c] = int16(x*slope + inter)
		}
	}
	return true
}

// putFloat32 stores a slice's raw samples rescaled, rows flipped.
func putFloat32(dst []float32, raw []int32, nx int, slope, inter float64) {
	ny := len(raw) / nx
	for r := 0; r < ny; r++ {
		src, out := raw[r*nx:(r+1)*nx], dst[(ny-1-r)*nx:(ny-r)*nx]
		for c, x := range src {
			out[c] = float32(float64(x)*slope + inter)
		}
	}
}

// integral reports whether every slice's rescale slope and intercept is a
// whole number that fits an int16, so that the values may too.
func integral(s *Series) bool {
	for _, in := range s.Instances {
		if in.RescaleSlope != math.Trunc(in.RescaleSlope) || in.RescaleIntercept != math.Trunc(in.RescaleIntercept) ||
			math.Abs(in.RescaleSlope) > math.MaxInt16 || math.Abs(in.RescaleIntercept) > math.MaxInt16 {
			return false
		}
	}
	return true
}

// fill decodes every slice (k along the normal) and hands its raw samples
// and rescaling to put; it stops and reports false when put does. Files
// of one frame are read in parallel; a multi-frame file is read once and
// its frames decoded in parallel.
func fill(ctx context.Context, s *Series, put func(k int, raw []int32, slope, inter float64) bool) (bool, error) {
	byFile := map[string][]int{}
	var single []int // slices whose file holds them alone
	var multi []string
	for k, in := range s.Instances {
		if in.NumberOfFrames <= 1 {
			single = append(single, k)
			continue
		}
		if _, ok := byFile[in.Path]; !ok {
			multi = append(multi, in.Path)
		}
		byFile[in.Path] = append(byFile[in.Path], k)
	}
	var failed atomic.Bool
	errs := make([]error, len(s.Instances))
	plane := s.Geometry.Grid.Dims[0] * s.Geometry.Grid.Dims[1]
	// decode decodes the slices ks[lo:hi] with read.
	decode := func(ks []int, read func(k int, buf []int32) error) func(lo, hi int) {
		return func(lo, hi int) {
			buf := make([]int32, plane)
			for _, k := range ks[lo:hi] {
				if failed.Load() {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[k] = err
					failed.Store(true)
					return
				}
				in := s.Instances[k]
				if err := read(k, buf); err != nil {
					errs[k] = &SeriesError{Series: s.ID, Reason: "cannot read its pixels", Err: err}
					failed.Store(true)
					return
				}
				if !put(k, buf, in.RescaleSlope, in.RescaleIntercept) {
					failed.Store(true)
					return
				}
			}
		}
	}
	for _, path := range multi {
		ks := byFile[path]
		f, err := dicompixel.Open(path, s.Instances[ks[0]].NumberOfFrames)
		if err != nil {
			return false, &SeriesError{Series: s.ID, Reason: "cannot read its pixels", Err: err}
		}
		parallel.For(len(ks), 1, decode(ks, func(k int, buf []int32) error {
			in := s.Instances[k]
			return f.Decode(in.Frame, in.Format, buf)
		}))
		f.Close()
	}
	parallel.For(len(single), 1, decode(single, func(k int, buf []int32) error {
		in := s.Instances[k]
		return dicompixel.ReadFile(in.Path, in.Format, buf)
	}))
	for _, err := range errs {
		if err != nil {
			return false, err
		}
	}
	return !failed.Load(), nil
}

// Describe is a short line about an image: dims, type and orientation.
func Describe(im *Image) string {
	g := im.Grid()
	sp := g.Spacing()
	return fmt.Sprintf("%d×%d×%d %s, %.4g×%.4g×%.4g mm, %s", g.Dims[0], g.Dims[1], g.Dims[2], im.Datatype(), sp[0], sp[1], sp[2], g.Affine.AxisCodes())
}
