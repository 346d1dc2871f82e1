package labelops

import (
	"math"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// DistanceMM is the exact Euclidean distance transform of m in millimetres,
// as scipy.ndimage.distance_transform_edt(m, sampling=spacing): each nonzero
// voxel gets its distance to the nearest zero voxel of the grid (voxels
// beyond the grid do not count), zero voxels get 0, and every voxel gets
// +Inf when m has no zero voxel.
func DistanceMM(m *volume.Volume[uint8]) *volume.Volume[float32] {
	return rooted(m, squaredDistance(m, false))
}

// DistanceOutsideMM is the distance in millimetres of each zero voxel of m to
// the nearest nonzero voxel, as distance_transform_edt(m == 0, sampling=
// spacing); nonzero voxels get 0, and every voxel +Inf when m is empty.
func DistanceOutsideMM(m *volume.Volume[uint8]) *volume.Volume[float32] {
	return rooted(m, squaredDistance(m, true))
}

// rooted turns squared distances into a volume of distances on m's grid.
func rooted(m *volume.Volume[uint8], sq []float32) *volume.Volume[float32] {
	parallel.For(len(sq), 1<<15, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sq[i] = float32(math.Sqrt(float64(sq[i])))
		}
	})
	out, _ := volume.Wrap(m.Grid, sq)
	return out
}

// squaredDistance is, per voxel, the squared distance in mm² to the nearest
// feature voxel: a nonzero voxel when toInside is set, else a zero voxel.
// It is Felzenszwalb and Huttenlocher's separable algorithm: exact
// distances along x, then lower envelopes of parabolas along y and z.
func squaredDistance(m *volume.Volume[uint8], toInside bool) []float32 {
	nx, ny, nz := m.Dims[0], m.Dims[1], m.Dims[2]
	sp := m.Spacing()
	d := make([]float32, len(m.Data))
	parallel.For(ny*nz, 64, func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			rowDistance(d[r*nx:(r+1)*nx], m.Data[r*nx:(r+1)*nx], toInside, sp[0]*sp[0])
		}
	})
	envelopePass(d, ny, nx, nx*ny, nz, sp[1]*sp[1])
	envelopePass(d, nz, nx*ny, nx, ny, sp[2]*sp[2])
	return d
}

// rowDistance writes the squared distance along the row to the nearest
// feature voxel, times w2 (the squared spacing), or +Inf when the row has
// none.
func rowDistance(out []float32, row []uint8, toInside bool, w2 float64) {
	inf := float32(math.Inf(1))
	last := -1
	for i, v := range row {
		if (v != 0) == toInside {
			last = i
		}
		if last < 0 {
			out[i] = inf
		} else {
			t := float64(i - last)
			out[i] = float32(t * t * w2)
		}
	}
	last = -1
	for i := len(row) - 1; i >= 0; i-- {
		if (row[i] != 0) == toInside {
			last = i
		}
		if last >= 0 {
			t := float64(last - i)
			out[i] = min(out[i], float32(t*t*w2))
		}
	}
}

// lineBlock is how many neighbouring lines envelopePass gathers at once, so
// that each cache line it reads is used whole.
const lineBlock = 16

// envelopePass replaces d along one axis by the lower envelope of
// parabolas w2·(p-q)² + d[q]. Lines have n voxels stride apart; line (i, o)
// starts at i + o·outerStride for i < nx and o < outer.
func envelopePass(d []float32, n, stride, outerStride, outer int, w2 float64) {
	nx := min(stride, outerStride)
	parallel.For(outer, 1, func(o0, o1 int) {
		buf := make([]float64, lineBlock*n)
		res := make([]float64, n)
		env := newEnvelope(n)
		for o := o0; o < o1; o++ {
			for i0 := 0; i0 < nx; i0 += lineBlock {
				b := min(lineBlock, nx-i0)
				base := i0 + o*outerStride
				for t := 0; t < n; t++ {
					src := d[base+t*stride : base+t*stride+b]
					for l, x := range src {
						buf[l*n+t] = float64(x)
					}
				}
				for l := 0; l < b; l++ {
					line := buf[l*n : (l+1)*n]
					if env.lower(res, line, w2) {
						copy(line, res)
					}
				}
				for t := 0; t < n; t++ {
					dst := d[base+t*stride : base+t*stride+b]
					for l := range dst {
						dst[l] = float32(buf[l*n+t])
					}
				}
			}
		}
	})
}

// envelope is the scratch space of one line's lower envelope.
type envelope struct {
	v []int     // parabolas' apexes
	z []float64 // boundaries between them
}

func newEnvelope(n int) *envelope {
	return &envelope{v: make([]int, n), z: make([]float64, n+1)}
}

// lower writes to out the lower envelope of the parabolas w2·(p-q)² + f[q]
// over the finite f[q] and reports whether there was any (when not, f is
// all +Inf and stays so).
func (e *envelope) lower(out, f []float64, w2 float64) bool {
	k := -1
	for q, fq := range f {
		if math.IsInf(fq, 1) {
			continue
		}
		if k < 0 {
			k = 0
			e.v[0], e.z[0], e.z[1] = q, math.Inf(-1), math.Inf(1)
			continue
		}
		hq := fq + w2*float64(q*q)
		var s float64
		for {
			p := e.v[k]
			s = (hq - (f[p] + w2*float64(p*p))) / (2 * w2 * float64(q-p))
			if s > e.z[k] { // z[0] is -Inf: the loop stops at k = 0
				break
			}
			k--
		}
		k++
		e.v[k], e.z[k], e.z[k+1] = q, s, math.Inf(1)
	}
	if k < 0 {
		return false
	}
	j := 0
	for p := range out {
		for e.z[j+1] < float64(p) {
			j++
		}
		t := float64(p - e.v[j])
		out[p] = w2*t*t + f[e.v[j]]
	}
	return true
}
