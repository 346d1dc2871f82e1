package segtools

import (
	"context"
	"fmt"
	"math"

	"kidney3d/pipeline/labelops"
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
	normal := -1
	if o.Slice != nil {
		if err := o.Slice.check(img.Grid); err != nil {
			return nil, err
		}
		if seedVoxel[o.Slice.Axis] != o.Slice.Index {
			return nil, fmt.Errorf("segtools: flood fill: seed voxel %v is not on slice %d along voxel axis %d", seedVoxel, o.Slice.Index, o.Slice.Axis)
		}
		normal = o.Slice.Axis
	}
	ok := func(n int) bool {
		x := float64(img.Data[n])
		return x >= o.Lo && x <= o.Hi && (o.Within == nil || o.Within.Data[n] != 0)
	}
	return flood(ctx, img.Grid, img.Index(seedVoxel[0], seedVoxel[1], seedVoxel[2]), neighbours(o.Conn, normal), ok)
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
	level := float64(img.At(seedVoxel[0], seedVoxel[1], seedVoxel[2]))
	m, err := FloodFill(ctx, img, seedVoxel, FillOptions{Lo: level, Hi: math.Inf(1), Conn: labelops.Full, Slice: &s})
	if err != nil {
		return nil, err
	}
	return fillSliceHoles(ctx, m, s)
}

// fillSliceHoles fills the holes of m's region on slice s: the voxels of
// the slice outside the region that no 4-connected path reaches from the
// slice's edge.
func fillSliceHoles(ctx context.Context, m *volume.Volume[uint8], s Slice) (*volume.Volume[uint8], error) {
	u, v := s.inPlane()
	reached := volume.New[uint8](m.Grid)
	outside := func(n int) bool { return m.Data[n] == 0 && reached.Data[n] == 0 }
	steps := neighbours(labelops.Face, s.Axis)
	var err error
	forSlice(m.Grid, s, func(n int) {
		i, j, k := m.Coords(n)
		at := [3]int{i, j, k}
		if err == nil && (at[u] == 0 || at[v] == 0 || at[u] == m.Dims[u]-1 || at[v] == m.Dims[v]-1) {
			err = floodInto(ctx, reached, n, steps, outside)
		}
	})
	if err != nil {
		return nil, err
	}
	out := volume.New[uint8](m.Grid)
	forSlice(m.Grid, s, func(n int) {
		if reached.Data[n] == 0 {
			out.Data[n] = 1
		}
	})
	return out, nil
}

// forSlice calls f with the storage index of every voxel of slice s.
func forSlice(g volume.Grid, s Slice, f func(n int)) {
	u, v := s.inPlane()
	var at [3]int
	at[s.Axis] = s.Index
	for b := 0; b < g.Dims[v]; b++ {
		for a := 0; a < g.Dims[u]; a++ {
			at[u], at[v] = a, b
			f(g.Index(at[0], at[1], at[2]))
		}
	}
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

// flood is the mask of the voxels reached from voxel seed through voxels
// for which ok holds (the seed included), moving by steps.
func flood(ctx context.Context, g volume.Grid, seed int, steps []step, ok func(n int) bool) (*volume.Volume[uint8], error) {
	out := volume.New[uint8](g)
	if err := floodInto(ctx, out, seed, steps, func(n int) bool { return out.Data[n] == 0 && ok(n) }); err != nil {
		return nil, err
	}
	return out, nil
}

// floodInto sets to 1 the voxels of out reached from seed through voxels
// for which open holds, breadth first; open must be false for voxels
// already set.
func floodInto(ctx context.Context, out *volume.Volume[uint8], seed int, steps []step, open func(n int) bool) error {
	if !open(seed) {
		return nil
	}
	out.Data[seed] = 1
	queue := []int32{int32(seed)}
	if err := ctx.Err(); err != nil {
		return err
	}
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
		i, j, k := out.Coords(n)
		for _, d := range steps {
			ii, jj, kk := i+d[0], j+d[1], k+d[2]
			if !out.Contains(ii, jj, kk) {
				continue
			}
			if m := out.Index(ii, jj, kk); open(m) {
				out.Data[m] = 1
				queue = append(queue, int32(m))
			}
		}
	}
	return nil
}
