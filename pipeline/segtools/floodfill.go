package segtools

import (
	"context"
	"fmt"
	"math"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// FillOptions choose what FloodFill fills.
type FillOptions struct {
	// Lo and Hi bound the intensities filled, both included.
	Lo, Hi float64
	// Conn is the connectivity: labelops.Face (6 neighbours in 3D, 4 in a
	// slice) or labelops.Full (26 in 3D, 8 in a slice).
	Conn labelops.Connectivity
	// Within, when not nil, restricts the fill to its nonzero voxels (an
	// editable area); it must have the image's dims.
	Within *volume.Volume[uint8]
	// Slice, when not nil, restricts the fill to one slice (2D); it must
	// hold the seed.
	Slice *Slice
}

// checkEvery is how many voxels a long loop handles between looks at its
// context.
const checkEvery = 1 << 16

// FloodFill is the connected region of img that holds seedVoxel and whose
// voxels have an intensity in [o.Lo, o.Hi], inside o.Within and o.Slice
// where given: a breadth-first flood from the seed (as ITK's
// ConnectedThresholdImageFilter and Slicer's flood filling effect). The
// mask is empty when the seed itself is outside the range or the area.
func FloodFill[T volume.Voxel](ctx context.Context, img *volume.Volume[T], seedVoxel [3]int, o FillOptions) (*volume.Volume[uint8], error) {
	if !img.Contains(seedVoxel[0], seedVoxel[1], seedVoxel[2]) {
		return nil, fmt.Errorf("segtools: flood fill: seed voxel %v is outside the image %v", seedVoxel, img.Dims)
	}
	if o.Lo > o.Hi || math.IsNaN(o.Lo) || math.IsNaN(o.Hi) {
		return nil, fmt.Errorf("segtools: flood fill: intensity range [%g, %g] is empty", o.Lo, o.Hi)
	}
	if o.Within != nil {
		if err := sameDims("the editable area", img.Grid, o.Within.Grid); err != nil {
			return nil, err
		}
	}
	seed := img.Index(seedVoxel[0], seedVoxel[1], seedVoxel[2])
	if o.Slice == nil {
		out := volume.New[uint8](img.Grid)
		if err := floodInto(ctx, out, inRange(img, o.Lo, o.Hi, o.Within), seed, neighbours(o.Conn, -1)); err != nil {
			return nil, err
		}
		return out, nil
	}
	s := *o.Slice
	if err := s.checkSeed(img.Grid, seedVoxel, "flood fill"); err != nil {
		return nil, err
	}
	flat := sliceOf(img, s)
	var within *volume.Volume[uint8]
	if o.Within != nil {
		within = sliceOf(o.Within, s)
	}
	region := volume.New[uint8](flat.Grid)
	if err := floodInto(ctx, region, inRange(flat, o.Lo, o.Hi, within), flatIndex(flat, seedVoxel, s), neighbours(o.Conn, 2)); err != nil {
		return nil, err
	}
	return onSlice(img.Grid, s, region), nil
}

// LevelTrace is Slicer's level tracing on one slice: the region enclosed by
// the iso-contour through seedVoxel at the seed's own intensity, as ITK's
// LevelTracingImageFilter traces it and Slicer fills it. That is the
// 8-connected region of voxels of the slice at or above the seed's
// intensity that holds the seed, with its holes filled (the traced outer
// contour encloses them).
func LevelTrace[T volume.Voxel](ctx context.Context, img *volume.Volume[T], seedVoxel [3]int, s Slice) (*volume.Volume[uint8], error) {
	if !img.Contains(seedVoxel[0], seedVoxel[1], seedVoxel[2]) {
		return nil, fmt.Errorf("segtools: level tracing: seed voxel %v is outside the image %v", seedVoxel, img.Dims)
	}
	if err := s.checkSeed(img.Grid, seedVoxel, "level tracing"); err != nil {
		return nil, err
	}
	flat := sliceOf(img, s)
	level := float64(img.At(seedVoxel[0], seedVoxel[1], seedVoxel[2]))
	region := volume.New[uint8](flat.Grid)
	if err := floodInto(ctx, region, inRange(flat, level, math.Inf(1), nil), flatIndex(flat, seedVoxel, s), neighbours(labelops.Full, 2)); err != nil {
		return nil, err
	}
	// the holes: what no 4-connected path outside the region reaches from
	// the slice's edge
	outside := volume.New[uint8](flat.Grid)
	for n, x := range region.Data {
		outside.Data[n] = 1 - x
	}
	reached := volume.New[uint8](flat.Grid)
	steps := neighbours(labelops.Face, 2)
	nu, nv := flat.Dims[0], flat.Dims[1]
	for n := range reached.Data {
		if a, b := n%nu, n/nu; a == 0 || b == 0 || a == nu-1 || b == nv-1 {
			if err := floodInto(ctx, reached, outside, n, steps); err != nil {
				return nil, err
			}
		}
	}
	for n, x := range reached.Data {
		region.Data[n] = 1 - x
	}
	return onSlice(img.Grid, s, region), nil
}

// inRange is the mask of img's voxels with a value in [lo, hi] and, when
// within is not nil, nonzero in within.
func inRange[T volume.Voxel](img *volume.Volume[T], lo, hi float64, within *volume.Volume[uint8]) *volume.Volume[uint8] {
	out := volume.New[uint8](img.Grid)
	parallel.For(len(img.Data), 1<<16, func(a, b int) {
		for n := a; n < b; n++ {
			if x := float64(img.Data[n]); x >= lo && x <= hi && (within == nil || within.Data[n] != 0) {
				out.Data[n] = 1
			}
		}
	})
	return out
}

// flatIndex is the storage index on sliceOf(·, s) of voxel p of slice s.
func flatIndex[T volume.Voxel](flat *volume.Volume[T], p [3]int, s Slice) int {
	u, v := s.inPlane()
	return flat.Index(p[u], p[v], 0)
}

// step is a move to a neighbouring voxel.
type step [3]int

// neighbours lists the moves of a connectivity, leaving out those that
// leave the slice normal to voxel axis normal (none when normal is -1).
func neighbours(c labelops.Connectivity, normal int) []step {
	var out []step
	for dk := -1; dk <= 1; dk++ {
		for dj := -1; dj <= 1; dj++ {
			for di := -1; di <= 1; di++ {
				d := step{di, dj, dk}
				moved := di*di + dj*dj + dk*dk
				if moved == 0 || (c == labelops.Face && moved > 1) || (normal >= 0 && d[normal] != 0) {
					continue
				}
				out = append(out, d)
			}
		}
	}
	return out
}

// floodInto sets to 1 the voxels of out reached from voxel seed through
// voxels nonzero in allowed, moving by steps, breadth first; voxels already
// set in out are not entered again.
func floodInto(ctx context.Context, out, allowed *volume.Volume[uint8], seed int, steps []step) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if allowed.Data[seed] == 0 || out.Data[seed] != 0 {
		return nil
	}
	offsets := make([]int, len(steps))
	for s, d := range steps {
		offsets[s] = out.Index(d[0], d[1], d[2])
	}
	nx, ny, nz := out.Dims[0], out.Dims[1], out.Dims[2]
	out.Data[seed] = 1
	queue := []int32{int32(seed)}
	for head := 0; head < len(queue); {
		if head == checkEvery { // look at ctx, drop what was popped
			if err := ctx.Err(); err != nil {
				return err
			}
			queue = queue[:copy(queue, queue[head:])]
			head = 0
		}
		n := int(queue[head])
		head++
		i, j, k := n%nx, n/nx%ny, n/(nx*ny)
		interior := i > 0 && j > 0 && k > 0 && i < nx-1 && j < ny-1 && k < nz-1
		for s, d := range steps {
			if !interior && !out.Contains(i+d[0], j+d[1], k+d[2]) {
				continue
			}
			if m := n + offsets[s]; allowed.Data[m] != 0 && out.Data[m] == 0 {
				out.Data[m] = 1
				queue = append(queue, int32(m))
			}
		}
	}
	return nil
}
