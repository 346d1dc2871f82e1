package segtools

import (
	"context"
	"fmt"
	"math"

	"kidney3d/pipeline/volume"
)

// maxStepCost caps the cost of one step between neighbours: an intensity
// jump of more than this many units costs this much, which bounds the
// bucket queue's span without changing which label wins any realistic
// boundary.
const maxStepCost = 1023

// GrowCut is grow from seeds on a region of an image: every voxel of the
// region takes the label of the seed it is closest to, the distance of a
// path being the sum of the absolute intensity differences between the
// 6-connected neighbours it steps through. That is the fast GrowCut of
// Zhu, Kolesov, Gao, Kikinis and Tannenbaum ("An effective interactive
// medical image segmentation method using fast GrowCut", MICCAI workshop
// 2014), the algorithm of 3D Slicer's "Grow from seeds", itself the fast
// form of Vezhnevets and Konouchine's cellular-automaton GrowCut
// (GraphiCon 2005). Distances are integers, so the shortest paths are
// found by Dial's bucket queue, first in first out within a distance: the
// result is the same on every run.
//
// A GrowCut keeps its distances and labels between updates: seeds added
// by a later Update propagate only as far as they come closer than the
// labels already there (Zhu et al.'s incremental update), while a seed
// removed or relabelled recomputes the region. A GrowCut is not safe for
// concurrent use.
type GrowCut struct {
	grid   volume.Grid // the whole image's
	lo, hi [3]int      // the region, voxel box [lo, hi)
	box    volume.Grid // the region's grid
	img    []int16     // the region's intensities
	seeds  []uint8     // the seeds of the last update, on the region
	dist   []uint32    // distance to the nearest seed; math.MaxUint32 unreached
	label  []uint8     // the label of that seed; 0 unreached
	valid  bool        // dist and label hold the result of seeds
}

// NewGrowCut prepares grow from seeds on the voxel box [roiLoVoxel,
// roiHiVoxel) of img (the whole image where the box is the whole grid).
func NewGrowCut(img *volume.Volume[int16], roiLoVoxel, roiHiVoxel [3]int) (*GrowCut, error) {
	for a := range 3 {
		if roiLoVoxel[a] < 0 || roiHiVoxel[a] > img.Dims[a] || roiLoVoxel[a] >= roiHiVoxel[a] {
			return nil, fmt.Errorf("segtools: grow from seeds: region %v–%v is empty or leaves the image %v", roiLoVoxel, roiHiVoxel, img.Dims)
		}
	}
	box := volume.Crop(img, roiLoVoxel, roiHiVoxel)
	n := box.Len()
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("segtools: grow from seeds: region of %d voxels is too large", n)
	}
	return &GrowCut{
		grid: img.Grid, lo: roiLoVoxel, hi: roiHiVoxel, box: box.Grid, img: box.Data,
		seeds: make([]uint8, n), dist: make([]uint32, n), label: make([]uint8, n),
	}, nil
}

// Update runs the competition for seeds, a label volume on the image's grid
// (0 no seed, any other value a label; the caller gives background its own
// value) of which only the region counts, and returns the labels: each
// voxel of the region the label of its nearest seed, 0 outside the region
// and where no seed reaches. When only seeds were added since the last
// Update, only what they change is recomputed. A cancelled Update returns
// ctx's error and the next one starts afresh.
func (gc *GrowCut) Update(ctx context.Context, seeds *volume.Volume[uint8]) (*volume.Part[uint8], error) {
	if err := sameDims("the seeds", gc.grid, seeds.Grid); err != nil {
		return nil, err
	}
	now := volume.Crop(seeds, gc.lo, gc.hi).Data
	var fresh []int32
	for n, s := range now {
		old := gc.seeds[n]
		if old != 0 && s != old {
			gc.valid = false // a seed removed or relabelled
		}
		if s != 0 && s != old {
			fresh = append(fresh, int32(n))
		}
	}
	gc.seeds = now
	if !gc.valid {
		for n := range gc.dist {
			gc.dist[n], gc.label[n] = math.MaxUint32, 0
		}
		fresh = fresh[:0]
		for n, s := range now {
			if s != 0 {
				fresh = append(fresh, int32(n))
			}
		}
	}
	gc.valid = false
	if err := gc.propagate(ctx, fresh); err != nil {
		return nil, err
	}
	gc.valid = true
	out := volume.New[uint8](gc.box)
	copy(out.Data, gc.label)
	return volume.CropPart(gc.grid, gc.lo, out), nil
}

// propagate sets the given seed voxels at distance 0 with their seed's
// label and runs Dial's algorithm from them over the region.
func (gc *GrowCut) propagate(ctx context.Context, from []int32) error {
	var buckets [maxStepCost + 1][]int32
	pending := 0
	for _, n := range from {
		gc.dist[n], gc.label[n] = 0, gc.seeds[n]
		buckets[0] = append(buckets[0], n)
		pending++
	}
	nx, ny, nz := gc.box.Dims[0], gc.box.Dims[1], gc.box.Dims[2]
	strides := [3]int{1, nx, nx * ny}
	popped := 0
	for d := uint32(0); pending > 0; d++ {
		b := &buckets[d%(maxStepCost+1)]
		for q := 0; q < len(*b); q++ {
			n := int((*b)[q])
			pending--
			if gc.dist[n] != d {
				continue // a stale entry: n was reached cheaper
			}
			if popped++; popped%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			at := [3]int{n % nx, n / nx % ny, n / (nx * ny)}
			size := [3]int{nx, ny, nz}
			in := gc.img[n]
			for a := range 3 {
				for _, dir := range [2]int{-1, 1} {
					if c := at[a] + dir; c < 0 || c >= size[a] {
						continue
					}
					m := n + dir*strides[a]
					nd := d + min(uint32(absDiff(in, gc.img[m])), maxStepCost)
					if nd < gc.dist[m] {
						gc.dist[m], gc.label[m] = nd, gc.label[n]
						nb := &buckets[nd%(maxStepCost+1)]
						*nb = append(*nb, int32(m))
						pending++
					}
				}
			}
		}
		*b = (*b)[:0]
	}
	return nil
}

// absDiff is |a - b| without overflow.
func absDiff(a, b int16) int32 {
	d := int32(a) - int32(b)
	if d < 0 {
		return -d
	}
	return d
}
