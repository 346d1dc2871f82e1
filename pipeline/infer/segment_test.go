package infer

import (
	"context"
	"math"
	"testing"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/volume"
)

// threshold is a network that labels the voxels whose first channel,
// normalised, is above zero: class 1's logit is the input, class 0's its
// negative.
type threshold struct{}

func (threshold) Run(_ context.Context, in []float32, shape []int64) ([]float32, []int64, error) {
	return twoClasses(in, shape, func(x float32, _ int) float32 { return x })
}

// twoClasses is the output of a network whose class 1 logit at voxel v of
// a patch is logit(x, v), x the first channel there, and class 0's its
// negative.
func twoClasses(in []float32, shape []int64, logit func(x float32, v int) float32) ([]float32, []int64, error) {
	vox := int(shape[2] * shape[3] * shape[4])
	c := int(shape[1])
	out := make([]float32, int(shape[0])*2*vox)
	for b := range int(shape[0]) {
		for v := range vox {
			x := logit(in[b*c*vox+v], v)
			out[(b*2)*vox+v] = -x
			out[(b*2+1)*vox+v] = x
		}
	}
	return out, []int64{shape[0], 2, shape[2], shape[3], shape[4]}, nil
}

func manifest(spacingZYX [3]float64, patch [3]int) *modelpkg.Manifest {
	return &modelpkg.Manifest{
		Format: modelpkg.Format, Name: "test", Version: "1", Licence: "CC0-1.0",
		InputPhases: []string{"A"}, ChannelNames: map[string]string{"0": "A"},
		Labels:  map[string]int{"background": 0, "ball": 1},
		Spacing: spacingZYX, PatchSize: patch,
		NormalizationSchemes: []string{modelpkg.CTNormalization},
		Intensities:          map[string]modelpkg.Intensity{"0": {Mean: 100, Std: 50, P00_5: -1000, P99_5: 1000}},
		TransposeForward:     [3]int{0, 1, 2}, MirrorAxes: []int{0, 1, 2}, TileStepSize: 0.5,
		ONNXInput: "input", ONNXOutput: "logits",
	}
}

// phantom is a body (0 HU) in air (−1000 HU) holding a ball of 200 HU;
// the truth is the ball.
func phantom(dims [3]int, spacing [3]float64, centre [3]float64, radius float64) (*volume.Volume[int16], *volume.Volume[uint8]) {
	g := volume.Grid{Dims: dims, Affine: volume.Identity}
	for a := range 3 {
		g.Affine[a][a] = spacing[a]
		g.Affine[a][3] = -float64(dims[a]) * spacing[a] / 2
	}
	ct, truth := volume.New[int16](g), volume.New[uint8](g)
	for k := range dims[2] {
		for j := range dims[1] {
			for i := range dims[0] {
				p := g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
				body := math.Hypot(p[0]/1.3, p[1]) < 0.4*float64(dims[1])*spacing[1]
				n := g.Index(i, j, k)
				ct.Data[n] = -1000
				if body {
					ct.Data[n] = 0
				}
				if math.Hypot(math.Hypot(p[0]-centre[0], p[1]-centre[1]), p[2]-centre[2]) < radius {
					ct.Data[n] = 200
					truth.Data[n] = 1
				}
			}
		}
	}
	return ct, truth
}

func dice(a, b *volume.Volume[uint8]) float64 {
	var inter, sum int
	for i := range a.Data {
		x, y := a.Data[i] != 0, b.Data[i] != 0
		if x && y {
			inter++
		}
		if x {
			sum++
		}
		if y {
			sum++
		}
	}
	return 2 * float64(inter) / float64(sum)
}

