package volume

// Orientation is a relabelling of voxel axes: output axis a reads input axis
// Perm[a], reversed when Flip[a]. It changes how voxels are stored, never
// where they are in the world.
type Orientation struct {
	Perm [3]int
	Flip [3]bool
}

// CanonicalOrientation is the relabelling that makes g's voxel axes point
// closest to R, A and S (nibabel's as_closest_canonical).
func CanonicalOrientation(g Grid) Orientation {
	perm, flip := g.Affine.closestAxes() // voxel axis c → world axis perm[c]
	var o Orientation
	for c := 0; c < 3; c++ {
		o.Perm[perm[c]] = c
		o.Flip[perm[c]] = flip[c]
	}
	return o
}

// Inverse is the relabelling that undoes o.
func (o Orientation) Inverse() Orientation {
	var inv Orientation
	for a := 0; a < 3; a++ {
		inv.Perm[o.Perm[a]] = a
		inv.Flip[o.Perm[a]] = o.Flip[a]
	}
	return inv
}

// IsIdentity reports whether o leaves the storage unchanged.
func (o Orientation) IsIdentity() bool {
	return o == Orientation{Perm: [3]int{0, 1, 2}}
}

// Grid is g relabelled by o: same world positions, new voxel axes.
func (o Orientation) Grid(g Grid) Grid {
	var out Grid
	// Output voxel index p maps to input index q with q[Perm[a]] = p[a] or
	// its mirror; build that index map as an affine and compose.
	var m Affine
	m[3][3] = 1
	for a := 0; a < 3; a++ {
		in := o.Perm[a]
		out.Dims[a] = g.Dims[in]
		if o.Flip[a] {
			m[in][a] = -1
			m[in][3] = float64(g.Dims[in] - 1)
		} else {
			m[in][a] = 1
		}
	}
	out.Affine = g.Affine.Mul(m)
	return out
}

// Reorient returns v relabelled by o, copying the voxels in parallel.
func Reorient[T Voxel](v *Volume[T], o Orientation) *Volume[T] {
	if o.IsIdentity() {
		return v.Clone()
	}
	return ReorientBox(v, [3]int{}, v.Dims, o)
}

// Canonical returns v stored with voxel axes closest to RAS, and the
// orientation that was applied (its Inverse restores the original
// storage): a relabelled copy, or v itself when it is stored so.
func Canonical[T Voxel](v *Volume[T]) (*Volume[T], Orientation) {
	o := CanonicalOrientation(v.Grid)
	if o.IsIdentity() {
		return v, o
	}
	return Reorient(v, o), o
}
