package volume

import (
	"bytes"
	"encoding/binary"
	"sync"

	"kidney3d/pipeline/parallel"
)

// BoundingBox is the smallest box [lo, hi) of voxel indices that holds every
// nonzero voxel of m; ok is false when m has none. It scans slices in
// parallel, eight voxels at a time.
func BoundingBox(m *Volume[uint8]) (lo, hi [3]int, ok bool) {
	return rowBox(m, firstNonzero, lastNonzero)
}

// ValueBox is the smallest box [lo, hi) that holds every voxel of m equal
// to x (x may be 0); ok is false when m has none, e.g. one label's box in
// a label map without a mask of it.
func ValueBox(m *Volume[uint8], x uint8) (lo, hi [3]int, ok bool) {
	return rowBox(m, func(row []uint8) int { return bytes.IndexByte(row, x) }, func(row []uint8) int { return bytes.LastIndexByte(row, x) })
}

// rowBox is the box of the voxels found by first and last, which give the
// first and last index of a row's wanted voxels, or -1 for none.
func rowBox(m *Volume[uint8], firstOf, lastOf func([]uint8) int) (lo, hi [3]int, ok bool) {
	nx, ny, nz := m.Dims[0], m.Dims[1], m.Dims[2]
	lo = [3]int{nx, ny, nz}
	var mu sync.Mutex
	parallel.For(nz, 1, func(k0, k1 int) {
		blo, bhi := [3]int{nx, ny, nz}, [3]int{-1, -1, -1}
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				row := m.Data[(k*ny+j)*nx : (k*ny+j+1)*nx]
				first := firstOf(row)
				if first < 0 {
					continue
				}
				last := lastOf(row)
				blo = [3]int{min(blo[0], first), min(blo[1], j), min(blo[2], k)}
				bhi = [3]int{max(bhi[0], last), max(bhi[1], j), max(bhi[2], k)}
			}
		}
		mu.Lock()
		for a := 0; a < 3; a++ {
			lo[a] = min(lo[a], blo[a])
			hi[a] = max(hi[a], bhi[a]+1)
		}
		mu.Unlock()
	})
	return lo, hi, hi[0] > lo[0]
}

// firstNonzero is the index of row's first nonzero byte, or -1.
func firstNonzero(row []uint8) int {
	i := 0
	for ; i+8 <= len(row); i += 8 {
		if binary.LittleEndian.Uint64(row[i:]) != 0 {
			break
		}
	}
	for ; i < len(row); i++ {
		if row[i] != 0 {
			return i
		}
	}
	return -1
}

// lastNonzero is the index of row's last nonzero byte, or -1.
func lastNonzero(row []uint8) int {
	i := len(row)
	for ; i >= 8; i -= 8 {
		if binary.LittleEndian.Uint64(row[i-8:]) != 0 {
			break
		}
	}
	for i--; i >= 0; i-- {
		if row[i] != 0 {
			return i
		}
	}
	return -1
}

// GrowBox widens the box [lo, hi) by margin voxels per axis, clamped to the
// grid, e.g. to give an operation room around a bounding box.
func GrowBox(g Grid, lo, hi, margin [3]int) (glo, ghi [3]int) {
	for a := 0; a < 3; a++ {
		glo[a] = max(lo[a]-margin[a], 0)
		ghi[a] = min(hi[a]+margin[a], g.Dims[a])
	}
	return glo, ghi
}

// Crop copies the box [lo, hi) of v into a new volume whose affine is
// shifted so that every voxel keeps its world position. The box may reach
// outside v: those voxels are zero, so Crop also pads.
func Crop[T Voxel](v *Volume[T], lo, hi [3]int) *Volume[T] {
	out := New[T](CropGrid(v.Grid, lo, hi))
	copyBox(out, v, lo, [3]int{})
	return out
}

// CropGrid is the grid of Crop(v, lo, hi) for a volume v on g: the box's
// size, and g's affine shifted so that every voxel keeps its world position.
func CropGrid(g Grid, lo, hi [3]int) Grid {
	var dims [3]int
	for a := 0; a < 3; a++ {
		dims[a] = max(hi[a]-lo[a], 0)
	}
	aff := g.Affine
	o := g.Affine.Apply([3]float64{float64(lo[0]), float64(lo[1]), float64(lo[2])})
	for r := 0; r < 3; r++ {
		aff[r][3] = o[r]
	}
	return Grid{Dims: dims, Affine: aff}
}

// Paste writes src into dst with src's voxel (0, 0, 0) at dst's voxel lo;
// the part of src that falls outside dst is dropped. Grids are not checked:
// src is taken to be a Crop of a volume on dst's grid.
func Paste[T Voxel](dst, src *Volume[T], lo [3]int) {
	copyBox(dst, src, [3]int{}, lo)
}

// copyBox copies dst's voxels from src, dst voxel p taking src voxel
// p - dstAt + srcAt, over the part of dst that has a source voxel.
func copyBox[T Voxel](dst, src *Volume[T], srcAt, dstAt [3]int) {
	var from, to [3]int // dst box with a source voxel
	for a := 0; a < 3; a++ {
		off := srcAt[a] - dstAt[a] // src index = dst index + off
		from[a] = max(0, -off)
		to[a] = min(dst.Dims[a], src.Dims[a]-off)
		if to[a] <= from[a] {
			return
		}
	}
	ox, oy, oz := srcAt[0]-dstAt[0], srcAt[1]-dstAt[1], srcAt[2]-dstAt[2]
	parallel.For(to[2]-from[2], 1, func(k0, k1 int) {
		for k := from[2] + k0; k < from[2]+k1; k++ {
			for j := from[1]; j < to[1]; j++ {
				d := dst.Index(from[0], j, k)
				s := src.Index(from[0]+ox, j+oy, k+oz)
				copy(dst.Data[d:d+to[0]-from[0]], src.Data[s:s+to[0]-from[0]])
			}
		}
	})
}
