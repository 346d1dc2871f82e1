package infer

import (
	"context"
	"strings"
	"testing"

	"kidney3d/pipeline/infer/window"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/volume"
)

func TestCheckModelHoldsGridAndPatchToTheImageLimit(t *testing.T) {
	t.Setenv(limits.MaxVoxelsEnv, "")
	n, err := CheckModel(manifest([3]float64{3.5, 2.75, 2.75}, [3]int{48, 64, 64}), 1)
	if err != nil {
		t.Fatal(err)
	}
	if n.Grid != [3]float64{182, 182, 571} || n.PatchValues != 48*64*64*2 || n.Bytes <= 4*n.GridVoxels {
		t.Errorf("need %+v", n)
	}
	for _, c := range []struct {
		spacing [3]float64
		patch   [3]int
		batch   int
		want    string
	}{
		{[3]float64{0.0001, 0.0001, 0.0001}, [3]int{48, 64, 64}, 1, "model grid of 5000000×5000000×20000000"},
		{[3]float64{3, 3, 3}, [3]int{1024, 1024, 1024}, 1, "patch × classes × batch"},
		{[3]float64{3, 3, 3}, [3]int{512, 512, 512}, 64, "patch × classes × batch"},
	} {
		_, err := CheckModel(manifest(c.spacing, c.patch), c.batch)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "on a 500×500×2000 mm image") {
			t.Errorf("spacing %v patch %v batch %d: %v, want %q", c.spacing, c.patch, c.batch, err, c.want)
		}
	}
}

// TestSegmentRefusesAGridOverTheLimitBeforeAllocating runs a model whose
// spacing makes the model grid of a small image too large: Segment must
// fail with the reason, never reach the network.
func TestSegmentRefusesAGridOverTheLimitBeforeAllocating(t *testing.T) {
	t.Setenv(limits.MaxVoxelsEnv, "1000000")
	ct, _ := phantom([3]int{32, 32, 16}, [3]float64{2, 2, 4}, [3]float64{0, 0, 0}, 10)
	m := manifest([3]float64{0.0001, 0.0001, 0.0001}, [3]int{16, 16, 16})
	_, _, err := Segment(context.Background(), m, unused{t}, []*volume.Volume[int16]{ct}, Options{})
	if err == nil || !strings.Contains(err.Error(), "over the image limit of 1000000 voxels") || !strings.Contains(err.Error(), "on this image") {
		t.Fatalf("err = %v", err)
	}
}

// unused is a network that fails the test when run.
type unused struct{ t *testing.T }

func (u unused) Run(context.Context, []float32, []int64) ([]float32, []int64, error) {
	u.t.Fatal("the network ran")
	return nil, nil, nil
}

var _ window.Net = unused{}
