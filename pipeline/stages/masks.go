package stages

import (
	"context"

	"kidney3d/pipeline/labels"

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

// referenceGrid is the reference phase's grid, from its header: the grid
// of every mask and of the label map.
func referenceGrid(env *stage.Env) (volume.Grid, error) {
	path, err := env.Input(stage.Reference)
	if err != nil {
		return volume.Grid{}, err
	}
	return volume.ReadGrid(path)
}

// pickSources picks, for each label of ls that has one, the first of its
// candidate artefacts (sources, most finished first) that the stage has
// as an input: the labels that have one, in the order of ls, with their
// files, and by label name the artefact read (stage.SourcesRecord).
func pickSources(env *stage.Env, ls []labels.Label, sources func(label string) []stage.Artefact) (present []labels.Label, paths []string, read map[string]stage.Artefact) {
	read = map[string]stage.Artefact{}
	for _, l := range ls {
		for _, a := range sources(l.Name) {
			if p, err := env.Input(a); err == nil {
				present, paths = append(present, l), append(paths, p)
				read[l.Name] = a
				break
			}
		}
	}
	return present, paths, read
}
