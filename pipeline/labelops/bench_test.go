package labelops

import (
	"math"
	"math/rand/v2"
	"testing"

	"kidney3d/pipeline/volume"
)

// kidneyCrop is a kidney-sized crop (about 160×190×150 voxels of 0.8×0.8×1
// mm): a noisy ellipsoid with a hole inside and scattered islands.
func kidneyCrop() *volume.Volume[uint8] {
	g := volume.Grid{Dims: [3]int{160, 190, 150}, Affine: volume.Affine{{0.8, 0, 0, 0}, {0, 0.8, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}}
	m := volume.New[uint8](g)
	rng := rand.New(rand.NewPCG(1, 1))
	for n := range m.Data {
		i, j, k := g.Coords(n)
		x, y, z := float64(i-80)/60, float64(j-95)/75, float64(k-75)/55
		r := math.Sqrt(x*x + y*y + z*z)
		if (r < 1+0.05*rng.NormFloat64() && r > 0.2) || rng.Float64() < 0.002 {
			m.Data[n] = 1
		}
	}
	return m
}

func BenchmarkComponents(b *testing.B) {
	m := kidneyCrop()
	for b.Loop() {
		Components(m, Full)
	}
}

func BenchmarkDistance(b *testing.B) {
	m := kidneyCrop()
	for b.Loop() {
		DistanceMM(m)
	}
}

func BenchmarkDilate(b *testing.B) {
	m := kidneyCrop()
	for b.Loop() {
		Dilate(m, 4)
	}
}

func BenchmarkFillHoles(b *testing.B) {
	m := kidneyCrop()
	for b.Loop() {
		FillHoles(m)
	}
}
