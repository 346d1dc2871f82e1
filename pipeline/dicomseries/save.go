package dicomseries

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// errNotInt16 stops a streamed Save at a value that does not fit int16.
var errNotInt16 = errors.New("a value does not fit an int16")

// batchSlices is how many slices Save decodes at once (in parallel)
// before handing them to the writer (a variable for the tests): few, so
// that a batch is still in the caches when it is written.
var batchSlices = 4

// batchBuffers is how many batches may be decoded, or decoding, while the
// writer has not taken them: the decoders run this far ahead.
const batchBuffers = 4

// Save writes the series' voxels, as Load reads them, to path as
// Image.Save does, and returns the grid and the voxel type written. A
// series of one-frame files written as they lie (not resampled) whose
// rescaling is by whole numbers is decoded a batch of slices at a time,
// the next batches decoded while the last is compressed and written: the
// volume is never held whole. Other series, and one whose values turn out
// not to fit int16, are loaded whole first (Load).
func Save(ctx context.Context, s *Series, path string, opts ...atomicfile.Option) (volume.Grid, string, error) {
	if s.Err == nil && s.Geometry.Resampled == "" && integral(s) && singleFrames(s) {
		err := saveStreamed(ctx, s, path, opts)
		if !errors.Is(err, errNotInt16) {
			return s.Geometry.Grid, "int16", err
		}
	}
	im, err := Load(ctx, s)
	if err != nil {
		return volume.Grid{}, "", err
	}
	return im.Grid(), im.Datatype(), im.Save(path, opts...)
}

// saveStreamed writes an int16 series batch by batch: each of
// parallel.Workers() decoders decodes every so many batches in turn, one
// slice after the other, into buffers of its own, so that decoders and
// writer wait on each other only when one is behind by batchBuffers.
func saveStreamed(ctx context.Context, s *Series, path string, opts []atomicfile.Option) error {
	g := s.Geometry.Grid
	plane := g.Dims[0] * g.Dims[1]
	type batch struct {
		voxels []int16
		err    error
	}
	n := min(batchSlices, len(s.Instances))     // slices a buffer holds
	batches := (len(s.Instances) + n - 1) / n   // in the series
	workers := min(parallel.Workers(), batches) // decoders
	ctx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	defer func() {
		cancel()
		running.Wait() // the decoders have stopped
	}()
	decoded, free := make([]chan batch, workers), make([]chan []int16, workers)
	for w := range workers {
		ahead := max(1, batchBuffers/workers)
		decoded[w], free[w] = make(chan batch, ahead), make(chan []int16, ahead)
		for range ahead {
			free[w] <- make([]int16, n*plane)
		}
		running.Add(1)
		go func() {
			defer running.Done()
			for b := w; b < batches; b += workers {
				var buf []int16
				select {
				case buf = <-free[w]:
				case <-ctx.Done():
					return
				}
				part := *s
				part.Instances = s.Instances[b*n : min((b+1)*n, len(s.Instances))]
				buf = buf[:len(part.Instances)*plane]
				fits, err := fill(ctx, &part, len(part.Instances), int16Into(&part, buf))
				if err == nil && !fits {
					err = errNotInt16
				}
				select {
				case decoded[w] <- batch{buf, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	return volume.SaveSlices(path, g, func(put func([]int16) error) error {
		for b := range batches {
			var bt batch
			select {
			case bt = <-decoded[b%workers]:
			case <-ctx.Done():
				return ctx.Err()
			}
			if bt.err != nil {
				return bt.err
			}
			if err := put(bt.voxels); err != nil {
				return err
			}
			free[b%workers] <- bt.voxels
		}
		return ctx.Err()
	}, opts...)
}

// singleFrames reports whether every slice of s is a file of its own.
func singleFrames(s *Series) bool {
	for _, in := range s.Instances {
		if in.NumberOfFrames > 1 {
			return false
		}
	}
	return true
}

// Describe is a short line about an image: dims, voxel type and
// orientation.
func Describe(g volume.Grid, datatype string) string {
	sp := g.Spacing()
	return fmt.Sprintf("%d×%d×%d %s, %.4g×%.4g×%.4g mm, %s", g.Dims[0], g.Dims[1], g.Dims[2], datatype, sp[0], sp[1], sp[2], g.Affine.AxisCodes())
}
