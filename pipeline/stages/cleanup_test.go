package stages

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
)

// cleanupBox is the voxels lo ≤ p < hi.
type cleanupBox struct{ lo, hi [3]int }

func (b cleanupBox) has(i, j, k int) bool {
	return i >= b.lo[0] && j >= b.lo[1] && k >= b.lo[2] && i < b.hi[0] && j < b.hi[1] && k < b.hi[2]
}

// cleanupCase writes a case with a 30×20×16 arterial phase of 2×2×2 mm (8
// mm³ voxels) and the masks given as boxes, minus holes, set to value(name).
func cleanupCase(t *testing.T, masks map[string][]cleanupBox, holes map[string]cleanupBox, value func(string) uint8) *casefile.Case {
	t.Helper()
	g := volume.Grid{Dims: [3]int{30, 20, 16}, Affine: volume.Affine{{2, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 1}}}
	a := &volume.Volume[int16]{Grid: g, Data: append(make([]int16, g.Len()-1), 100)} // not constant: load refuses a constant image
	ms := map[string]*volume.Volume[uint8]{}
	for name, boxes := range masks {
		ms[name] = maskOf(g, func(i, j, k int) bool {
			for _, b := range boxes {
				if b.has(i, j, k) && !holes[name].has(i, j, k) {
					return true
				}
			}
			return false
		})
		for n, x := range ms[name].Data {
			ms[name].Data[n] = x * value(name)
		}
	}
	return writeCase(t, map[string]*volume.Volume[int16]{"A": a}, ms)
}

func runCleanup(c *casefile.Case, params stage.Params) error {
	var stages []stage.Stage
	for _, kind := range []string{"load", "cleanup"} {
		p := stage.Params(nil)
		if kind == "cleanup" {
			p = params
		}
		s, err := stage.New(kind, "", p, nil)
		if err != nil {
			return err
		}
		stages = append(stages, s)
	}
	return orchestrate.Run(context.Background(), c, stages, orchestrate.Options{Program: "test"})
}

func cleanedVoxels(t *testing.T, c *casefile.Case, label string) int {
	t.Helper()
	return labelops.Count(stagetest.LoadOutput(t, c, "cleanup", CleanupOutput(label)))
}

func TestCleanup(t *testing.T) {
	big := cleanupBox{[3]int{2, 2, 2}, [3]int{10, 10, 10}}       // 512 voxels, 4096 mm³
	second := cleanupBox{[3]int{14, 2, 2}, [3]int{18, 6, 6}}     // 64 voxels, 512 mm³
	island := cleanupBox{[3]int{22, 15, 12}, [3]int{24, 17, 13}} // 4 voxels, 32 mm³
	speck := cleanupBox{[3]int{27, 2, 2}, [3]int{29, 3, 3}}      // 2 voxels, 16 mm³
	masks := map[string][]cleanupBox{
		"kidney_left":  {big, second, island},
		"kidney_right": {second},
		"tumor":        {big, island},
		"artery":       {big, island, speck},
	}
	holes := map[string]cleanupBox{"tumor": {[3]int{4, 4, 4}, [3]int{6, 6, 6}}, "artery": {[3]int{4, 4, 4}, [3]int{6, 6, 6}}}
	// Masks hold 1 or the label's own value.
	own := map[string]uint8{"kidney_left": 1, "kidney_right": 2, "tumor": 3, "artery": 5}
	for _, value := range []func(string) uint8{func(string) uint8 { return 1 }, func(n string) uint8 { return own[n] }} {
		c := cleanupCase(t, masks, holes, value)
		if err := runCleanup(c, nil); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			label string
			want  int
		}{
			{"kidney_left", 512},    // island and the smaller component dropped
			{"kidney_right", 64},    // the other side's only component is kept
			{"tumor", 512},          // island dropped, hole filled
			{"artery", 512 - 8 + 4}, // speck below 20 mm³ dropped, island kept, hole kept
		}
		if _, err := os.Stat(c.ArtefactPath("cleanup", CleanupOutput("liver"))); err == nil {
			t.Error("a cleaned liver mask was written for a case without one")
		}
		for _, tc := range tests {
			if got := cleanedVoxels(t, c, tc.label); got != tc.want {
				t.Errorf("%s: %d voxels, want %d", tc.label, got, tc.want)
			}
		}
		var man struct {
			Stages map[string]struct {
				Record struct {
					Labels map[string]CleanupReport `json:"labels"`
				} `json:"record"`
			} `json:"stages"`
		}
		b, err := os.ReadFile(c.ManifestPath())
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &man); err != nil {
			t.Fatal(err)
		}
		got := man.Stages["cleanup"].Record.Labels["kidney_left"]
		want := CleanupReport{Voxels: 580, IslandsRemoved: 1, OthersRemoved: 1, VoxelsRemoved: 68}
		if got != want {
			t.Errorf("kidney_left record %+v, want %+v", got, want)
		}
		if got := man.Stages["cleanup"].Record.Labels["tumor"].VoxelsFilled; got != 8 {
			t.Errorf("tumor: %d voxels filled, want 8", got)
		}
	}
}

func TestCleanupParamsMustNameKnownLabels(t *testing.T) {
	tests := []stage.Params{
		{"fill_holes": []string{"kidnee"}},
		{"min_island_mm3": map[string]float64{"livr": 5}},
		{"connectivity": 18},
		{"min_organ": 3},
	}
	for _, p := range tests {
		if _, err := stage.New("cleanup", "", p, nil); err == nil {
			t.Errorf("accepted %v", p)
		}
	}
}
