package mesh

import "math/bits"

// bitGrid is a binary mask over a box of voxels, padded by one empty voxel
// on every side so that the surface around it is closed. Bit i of row
// (j, k) is voxel (i, j, k) of the padded box; rows hold words uint64 each,
// and bits past the row's end are zero.
type bitGrid struct {
	dims  [3]int // padded size: the box plus two
	words int    // words per row
	bits  []uint64
	// origin is the volume voxel index of the padded box's voxel (0, 0, 0).
	origin [3]int
}

// newBitGrid returns an empty mask padding the box [lo, hi] (inclusive
// volume voxel indices).
func newBitGrid(lo, hi [3]int) *bitGrid {
	g := &bitGrid{}
	for a := 0; a < 3; a++ {
		g.dims[a] = hi[a] - lo[a] + 3
		g.origin[a] = lo[a] - 1
	}
	g.words = (g.dims[0] + 63) / 64
	g.bits = make([]uint64, g.words*g.dims[1]*g.dims[2])
	return g
}

// row returns the words of row (j, k).
func (g *bitGrid) row(j, k int) []uint64 {
	n := (j + g.dims[1]*k) * g.words
	return g.bits[n : n+g.words : n+g.words]
}

// setRun sets the bits of volume voxels x0..x1 (inclusive) on volume row
// (y, z).
func (g *bitGrid) setRun(x0, x1, y, z int) {
	r := g.row(y-g.origin[1], z-g.origin[2])
	lo, hi := x0-g.origin[0], x1-g.origin[0]+1 // [lo, hi) in padded bits
	for lo < hi {
		w, b := lo>>6, lo&63
		n := min(64-b, hi-lo)
		mask := ^uint64(0)
		if n < 64 {
			mask = (1<<n - 1) << b
		}
		r[w] |= mask
		lo += n
	}
}

// count is the number of voxels set.
func (g *bitGrid) count() int {
	n := 0
	for _, w := range g.bits {
		n += bits.OnesCount64(w)
	}
	return n
}
