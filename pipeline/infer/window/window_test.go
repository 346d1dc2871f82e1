package window

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestStepsMatchNNUNet(t *testing.T) {
	// Values from nnU-Net's compute_steps_for_sliding_window.
	cases := []struct {
		image, patch [3]int
		step         float64
		want         [3][]int
	}{
		{[3]int{100, 64, 200}, [3]int{64, 64, 128}, 0.5, [3][]int{{0, 18, 36}, {0}, {0, 36, 72}}},
		{[3]int{96, 128, 128}, [3]int{48, 96, 96}, 0.5, [3][]int{{0, 24, 48}, {0, 32}, {0, 32}}},
		{[3]int{10, 11, 12}, [3]int{10, 10, 10}, 0.5, [3][]int{{0}, {0, 1}, {0, 2}}},
		{[3]int{130, 64, 64}, [3]int{64, 64, 64}, 1, [3][]int{{0, 33, 66}, {0}, {0}}},
	}
	for _, c := range cases {
		if got := Steps(c.image, c.patch, c.step); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Steps(%v, %v, %v) = %v, want %v", c.image, c.patch, c.step, got, c.want)
		}
	}
}

func TestGaussianPeaksAtTheCentreWithNoZeros(t *testing.T) {
	p := [3]int{8, 6, 5}
	g := Gaussian(p, 1.0/8)
	centre := (4*6+3)*5 + 2
	if g[centre] != 10 {
		t.Errorf("peak %v, want 10", g[centre])
	}
	for i, v := range g {
		if !(v > 0) || v > 10 {
			t.Fatalf("value %v at %d", v, i)
		}
	}
	// Separable and symmetric about the centre along x (odd size).
	if g[(4*6+3)*5+1] != g[(4*6+3)*5+3] {
		t.Errorf("not symmetric along x")
	}
	// σ = 1 along x: one voxel off the centre is exp(-1/2) of the peak.
	sx := 5.0 / 8
	want := 10 * math.Exp(-1/(2*sx*sx))
	if got := float64(g[(4*6+3)*5+1]); math.Abs(got-want) > 1e-4 {
		t.Errorf("one voxel off the centre: %v, want %v", got, want)
	}
}

// pointwise is a network whose logits depend on each voxel's input x of
// the first channel only (−x, x, −100, …: class 1 where x is positive): tiling, padding and mirroring
// must not change its result.
type pointwise struct {
	classes int
	runs    int
}

func (n *pointwise) Run(_ context.Context, in []float32, shape []int64) ([]float32, []int64, error) {
	n.runs++
	vox := int(shape[2] * shape[3] * shape[4])
	c := int(shape[1])
	out := make([]float32, int(shape[0])*n.classes*vox)
	for b := range int(shape[0]) {
		for v := range vox {
			x := in[(b*c)*vox+v]
			for k := range n.classes {
				out[(b*n.classes+k)*vox+v] = [3]float32{-x, x, -100}[k%3]
			}
		}
	}
	return out, []int64{shape[0], int64(n.classes), shape[2], shape[3], shape[4]}, nil
}

func randomImage(size [3]int, channels int, seed uint64) Image {
	r := rand.New(rand.NewPCG(seed, 1))
	img := Image{Channels: channels, Size: size, Data: make([]float32, channels*size[0]*size[1]*size[2])}
	for i := range img.Data {
		img.Data[i] = float32(r.NormFloat64())
	}
	return img
}

