package segtools

import (
	"context"
	"fmt"
	"math"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

// InterpolateSlices fills the slices between the drawn slices of mask m
// along voxel axis: fill between slices. Slices of m normal to axis that
// hold any nonzero voxel are the drawn ones; each empty slice between two
// drawn slices a < k < b is filled with the morphological interpolation
// of their regions A and B at t = (k-a)/(b-a), and drawn slices are kept
// as they are. The result is 0/1 on m's grid; slices before the first and
// after the last drawn slice stay empty.
//
// The interpolation is Albu, Beugeling and Laurendeau's morphological
// contour interpolation (IEEE TBME 55(8), 2008), as ITK's
// MorphologicalContourInterpolator implements it, with the geodesic
// dilations replaced by exact Euclidean distances in millimetres: with
// I = A∩B and U = A∪B, a voxel of I is inside, a voxel of B∖A is inside
// when (1-t)·d(p, I) ≤ t·d(p, outside U), a voxel of A∖B when
// t·d(p, I) ≤ (1-t)·d(p, outside U); at t = ½ this is the morphological
// median of A and B (Meyer 1996), the set ITK's recursive bisection
// computes. Where A and B do not overlap, B is first moved onto A by the
// whole-voxel shift between their centroids and the interpolated region
// moved back by t times that shift (ITK's heuristic alignment). Unlike
// ITK, regions are not matched component by component: the slice is
// interpolated as a whole, so a part of A that overlaps nothing of B
// shrinks away between them.
func InterpolateSlices(ctx context.Context, m *volume.Volume[uint8], axis int) (*volume.Volume[uint8], error) {
	if axis < 0 || axis > 2 {
		return nil, fmt.Errorf("segtools: fill between slices: axis %d is not a voxel axis (0, 1 or 2)", axis)
	}
	out := volume.New[uint8](m.Grid)
	lo, hi, ok := volume.BoundingBox(m)
	if !ok {
		return nil, fmt.Errorf("segtools: fill between slices: the label is empty")
	}
	margin := [3]int{1, 1, 1}
	margin[axis] = 0
	lo, hi = volume.GrowBox(m.Grid, lo, hi, margin)
	box := volume.Crop(m, lo, hi)
	var drawn []int
	for k := 0; k < box.Dims[axis]; k++ {
		s := sliceOf(box, Slice{axis, k})
		if labelops.Count(s) > 0 {
			drawn = append(drawn, k)
		}
		for n, x := range s.Data {
			s.Data[n] = min(x, 1)
		}
		putSlice(box, Slice{axis, k}, s)
	}
	if len(drawn) < 2 {
		return nil, fmt.Errorf("segtools: fill between slices: the label is drawn on %d slice along voxel axis %d, needs at least 2", len(drawn), axis)
	}
	for n := 1; n < len(drawn); n++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, b := drawn[n-1], drawn[n]
		if b-a < 2 {
			continue
		}
		between := interpolatePair(sliceOf(box, Slice{axis, a}), sliceOf(box, Slice{axis, b}), b-a)
		for k, s := range between {
			putSlice(box, Slice{axis, a + 1 + k}, s)
		}
	}
	volume.Paste(out, box, lo)
	return out, nil
}

// interpolatePair returns the gap-1 slices between 2D masks a (at 0) and
// b (at gap), as InterpolateSlices defines them.
func interpolatePair(a, b *volume.Volume[uint8], gap int) []*volume.Volume[uint8] {
	var shift [2]int
	if !overlap(a, b) {
		ca, cb := centroid(a), centroid(b)
		for c := range 2 {
			shift[c] = int(math.Round(cb[c] - ca[c]))
		}
		b = shifted(b, [2]int{-shift[0], -shift[1]})
	}
	inter, union := volume.New[uint8](a.Grid), volume.New[uint8](a.Grid)
	for n := range a.Data {
		inter.Data[n] = a.Data[n] & b.Data[n]
		union.Data[n] = a.Data[n] | b.Data[n]
	}
	out := make([]*volume.Volume[uint8], gap-1)
	if labelops.Count(inter) == 0 {
		for k := range out {
			out[k] = volume.New[uint8](a.Grid)
		}
		return out
	}
	toInter, toOutside := labelops.DistanceOutsideMM(inter), labelops.DistanceMM(union)
	for k := range out {
		t := float64(k+1) / float64(gap)
		s := volume.New[uint8](a.Grid)
		for n, u := range union.Data {
			if u == 0 {
				continue
			}
			di, do := float64(toInter.Data[n]), float64(toOutside.Data[n])
			switch {
			case inter.Data[n] != 0:
				s.Data[n] = 1
			case b.Data[n] != 0 && (1-t)*di <= t*do:
				s.Data[n] = 1
			case a.Data[n] != 0 && t*di <= (1-t)*do:
				s.Data[n] = 1
			}
		}
		out[k] = shifted(s, [2]int{int(math.Round(t * float64(shift[0]))), int(math.Round(t * float64(shift[1])))})
	}
	return out
}

// overlap reports whether 2D masks a and b share a voxel.
func overlap(a, b *volume.Volume[uint8]) bool {
	for n := range a.Data {
		if a.Data[n]&b.Data[n] != 0 {
			return true
		}
	}
	return false
}

// centroid is the mean voxel position of a nonempty 2D mask.
func centroid(m *volume.Volume[uint8]) [2]float64 {
	var sum [2]float64
	count := 0
	for n, x := range m.Data {
		if x != 0 {
			i, j, _ := m.Coords(n)
			sum[0] += float64(i)
			sum[1] += float64(j)
			count++
		}
	}
	return [2]float64{sum[0] / float64(count), sum[1] / float64(count)}
}

// shifted is the 2D mask m moved by d voxels, cut at its edges.
func shifted(m *volume.Volume[uint8], d [2]int) *volume.Volume[uint8] {
	if d == [2]int{} {
		return m
	}
	out := volume.New[uint8](m.Grid)
	for n, x := range m.Data {
		if x == 0 {
			continue
		}
		i, j, _ := m.Coords(n)
		if m.Contains(i+d[0], j+d[1], 0) {
			out.Set(i+d[0], j+d[1], 0, 1)
		}
	}
	return out
}
