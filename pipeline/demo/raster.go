package demo

import (
	"math"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// prim is one piece of anatomy: a solid, its tissue (which sets its HU in
// each phase) and its truth label value.
type prim struct {
	s     shape
	t     tissue
	label uint8
}

// scene is the anatomy in precedence order: a later prim paints over an
// earlier one.
type scene []prim

// axisGrid is a grid whose voxel axes are the world axes (a diagonal affine
// with positive spacing, as every grid this package makes).
type axisGrid struct {
	dims    [3]int
	origin  vec
	spacing vec
}

// halfDiagonal is half the voxel diagonal: a tube at least this thick stays
// 26-connected when rasterised, since the voxel centre nearest any point of
// its axis lies inside it.
func (g axisGrid) halfDiagonal() float64 { return g.spacing.norm() / 2 }

// indexRange is the range of voxel indices along axis a whose centres lie
// in [lo, hi] (world mm); empty when first > last.
func (g axisGrid) indexRange(a int, lo, hi float64) (first, last int) {
	first = max(0, int(math.Ceil((lo-g.origin[a])/g.spacing[a])))
	last = min(g.dims[a]-1, int(math.Floor((hi-g.origin[a])/g.spacing[a])))
	return first, last
}

// render rasterises the scene on g with the anatomy displaced by d (world
// mm): voxel centre x shows the anatomy at x − d. It writes each voxel's
// tissue into class and, when labels is not nil, its truth label; voxels
// no prim covers are air and background. Tubes
// thinner than half the voxel diagonal are drawn at that radius so that
// vessels and ureters stay connected on coarse grids.
func (sc scene) render(g axisGrid, d vec, class []tissue, labels []uint8) {
	rMin := g.halfDiagonal()
	type placed struct {
		prim
		b      box
		k0, k1 int
	}
	ps := make([]placed, 0, len(sc))
	for _, p := range sc {
		if t, ok := p.s.(tube); ok {
			t.ra, t.rb = math.Max(t.ra, rMin), math.Max(t.rb, rMin)
			p.s = t
		}
		b := p.s.bounds()
		b = box{b.lo.add(d), b.hi.add(d)}
		k0, k1 := g.indexRange(2, b.lo[2], b.hi[2])
		if k0 <= k1 {
			ps = append(ps, placed{p, b, k0, k1})
		}
	}
	nx, ny := g.dims[0], g.dims[1]
	parallel.For(g.dims[2], 1, func(klo, khi int) {
		for k := klo; k < khi; k++ {
			clear(class[nx*ny*k : nx*ny*(k+1)])
			if labels != nil {
				clear(labels[nx*ny*k : nx*ny*(k+1)])
			}
			z := g.origin[2] + float64(k)*g.spacing[2] - d[2]
			for _, p := range ps {
				if k < p.k0 || k > p.k1 {
					continue
				}
				j0, j1 := g.indexRange(1, p.b.lo[1], p.b.hi[1])
				i0, i1 := g.indexRange(0, p.b.lo[0], p.b.hi[0])
				sp, spans := p.s.(spanner)
				for j := j0; j <= j1; j++ {
					y := g.origin[1] + float64(j)*g.spacing[1] - d[1]
					a, b, exact := i0, i1, false
					if spans {
						var x0, x1 float64
						x0, x1, exact = sp.span(y, z)
						if x0 > x1 {
							continue
						}
						lo, hi := g.indexRange(0, x0+d[0], x1+d[0])
						a, b = max(a, lo), min(b, hi)
					}
					row := nx * (j + ny*k)
					for i := a; i <= b; i++ {
						if !exact && !p.s.inside(vec{g.origin[0] + float64(i)*g.spacing[0] - d[0], y, z}) {
							continue
						}
						class[row+i] = p.t
						if labels != nil {
							labels[row+i] = p.label
						}
					}
				}
			}
		}
	})
}

// affine is the grid's voxel-to-world transform.
func (g axisGrid) affine() volume.Affine {
	return volume.Affine{
		{g.spacing[0], 0, 0, g.origin[0]},
		{0, g.spacing[1], 0, g.origin[1]},
		{0, 0, g.spacing[2], g.origin[2]},
		{0, 0, 0, 1},
	}
}
