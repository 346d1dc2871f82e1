package stages

import (
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/volume"
)

// split turns the model's class map into one binary mask per label
// wanted. A model's "kidney" gives kidney_left and kidney_right: each of
// its connected components goes to the side of the body's midline its
// centre lies on (RAS: the patient's left has the smaller x), the midline
// being the body's centre (midline.BodyX) on the first phase.
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
	left, right := bySide(kidney, midline.BodyX(ct))
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

// modelLabel is the model's label an output label comes from: its own
// name, or "kidney" for either side when the model segments the kidneys
// as one label (split).
func modelLabel(m *modelpkg.Manifest, l string) string {
	if _, ok := m.Labels[l]; ok || (l != "kidney_left" && l != "kidney_right") {
		return l
	}
	return "kidney"
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
