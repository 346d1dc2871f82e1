package register

import (
	"math"
	"math/rand/v2"
	"testing"

	"kidney3d/pipeline/volume"
)

// blob is an ellipsoid of the phantom with one intensity per phase.
type blob struct {
	center, semi [3]float64
	hu           [3]float64 // A, P, D
}

// phantomBlobs is a crude abdomen: fat and muscle walls, spine with discs,
// aorta, vena cava, liver, a gas pocket, and two kidneys with cortex,
// medulla and pelvis whose contrast changes with the phase as in CT.
var phantomBlobs = func() []blob {
	b := []blob{
		{[3]float64{0, 0, 0}, [3]float64{52, 40, 400}, [3]float64{-100, -100, -100}},
		{[3]float64{0, 0, 0}, [3]float64{45, 33, 400}, [3]float64{40, 45, 45}},
		{[3]float64{0, -25, 0}, [3]float64{9, 8, 400}, [3]float64{700, 700, 700}},
		{[3]float64{4, -12, 0}, [3]float64{5, 5, 400}, [3]float64{350, 160, 110}},
		{[3]float64{-9, -10, 0}, [3]float64{6, 5, 400}, [3]float64{80, 170, 120}},
		{[3]float64{-20, 8, 28}, [3]float64{20, 18, 26}, [3]float64{70, 125, 90}},
		{[3]float64{12, 20, 12}, [3]float64{7, 5, 9}, [3]float64{-900, -900, -900}},
	}
	for z := -66.0; z < 70; z += 30 { // intervertebral discs
		b = append(b, blob{[3]float64{0, -25, z}, [3]float64{9.5, 8.5, 3}, [3]float64{90, 90, 90}})
	}
	for _, k := range []struct{ c [3]float64 }{{[3]float64{25, -12, -6}}, {[3]float64{-25, -13, -12}}} {
		b = append(b,
			blob{k.c, [3]float64{11, 8, 22}, [3]float64{220, 170, 130}},
			blob{k.c, [3]float64{7, 5, 15}, [3]float64{60, 160, 120}},
			blob{[3]float64{k.c[0] * 0.8, k.c[1], k.c[2] + 3}, [3]float64{3, 3, 7}, [3]float64{20, 30, 700}})
	}
	return b
}()

// phantomHU is the phase's intensity at world point p; edges are smooth
// over about a millimetre, as a CT's point-spread function makes them.
func phantomHU(p [3]float64, phase int) float64 {
	v := -1000.0
	for _, b := range phantomBlobs {
		var r2 float64
		minSemi := math.Inf(1)
		for a := range p {
			d := (p[a] - b.center[a]) / b.semi[a]
			r2 += d * d
			minSemi = math.Min(minSemi, b.semi[a])
		}
		s := 1 / (1 + math.Exp(-(1-math.Sqrt(r2))*minSemi/0.6))
		v += (b.hu[phase] - v) * s
	}
	return v
}

// phantomGrid is an LPS grid like a CT's, 1.5 × 1.5 × 2.5 mm, centred near
// the origin.
func phantomGrid(dims [3]int, spacing [3]float64) volume.Grid {
	a := volume.Identity
	a[0][0], a[1][1], a[2][2] = -spacing[0], -spacing[1], spacing[2]
	a[0][3] = spacing[0] * float64(dims[0]-1) / 2
	a[1][3] = spacing[1] * float64(dims[1]-1) / 2
	a[2][3] = -spacing[2] * float64(dims[2]-1) / 2
	return volume.Grid{Dims: dims, Affine: a}
}

// phantom renders a phase on g as seen through t: voxel y shows the
// anatomy at t⁻¹(y), so that t maps the identity-rendered phantom onto this
// one. Noise of standard deviation noise HU is added from seed.
func phantom(tb testing.TB, g volume.Grid, phase int, t Transform, noise float64, seed uint64) *volume.Volume[int16] {
	tb.Helper()
	inv, err := t.Affine().Inverse()
	if err != nil {
		tb.Fatal(err)
	}
	v := volume.New[int16](g)
	rng := rand.New(rand.NewPCG(seed, 7))
	for n := range v.Data {
		i, j, k := g.Coords(n)
		p := inv.Apply(g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
		v.Data[n] = int16(math.Round(phantomHU(p, phase) + noise*rng.NormFloat64()))
	}
	return v
}

var (
	smallDims    = [3]int{72, 60, 44}
	smallSpacing = [3]float64{1.5, 1.5, 2.5}
)

// transformError is how far apart two transforms put the point p, in mm,
// and the angle of the rotation between them, in degrees.
func transformError(got, want Transform, p [3]float64) (mm, deg float64) {
	a, b := got.Affine().Apply(p), want.Affine().Apply(p)
	mm = math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
	rg, rw := rotation(got.Rotation), rotation(want.Rotation)
	var rel mat3 // rg·rwᵀ
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				rel[i][j] += rg[i][k] * rw[j][k]
			}
		}
	}
	c := (rel[0][0] + rel[1][1] + rel[2][2] - 1) / 2
	return mm, math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}

// quickPair is a coarse phantom pair, the moving phase shifted by (1, 2, 3)
// mm, with options that register it on two levels only.
func quickPair(tb testing.TB) (fixed, moving *volume.Volume[int16], opts Options) {
	tb.Helper()
	g := phantomGrid([3]int{48, 40, 30}, [3]float64{2, 2, 3})
	opts = DefaultOptions()
	opts.Levels = []int{4, 2}
	return phantom(tb, g, 0, Transform{}, 8, 1), phantom(tb, g, 2, Transform{Translation: [3]float64{1, 2, 3}}, 8, 2), opts
}