func collect(t *testing.T, net Net, img Image, opt Options) (labels []uint8, scores []float32) {
	t.Helper()
	plane := img.Size[1] * img.Size[2]
	labels = make([]uint8, img.Size[0]*plane)
	scores = make([]float32, opt.Classes*img.Size[0]*plane)
	next := 0
	err := Predict(context.Background(), net, img, opt, func(z int, s []float32, l []uint8) error {
		if z != next {
			t.Fatalf("row %d handed on before row %d", z, next)
		}
		next++
		copy(labels[z*plane:], l)
		for k := range opt.Classes {
			copy(scores[(k*img.Size[0]+z)*plane:(k*img.Size[0]+z+1)*plane], s[k*plane:(k+1)*plane])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next != img.Size[0] {
		t.Fatalf("%d rows handed on, want %d", next, img.Size[0])
	}
	return labels, scores
}

func TestPointwiseNetworkIsUnchangedByTilingPaddingAndMirroring(t *testing.T) {
	for _, c := range []struct {
		name  string
		size  [3]int
		patch [3]int
		opt   Options
	}{
		{"tiles", [3]int{20, 17, 23}, [3]int{8, 8, 8}, Options{Step: 0.5, Batch: 3}},
		{"padded", [3]int{5, 7, 30}, [3]int{8, 8, 8}, Options{Step: 0.5, Batch: 1}},
		{"mirrored", [3]int{12, 9, 10}, [3]int{8, 6, 4}, Options{Step: 0.5, Batch: 2, Mirror: []int{0, 1, 2}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := randomImage(c.size, 2, 7)
			c.opt.Patch, c.opt.Classes = c.patch, 3
			net := &pointwise{classes: 3}
			labels, _ := collect(t, net, img, c.opt)
			for v, l := range labels {
				want := uint8(0)
				if img.Data[v] > 0 {
					want = 1
				}
				if l != want {
					t.Fatalf("voxel %d (x=%v): label %d, want %d", v, img.Data[v], l, want)
				}
			}
		})
	}
}

// positional is a network whose logits depend on the position inside the
// patch, so that the Gaussian weighting shows.
type positional struct{ patch [3]int }

func (n positional) Run(_ context.Context, in []float32, shape []int64) ([]float32, []int64, error) {
	vox := int(shape[2] * shape[3] * shape[4])
	c := int(shape[1])
	out := make([]float32, int(shape[0])*2*vox)
	for b := range int(shape[0]) {
		for v := range vox {
			x := v % n.patch[2]
			out[(b*2)*vox+v] = in[b*c*vox+v] + float32(x)
			out[(b*2+1)*vox+v] = float32(v%7) - 3
		}
	}
	return out, []int64{shape[0], 2, shape[2], shape[3], shape[4]}, nil
}

// TestRingMatchesAFullAccumulator checks the bounded-memory accumulation
// against the straightforward one: a full map of weighted logits and
// weights over the padded image.
func TestRingMatchesAFullAccumulator(t *testing.T) {
	size, patch := [3]int{19, 13, 11}, [3]int{6, 8, 5}
	img := randomImage(size, 1, 3)
	opt := Options{Patch: patch, Step: 0.5, Batch: 2, Classes: 2}
	net := positional{patch}
	_, scores := collect(t, net, img, opt)

	padded, offset := padding(size, patch)
	steps := Steps(padded, patch, 0.5)
	g := Gaussian(patch, 1.0/8)
	n := padded[0] * padded[1] * padded[2]
	acc := make([]float64, 2*n)
	w := make([]float64, n)
	pvox := patch[0] * patch[1] * patch[2]
	for _, z0 := range steps[0] {
		for _, y0 := range steps[1] {
			for _, x0 := range steps[2] {
				in := make([]float32, pvox)
				for z := range patch[0] {
					for y := range patch[1] {
						for x := range patch[2] {
							iz, iy, ix := z0+z-offset[0], y0+y-offset[1], x0+x-offset[2]
							if iz >= 0 && iz < size[0] && iy >= 0 && iy < size[1] && ix >= 0 && ix < size[2] {
								in[(z*patch[1]+y)*patch[2]+x] = img.Data[(iz*size[1]+iy)*size[2]+ix]
							}
						}
					}
				}
				out, _, _ := net.Run(context.Background(), in, []int64{1, 1, int64(patch[0]), int64(patch[1]), int64(patch[2])})
				for z := range patch[0] {
					for y := range patch[1] {
						for x := range patch[2] {
							p := (z*patch[1]+y)*patch[2] + x
							q := ((z0+z)*padded[1]+y0+y)*padded[2] + x0 + x
							w[q] += float64(g[p])
							for k := range 2 {
								acc[k*n+q] += float64(out[k*pvox+p]) * float64(g[p])
							}
						}
					}
				}
			}
		}
	}
	plane := size[1] * size[2]
	for k := range 2 {
		for z := range size[0] {
			for y := range size[1] {
				for x := range size[2] {
					q := ((z+offset[0])*padded[1]+y+offset[1])*padded[2] + x + offset[2]
					want := acc[k*n+q] / w[q]
					got := scores[(k*size[0]+z)*plane+y*size[2]+x]
					if math.Abs(float64(got)-want) > 1e-4*max(1, math.Abs(want)) {
						t.Fatalf("class %d voxel (%d,%d,%d): %v, want %v", k, z, y, x, got, want)
					}
				}
			}
		}
	}
}

type cancelling struct {
	cancel context.CancelFunc
	runs   int
}

func (n *cancelling) Run(ctx context.Context, in []float32, shape []int64) ([]float32, []int64, error) {
	n.runs++
	if n.runs == 2 {
		n.cancel()
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return (&pointwise{classes: 2}).Run(ctx, in, shape)
}

func TestPredictStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	net := &cancelling{cancel: cancel}
	img := randomImage([3]int{32, 32, 32}, 1, 1)
	err := Predict(ctx, net, img, Options{Patch: [3]int{8, 8, 8}, Step: 0.5, Batch: 1, Classes: 2},
		func(int, []float32, []uint8) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if net.runs > 3 {
		t.Errorf("%d runs after cancelling", net.runs)
	}
}

func TestPredictReportsProgressAndRejectsBadShapes(t *testing.T) {
	img := randomImage([3]int{10, 10, 10}, 1, 1)
	var last, total int
	opt := Options{Patch: [3]int{8, 8, 8}, Step: 0.5, Batch: 4, Classes: 3, Mirror: []int{2},
		Progress: func(d, n int) { last, total = d, n }}
	collect(t, &pointwise{classes: 3}, img, opt)
	// 2 z steps × (2×2 tiles in one batch of 4) × 2 mirror sets.
	if last != total || total != 4 {
		t.Errorf("progress %d of %d, want 4 of 4", last, total)
	}
	opt.Classes = 2 // the network gives 3
	err := Predict(context.Background(), &pointwise{classes: 3}, img, opt, func(int, []float32, []uint8) error { return nil })
	if err == nil {
		t.Error("a network giving 3 classes for 2 was accepted")
	}
}
