package volume

import (
	"io"
	"math"
	"strings"

	"kidney3d/nifti"
	"kidney3d/pipeline/atomicfile"
)

// Part is a volume that is zero outside a box of its grid, held as that
// box: a mask or a label map, mostly zeros, without the memory, the
// reading and the writing of its zeros. Box may be empty (no voxel).
type Part[T Voxel] struct {
	Grid            // the whole volume's
	Lo   [3]int     // the box's first voxel
	Box  *Volume[T] // the box's voxels, on CropGrid(Grid, Lo, Lo+Box.Dims)
}

// WholePart is v as a Part whose box is the whole grid (no copy).
func WholePart[T Voxel](v *Volume[T]) *Part[T] { return &Part[T]{Grid: v.Grid, Box: v} }

// CropPart is the Part of a volume on g that is zero outside [lo, hi)
// and holds there the voxels of box (whose dims are hi - lo).
func CropPart[T Voxel](g Grid, lo [3]int, box *Volume[T]) *Part[T] {
	return &Part[T]{Grid: g, Lo: lo, Box: box}
}

// Full is the whole volume.
func (p *Part[T]) Full() *Volume[T] {
	out := New[T](p.Grid)
	copyBox(out, p.Box, [3]int{}, p.Lo)
	return out
}

// Crop is Crop(p.Full(), lo, hi), made from the box alone.
func (p *Part[T]) Crop(lo, hi [3]int) *Volume[T] {
	out := New[T](CropGrid(p.Grid, lo, hi))
	copyBox(out, p.Box, [3]int{lo[0] - p.Lo[0], lo[1] - p.Lo[1], lo[2] - p.Lo[2]}, [3]int{})
	return out
}

// At is the voxel (i, j, k) of the whole grid: the box's, or zero outside it.
func (p *Part[T]) At(i, j, k int) T {
	i, j, k = i-p.Lo[0], j-p.Lo[1], k-p.Lo[2]
	if p.Box == nil || !p.Box.Contains(i, j, k) {
		var zero T
		return zero
	}
	return p.Box.At(i, j, k)
}

// empty reports whether the box holds no voxel.
func (p *Part[T]) empty() bool { return p.Box == nil || p.Box.Len() == 0 }

// hi is the end (exclusive) of p's box on its grid.
func (p *Part[T]) hi() [3]int {
	return [3]int{p.Lo[0] + p.Box.Dims[0], p.Lo[1] + p.Box.Dims[1], p.Lo[2] + p.Box.Dims[2]}
}

// PartBoundingBox is BoundingBox(p.Full()), scanning the box alone.
func PartBoundingBox(p *Part[uint8]) (lo, hi [3]int, ok bool) {
	if p.empty() {
		return lo, hi, false
	}
	lo, hi, ok = BoundingBox(p.Box)
	for a := range 3 {
		lo[a] += p.Lo[a]
		hi[a] += p.Lo[a]
	}
	return lo, hi, ok
}

// LoadPart reads the NIfTI file at path as a Part of T whose box is the
// bounding box of its voxels other than zero (nifti.ReadNonzeroFile: of
// the files kidney3d writes, only the members holding such voxels are
// inflated). Part.Full is Load's volume.
func LoadPart[T Voxel](path string) (*Part[T], error) {
	lo, hi, isInt := limits[T]()
	r, err := readNonzero(path, func(x float64) bool { return castVoxel[T](x, lo, hi, isInt) == 0 })
	if err != nil {
		return nil, err
	}
	g, box, err := regionBox[T](path, r)
	if err != nil {
		return nil, err
	}
	return &Part[T]{Grid: g, Lo: r.Lo, Box: box}, nil
}

// readNonzero reads the region of the file at path that holds its stored
// values other than zero (nifti.ReadNonzeroFile), or the whole image when
// its scaling makes a stored zero a value that zero does not accept.
func readNonzero(path string, zero func(x float64) bool) (*nifti.Region, error) {
	r, err := nifti.ReadNonzeroFile(path)
	if err != nil {
		return nil, err
	}
	if slope, inter, scaled := (&nifti.Image{Header: r.Header}).Slope(); scaled && !zero(0*slope+inter) {
		return nifti.ReadRegionFile(path, [3]int{}, [3]int{math.MaxInt, math.MaxInt, math.MaxInt})
	}
	return r, nil
}

// SavePart writes the whole volume of p to path as Save does, the same
// bytes, without making it: the zeros outside the box cost next to nothing
// (nifti.EncodeRegion).
func SavePart[T Voxel](path string, p *Part[T], opts ...atomicfile.Option) error {
	r := &nifti.Region{Header: nifti.NewHeader(p.Dims, datatypeOf[T](), p.Affine), Data: []T(nil)}
	if !p.empty() {
		r.Lo, r.Data = p.Lo, p.Box.Data
		for a := range 3 {
			r.Hi[a] = p.Lo[a] + p.Box.Dims[a]
		}
	}
	enc := &nifti.EncodeOptions{Gzip: strings.HasSuffix(path, ".gz")}
	return atomicfile.Write(path, func(w io.Writer) error { return nifti.EncodeRegion(w, r, enc) }, opts...)
}
