package volume

import "fmt"

// GridTolerance is the tolerance (SameGrid's tol) within which a mask made
// elsewhere lies on a phase's grid: a thousandth of the smallest voxel
// size, as the stages check their inputs.
const GridTolerance = 1e-3

// orientations are the 48 relabellings of voxel axes: 6 orders times 8
// directions.
var orientations = func() []Orientation {
	var out []Orientation
	for _, perm := range [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		for f := range 8 {
			out = append(out, Orientation{Perm: perm, Flip: [3]bool{f&1 != 0, f&2 != 0, f&4 != 0}})
		}
	}
	return out
}()

// Relabelling is the orientation o that stores the voxels of grid from as
// grid to stores them: o.Grid(from) is to (SameGrid within tol), every
// voxel keeping its world position. The identity when from is to. When no
// relabelling makes them one grid, the error is SameGrid's on both grids
// stored closest to RAS (CanonicalOrientation), so that it names what truly
// differs (dims, spacing, origin or direction) rather than the storage.
func Relabelling(from, to Grid, tol float64) (Orientation, error) {
	for _, o := range orientations {
		if SameGrid(to, o.Grid(from), tol) == nil {
			return o, nil
		}
	}
	ct, cf := CanonicalOrientation(to).Grid(to), CanonicalOrientation(from).Grid(from)
	if err := SameGrid(ct, cf, tol); err != nil {
		return Orientation{}, fmt.Errorf("%w (compared in RAS order: storage order and direction may differ)", err)
	}
	return Orientation{}, SameGrid(to, from, tol)
}

// ReorientPart is p relabelled by o onto g, the grid o.Grid(p.Grid) is
// taken to be (Relabelling): the same voxels, stored in g's order.
func ReorientPart[T Voxel](p *Part[T], o Orientation, g Grid) *Part[T] {
	if p.empty() {
		return &Part[T]{Grid: g, Box: New[T](CropGrid(g, [3]int{}, [3]int{}))}
	}
	box := Reorient(p.Box, o)
	lo, hi := o.Box(p.Grid.Dims, p.Lo, p.hi())
	box.Grid = CropGrid(g, lo, hi)
	return &Part[T]{Grid: g, Lo: lo, Box: box}
}

// LoadMaskOn reads the mask at path as LoadMask does and returns it on g
// (its Grid is g, not the file's float32 copy of it),
// relabelling its voxels exactly when the file stores g's world grid in
// another axis order or direction (Relabelling within GridTolerance). A
// mask on another world grid is an error naming the file and what differs.
func LoadMaskOn(path string, g Grid) (*Part[uint8], error) {
	m, err := LoadMask(path)
	if err != nil {
		return nil, err
	}
	o, err := relabellingOf(path, m.Grid, g)
	if err != nil {
		return nil, err
	}
	if o.IsIdentity() {
		m.Grid = g
		if !m.empty() {
			m.Box.Grid = CropGrid(g, m.Lo, m.hi())
		}
		return m, nil
	}
	return ReorientPart(m, o, g), nil
}

// LoadMaskBoxOn reads the box [lo, hi) of g from the mask at path as
// LoadMaskBox does, relabelling as LoadMaskOn does: only the file's voxels
// of that box are read.
func LoadMaskBoxOn(path string, g Grid, lo, hi [3]int) (*Volume[uint8], error) {
	fg, err := ReadGrid(path)
	if err != nil {
		return nil, err
	}
	o, err := relabellingOf(path, fg, g)
	if err != nil {
		return nil, err
	}
	var flo, fhi [3]int
	for a := range 3 {
		in := o.Perm[a]
		flo[in], fhi[in] = lo[a], hi[a]
		if o.Flip[a] {
			flo[in], fhi[in] = fg.Dims[in]-hi[a], fg.Dims[in]-lo[a]
		}
	}
	box, err := LoadMaskBox(path, flo, fhi)
	if err != nil {
		return nil, err
	}
	out := box
	if !o.IsIdentity() {
		out = Reorient(box, o)
	}
	out.Grid = CropGrid(g, lo, hi)
	return out, nil
}

// CheckMaskGrid checks from its header that the mask at path stores g's
// world grid, in any axis order or direction (what LoadMaskOn accepts),
// and says how it is stored: its axis codes (e.g. "LAS") when they are not
// g's, "" when they are.
func CheckMaskGrid(path string, g Grid) (string, error) {
	fg, err := ReadGrid(path)
	if err != nil {
		return "", err
	}
	o, err := relabellingOf(path, fg, g)
	if err != nil || o.IsIdentity() {
		return "", err
	}
	return fg.Affine.AxisCodes(), nil
}

// relabellingOf is Relabelling(fg, g) for the mask at path, its error
// naming the file.
func relabellingOf(path string, fg, g Grid) (Orientation, error) {
	o, err := Relabelling(fg, g, GridTolerance)
	if err != nil {
		return o, fmt.Errorf("%s: not on the phase's grid in any axis order or direction: %w", path, err)
	}
	return o, nil
}
