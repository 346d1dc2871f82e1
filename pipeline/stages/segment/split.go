package segment

import (
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// bodyHU is the threshold of the body whose centre splits the kidneys by
// side.
const bodyHU = -500

// split turns the model's class map into one binary mask per label
// wanted. A model's "kidney" gives kidney_left and kidney_right: each of
// its connected components goes to the side of the body's midline its
// centre lies on (RAS: the patient's left has the smaller x).
func split[T volume.Voxel](classes *volume.Volume[uint8], m *modelpkg.Manifest, want []string, ct *volume.Volume[T]) map[string]*volume.Volume[uint8] {
	out := map[string]*volume.Volume[uint8]{}
	var kidney *volume.Volume[uint8]
	for _, l := range want {
		if c, ok := m.Labels[l]; ok {
			out[l] = binary(classes, uint8(c))
			continue
		}
		if kidney == nil {
			kidney = binary(classes, uint8(m.Labels["kidney"]))
		}
	}
	if kidney == nil {
		return out
	}
	left, right := bySide(kidney, midlineX(ct))
	for _, l := range want {
		switch l {
		case "kidney_left":
			if _, direct := m.Labels[l]; !direct {
				out[l] = left
			}
		case "kidney_right":
			if _, direct := m.Labels[l]; !direct {
				out[l] = right
			}
		}
	}
	return out
}

func binary(classes *volume.Volume[uint8], c uint8) *volume.Volume[uint8] {
	m := volume.New[uint8](classes.Grid)
	parallel.For(len(m.Data), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if classes.Data[i] == c {
				m.Data[i] = 1
			}
		}
	})
	return m
}

// midlineX is the mean world x of the body's voxels: the plane between
// the patient's left and right.
func midlineX[T volume.Voxel](ct *volume.Volume[T]) float64 {
	nx, ny, nz := ct.Dims[0], ct.Dims[1], ct.Dims[2]
	sums := make([][2]float64, nz)
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			var s, n float64
			for j := range ny {
				row := ct.Data[(k*ny+j)*nx : (k*ny+j+1)*nx]
				for i, v := range row {
					if float64(v) > bodyHU {
						s += ct.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})[0]
						n++
					}
				}
			}
			sums[k] = [2]float64{s, n}
		}
	})
	var s, n float64
	for _, v := range sums {
		s += v[0]
		n += v[1]
	}
	if n == 0 {
		c := ct.VoxelToWorld([3]float64{float64(nx-1) / 2, float64(ny-1) / 2, float64(nz-1) / 2})
		return c[0]
	}
	return s / n
}

// bySide splits a mask into its components on the patient's left (centre
// x below the midline) and right.
func bySide(mask *volume.Volume[uint8], midline float64) (left, right *volume.Volume[uint8]) {
	comp, sizes := labelops.Components(mask, labelops.Full)
	sumX := make([]float64, len(sizes))
	for n, c := range comp.Data {
		if c > 0 {
			i, j, k := comp.Coords(n)
			sumX[c-1] += comp.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})[0]
		}
	}
	isLeft := make([]bool, len(sizes))
	for c, size := range sizes {
		isLeft[c] = sumX[c]/float64(size) < midline
	}
	left, right = volume.New[uint8](mask.Grid), volume.New[uint8](mask.Grid)
	for n, c := range comp.Data {
		switch {
		case c == 0:
		case isLeft[c-1]:
			left.Data[n] = 1
		default:
			right.Data[n] = 1
		}
	}
	return left, right
}
