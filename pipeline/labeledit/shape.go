package labeledit

import (
	"fmt"
	"math"

	"kidney3d/pipeline/volume"
)

// Plane is a slice view: the plane a 2D tool (disc, polygon) works in.
type Plane string

// The slice views, named by their normal in the patient: axial (S–I),
// coronal (A–P), sagittal (R–L).
const (
	Axial    Plane = "axial"
	Coronal  Plane = "coronal"
	Sagittal Plane = "sagittal"
)

// normalAxis is the voxel axis of g closest to the plane's normal
// (volume.Grid.PlaneAxis).
func (p Plane) normalAxis(g volume.Grid) (int, error) { return g.PlaneAxis(string(p)) }

// MaxRadiusMM bounds every radius, thickness and margin of a tool: half a
// metre is more than any body spans, and a bound keeps a mistyped value
// from running for hours.
const MaxRadiusMM = 500

// checkRadius refuses a radius that is negative, zero, not a number or
// over MaxRadiusMM.
func checkRadius(r float64) error {
	if !(r > 0) || r > MaxRadiusMM {
		return fmt.Errorf("radius %g mm: must be a positive number up to %d", r, MaxRadiusMM)
	}
	return nil
}

// Sphere is the region of voxels whose centre lies within radiusMM of the
// world point centre (RAS mm): the 3D brush. The centre must lie in the
// image; the sphere is cut at the image's edge.
func Sphere(g volume.Grid, centre [3]float64, radiusMM float64) (*volume.Part[uint8], error) {
	return ball(g, centre, radiusMM, -1)
}

// Disc is the region of voxels of one slice of the plane's view, the slice
// through centre, whose centre lies within radiusMM of centre's projection
// on that slice: the 2D brush.
func Disc(g volume.Grid, centre [3]float64, radiusMM float64, plane Plane) (*volume.Part[uint8], error) {
	axis, err := plane.normalAxis(g)
	if err != nil {
		return nil, err
	}
	return ball(g, centre, radiusMM, axis)
}

// ball is Sphere, or, with flat ≥ 0, Disc in the voxel plane across axis
// flat.
func ball(g volume.Grid, centre [3]float64, r float64, flat int) (*volume.Part[uint8], error) {
	if err := checkRadius(r); err != nil {
		return nil, err
	}
	v, err := g.NearestVoxel(centre)
	if err != nil {
		return nil, err
	}
	inv, _ := g.Affine.Inverse()
	c, _ := g.WorldToVoxel(centre)
	var lo, hi [3]int
	for a := range 3 {
		// A sphere of radius r spans r·|row a of the inverse| voxels along a.
		e := r * math.Sqrt(inv[a][0]*inv[a][0]+inv[a][1]*inv[a][1]+inv[a][2]*inv[a][2])
		lo[a] = max(int(math.Ceil(c[a]-e)), 0)
		hi[a] = min(int(math.Floor(c[a]+e))+1, g.Dims[a])
	}
	if flat >= 0 {
		c[flat] = float64(v[flat])
		centre = g.VoxelToWorld(c)
		lo[flat], hi[flat] = v[flat], v[flat]+1
	}
	box := volume.New[uint8](volume.CropGrid(g, lo, hi))
	r2 := r * r * (1 + 1e-9)
	for k := lo[2]; k < hi[2]; k++ {
		for j := lo[1]; j < hi[1]; j++ {
			for i := lo[0]; i < hi[0]; i++ {
				p := g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
				dx, dy, dz := p[0]-centre[0], p[1]-centre[1], p[2]-centre[2]
				if dx*dx+dy*dy+dz*dz <= r2 {
					box.Set(i-lo[0], j-lo[1], k-lo[2], 1)
				}
			}
		}
	}
	return volume.CropPart(g, lo, box), nil
}

// Polygon is the region of voxels of one slice of the plane's view whose
// centre lies inside the polygon (even–odd rule) of the world points
// vertices: the draw tool. The slice is the one through the first vertex;
// the others are projected onto it. It needs three vertices or more, the
// first in the image.
func Polygon(g volume.Grid, vertices [][3]float64, plane Plane) (*volume.Part[uint8], error) {
	axis, err := plane.normalAxis(g)
	if err != nil {
		return nil, err
	}
	if len(vertices) < 3 {
		return nil, fmt.Errorf("polygon of %d vertices: needs at least 3", len(vertices))
	}
	first, err := g.NearestVoxel(vertices[0])
	if err != nil {
		return nil, err
	}
	u, w := (axis+1)%3, (axis+2)%3
	pts := make([][2]float64, len(vertices))
	lo, hi := [3]int{}, [3]int{}
	lo[axis], hi[axis] = first[axis], first[axis]+1
	lu, hu, lw, hw := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for n, p := range vertices {
		c, _ := g.WorldToVoxel(p)
		if math.IsNaN(c[u]) || math.IsNaN(c[w]) || math.IsInf(c[u], 0) || math.IsInf(c[w], 0) {
			return nil, fmt.Errorf("polygon vertex %d (%v): not a finite point", n, p)
		}
		pts[n] = [2]float64{c[u], c[w]}
		lu, hu = math.Min(lu, c[u]), math.Max(hu, c[u])
		lw, hw = math.Min(lw, c[w]), math.Max(hw, c[w])
	}
	lo[u], hi[u] = max(int(math.Ceil(lu)), 0), min(int(math.Floor(hu))+1, g.Dims[u])
	lo[w], hi[w] = max(int(math.Ceil(lw)), 0), min(int(math.Floor(hw))+1, g.Dims[w])
	for a := range 3 {
		hi[a] = max(hi[a], lo[a])
	}
	box := volume.New[uint8](volume.CropGrid(g, lo, hi))
	var p [3]int
	for p[2] = lo[2]; p[2] < hi[2]; p[2]++ {
		for p[1] = lo[1]; p[1] < hi[1]; p[1]++ {
			for p[0] = lo[0]; p[0] < hi[0]; p[0]++ {
				if inside(pts, float64(p[u]), float64(p[w])) {
					box.Set(p[0]-lo[0], p[1]-lo[1], p[2]-lo[2], 1)
				}
			}
		}
	}
	return volume.CropPart(g, lo, box), nil
}

// inside is the even–odd test of the point (x, y) against the polygon.
func inside(poly [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}