func TestSegmentOnTheModelsOwnSpacingIsExact(t *testing.T) {
	ct, truth := phantom([3]int{40, 36, 30}, [3]float64{2, 2, 3}, [3]float64{5, -3, 4}, 14)
	m := manifest([3]float64{3, 2, 2}, [3]int{16, 24, 24})
	got, tm, err := Segment(context.Background(), m, threshold{}, []*volume.Volume[int16]{ct}, Options{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got.Data {
		if got.Data[i] != truth.Data[i] {
			t.Fatalf("voxel %d: %d, want %d (model grid %v)", i, got.Data[i], truth.Data[i], tm.ModelGrid)
		}
	}
	if tm.Runs == 0 || tm.ModelGrid[2] != 30 {
		t.Errorf("timings %+v", tm)
	}
}

func TestSegmentOnACoarserModelComesBackSmooth(t *testing.T) {
	ct, truth := phantom([3]int{80, 72, 60}, [3]float64{1, 1, 1.5}, [3]float64{6, -4, 3}, 20)
	m := manifest([3]float64{3, 2.5, 2.5}, [3]int{16, 24, 24})
	got, tm, err := Segment(context.Background(), m, threshold{}, []*volume.Volume[int16]{ct}, Options{Mirror: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := dice(got, truth); d < 0.97 {
		t.Errorf("Dice %.4f against the ball, want ≥ 0.97 (model grid %v)", d, tm.ModelGrid)
	}
}

func TestSegmentRejectsPhasesOnOtherGrids(t *testing.T) {
	a, _ := phantom([3]int{20, 20, 20}, [3]float64{2, 2, 2}, [3]float64{}, 5)
	p, _ := phantom([3]int{20, 20, 21}, [3]float64{2, 2, 2}, [3]float64{}, 5)
	m := manifest([3]float64{2, 2, 2}, [3]int{8, 8, 8})
	m.InputPhases = []string{"A", "P"}
	m.NormalizationSchemes = append(m.NormalizationSchemes, modelpkg.NoNormalization)
	if _, _, err := Segment(context.Background(), m, threshold{}, []*volume.Volume[int16]{a, p}, Options{}); err == nil {
		t.Error("phases on different grids were accepted")
	}
	if _, _, err := Segment(context.Background(), m, threshold{}, []*volume.Volume[int16]{a}, Options{}); err == nil {
		t.Error("one phase for a two-phase model was accepted")
	}
}

func TestBodyBoxIgnoresNoiseInTheAir(t *testing.T) {
	ct, _ := phantom([3]int{60, 40, 20}, [3]float64{2, 2, 2}, [3]float64{}, 5)
	ct.Data[ct.Index(0, 0, 0)] = 500 // one bright voxel in a corner
	lo, hi := bodyBox(ct, -500)
	if lo[0] == 0 || lo[1] == 0 || hi[0] == 60 || hi[1] == 40 {
		t.Errorf("body box %v..%v reaches the corner", lo, hi)
	}
	if lo[2] != 0 || hi[2] != 20 {
		t.Errorf("body box along z %d..%d, want 0..20", lo[2], hi[2])
	}
}

func TestResampleAxisKeepsLinearRamps(t *testing.T) {
	// A ramp along each axis stays a ramp (inside the edges) after
	// halving: linear interpolation is exact on linear data.
	dims := [3]int{8, 6, 10}
	data := make([]float32, dims[0]*dims[1]*dims[2])
	for a := range 3 {
		for n := range data {
			c := [3]int{n % dims[0], n / dims[0] % dims[1], n / (dims[0] * dims[1])}
			data[n] = float32(c[a])
		}
		out := resampleAxis(data, dims, a, dims[a]/2, false)
		od := dims
		od[a] /= 2
		for n, v := range out {
			c := [3]int{n % od[0], n / od[0] % od[1], n / (od[0] * od[1])}
			want := (float64(c[a])+0.5)*2 - 0.5
			if math.Abs(float64(v)-want) > 1e-5 {
				t.Fatalf("axis %d position %v: %v, want %v", a, c, v, want)
			}
		}
	}
}

func TestNormaliseClipsThenStandardises(t *testing.T) {
	m := manifest([3]float64{1, 1, 1}, [3]int{8, 8, 8})
	d := []float32{-2000, 100, 150, 3000}
	if err := normalise(d, m, 0); err != nil {
		t.Fatal(err)
	}
	want := []float32{-22, 0, 1, 18}
	for i := range d {
		if math.Abs(float64(d[i]-want[i])) > 1e-5 {
			t.Errorf("normalise: %v, want %v", d, want)
			break
		}
	}
}
