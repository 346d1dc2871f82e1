package dicomseries

import (
	"context"
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

// Save writes the image as NIfTI, atomically, in gzip's stored blocks
// (volume.SaveSlices): compressing would be most of an import's time.
func (im *Image) Save(path string, opts ...atomicfile.Option) error {
	if im.Int16 != nil {
		return volume.SaveSlices(path, im.Int16.Grid, func(put func([]int16) error) error { return put(im.Int16.Data) }, opts...)
	}
	return volume.SaveSlices(path, im.Float32.Grid, func(put func([]float32) error) error { return put(im.Float32.Data) }, opts...)
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
		fits, err := fill(ctx, s, 1, int16Into(s, v.Data))
		if err != nil {
			return nil, err
		}
		if fits {
			return &Image{Int16: v}, nil
		}
	}
	v := volume.New[float32](g)
	if _, err := fill(ctx, s, 1, func(k int, f *dicompixel.File, frame int, raw *[]int32) (bool, error) {
		in := s.Instances[k]
		if len(*raw) != plane {
			*raw = make([]int32, plane)
		}
		if err := f.Decode(frame, in.Format, *raw); err != nil {
			return false, err
		}
		putFloat32(v.Data[k*plane:(k+1)*plane], *raw, g.Dims[0], in.RescaleSlope, in.RescaleIntercept)
		return true, nil
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

// int16Into is fill's put for int16 voxels: slice k of s, rescaled by
// whole numbers (integral(s)), into dst[k·plane:].
func int16Into(s *Series, dst []int16) func(k int, f *dicompixel.File, frame int, raw *[]int32) (bool, error) {
	plane := s.Geometry.Grid.Dims[0] * s.Geometry.Grid.Dims[1]
	return func(k int, f *dicompixel.File, frame int, raw *[]int32) (bool, error) {
		in := s.Instances[k]
		r := dicompixel.Rescale{Slope: int32(in.RescaleSlope), Intercept: int32(in.RescaleIntercept)}
		return f.DecodeInt16(frame, in.Format, r, dst[k*plane:(k+1)*plane], raw)
	}
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

// fill opens the file of every slice (k along the normal) and hands it,
// with the slice's frame in it and a scratch buffer (nil until put makes
// it, then kept for the next slice), to put, which decodes it; it stops and
// reports false when put does. Files of one frame are read in parallel, a
// multi-frame file once and its frames decoded in parallel, grain slices
// at least to a goroutine (all of them: one after the other, here).
func fill(ctx context.Context, s *Series, grain int, put func(k int, f *dicompixel.File, frame int, raw *[]int32) (bool, error)) (bool, error) {
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
	// decode decodes the slices ks[lo:hi], each from the file open gives.
	decode := func(ks []int, open func(k int) (*dicompixel.File, error), done func(*dicompixel.File)) func(lo, hi int) {
		return func(lo, hi int) {
			var buf []int32
			for _, k := range ks[lo:hi] {
				if failed.Load() {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[k] = err
					failed.Store(true)
					return
				}
				f, err := open(k)
				var ok bool
				if err == nil {
					ok, err = put(k, f, s.Instances[k].Frame, &buf)
					done(f)
				}
				if err != nil {
					errs[k] = &SeriesError{Series: s.ID, Reason: "cannot read its pixels", Err: err}
					failed.Store(true)
					return
				}
				if !ok {
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
		parallel.For(len(ks), grain, decode(ks, func(int) (*dicompixel.File, error) { return f, nil }, func(*dicompixel.File) {}))
		f.Close()
	}
	parallel.For(len(single), grain, decode(single, func(k int) (*dicompixel.File, error) {
		return dicompixel.Open(s.Instances[k].Path, 1)
	}, (*dicompixel.File).Close))
	for _, err := range errs {
		if err != nil {
			return false, err
		}
	}
	return !failed.Load(), nil
}
