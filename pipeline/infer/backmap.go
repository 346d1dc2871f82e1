package infer

import (
	"math"

	"kidney3d/pipeline/parallel"
)

// backMapper takes the model grid's finished rows, in order, and writes
// the labels of the phase grid's crop: each phase voxel takes the argmax
// of the trilinearly interpolated class scores of the 8 model voxels
// around it, as nnU-Net does when it resamples its predictions back to the
// original spacing, but without a full-resolution map per class: it keeps
// two model rows, and where the 8 surrounding argmaxes agree (almost
// everywhere) their label is the answer without interpolating (a convex
// mix of score vectors that all peak at one class peaks there too).
type backMapper struct {
	out     view[uint8]
	geom    Geometry
	classes int
	plane   int // model Y × X
	nx      int // model X

	tx, ty, tz taps // per phase voxel along x, y, z (crop-relative)
	prevS      []float32
	curS       []float32
	prevL      []uint8
	curL       []uint8
	next       int // next crop slice to write
}

func newBackMapper(out view[uint8], g Geometry, classes int) *backMapper {
	b := &backMapper{out: out, geom: g, classes: classes,
		plane: g.Size[0] * g.Size[1], nx: g.Size[0]}
	b.tx = phaseTaps(g.Hi[0]-g.Lo[0], g.Size[0])
	b.ty = phaseTaps(g.Hi[1]-g.Lo[1], g.Size[1])
	b.tz = phaseTaps(g.Hi[2]-g.Lo[2], g.Size[2])
	b.prevS = make([]float32, classes*b.plane)
	b.curS = make([]float32, classes*b.plane)
	b.prevL = make([]uint8, b.plane)
	b.curL = make([]uint8, b.plane)
	return b
}

// phaseTaps maps m phase positions onto n model positions: the inverse of
// the model grid's sampling, u = (s + 0.5)·n/m − 0.5, clamped.
func phaseTaps(m, n int) taps {
	t := taps{i0: make([]int, m), w: make([]float32, m)}
	r := float64(n) / float64(m)
	for s := range m {
		u := min(max((float64(s)+0.5)*r-0.5, 0), float64(n-1))
		u0 := int(math.Floor(u))
		t.i0[s] = u0
		if u0 < n-1 {
			t.w[s] = float32(u - float64(u0))
		}
	}
	return t
}

// row receives model row z (scores K × Y × X, labels Y × X) and writes
// every crop slice that needs no later row.
func (b *backMapper) row(z int, scores []float32, labels []uint8) error {
	b.prevS, b.curS = b.curS, b.prevS
	b.prevL, b.curL = b.curL, b.prevL
	copy(b.curS, scores)
	copy(b.curL, labels)
	slices := len(b.tz.i0)
	for b.next < slices {
		z0 := b.tz.i0[b.next]
		z1 := z0
		if b.tz.w[b.next] != 0 {
			z1 = z0 + 1
		}
		if z1 > z {
			break
		}
		b.writeSlice(b.next, z0 == z)
		b.next++
	}
	return nil
}

// writeSlice writes crop slice k from the rows z0 and z0+1 (prev and cur;
// both cur when onlyCur).
func (b *backMapper) writeSlice(k int, onlyCur bool) {
	wz := b.tz.w[k]
	lowS, lowL := b.prevS, b.prevL
	if onlyCur {
		lowS, lowL = b.curS, b.curL
	}
	g := b.geom
	ny, nxOut := g.Hi[1]-g.Lo[1], g.Hi[0]-g.Lo[0]
	parallel.For(ny, 8, func(j0, j1 int) {
		var sc [256]float32
		for j := j0; j < j1; j++ {
			y0, wy := b.ty.i0[j], b.ty.w[j]
			y1 := y0
			if wy != 0 {
				y1++
			}
			row, s0 := b.out.index(g.Lo[0], g.Lo[1]+j, g.Lo[2]+k), b.out.step[0]
			// Several phase voxels share a model cell (x0, x0+1): whether
			// its corners agree is checked once per cell.
			cellX0, cellLabel := -1, -1
			for i := range nxOut {
				x0, wx := b.tx.i0[i], b.tx.w[i]
				if x0 != cellX0 {
					cellX0, cellLabel = x0, b.uniform(lowL, y0, y1, x0, min(x0+1, b.nx-1), wz != 0)
				}
				if cellLabel >= 0 {
					b.out.data[row+i*s0] = uint8(cellLabel)
					continue
				}
				x1 := x0
				if wx != 0 {
					x1++
				}
				a, c := y0*b.nx+x0, y0*b.nx+x1
				d, e := y1*b.nx+x0, y1*b.nx+x1
				best := uint8(0)
				for cl := range b.classes {
					off := cl * b.plane
					v := bilinear(lowS[off:], a, c, d, e, wx, wy)
					if wz != 0 {
						v += wz * (bilinear(b.curS[off:], a, c, d, e, wx, wy) - v)
					}
					sc[cl] = v
					if v > sc[best] {
						best = uint8(cl)
					}
				}
				b.out.data[row+i*s0] = best
			}
		}
	})
}

// uniform is the label of the model cell's corners (rows y0, y1 and
// columns x0, x1 of the low row, and of the current row too when both
// rows count) when they all agree, else -1.
func (b *backMapper) uniform(low []uint8, y0, y1, x0, x1 int, both bool) int {
	a, c := y0*b.nx+x0, y0*b.nx+x1
	d, e := y1*b.nx+x0, y1*b.nx+x1
	l := low[a]
	if l != low[c] || l != low[d] || l != low[e] {
		return -1
	}
	if both && (l != b.curL[a] || l != b.curL[c] || l != b.curL[d] || l != b.curL[e]) {
		return -1
	}
	return int(l)
}

func bilinear(s []float32, a, c, d, e int, wx, wy float32) float32 {
	top := s[a] + wx*(s[c]-s[a])
	bot := s[d] + wx*(s[e]-s[d])
	return top + wy*(bot-top)
}
