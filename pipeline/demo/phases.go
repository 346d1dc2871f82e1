package demo

import (
	"math"
	"math/rand/v2"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// tissue is what a voxel is made of; with the phase it sets the voxel's HU.
// Labels say which structure a voxel belongs to; tissues say how it looks
// (cortex and medulla are both kidney, fat is perirenal fat or not).
type tissue uint8

const (
	air tissue = iota
	skin
	fat
	muscle
	boneCortical
	boneCancellous
	disc
	csf
	renalCortex
	renalMedulla
	urine        // collecting system and ureters
	bladderUrine // diluted, so less dense than the ureters in D
	liver
	spleen
	pancreas
	arterialBlood
	cavalBlood
	renalVenousBlood
	portalBlood
	tumour
	necrosis
	cystFluid
	bowel
	stool
	gas
	nTissues
)

// look is a tissue's appearance in one phase: a mean HU and the amplitude
// of a smooth texture around it.
type look struct{ hu, tex float64 }

// looks holds, per tissue, its look in A, P and D.
type looks [nTissues][len(phaseNames)]look

// same is a look that does not change with contrast.
func same(hu, tex float64) [3]look { return [3]look{{hu, tex}, {hu, tex}, {hu, tex}} }

// baseLooks are typical HU of each tissue in the arterial (~35 s),
// portal-venous (~75 s) and delayed excretory (~10 min) phases.
var baseLooks = looks{
	air:              same(-1000, 0),
	skin:             {{30, 0}, {50, 0}, {40, 0}},
	fat:              same(-100, 0),
	muscle:           {{50, 0}, {60, 0}, {55, 0}},
	boneCortical:     same(800, 60),
	boneCancellous:   same(230, 50),
	disc:             same(80, 0),
	csf:              same(10, 0),
	renalCortex:      {{185, 0}, {165, 0}, {105, 0}},
	renalMedulla:     {{75, 0}, {160, 0}, {110, 0}},
	urine:            {{10, 0}, {20, 0}, {1400, 60}},
	bladderUrine:     {{8, 0}, {12, 0}, {800, 40}},
	liver:            {{70, 8}, {110, 8}, {85, 6}},
	spleen:           {{115, 45}, {120, 6}, {95, 4}},
	pancreas:         {{110, 15}, {95, 12}, {70, 10}},
	arterialBlood:    {{325, 0}, {165, 0}, {95, 0}},
	cavalBlood:       {{100, 25}, {165, 5}, {95, 0}},
	renalVenousBlood: {{130, 0}, {175, 0}, {95, 0}},
	portalBlood:      {{120, 0}, {180, 0}, {100, 0}},
	necrosis:         {{25, 5}, {28, 5}, {30, 5}},
	cystFluid:        same(5, 0),
	bowel:            {{30, 15}, {45, 15}, {40, 15}},
	stool:            same(-80, 220),
	gas:              same(-950, 30),
}

// tumourLooks is the tumour's enhancement by subtype.
var tumourLooks = map[string][3]look{
	"clear_cell":  {{175, 45}, {125, 30}, {90, 15}},
	"papillary":   {{60, 12}, {80, 12}, {85, 10}},
	"chromophobe": {{95, 20}, {125, 20}, {95, 15}},
}

// textureMM is the size of each tissue's texture blobs (0: no texture).
var textureMM = [nTissues]float64{
	boneCortical: 4, boneCancellous: 3, urine: 6, bladderUrine: 12, liver: 10, spleen: 9,
	pancreas: 4, cavalBlood: 12, tumour: 7, necrosis: 5, bowel: 8, stool: 5, gas: 8,
}

// caseLooks are the base looks with the tumour's subtype filled in.
func caseLooks(subtype string) *looks {
	l := baseLooks
	l[tumour] = tumourLooks[subtype]
	return &l
}

// synth holds what turns a tissue map into one phase's image.
type synth struct {
	looks      *looks
	phase      int // index in phaseNames
	seed       uint64
	blurSigma  float64 // voxels
	noiseSigma float64 // HU
}

// image makes the phase's int16 volume on g from the tissue map rendered
// with displacement d: per-tissue HU and texture (the texture moves with
// the anatomy), a separable Gaussian blur for partial volume, then white
// noise from one generator per slice seeded by (seed, phase, slice), so the
// result does not depend on how slices are shared out. buf is scratch of
// the grid's size.
func (s synth) image(g axisGrid, d vec, class []tissue, buf []float32) *volume.Volume[int16] {
	nx, ny, nz := g.dims[0], g.dims[1], g.dims[2]
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			z := g.origin[2] + float64(k)*g.spacing[2] - d[2]
			for j := range ny {
				y := g.origin[1] + float64(j)*g.spacing[1] - d[1]
				row := nx * (j + ny*k)
				for i := range nx {
					t := class[row+i]
					l := s.looks[t][s.phase]
					v := l.hu
					if l.tex != 0 {
						p := vec{g.origin[0] + float64(i)*g.spacing[0] - d[0], y, z}
						v += l.tex * valueNoise(p.scale(1/textureMM[t]), s.seed^uint64(t)<<40)
					}
					buf[row+i] = float32(v)
				}
			}
		}
	})
	gaussianBlur(buf, g.dims, s.blurSigma)
	out := volume.New[int16](volume.Grid{Dims: g.dims, Affine: g.affine()})
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			rng := rand.New(rand.NewPCG(s.seed, uint64(s.phase)<<32|uint64(k)))
			for n := nx * ny * k; n < nx*ny*(k+1); n++ {
				v := math.Round(float64(buf[n]) + s.noiseSigma*rng.NormFloat64())
				out.Data[n] = int16(math.Max(-1024, math.Min(3071, v)))
			}
		}
	})
	return out
}

