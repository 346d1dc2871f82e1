package register

import (
	"context"
	"errors"
	"math"
	"runtime"
	"testing"
	"time"

	"kidney3d/pipeline/volume"
)

// recoverCase registers phantom phase `phase` displaced by want, on grid mg,
// onto phase A.
func recoverCase(t *testing.T, phase int, want Transform, mg volume.Grid, opts Options) (Result, time.Duration) {
	t.Helper()
	fixed := phantom(t, phantomGrid(smallDims, smallSpacing), 0, Transform{}, 8, 1)
	moving := phantom(t, mg, phase, want, 8, 2)
	start := time.Now()
	res, err := Rigid(context.Background(), fixed, moving, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, time.Since(start)
}

func TestRigidRecoversKnownTransforms(t *testing.T) {
	same := phantomGrid(smallDims, smallSpacing)
	// A grid of its own: other voxel size, field of view and origin.
	own := phantomGrid([3]int{80, 66, 50}, [3]float64{1.3, 1.4, 2.2})
	own.Affine = own.Affine.Translated([3]float64{1.1, -0.6, 2.9})
	for _, tc := range []struct {
		name  string
		phase int
		want  Transform
		grid  volume.Grid
		init  Init
	}{
		{"translation P→A", 1, Transform{Translation: [3]float64{2.3, -1.7, 4.1}}, same, InitMoments},
		{"rotation and translation D→A", 2, Transform{
			Rotation:    [3]float64{0.8 * math.Pi / 180, -1.0 * math.Pi / 180, 2.5 * math.Pi / 180},
			Translation: [3]float64{-3.2, 2.1, -2.6},
			Center:      [3]float64{5, -8, 3},
		}, same, InitMoments},
		{"other grid, geometric start", 1, Transform{
			Rotation:    [3]float64{0, 0, -2 * math.Pi / 180},
			Translation: [3]float64{1.5, 2.5, -3},
		}, own, InitGeometry},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Init = tc.init
			var seen []float64
			opts.Progress = func(f float64) { seen = append(seen, f) }
			res, took := recoverCase(t, tc.phase, tc.want, tc.grid, opts)
			mm, deg := transformError(res.Transform, tc.want, res.Transform.Center)
			t.Logf("%v in %v: error %.3f mm %.3f°, MI %.3f → %.3f, %d iterations",
				res.Transform, took, mm, deg, res.MetricInitial, res.MetricFinal, res.Iterations)
			if mm > 0.3 || deg > 0.3 {
				t.Errorf("error %.3f mm, %.3f° (want ≤ 0.3 mm, 0.3°)", mm, deg)
			}
			if res.MetricFinal <= res.MetricInitial {
				t.Errorf("MI went from %g to %g", res.MetricInitial, res.MetricFinal)
			}
			if len(res.Levels) != len(opts.Levels) || res.Overlap < 0.9 {
				t.Errorf("levels %+v, overlap %g", res.Levels, res.Overlap)
			}
			for i, f := range seen {
				if f < 0 || f > 1 || i > 0 && f <= seen[i-1] {
					t.Fatalf("progress %v not increasing within [0, 1]", seen)
				}
			}
			if len(seen) == 0 || seen[len(seen)-1] != 1 {
				t.Errorf("progress ends at %v", seen)
			}
		})
	}
}

