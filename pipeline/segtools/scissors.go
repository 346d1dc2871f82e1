package segtools

import (
	"context"
	"fmt"
	"math"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// View is how the 3D view projects the world onto the screen.
type View struct {
	// ViewProj maps world RAS millimetres (x, y, z, 1), as a column
	// vector, to clip space, row-major: projection × view, as OpenGL's
	// pipeline applies them.
	ViewProj [4][4]float64
	// Viewport is the view's rectangle on the screen in pixels: x, y of
	// its top-left corner, width and height. Screen positions have y
	// growing downwards, as mouse positions do: normalised device
	// coordinate (-1, +1) is the viewport's top-left corner, (+1, -1)
	// its bottom-right.
	Viewport [4]float64
}

// Cut chooses what Scissors keeps.
type Cut struct {
	// Outside selects the voxels whose centres project outside the
	// polygon instead of inside it.
	Outside bool
	// Slab, when not nil, keeps only voxels whose window depth (0 at the
	// near plane, 1 at the far plane, as glDepthRange's default maps
	// normalised depth) lies in [Slab[0], Slab[1]].
	Slab *[2]float64
}

// Scissors is the mask of the voxels of grid g whose centres the view
// projects inside (or, with c.Outside, outside) the polygon of screen
// positions polygonPx (pixels, y down, even-odd rule): the segment
// editor's scissors, a polygon drawn over the 3D view cutting through the
// volume along the lines of sight. Voxels behind the eye (clip w ≤ 0) are
// never selected; with c.Slab only voxels within that depth range are.
// It runs in parallel over slices; clip coordinates step linearly along
// each row, so each voxel costs a division and a bucketed polygon test.
func Scissors(ctx context.Context, g volume.Grid, view View, polygonPx [][2]float64, c Cut) (*volume.Volume[uint8], error) {
	pg, err := newPolygon(polygonPx)
	if err != nil {
		return nil, err
	}
	if view.Viewport[2] <= 0 || view.Viewport[3] <= 0 {
		return nil, fmt.Errorf("segtools: scissors: viewport %v has no area", view.Viewport)
	}
	if c.Slab != nil && !(c.Slab[0] <= c.Slab[1]) {
		return nil, fmt.Errorf("segtools: scissors: depth slab [%g, %g] is empty", c.Slab[0], c.Slab[1])
	}
	// m maps voxel indices to clip space: ViewProj × grid affine.
	m := volume.Affine(view.ViewProj).Mul(g.Affine)
	vx, vy, vw, vh := view.Viewport[0], view.Viewport[1], view.Viewport[2], view.Viewport[3]
	zlo, zhi := math.Inf(-1), math.Inf(1)
	if c.Slab != nil {
		zlo, zhi = c.Slab[0], c.Slab[1]
	}
	out := volume.New[uint8](g)
	nx, ny := g.Dims[0], g.Dims[1]
	toScreen := func(x, y, w float64) (float64, float64) {
		inv := 1 / w
		return vx + (x*inv+1)/2*vw, vy + (1-y*inv)/2*vh
	}
	parallel.For(g.Dims[2], 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			if ctx.Err() != nil {
				return
			}
			for j := 0; j < ny; j++ {
				var p [4]float64 // clip coordinates of voxel (0, j, k)
				for r := range 4 {
					p[r] = m[r][1]*float64(j) + m[r][2]*float64(k) + m[r][3]
				}
				row := out.Data[(k*ny+j)*nx : (k*ny+j+1)*nx]
				// i0..i1 may hold centres inside the polygon; the rest
				// of the row projects outside its bounding box
				i0, i1 := pg.rowSpan(p, m, nx-1, toScreen)
				for i := range row {
					span := i >= i0 && i <= i1
					if !span && !c.Outside {
						continue
					}
					x, y, z, w := p[0]+m[0][0]*float64(i), p[1]+m[1][0]*float64(i), p[2]+m[2][0]*float64(i), p[3]+m[3][0]*float64(i)
					if w <= 0 {
						continue
					}
					if c.Slab != nil {
						if depth := (z/w + 1) / 2; depth < zlo || depth > zhi {
							continue
						}
					}
					if (span && pg.inside(toScreen(x, y, w))) != c.Outside {
						row[i] = 1
					}
				}
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// rowSpan bounds the voxels 0..n of a row whose centres may project inside
// the polygon's bounding box: the row starts at clip coordinates p and
// steps by column 0 of m. When w stays positive along the row, its image
// on the screen is the segment between its ends' images; that segment is
// clipped to the box (Liang and Barsky) and the clipped ends mapped back
// to voxels by perspective-correct interpolation, widened by a voxel.
// Otherwise (the row crosses the eye's plane) the span is the whole row.
func (pg *polygon) rowSpan(p [4]float64, m volume.Affine, n int, toScreen func(x, y, w float64) (float64, float64)) (i0, i1 int) {
	w0, wn := p[3], p[3]+m[3][0]*float64(n)
	if w0 <= 0 || wn <= 0 || n == 0 {
		return 0, n
	}
	x0, y0 := toScreen(p[0], p[1], w0)
	x1, y1 := toScreen(p[0]+m[0][0]*float64(n), p[1]+m[1][0]*float64(n), wn)
	u0, u1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, e := range [4][2]float64{{-dx, x0 - pg.lo[0]}, {dx, pg.hi[0] - x0}, {-dy, y0 - pg.lo[1]}, {dy, pg.hi[1] - y0}} {
		if e[0] == 0 {
			if e[1] < 0 {
				return 1, 0 // parallel to the box and outside it
			}
			continue
		}
		u := e[1] / e[0]
		if e[0] < 0 {
			u0 = math.Max(u0, u)
		} else {
			u1 = math.Min(u1, u)
		}
	}
	if u0 > u1 {
		return 1, 0
	}
	at := func(u float64) float64 { return u * float64(n) * w0 / (wn - u*(wn-w0)) }
	return max(int(math.Floor(at(u0)))-1, 0), min(int(math.Ceil(at(u1)))+1, n)
}
