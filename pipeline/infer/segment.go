// Package infer segments CT phases with a model package as nnU-Net v2's
// predictor does (nnunetv2/inference/predict_from_raw_data.py): crop to
// the body, resample to the model's spacing, normalise each channel,
// predict tile by tile (package window), and bring the argmax back onto
// the phases' grid. The network itself runs in ONNX Runtime (package ort);
// here it is any window.Net.
package infer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/window"
	"kidney3d/pipeline/volume"
)

// Options tune one prediction.
type Options struct {
	// Mirror enables test-time mirroring along the model's mirror axes.
	Mirror bool
	// Batch is the number of patches per network run (default 1).
	Batch int
	// BodyHU is the threshold of the body crop on the first phase
	// (default −500 HU).
	BodyHU float32
	// Progress, if set, receives the fraction of network runs done.
	Progress func(float64)
}

// Timings are where a prediction's time went, in seconds.
type Timings struct {
	// Prepare is cropping, resampling and normalising.
	Prepare float64 `json:"prepare_s"`
	// Window is the sliding window, network runs included.
	Window float64 `json:"window_s"`
	// BackMap is bringing the labels back onto the phase grid (inside
	// Window).
	BackMap float64 `json:"back_map_s"`
	// Runs is the number of network runs.
	Runs int `json:"runs"`
	// ModelGrid is the model grid's size (x, y, z).
	ModelGrid [3]int `json:"model_grid"`
}

// Segment predicts the model's classes for phases (the model's input
// phases, in its order, on one grid) and returns, on that grid, each
// voxel's class index (model.json's labels; 0 outside the body crop).
// The network sees the phases in the storage it was trained on
// (m.AxisCodes()): when theirs differs, the first resampling pass reads
// them with their axes relabelled to it (permuted and reversed, nothing
// interpolated) and the labels are written back through the same
// relabelling, so that how a study is stored never changes them, at no
// cost in copies.
func Segment[T volume.Voxel](ctx context.Context, m *modelpkg.Manifest, net window.Net, phases []*volume.Volume[T], opt Options) (*volume.Volume[uint8], Timings, error) {
	var tm Timings
	if len(phases) != len(m.InputPhases) {
		return nil, tm, fmt.Errorf("model %s reads %d phases (%v), got %d", m.Name, len(m.InputPhases), m.InputPhases, len(phases))
	}
	for c := 1; c < len(phases); c++ {
		if err := volume.SameGrid(phases[0].Grid, phases[c].Grid, volume.DefaultTolerance); err != nil {
			return nil, tm, fmt.Errorf("model %s: phase %s is not on phase %s's grid: %w", m.Name, m.InputPhases[c], m.InputPhases[0], err)
		}
	}
	if opt.BodyHU == 0 {
		opt.BodyHU = -500
	}
	start := time.Now()
	stored := phases[0].Grid
	o, err := volume.OrientationToward(stored, m.AxisCodes())
	if err != nil {
		return nil, tm, fmt.Errorf("model %s: %w", m.Name, err)
	}
	// The network reads the phases and its labels are written through
	// views in its storage; the body's box is found on the phase as
	// stored, and relabelled.
	lo, hi := bodyBox(phases[0], opt.BodyHU)
	lo, hi = o.Box(stored.Dims, lo, hi)
	g, err := plan(o.Grid(stored).Spacing(), lo, hi, m, opt.Batch)
	if err != nil {
		return nil, tm, err
	}
	tm.ModelGrid = g.Size
	img := window.Image{Channels: len(phases), Size: [3]int{g.Size[2], g.Size[1], g.Size[0]}}
	vox := g.Size[0] * g.Size[1] * g.Size[2]
	img.Data = make([]float32, 0, len(phases)*vox)
	for c, p := range phases {
		if err := ctx.Err(); err != nil {
			return nil, tm, err
		}
		ch := resample(viewOf(p, o), g, m.Spacing)
		if err := normalise(ch, m, c); err != nil {
			return nil, tm, fmt.Errorf("model %s channel %d: %w", m.Name, c, err)
		}
		img.Data = append(img.Data, ch...)
	}
	tm.Prepare = time.Since(start).Seconds()

	out := volume.New[uint8](stored)
	bm := newBackMapper(viewOf(out, o), g, len(m.Labels))
	wopt := window.Options{Patch: m.PatchSize, Step: m.TileStepSize, Batch: max(opt.Batch, 1), Classes: len(m.Labels),
		Progress: func(done, total int) {
			tm.Runs = done
			if opt.Progress != nil {
				opt.Progress(float64(done) / float64(total))
			}
		}}
	if opt.Mirror {
		wopt.Mirror = m.MirrorAxes
	}
	start = time.Now()
	var backMap time.Duration
	err = window.Predict(ctx, net, img, wopt, func(z int, scores []float32, labels []uint8) error {
		t := time.Now()
		err := bm.row(z, scores, labels)
		backMap += time.Since(t)
		return err
	})
	tm.Window = time.Since(start).Seconds()
	tm.BackMap = backMap.Seconds()
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, tm, err
		}
		return nil, tm, fmt.Errorf("model %s: %w", m.Name, err)
	}
	return out, tm, nil
}
