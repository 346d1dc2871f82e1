package stages

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
)

func init() {
	stage.Register("cleanup", func(name string, p stage.Params, table *labels.Table) (stage.Stage, error) {
		b, err := stage.NewBase(name, table, DefaultCleanupParams(), p)
		if err != nil {
			return nil, err
		}
		// Every label's mask, reconnected or as given, is optional: a case
		// may have any subset, and a mask is cleaned only where it has one.
		var masks, outs []stage.Artefact
		for _, l := range stage.Structures(table) {
			masks = append(masks, cleanupSources(l.Name)...)
			outs = append(outs, CleanupOutput(l.Name))
		}
		d := stage.LabelFilter(nil, masks, outs)
		d.OptionalOutputs = outs
		b.Declare(d)
		return &Cleanup{b}, b.Config.validate(table)
	})
}

// CleanupOutput names the cleaned mask of a label, work/cleanup/clean/<label>.nii.gz.
func CleanupOutput(label string) stage.Artefact { return stage.Artefact("clean/" + label) }

// CleanupParams are the stage's parameters.
type CleanupParams struct {
	// MinOrganMM3 and MinVesselMM3 are the smallest islands kept, in mm³,
	// for labels whose mesh profile is "vessel" and for all others.
	MinOrganMM3  float64 `yaml:"min_organ_mm3" json:"min_organ_mm3"`
	MinVesselMM3 float64 `yaml:"min_vessel_mm3" json:"min_vessel_mm3"`
	// MinIslandMM3 overrides the smallest island kept for named labels.
	MinIslandMM3 map[string]float64 `yaml:"min_island_mm3" json:"min_island_mm3"`
	// KeepLargest lists labels of which only the largest component is kept.
	KeepLargest []string `yaml:"keep_largest" json:"keep_largest"`
	// FillHoles lists the solid organs whose enclosed holes are filled.
	FillHoles []string `yaml:"fill_holes" json:"fill_holes"`
	// Connectivity of components, 6 or 26.
	Connectivity int `yaml:"connectivity" json:"connectivity"`
}

// DefaultCleanupParams are the parameters config.yaml starts from.
func DefaultCleanupParams() CleanupParams {
	return CleanupParams{
		MinOrganMM3:  100,
		MinVesselMM3: 20,
		KeepLargest:  []string{"kidney_left", "kidney_right"},
		FillHoles:    []string{"kidney_left", "kidney_right", "tumor", "cyst", "liver", "spleen"},
		Connectivity: 26,
	}
}

func (p CleanupParams) validate(t *labels.Table) error {
	var bad []string
	names := slices.Concat(p.KeepLargest, p.FillHoles)
	for n := range p.MinIslandMM3 {
		names = append(names, n)
	}
	for _, n := range names {
		if _, ok := t.ByName(n); !ok {
			bad = append(bad, n)
		}
	}
	var problems []string
	if len(bad) > 0 {
		slices.Sort(bad)
		problems = append(problems, "parameters name labels the label table lacks: "+strings.Join(slices.Compact(bad), ", "))
	}
	if p.Connectivity != 6 && p.Connectivity != 26 {
		problems = append(problems, fmt.Sprintf("connectivity %d: want 6 or 26", p.Connectivity))
	}
	if len(problems) > 0 {
		return fmt.Errorf("cleanup: %s", strings.Join(problems, "; "))
	}
	return nil
}

// minIsland is the smallest island of label l kept, in mm³.
func (p CleanupParams) minIsland(l labels.Label) float64 {
	if v, ok := p.MinIslandMM3[l.Name]; ok {
		return v
	}
	if l.Mesh.Profile == "vessel" {
		return p.MinVesselMM3
	}
	return p.MinOrganMM3
}

// Cleanup is the stage "cleanup", which cleans each structure mask before
// the masks are merged: it removes islands below a per-label volume, keeps
// only the largest component of each kidney (each side has its own label,
// so the other kidney is never touched) and fills holes in solid organs.
// For the artery, vein and ureter it cleans the reconnected mask when a
// reconnect stage made one (stage reconnect joins fragments first; what is
// left unjoined and small is removed here), else the mask as given. It
// writes clean/<label> (CleanupOutput) for every label whose mask the case
// has, and records which artefact it cleaned (stage.SourcesRecord).
type Cleanup struct {
	stage.Base[CleanupParams]
}

