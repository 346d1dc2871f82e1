package measure

import (
	"fmt"
	"strings"

	"kidney3d/pipeline/volume"
)

// Face is one of the six faces of a grid: the voxels whose index along
// Axis (0 = i, 1 = j, 2 = k, the storage axes) is 0, or n−1 when Last.
type Face struct {
	Axis int
	Last bool
}

// Faces are a grid's six faces, in the order EdgeVoxels counts them.
var Faces = [6]Face{{0, false}, {0, true}, {1, false}, {1, true}, {2, false}, {2, true}}

// sides name the patient side each of nibabel's axis codes points to.
var sides = map[byte]string{'R': "right", 'L': "left", 'A': "anterior", 'P': "posterior", 'S': "superior", 'I': "inferior"}

// Side is the patient side the face looks to on a grid with affine a
// ("left", "superior", …), from the voxel axes' nearest world axes: the
// last face of an axis looks the way the index grows, the first face the
// other way. How a study is stored does not change it.
func (f Face) Side(a volume.Affine) string {
	code := a.AxisCodes()[f.Axis]
	if !f.Last {
		code = "LPIRAS"[strings.IndexByte("RASLPI", code)]
	}
	return sides[code]
}

// Describe names the face in storage terms for a grid of the given dims:
// "first slice (k = 0)", "last slice (k = 29)", or for i and j
// "in-plane edge (i = 0)".
func (f Face) Describe(dims [3]int) string {
	n := 0
	if f.Last {
		n = dims[f.Axis] - 1
	}
	axis := "ijk"[f.Axis : f.Axis+1]
	switch {
	case f.Axis < 2:
		return fmt.Sprintf("in-plane edge (%s = %d)", axis, n)
	case f.Last:
		return fmt.Sprintf("last slice (%s = %d)", axis, n)
	default:
		return fmt.Sprintf("first slice (%s = %d)", axis, n)
	}
}

// EdgeVoxels counts, for each value of the label map, its voxels on each
// of the grid's Faces: a structure with voxels on a face runs on past the
// scan's field of view, so its volume and diameters are lower bounds. A
// voxel on two faces (an edge or corner of the grid) counts on both; on an
// axis one voxel long, both faces of that axis hold every voxel.
func EdgeVoxels(lab *volume.Volume[uint8]) [256][6]int {
	var out [256][6]int
	n := lab.Dims
	for f, face := range Faces {
		at := 0
		if face.Last {
			at = n[face.Axis] - 1
		}
		u, w := (face.Axis+1)%3, (face.Axis+2)%3
		var ijk [3]int
		ijk[face.Axis] = at
		for a := 0; a < n[u]; a++ {
			ijk[u] = a
			for b := 0; b < n[w]; b++ {
				ijk[w] = b
				out[lab.At(ijk[0], ijk[1], ijk[2])][f]++
			}
		}
	}
	return out
}
