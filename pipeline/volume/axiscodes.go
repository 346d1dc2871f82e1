package volume

import (
	"fmt"
	"slices"
)

// ParseAxisCodes reads three axis codes, as AxisCodes writes them and
// nibabel's aff2axcodes does ("RAS", "LPS", "LAS", "PIR"…): the world
// direction each voxel axis points to, one letter from each of L/R, P/A
// and I/S. It returns the relabelling that takes voxel axes pointing to
// R, A and S (canonical storage) to axes pointing that way.
func ParseAxisCodes(codes string) (Orientation, error) {
	var o Orientation
	if len(codes) != 3 {
		return o, axisCodesError(codes)
	}
	var seen [3]bool
	for a := 0; a < 3; a++ {
		w, neg := -1, false
		switch codes[a] {
		case 'R':
			w = 0
		case 'L':
			w, neg = 0, true
		case 'A':
			w = 1
		case 'P':
			w, neg = 1, true
		case 'S':
			w = 2
		case 'I':
			w, neg = 2, true
		}
		if w < 0 || seen[w] {
			return o, axisCodesError(codes)
		}
		seen[w] = true
		o.Perm[a], o.Flip[a] = w, neg
	}
	return o, nil
}

func axisCodesError(codes string) error {
	return fmt.Errorf("axis codes %.8q: want three letters, one of L/R, one of P/A and one of I/S (e.g. RAS)", codes)
}

// Then is the relabelling that applies o, then next: Reorient(v,
// o.Then(next)) is Reorient(Reorient(v, o), next), in one pass.
func (o Orientation) Then(next Orientation) Orientation {
	var out Orientation
	for a := 0; a < 3; a++ {
		b := next.Perm[a]
		out.Perm[a] = o.Perm[b]
		out.Flip[a] = next.Flip[a] != o.Flip[b]
	}
	return out
}

// OrientationToward is the relabelling that makes g's voxel axes point
// closest to the world directions codes names (ParseAxisCodes); "RAS" is
// CanonicalOrientation. Storage is relabelled, never resampled: an oblique
// grid stays oblique, with its axes in the nearest order and direction.
func OrientationToward(g Grid, codes string) (Orientation, error) {
	target, err := ParseAxisCodes(codes)
	if err != nil {
		return Orientation{}, err
	}
	return CanonicalOrientation(g).Then(target), nil
}

// AllOrientations are the 48 relabellings of three voxel axes: every
// permutation, each with every combination of reversals.
func AllOrientations() []Orientation { return slices.Clone(orientations) }
