package infer

import (
	"context"
	"math"
	"slices"
	"testing"

	"kidney3d/pipeline/volume"
)

// halfX is a network that sees how its input is stored: it labels the
// voxels above zero in the lower half of each patch along the tensor's
// last axis (x) only.
type halfX struct{}

func (halfX) Run(_ context.Context, in []float32, shape []int64) ([]float32, []int64, error) {
	nx := int(shape[4])
	return twoClasses(in, shape, func(x float32, v int) float32 {
		if v%nx >= nx/2 {
			return -1
		}
		return x
	})
}

// Every one of the 48 storages of a phantom, on a straight and on an
// oblique grid, gives the same labels voxel for voxel (relabelled back),
// though the network itself depends on the storage it sees.
func TestSegmentIgnoresStorageOrientation(t *testing.T) {
	ct, _ := phantom([3]int{22, 20, 14}, [3]float64{2, 2, 3}, [3]float64{4, -3, 2}, 9)
	oblique := ct.Clone()
	tilt := 15 * math.Pi / 180
	rot := volume.Identity
	rot[1][1], rot[1][2], rot[2][1], rot[2][2] = math.Cos(tilt), -math.Sin(tilt), math.Sin(tilt), math.Cos(tilt)
	oblique.Affine = rot.Mul(ct.Affine)
	m := manifest([3]float64{4, 3, 3}, [3]int{8, 8, 8})
	m.MirrorAxes = nil
	for _, ras := range []*volume.Volume[int16]{ct, oblique} {
		want, _, err := Segment(context.Background(), m, halfX{}, []*volume.Volume[int16]{ras}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range volume.AllOrientations() {
			stored := volume.Reorient(ras, o)
			got, _, err := Segment(context.Background(), m, halfX{}, []*volume.Volume[int16]{stored}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Grid != stored.Grid {
				t.Fatalf("%s storage: labels on %v, phase on %v", stored.Affine.AxisCodes(), got.Grid, stored.Grid)
			}
			if back := volume.Reorient(got, o.Inverse()); !slices.Equal(back.Data, want.Data) {
				t.Fatalf("%s storage of a %s grid: the labels differ from the RAS storage's", stored.Affine.AxisCodes(), ras.Affine.AxisCodes())
			}
		}
	}
	// The network does see the storage: run in another one, it labels
	// other voxels.
	las := *m
	las.Orientation = "LAS"
	want, _, _ := Segment(context.Background(), m, halfX{}, []*volume.Volume[int16]{ct}, Options{})
	got, _, err := Segment(context.Background(), &las, halfX{}, []*volume.Volume[int16]{ct}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(got.Data, want.Data) {
		t.Error("a model trained on LAS storage ran like one trained on RAS")
	}
}
