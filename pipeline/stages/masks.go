package stages

import (
	"context"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

// loadMasksOn reads, concurrently, the masks of the labels that the case
// has (stage.Mask) as the slices that hold them, relabelled onto grid
// (volume.LoadMaskOn); a label the case has no mask of is not in the map.
func loadMasksOn(ctx context.Context, env *stage.Env, grid volume.Grid, labels ...string) (map[string]*volume.Part[uint8], error) {
	parts := make([]*volume.Part[uint8], len(labels))
	err := parallel.Each(ctx, len(labels), func(n int) (err error) {
		if path, missing := env.Input(stage.Mask(labels[n])); missing == nil {
			parts[n], err = volume.LoadMaskOn(path, grid)
		}
		return err
	}, nil)
	out := map[string]*volume.Part[uint8]{}
	for n, p := range parts {
		if p != nil {
			out[labels[n]] = p
		}
	}
	return out, err
}
