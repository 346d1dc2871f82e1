package reconnect

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/post/midline"
	"kidney3d/pipeline/volume"
)

// demoInput is the reconnection input of one structure of a defective demo
// case: the delayed phase is moved onto the arterial grid by the known
// breathing shift, as registration would.
func demoInput(t testing.TB, c *demo.Case, m *demo.Masks, label, parent, phase string) Input {
	t.Helper()
	hu := c.Phases["A"]
	if phase != "A" {
		ph := c.Phases[phase]
		moved := &volume.Volume[int16]{Grid: ph.Grid, Data: ph.Data}
		s := c.Params.Phases[phase].ShiftMM
		moved.Affine = ph.Affine.Translated([3]float64{-s[0], -s[1], -s[2]})
		var err error
		if hu, err = volume.Resample(moved, c.Truth.Grid, volume.Linear, -1024); err != nil {
			t.Fatal(err)
		}
	}
	return Input{
		Mask: m.ByLabel[label], HU: hu, Parent: m.ByLabel[parent],
		Forbidden: BoneMask(c.Phases["A"], 500, m.ByLabel["spine"]),
		MidlineX:  midline.X(c.Truth.Grid, m.ByLabel["kidney_left"], m.ByLabel["kidney_right"]),
	}
}

// outsideTruth counts the bridge voxels outside the truth label dilated by
// one voxel, and all bridge voxels.
func outsideTruth(truth *volume.Volume[uint8], value uint8, bs []Bridge) (out, all int) {
	for _, b := range bs {
		if !b.Accepted {
			continue
		}
		for _, v := range b.Path {
			all++
			near := false // the voxel or one of its 26 neighbours is in the truth
			for dk := -1; dk <= 1; dk++ {
				for dj := -1; dj <= 1; dj++ {
					for di := -1; di <= 1; di++ {
						i, j, k := v[0]+di, v[1]+dj, v[2]+dk
						near = near || (truth.Contains(i, j, k) && truth.At(i, j, k) == value)
					}
				}
			}
			if !near {
				out++
			}
		}
	}
	return out, all
}

func TestDemoSuccessRates(t *testing.T) {
	seeds := demotest.Seeds(40, 3)
	table := labels.Default()
	for _, tc := range []struct {
		label, parent, phase string
		p                    Params
	}{
		{"artery", "aorta", "A", Arterial},
		{"ureter", "urinary_bladder", "D", Excretory},
	} {
		t.Run(tc.label, func(t *testing.T) {
			var connected, sides, out, all int
			var took time.Duration
			for seed := 1; seed <= seeds; seed++ {
				c, m := demotest.Defective(t, int64(seed))
				in := demoInput(t, c, m, tc.label, tc.parent, tc.phase)
				start := time.Now()
				res, err := Reconnect(context.Background(), in, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				took += time.Since(start)
				o, a := outsideTruth(c.Truth, table.Value(tc.label), res.Bridges)
				out, all = out+o, all+a
				for _, s := range Sides {
					sides++
					if res.After[s] == 0 {
						connected++
					} else {
						t.Logf("seed %d %s: %d fragments left (%d before)", seed, s, res.After[s], res.Before[s])
					}
				}
				for _, b := range res.Bridges {
					t.Logf("seed %d: %s", seed, fmt.Sprintf("%+v", struct {
						Side      string
						Len, HU   float64
						Vox, Frag int
						Acc       bool
						Reason    string
					}{b.Side, b.LengthMM, b.MeanHU, b.Voxels, b.FragmentVoxels, b.Accepted, b.Reason}))
				}
			}
			rate := float64(connected) / float64(sides)
			t.Logf("%s: connected %d/%d sides (%.1f%%), bridge voxels outside truth+1 voxel %d/%d, %.0f ms per case",
				tc.label, connected, sides, 100*rate, out, all, float64(took.Milliseconds())/float64(seeds))
			if rate < 0.95 {
				t.Errorf("connected in %.1f%% of sides, want ≥ 95%%", 100*rate)
			}
			if all > 0 && float64(out) > 0.05*float64(all) {
				t.Errorf("%d of %d bridge voxels outside the truth dilated by one voxel, want ≤ 5%%", out, all)
			}
		})
	}
}
