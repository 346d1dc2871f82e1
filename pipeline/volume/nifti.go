package volume

import (
	"fmt"
	"io"
	"strings"

	"kidney3d/nifti"
	"kidney3d/pipeline/atomicfile"
)

// FromImage converts a decoded NIfTI image to a volume of T, applying the
// image's scaling (scl_slope, scl_inter) as nibabel does. When the stored
// type is T and the scaling is absent or the identity (slope 1, inter 0, as
// most writers store), the voxels are used without a copy.
func FromImage[T Voxel](img *nifti.Image) (*Volume[T], error) {
	g := GridOf(&img.Header)
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if img.Len() != g.Len() {
		return nil, fmt.Errorf("volume: image holds %d voxels, header says %v", img.Len(), g.Dims)
	}
	return Wrap(g, voxelsAs[T](img))
}

// voxelsAs are img's voxels as T after scaling: img.Data itself when it
// is a []T and unscaled, else a converted copy.
func voxelsAs[T Voxel](img *nifti.Image) []T {
	if data, ok := img.Data.([]T); ok {
		if slope, inter, scaled := img.Slope(); !scaled || (slope == 1 && inter == 0) {
			return data
		}
	}
	out := make([]T, img.Len())
	lo, hi, isInt := limits[T]()
	parallelFor(len(out), func(a, b int) {
		for n := a; n < b; n++ {
			out[n] = castVoxel[T](img.Float64(n), lo, hi, isInt)
		}
	})
	return out
}

// GridOf is the grid a NIfTI header describes.
func GridOf(h *nifti.Header) Grid {
	return Grid{Dims: h.Shape(), Affine: Affine(h.Affine())}
}

// datatypeOf is the NIfTI datatype that stores T.
func datatypeOf[T Voxel]() nifti.Datatype {
	var z T
	switch any(z).(type) {
	case uint8:
		return nifti.Uint8
	case int8:
		return nifti.Int8
	case int16:
		return nifti.Int16
	case uint16:
		return nifti.Uint16
	case int32:
		return nifti.Int32
	case uint32:
		return nifti.Uint32
	case float32:
		return nifti.Float32
	}
	return nifti.Float64
}

// ToImage wraps a volume as a NIfTI image (sform and qform from its affine),
// sharing its voxels.
func ToImage[T Voxel](v *Volume[T]) *nifti.Image {
	return &nifti.Image{
		Header: nifti.NewHeader(v.Dims, datatypeOf[T](), v.Affine),
		Data:   v.Data,
	}
}

// Load reads a NIfTI file as a volume of T.
func Load[T Voxel](path string) (*Volume[T], error) {
	img, err := nifti.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := FromImage[T](img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// LoadBox reads the box [lo, hi) of the NIfTI file at path as a volume of
// T: the same volume as Crop(Load(path), lo, hi), voxels outside the
// file's grid zero, but reading only the box (nifti.ReadRegionFile: from
// the files kidney3d writes it inflates only the members holding the box's
// slices).
func LoadBox[T Voxel](path string, lo, hi [3]int) (*Volume[T], error) {
	r, err := nifti.ReadRegionFile(path, lo, hi)
	if err != nil {
		return nil, err
	}
	g, box, err := regionBox[T](path, r)
	if err != nil {
		return nil, err
	}
	return placeBox(g, box, r, lo, hi), nil
}

// placeBox is box, the voxels of region r of an image on grid g, as the box
// [lo, hi) that was asked for: box itself when r is that box, else a copy
// that is zero outside the image.
func placeBox[T Voxel](g Grid, box *Volume[T], r *nifti.Region, lo, hi [3]int) *Volume[T] {
	if r.Lo == lo && r.Hi == hi {
		return box
	}
	out := New[T](CropGrid(g, lo, hi))
	copyBox(out, box, [3]int{}, [3]int{r.Lo[0] - lo[0], r.Lo[1] - lo[1], r.Lo[2] - lo[2]})
	return out
}

// regionBox is the grid of a region's image and the region's box as a
// volume of T on CropGrid.
func regionBox[T Voxel](path string, r *nifti.Region) (Grid, *Volume[T], error) {
	g := GridOf(&r.Header)
	if err := g.Validate(); err != nil {
		return g, nil, fmt.Errorf("%s: %w", path, err)
	}
	box := &Volume[T]{Grid: CropGrid(g, r.Lo, r.Hi), Data: voxelsAs[T](&nifti.Image{Header: r.Header, Data: r.Data})}
	if len(box.Data) != box.Len() {
		return g, nil, fmt.Errorf("%s: volume: region holds %d voxels, want %d", path, len(box.Data), box.Len())
	}
	return g, box, nil
}

// Save writes v to path atomically (opts as atomicfile.Write takes them); a
// name ending in .gz is gzip-compressed at the default level.
func Save[T Voxel](path string, v *Volume[T], opts ...atomicfile.Option) error {
	return SaveImage(path, ToImage(v), opts...)
}

// SaveFast writes v as Save does, Huffman-coded only (nifti.HuffmanOnly:
// on CT about five times as fast as the default level, files about 10%
// larger, read as fast): for files written once and read soon, such as a
// run's working volumes and imported phases.
func SaveFast[T Voxel](path string, v *Volume[T], opts ...atomicfile.Option) error {
	return saveImage(path, ToImage(v), nifti.HuffmanOnly, opts)
}

// SaveSlices writes a volume of T on grid g to path atomically (opts as
// atomicfile.Write takes them), without holding it: write is handed a
// function that takes the voxels' next part in file order (a slice along
// k, or several, or all) and writes it while the caller makes the next. A
// name ending in .gz is a gzip stream of stored (uncompressed) blocks
// (nifti.Stored): as large as the volume, written at the speed of the
// disk, for files written in a hurry and read soon, such as imported
// phases. The file is complete, and in place, only when write returns nil
// having put every voxel of g.
func SaveSlices[T Voxel](path string, g Grid, write func(put func([]T) error) error, opts ...atomicfile.Option) error {
	h := nifti.NewHeader(g.Dims, datatypeOf[T](), g.Affine)
	enc := &nifti.EncodeOptions{Gzip: strings.HasSuffix(path, ".gz"), Level: nifti.Stored}
	return atomicfile.Write(path, func(w io.Writer) error {
		nw, err := nifti.NewWriter(w, h, enc)
		if nw == nil {
			return err
		}
		if err == nil {
			err = write(func(part []T) error { return nw.Write(part) })
		}
		if cerr := nw.Close(); err == nil {
			err = cerr
		}
		return err
	}, opts...)
}

// SaveImage writes a NIfTI image to path as Save does.
func SaveImage(path string, img *nifti.Image, opts ...atomicfile.Option) error {
	return saveImage(path, img, 0, opts)
}

// saveImage writes img to path atomically, gzip-compressed at level (0:
// the default) when the name ends in .gz.
func saveImage(path string, img *nifti.Image, level int, opts []atomicfile.Option) error {
	enc := &nifti.EncodeOptions{Gzip: strings.HasSuffix(path, ".gz"), Level: level}
	return atomicfile.Write(path, func(w io.Writer) error { return nifti.Encode(w, img, enc) }, opts...)
}

// ReadGrid is the grid of the NIfTI file at path, from its header alone.
func ReadGrid(path string) (Grid, error) {
	h, err := nifti.ReadHeaderFile(path)
	if err != nil {
		return Grid{}, err
	}
	g := GridOf(h)
	if err := g.Validate(); err != nil {
		return Grid{}, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}