func TestRigidIdentityOnIdenticalImages(t *testing.T) {
	g := phantomGrid(smallDims, smallSpacing)
	v := phantom(t, g, 1, Transform{}, 8, 1)
	res, err := Rigid(context.Background(), v, v, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if mm, deg := transformError(res.Transform, Transform{}, res.Transform.Center); mm > 0.05 || deg > 0.05 {
		t.Errorf("identical images registered to %+v (%.3f mm, %.3f°)", res.Transform, mm, deg)
	}
}

func TestRigidIsDeterministicAcrossCores(t *testing.T) {
	fixed, moving, opts := quickPair(t)
	run := func(procs int) Result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := Rigid(context.Background(), fixed, moving, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	one, many := run(1), run(4)
	if one.Transform != many.Transform || one.MetricFinal != many.MetricFinal {
		t.Errorf("1 core: %+v, 4 cores: %+v", one.Transform, many.Transform)
	}
}

func TestRigidCancels(t *testing.T) {
	g := phantomGrid(smallDims, smallSpacing)
	fixed := phantom(t, g, 0, Transform{}, 8, 1)
	moving := phantom(t, g, 1, Transform{Translation: [3]float64{2, 2, 2}}, 8, 2)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Rigid(ctx, fixed, moving, DefaultOptions()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: %v", err)
	}

	// Cancel at the first progress report, from inside the descent, and
	// time how long Rigid takes to notice.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	opts := DefaultOptions()
	var at time.Time
	opts.Progress = func(float64) {
		if at.IsZero() {
			at = time.Now()
			cancel()
		}
	}
	_, err := Rigid(ctx, fixed, moving, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while running: %v", err)
	}
	if took := time.Since(at); took > 100*time.Millisecond {
		t.Errorf("returned %v after the cancellation", took)
	}
}

func TestRigidRejectsWhatItCannotRegister(t *testing.T) {
	g := phantomGrid([3]int{24, 24, 16}, [3]float64{2, 2, 3})
	body := phantom(t, g, 0, Transform{}, 8, 1)
	constant := volume.New[int16](g)
	for i := range constant.Data {
		constant.Data[i] = 40
	}
	air := volume.New[int16](g)
	for i := range air.Data {
		air.Data[i] = -1000
	}
	far := body.Clone()
	far.Affine = far.Affine.Translated([3]float64{0, 0, 500})
	beside := body.Clone()
	beside.Affine = beside.Affine.Translated([3]float64{46, 0, 0}) // the boxes touch at one edge
	badOpts := DefaultOptions()
	badOpts.Levels = []int{1, 2}
	for _, tc := range []struct {
		name          string
		fixed, moving *volume.Volume[int16]
		opts          Options
		want          error
	}{
		{"far apart", body, far, DefaultOptions(), ErrNoOverlap},
		{"side by side", body, beside, withInit(InitIdentity), ErrNoOverlap},
		{"constant fixed", constant, body, DefaultOptions(), ErrNoContrast},
		{"constant moving", body, constant, DefaultOptions(), ErrNoContrast},
		{"air", air, body, DefaultOptions(), ErrNoBody},
		{"increasing levels", body, body, badOpts, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Rigid(context.Background(), tc.fixed, tc.moving, tc.opts)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func withInit(i Init) Options {
	o := DefaultOptions()
	o.Init = i
	return o
}

// TestFixedLevelsAreSharedWithTheSameResult registers two phases onto one
// fixed image with the reference's levels shared, concurrently as the
// register stages do: each result is the one registered alone, and the
// fixed image's levels were made once.
func TestFixedLevelsAreSharedWithTheSameResult(t *testing.T) {
	g := phantomGrid(smallDims, smallSpacing)
	fixed := phantom(t, g, 0, Transform{}, 8, 1)
	moving := []*volume.Volume[int16]{
		phantom(t, g, 1, Transform{Translation: [3]float64{2.3, -1.7, 4.1}}, 8, 2),
		phantom(t, g, 2, Transform{Translation: [3]float64{-1.2, 0.8, -2.5}}, 8, 3),
	}
	alone := make([]Result, len(moving))
	for i, m := range moving {
		var err error
		if alone[i], err = Rigid(context.Background(), fixed, m, DefaultOptions()); err != nil {
			t.Fatal(err)
		}
	}
	shared := &FixedLevels{}
	together := make([]Result, len(moving))
	errs := make([]error, len(moving))
	done := make(chan int)
	for i, m := range moving {
		go func() {
			opts := DefaultOptions()
			opts.FixedLevels = shared
			together[i], errs[i] = Rigid(context.Background(), fixed, m, opts)
			done <- i
		}()
	}
	for range moving {
		<-done
	}
	for i := range moving {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if together[i].Transform != alone[i].Transform || together[i].MetricFinal != alone[i].MetricFinal {
			t.Errorf("phase %d: %+v with shared levels, %+v alone", i+1, together[i].Transform, alone[i].Transform)
		}
	}
	if n := len(shared.levels.Keys()); n != len(plan(fixed.Grid, moving[0].Grid, DefaultOptions())) {
		t.Errorf("%d fixed levels made, want one per level", n)
	}
}
