package register

import (
	"math"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// params are the optimised parameters: θx, θy, θz in radians, then the
// translation in mm; the centre of rotation stays fixed.
type params [6]float64

func (p params) transform(center [3]float64) Transform {
	return Transform{
		Rotation:    [3]float64{p[0], p[1], p[2]},
		Translation: [3]float64{p[3], p[4], p[5]},
		Center:      center,
	}
}

// blockSize is the number of samples whose histogram one task fills. It is
// fixed, not derived from the number of cores, so that the partial sums, and
// hence the floating-point result, are the same on every machine.
const blockSize = 2048

// parzenPad is the number of histogram bins kept free at each end of the
// moving axis for the cubic B-spline window's support, as in ITK.
const parzenPad = 2

// mattes is Mattes mutual information between a fixed set of fixed-image
// samples and a moving image, with its analytic gradient in the parameters.
type mattes struct {
	bins     int
	center   [3]float64
	points   [][3]float64 // sample world positions relative to center
	fixedBin []int32
	moving   *volume.Volume[float32]
	toVoxel  volume.Affine // moving world mm → continuous voxel index
	// A moving intensity v falls at Parzen term parzenPad + (v−movMin)·movScale.
	movMin, movScale float64

	// Scratch, reused across evaluations.
	joint  [][]float64 // per block: bins×bins histogram, fixed bin major
	valid  []int       // per block: samples inside the moving image
	grads  []params    // per block: gradient partial sums
	term   []float64   // per sample: Parzen term, NaN outside the moving image
	dterm  []params    // per sample: ∂term/∂params
	weight []float64   // bins×bins: log p/(pf·pm)
}

// newMattes prepares the metric for samples of the fixed image on grid
// fixed. Fixed values map linearly onto bins over [fixedLo, fixedHi], moving
// values onto the inner bins over [movingLo, movingHi]; values beyond are
// clamped.
func newMattes(fixed volume.Grid, moving *volume.Volume[float32], samples []sample, bins int, center [3]float64,
	fixedLo, fixedHi, movingLo, movingHi float64) (*mattes, error) {
	toVoxel, err := moving.Affine.Inverse()
	if err != nil {
		return nil, err
	}
	m := &mattes{
		bins:     bins,
		center:   center,
		points:   make([][3]float64, len(samples)),
		fixedBin: make([]int32, len(samples)),
		moving:   moving,
		toVoxel:  toVoxel,
		movMin:   movingLo,
		movScale: float64(bins-2*parzenPad-1) / (movingHi - movingLo),
		term:     make([]float64, len(samples)),
		dterm:    make([]params, len(samples)),
		weight:   make([]float64, bins*bins),
	}
	fixedScale := float64(bins) / (fixedHi - fixedLo)
	for n, s := range samples {
		p := fixed.VoxelToWorld(s.at)
		for a := range p {
			m.points[n][a] = p[a] - center[a]
		}
		b := int(math.Floor((float64(s.value) - fixedLo) * fixedScale))
		m.fixedBin[n] = int32(min(max(b, 0), bins-1))
	}
	nb := (len(samples) + blockSize - 1) / blockSize
	m.joint = make([][]float64, nb)
	for b := range m.joint {
		m.joint[b] = make([]float64, bins*bins)
	}
	m.valid = make([]int, nb)
	m.grads = make([]params, nb)
	return m, nil
}

// evaluate returns the mutual information in nats at p, its gradient when
// withGrad is set, and the number of samples that fell inside the moving
// image (the metric is meaningless, and zero, when none did).
func (m *mattes) evaluate(p params, withGrad bool) (mi float64, grad params, valid int) {
	t := p.transform(m.center)
	r := rotation(t.Rotation)
	dr := rotationJacobian(t.Rotation)
	var lin mat3 // world → voxel, linear part
	for i := 0; i < 3; i++ {
		copy(lin[i][:], m.toVoxel[i][:3])
	}
	a := lin.mul(r)
	var shift [3]float64
	for i := range shift {
		shift[i] = m.center[i] + t.Translation[i]
	}
	b := m.toVoxel.Apply(shift)
	nb := len(m.joint)
	parallel.For(nb, 1, func(b0, b1 int) {
		for blk := b0; blk < b1; blk++ {
			m.fillBlock(blk, a, b, lin, dr, withGrad)
		}
	})
	bins := m.bins
	pdf := make([]float64, bins*bins)
	for blk := 0; blk < nb; blk++ {
		valid += m.valid[blk]
		for i, x := range m.joint[blk] {
			pdf[i] += x
		}
	}
	if valid == 0 {
		return 0, params{}, 0
	}
	pf := make([]float64, bins)
	pm := make([]float64, bins)
	for i := range pdf {
		pdf[i] /= float64(valid)
		pf[i/bins] += pdf[i]
		pm[i%bins] += pdf[i]
	}
	for i, x := range pdf {
		m.weight[i] = 0
		if x > 0 {
			m.weight[i] = math.Log(x / (pf[i/bins] * pm[i%bins]))
			mi += x * m.weight[i]
		}
	}
	if !withGrad {
		return mi, params{}, valid
	}
	parallel.For(nb, 1, func(b0, b1 int) {
		for blk := b0; blk < b1; blk++ {
			m.gradBlock(blk)
		}
	})
	for blk := 0; blk < nb; blk++ {
		for k := range grad {
			grad[k] += m.grads[blk][k]
		}
	}
	for k := range grad {
		grad[k] /= float64(valid)
	}
	return mi, grad, valid
}

// fillBlock adds block blk's samples to its joint histogram. A sample at q
// (relative to the centre) reads the moving image at voxel a·q + b; lin is
// the moving world-to-voxel linear part and dr the rotation's Jacobian, to
// take the image gradient back to the parameters.
func (m *mattes) fillBlock(blk int, a mat3, b [3]float64, lin mat3, dr [3]mat3, withGrad bool) {
	hist := m.joint[blk]
	clear(hist)
	valid := 0
	lo, hi := parzenPad, float64(m.bins-parzenPad-1)
	for s := blk * blockSize; s < min(len(m.points), (blk+1)*blockSize); s++ {
		q := m.points[s]
		v := a.apply(q)
		for i := range v {
			v[i] += b[i]
		}
		val, g, ok := linearGradient(m.moving, v)
		if !ok {
			m.term[s] = math.NaN()
			continue
		}
		valid++
		term := float64(lo) + (val-m.movMin)*m.movScale
		clamped := term <= float64(lo) || term >= hi
		term = math.Max(float64(lo), math.Min(hi, term))
		m.term[s] = term
		row := hist[int(m.fixedBin[s])*m.bins:]
		k0 := int(term) - 1
		for k := k0; k < k0+4; k++ {
			row[k] += bspline3(float64(k) - term)
		}
		if !withGrad {
			continue
		}
		if clamped {
			m.dterm[s] = params{}
			continue
		}
		// World gradient of the moving image, scaled to Parzen terms.
		var gw [3]float64
		for i := 0; i < 3; i++ {
			gw[i] = (lin[0][i]*g[0] + lin[1][i]*g[1] + lin[2][i]*g[2]) * m.movScale
		}
		d := &m.dterm[s]
		for k := 0; k < 3; k++ {
			dq := dr[k].apply(q)
			d[k] = gw[0]*dq[0] + gw[1]*dq[1] + gw[2]*dq[2]
			d[3+k] = gw[k]
		}
	}
	m.valid[blk] = valid
}

// gradBlock sums block blk's share of ∂MI/∂params: each sample moves its
// Parzen window along the moving axis, weighted by log p/(pf·pm).
func (m *mattes) gradBlock(blk int) {
	var g params
	for s := blk * blockSize; s < min(len(m.points), (blk+1)*blockSize); s++ {
		term := m.term[s]
		if math.IsNaN(term) {
			continue
		}
		row := m.weight[int(m.fixedBin[s])*m.bins:]
		k0 := int(term) - 1
		var c float64
		for k := k0; k < k0+4; k++ {
			c -= row[k] * bspline3Deriv(float64(k)-term)
		}
		for i := range g {
			g[i] += c * m.dterm[s][i]
		}
	}
	m.grads[blk] = g
}

// linearGradient is the trilinear value of v at continuous voxel index p
// and its gradient per voxel step; ok is false outside the voxel centres'
// box. An axis of one voxel reads that voxel within half a voxel of it.
func linearGradient(v *volume.Volume[float32], p [3]float64) (val float64, g [3]float64, ok bool) {
	var base int
	var f [3]float64
	var d [3]int
	stride := 1
	for a := 0; a < 3; a++ {
		n := v.Dims[a]
		if n == 1 {
			if !(math.Abs(p[a]) <= 0.5) {
				return 0, g, false
			}
		} else {
			if !(p[a] >= 0 && p[a] <= float64(n-1)) {
				return 0, g, false
			}
			i := min(int(p[a]), n-2)
			base += i * stride
			f[a], d[a] = p[a]-float64(i), stride
		}
		stride *= n
	}
	c := v.Data
	at := func(x, y, z int) float64 { return float64(c[base+x*d[0]+y*d[1]+z*d[2]]) }
	c000, c100, c010, c110 := at(0, 0, 0), at(1, 0, 0), at(0, 1, 0), at(1, 1, 0)
	c001, c101, c011, c111 := at(0, 0, 1), at(1, 0, 1), at(0, 1, 1), at(1, 1, 1)
	e00, e10 := lerp(c000, c100, f[0]), lerp(c010, c110, f[0])
	e01, e11 := lerp(c001, c101, f[0]), lerp(c011, c111, f[0])
	z0, z1 := lerp(e00, e10, f[1]), lerp(e01, e11, f[1])
	g[0] = lerp(lerp(c100-c000, c110-c010, f[1]), lerp(c101-c001, c111-c011, f[1]), f[2])
	g[1] = lerp(e10-e00, e11-e01, f[2])
	g[2] = z1 - z0
	return lerp(z0, z1, f[2]), g, true
}

func lerp(a, b, t float64) float64 { return a + (b-a)*t }

// bspline3 is the cubic B-spline, the moving image's Parzen window.
func bspline3(u float64) float64 {
	u = math.Abs(u)
	switch {
	case u < 1:
		return (4 - 6*u*u + 3*u*u*u) / 6
	case u < 2:
		w := 2 - u
		return w * w * w / 6
	}
	return 0
}

// bspline3Deriv is the derivative of bspline3.
func bspline3Deriv(u float64) float64 {
	a := math.Abs(u)
	switch {
	case a < 1:
		return -2*u + 1.5*u*a
	case a < 2:
		w := 2 - a
		return -0.5 * w * w * math.Copysign(1, u)
	}
	return 0
}