// cleanupSources are the artefacts a label's mask is cleaned from, the first the
// case has: reconnected, else as a segmentation stage or input/masks gave
// it.
func cleanupSources(label string) []stage.Artefact {
	return []stage.Artefact{ReconnectOutput(label), stage.Mask(label)}
}

// CleanupReport is what the stage did to one label, recorded in the manifest.
type CleanupReport struct {
	Voxels         int `json:"voxels"`          // in the mask read
	IslandsRemoved int `json:"islands_removed"` // components below the minimum volume
	OthersRemoved  int `json:"others_removed"`  // components beside the largest, for keep_largest labels
	VoxelsRemoved  int `json:"voxels_removed"`
	VoxelsFilled   int `json:"voxels_filled"` // hole voxels filled
}

// Run cleans each present mask and writes its cleaned version. Labels are
// cleaned concurrently, each read, cleaned and written in turn, so that one
// label's reading and writing overlap another's work.
func (s *Cleanup) Run(ctx context.Context, env *stage.Env) error {
	grid, err := referenceGrid(env)
	if err != nil {
		return err
	}
	present, paths, read := pickSources(env, stage.Structures(s.Table), cleanupSources)
	env.Record[stage.SourcesRecord] = read
	reports := make([]CleanupReport, len(present))
	err = parallel.Each(ctx, len(present), func(n int) (err error) {
		reports[n], err = s.cleanFile(env, present[n], paths[n], grid)
		return err
	}, func(done int) { env.Progress(float64(done) / float64(len(present))) })
	if err != nil {
		return err
	}
	byLabel := map[string]CleanupReport{}
	for n, l := range present {
		byLabel[l.Name] = reports[n]
	}
	env.Record["labels"] = byLabel
	return nil
}

// cleanFile reads the mask of l at path (any nonzero stored value is
// inside: volume.LoadMask), which must lie on grid, cleans it and writes
// it. It holds the mask as the slices from its first nonzero voxel to its
// last (volume.LoadMaskOn), never the zeros around them.
func (s *Cleanup) cleanFile(env *stage.Env, l labels.Label, path string, grid volume.Grid) (CleanupReport, error) {
	m, err := volume.LoadMaskOn(path, grid)
	if err != nil {
		return CleanupReport{}, err
	}
	r, out := s.clean(m, l)
	return r, volume.SavePart(env.Output(CleanupOutput(l.Name)), out, env.Atomic())
}

// clean cleans m, working on its bounding box (grown by one voxel so that
// hole filling sees the outside), and says what it did. The voxels it
// keeps are 1; the result is zero outside that box.
func (s *Cleanup) clean(m *volume.Part[uint8], l labels.Label) (CleanupReport, *volume.Part[uint8]) {
	lo, hi, ok := volume.PartBoundingBox(m)
	if !ok {
		return CleanupReport{}, m
	}
	lo, hi = volume.GrowBox(m.Grid, lo, hi, [3]int{1, 1, 1})
	c := labelops.Connectivity(s.Config.Connectivity)
	crop := m.Crop(lo, hi)
	var r CleanupReport
	r.Voxels = labelops.Count(crop)
	crop, r.IslandsRemoved = labelops.RemoveSmall(crop, c, s.Config.minIsland(l))
	if slices.Contains(s.Config.KeepLargest, l.Name) {
		_, sizes := labelops.Components(crop, c)
		r.OthersRemoved = max(len(sizes)-1, 0)
		crop = labelops.Largest(crop, c)
	}
	kept := labelops.Count(crop)
	r.VoxelsRemoved = r.Voxels - kept
	if slices.Contains(s.Config.FillHoles, l.Name) {
		crop = labelops.FillHoles(crop)
		r.VoxelsFilled = labelops.Count(crop) - kept
	}
	return r, volume.CropPart(m.Grid, lo, crop)
}

// Interface guards.
var (
	_ stage.Stage           = (*Cleanup)(nil)
	_ stage.OptionalInputs  = (*Cleanup)(nil)
	_ stage.OptionalOutputs = (*Cleanup)(nil)
)