// valueNoise is smooth noise in [-1, 1]: random values on the integer
// lattice, blended with smoothstep weights.
func valueNoise(p vec, salt uint64) float64 {
	var base [3]int64
	var f [3]float64
	for a := range 3 {
		fl := math.Floor(p[a])
		base[a], f[a] = int64(fl), p[a]-fl
		f[a] = f[a] * f[a] * (3 - 2*f[a])
	}
	var v float64
	for c := range 8 {
		w := 1.0
		var q [3]int64
		for a := range 3 {
			q[a] = base[a]
			if c>>a&1 == 1 {
				q[a]++
				w *= f[a]
			} else {
				w *= 1 - f[a]
			}
		}
		v += w * lattice(q, salt)
	}
	return v
}

// lattice is a hashed value in [-1, 1] for a lattice point.
func lattice(q [3]int64, salt uint64) float64 {
	h := salt ^ uint64(q[0])*0x9e3779b97f4a7c15 ^ uint64(q[1])*0xc2b2ae3d27d4eb4f ^ uint64(q[2])*0x165667b19e3779f9
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return float64(h>>11)/(1<<52) - 1
}

// gaussianBlur smooths buf (voxels x fastest on dims) in place with a
// Gaussian of sigma voxels along each axis, repeating edge voxels.
func gaussianBlur(buf []float32, dims [3]int, sigma float64) {
	rad := int(math.Ceil(3 * sigma))
	w := make([]float32, 2*rad+1)
	var sum float64
	for t := range w {
		x := float64(t - rad)
		sum += math.Exp(-x * x / (2 * sigma * sigma))
	}
	for t := range w {
		x := float64(t - rad)
		w[t] = float32(math.Exp(-x*x/(2*sigma*sigma)) / sum)
	}
	nx, ny, nz := dims[0], dims[1], dims[2]
	plane := nx * ny
	parallel.For(nz, 1, func(k0, k1 int) {
		scratch := make([]float32, plane)
		for k := k0; k < k1; k++ {
			sl := buf[plane*k : plane*(k+1)]
			for j := range ny {
				copy(scratch[:nx], sl[nx*j:nx*(j+1)])
				blurRow(sl[nx*j:nx*(j+1)], scratch[:nx], w)
			}
			copy(scratch, sl)
			blurLines(sl, scratch, ny, nx, w)
		}
	})
	parallel.For(ny, 1, func(j0, j1 int) {
		in := make([]float32, nz*nx)
		out := make([]float32, nz*nx)
		for j := j0; j < j1; j++ {
			for k := range nz {
				copy(in[nx*k:nx*(k+1)], buf[plane*k+nx*j:])
			}
			blurLines(out, in, nz, nx, w)
			for k := range nz {
				copy(buf[plane*k+nx*j:plane*k+nx*(j+1)], out[nx*k:nx*(k+1)])
			}
		}
	})
}

// blurRow convolves the contiguous row in with the centred kernel w into
// out, repeating the edge values past either end.
func blurRow(out, in []float32, w []float32) {
	rad, n := len(w)/2, len(in)
	for i := range out {
		var s float32
		if i >= rad && i+rad < n {
			for t, wt := range w {
				s += wt * in[i+t-rad]
			}
		} else {
			for t, wt := range w {
				s += wt * in[min(max(i+t-rad, 0), n-1)]
			}
		}
		out[i] = s
	}
}

// blurLines convolves along the slow axis of in, n lines of m values, with
// the centred kernel w, writing out; lines past either end repeat the edge.
func blurLines(out, in []float32, n, m int, w []float32) {
	rad := len(w) / 2
	for r := range n {
		dst := out[m*r : m*(r+1)]
		clear(dst)
		for t, wt := range w {
			s := min(max(r+t-rad, 0), n-1)
			src := in[m*s : m*(s+1)]
			for i := range dst {
				dst[i] += wt * src[i]
			}
		}
	}
}
