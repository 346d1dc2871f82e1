package dicomseries

import (
	"context"
	"fmt"
	"math"
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

// Save writes the image as NIfTI, atomically (volume.Save).
func (im *Image) Save(path string, opts ...atomicfile.Option) error {
	if im.Int16 != nil {
		return volume.Save(path, im.Int16, opts...)
	}
	return volume.Save(path, im.Float32, opts...)
}

// Load reads the pixels of a series that has no Err, decoding slices in
// parallel, and rescales them (Rescale Slope and Intercept, slice by
// slice). The voxels are int16 when every slope and intercept is a whole
// number and every value fits; otherwise float32.
func Load(ctx context.Context, s *Series) (*Image, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	g := s.Geometry.Grid
	if integral(s) {
		v := volume.New[int16](g)
		fits, err := fill(ctx, s, func(k, n int, x float64) bool {
			if x < math.MinInt16 || x > math.MaxInt16 {
				return false
			}
			v.Data[k*g.Dims[0]*g.Dims[1]+n] = int16(x)
			return true
		})
		if err != nil {
			return nil, err
		}
		if fits {
			return &Image{Int16: v}, nil
		}
	}
	v := volume.New[float32](g)
	if _, err := fill(ctx, s, func(k, n int, x float64) bool {
		v.Data[k*g.Dims[0]*g.Dims[1]+n] = float32(x)
		return true
	}); err != nil {
		return nil, err
	}
	return &Image{Float32: v}, nil
}

// integral reports whether every slice's rescale slope and intercept is a
// whole number, so that the values are too.
func integral(s *Series) bool {
	for _, in := range s.Instances {
		if in.RescaleSlope != math.Trunc(in.RescaleSlope) || in.RescaleIntercept != math.Trunc(in.RescaleIntercept) {
			return false
		}
	}
	return true
}

// fill decodes every slice and calls set with the slice, the in-plane
// storage index (rows flipped, see grid) and the rescaled value; it stops
// and reports false when set does.
func fill(ctx context.Context, s *Series, set func(k, n int, x float64) bool) (bool, error) {
	g := s.Geometry.Grid
	nx, ny := g.Dims[0], g.Dims[1]
	var failed atomic.Bool
	errs := make([]error, len(s.Instances))
	parallel.For(len(s.Instances), 1, func(lo, hi int) {
		buf := make([]int32, nx*ny)
		for k := lo; k < hi; k++ {
			if failed.Load() {
				return
			}
			if err := ctx.Err(); err != nil {
				errs[k] = err
				failed.Store(true)
				return
			}
			in := s.Instances[k]
			if err := dicompixel.ReadFile(in.Path, in.Format, buf); err != nil {
				errs[k] = &SeriesError{Series: s.ID, Reason: "cannot read its pixels", Err: err}
				failed.Store(true)
				return
			}
			slope, inter := in.RescaleSlope, in.RescaleIntercept
			for r := 0; r < ny; r++ {
				src := buf[r*nx : (r+1)*nx]
				base := (ny - 1 - r) * nx
				for c, raw := range src {
					if !set(k, base+c, float64(raw)*slope+inter) {
						failed.Store(true)
						return
					}
				}
			}
		}
	})
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
