package volume

import (
	"fmt"
	"math"
	"sync"

	"kidney3d/nifti"
)

// Values summarises the scaled values of an image (as nibabel reads them:
// stored values after scl_slope and scl_inter).
type Values struct {
	Min, Max  float64 // range of the finite values; +Inf, -Inf when there are none
	NonFinite int     // how many voxels are NaN or ±Inf
	First     int     // storage index of the first of them; -1 when none
}

// ValuesOf scans every voxel of img once, on every core.
func ValuesOf(img *nifti.Image) Values {
	switch d := img.Data.(type) {
	case []uint8:
		return integerValues(img, d)
	case []int8:
		return integerValues(img, d)
	case []int16:
		return integerValues(img, d)
	case []uint16:
		return integerValues(img, d)
	case []int32:
		return integerValues(img, d)
	case []uint32:
		return integerValues(img, d)
	}
	return scanValues(img)
}

// integerValues is ValuesOf for stored integers: the scaling is linear, so
// the extremes are those of the stored values, scaled; only a non-finite
// scaling needs every voxel scaled.
func integerValues[T uint8 | int8 | int16 | uint16 | int32 | uint32](img *nifti.Image, data []T) Values {
	slope, inter, _ := img.Slope()
	if len(data) == 0 || math.IsNaN(slope*inter) || math.IsInf(slope, 0) || math.IsInf(inter, 0) {
		return scanValues(img)
	}
	var mu sync.Mutex
	lo, hi := 0, 0 // indices of the smallest and largest stored value
	parallelFor(len(data), func(a, b int) {
		l, h := a, a
		for n := a + 1; n < b; n++ {
			if data[n] < data[l] {
				l = n
			} else if data[n] > data[h] {
				h = n
			}
		}
		mu.Lock()
		if data[l] < data[lo] {
			lo = l
		}
		if data[h] > data[hi] {
			hi = h
		}
		mu.Unlock()
	})
	out := noValues()
	out.add(lo, img.Float64(lo))
	out.add(hi, img.Float64(hi))
	return out
}

// scanValues is ValuesOf voxel by voxel.
func scanValues(img *nifti.Image) Values {
	out := noValues()
	var mu sync.Mutex
	parallelFor(img.Len(), func(a, b int) {
		part := noValues()
		for n := a; n < b; n++ {
			part.add(n, img.Float64(n))
		}
		mu.Lock()
		out.merge(part)
		mu.Unlock()
	})
	return out
}

// noValues is the summary of no voxel.
func noValues() Values { return Values{Min: math.Inf(1), Max: math.Inf(-1), First: -1} }

// add adds the value x of voxel n, reporting whether it is finite.
func (v *Values) add(n int, x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		if v.NonFinite == 0 {
			v.First = n
		}
		v.NonFinite++
		return false
	}
	v.Min, v.Max = math.Min(v.Min, x), math.Max(v.Max, x)
	return true
}

// merge adds the summary of voxels that follow in storage order or come
// before it; First stays the lowest index.
func (v *Values) merge(o Values) {
	v.Min, v.Max = math.Min(v.Min, o.Min), math.Max(v.Max, o.Max)
	if o.NonFinite > 0 && (v.First < 0 || o.First < v.First) {
		v.First = o.First
	}
	v.NonFinite += o.NonFinite
}

// NonFiniteError describes v's non-finite voxels, naming the first by its
// position in the whole image, v being of the box of grid g whose first
// voxel is at lo (zeros for a whole image); nil when there are none.
func (v Values) NonFiniteError(g Grid, lo [3]int) error {
	if v.NonFinite == 0 {
		return nil
	}
	i, j, k := g.Coords(v.First)
	at := fmt.Sprintf("(%d, %d, %d)", lo[0]+i, lo[1]+j, lo[2]+k)
	if v.NonFinite == 1 {
		return fmt.Errorf("1 voxel is not finite (NaN or ±Inf), at voxel %s", at)
	}
	return fmt.Errorf("%d voxels are not finite (NaN or ±Inf), the first at voxel %s", v.NonFinite, at)
}

// LoadMask reads the NIfTI file at path as a binary mask made elsewhere: a
// Part of zeros and ones whose box is the bounding box of the voxels other
// than zero (read as LoadPart reads them). The test runs on the stored
// values, scaled but before any conversion: any nonzero finite value is
// inside, whatever the type (int16 -1, float 0.3, 255, 256 and 1.4 alike).
// A NaN or infinite value is an error naming the file, how many voxels
// hold one, and the first of them.
func LoadMask(path string) (*Part[uint8], error) {
	r, err := readNonzero(path, func(x float64) bool { return x == 0 })
	if err != nil {
		return nil, err
	}
	g, box, err := maskBox(path, r)
	if err != nil {
		return nil, err
	}
	return &Part[uint8]{Grid: g, Lo: r.Lo, Box: box}, nil
}

// LoadMaskBox reads the box [lo, hi) of the mask at path as LoadMask reads
// the whole: zeros and ones, from the stored values, voxels outside the
// file's grid zero; reading only the box, as LoadBox does.
func LoadMaskBox(path string, lo, hi [3]int) (*Volume[uint8], error) {
	r, err := nifti.ReadRegionFile(path, lo, hi)
	if err != nil {
		return nil, err
	}
	g, box, err := maskBox(path, r)
	if err != nil {
		return nil, err
	}
	return placeBox(g, box, r, lo, hi), nil
}

// maskBox is the grid of a mask's image and its region r as zeros and ones
// on CropGrid, or the error of a non-finite value.
func maskBox(path string, r *nifti.Region) (Grid, *Volume[uint8], error) {
	g := GridOf(&r.Header)
	if err := g.Validate(); err != nil {
		return g, nil, fmt.Errorf("%s: %w", path, err)
	}
	bg := CropGrid(g, r.Lo, r.Hi)
	img := &nifti.Image{Header: r.Header, Data: r.Data}
	if img.Len() != bg.Len() {
		return g, nil, fmt.Errorf("%s: volume: region holds %d voxels, want %d", path, img.Len(), bg.Len())
	}
	if d, ok := r.Data.([]uint8); ok {
		// The usual mask: bytes, unscaled or scaled by a finite nonzero
		// slope alone (slope 1, inter 0, as most writers store), so that a
		// voxel is inside exactly where its byte is not 0: made 0 and 1 in
		// place.
		if slope, inter, scaled := img.Slope(); !scaled || inter == 0 && slope != 0 && !math.IsInf(slope, 0) && !math.IsNaN(slope) {
			parallelFor(len(d), func(a, b int) {
				for n := a; n < b; n++ {
					d[n] = min(d[n], 1)
				}
			})
			return g, &Volume[uint8]{Grid: bg, Data: d}, nil
		}
	}
	box := New[uint8](bg)
	vals := noValues()
	var mu sync.Mutex
	parallelFor(box.Len(), func(a, b int) {
		part := noValues()
		for n := a; n < b; n++ {
			if x := img.Float64(n); part.add(n, x) && x != 0 {
				box.Data[n] = 1
			}
		}
		mu.Lock()
		vals.merge(part)
		mu.Unlock()
	})
	if err := vals.NonFiniteError(bg, r.Lo); err != nil {
		return g, nil, fmt.Errorf("%s: %w: a mask holds finite values", path, err)
	}
	return g, box, nil
}
