package reconnect

import (
	"context"
	"strings"
	"testing"

	"kidney3d/pipeline/volume"
)

// tubeCase is a 1 mm grid holding a straight bright vessel along x at
// y = z = 10 from a parent block at x < 3 to x = 50, with the mask broken
// over [gapLo, gapHi).
func tubeCase(gapLo, gapHi int, gapHU int16) Input {
	g := volume.Grid{Dims: [3]int{56, 20, 20}, Affine: volume.Identity}
	in := Input{Mask: volume.New[uint8](g), HU: volume.New[int16](g), Parent: volume.New[uint8](g), MidlineX: -100}
	for n := range in.HU.Data {
		in.HU.Data[n] = -100
	}
	for k := 8; k <= 12; k++ {
		for j := 8; j <= 12; j++ {
			for i := 0; i < 3; i++ {
				in.Parent.Set(i, j, k, 1)
				in.HU.Set(i, j, k, 300)
			}
		}
	}
	for i := 3; i <= 50; i++ {
		for _, d := range [][2]int{{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			j, k := 10+d[0], 10+d[1]
			in.HU.Set(i, j, k, 300)
			if i < gapLo || i >= gapHi {
				in.Mask.Set(i, j, k, 1)
			} else {
				in.HU.Set(i, j, k, gapHU)
			}
		}
	}
	return in
}

func TestBridgesFollowTheVesselOrAreRejected(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         Input
		accepted   bool
		reason     string
		minV, maxV int
	}{
		{"short bright gap", tubeCase(20, 26, 300), true, "", 6, 6},
		{"gap too long", tubeCase(10, 45, 300), false, "max_gap_mm", 0, 0},
		{"dark gap", tubeCase(20, 26, -80), false, "mean", 6, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Params{LowHU: 0, FullHU: 200, OffCost: 50, MaxGapMM: 20, MinMeanHU: 100, MinCos: 0.5}
			res, err := Reconnect(context.Background(), tc.in, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Bridges) != 1 {
				t.Fatalf("%d bridges, want 1: %+v", len(res.Bridges), res.Bridges)
			}
			b := res.Bridges[0]
			if b.Accepted != tc.accepted || !strings.Contains(b.Reason, tc.reason) {
				t.Errorf("accepted %v (%q), want %v (%q)", b.Accepted, b.Reason, tc.accepted, tc.reason)
			}
			if b.Voxels < tc.minV || b.Voxels > tc.maxV {
				t.Errorf("%d new voxels, want %d to %d", b.Voxels, tc.minV, tc.maxV)
			}
			for _, v := range b.Path {
				if v[1] < 9 || v[1] > 11 || v[2] < 9 || v[2] > 11 {
					t.Errorf("bridge voxel %v leaves the vessel", v)
				}
			}
			want := map[string]int{"left": 0, "right": 0}
			if !tc.accepted {
				want["right"] = 1
			}
			if res.After["left"] != want["left"] || res.After["right"] != want["right"] {
				t.Errorf("fragments after %v, want %v", res.After, want)
			}
			if tc.in.Mask.At(22, 10, 10) != 0 {
				t.Error("Reconnect changed its input")
			}
		})
	}
}

func TestBridgesNeverCrossBone(t *testing.T) {
	in := tubeCase(20, 26, 300)
	in.Forbidden = volume.New[uint8](in.Mask.Grid)
	for k := range 20 {
		for j := range 20 {
			in.Forbidden.Set(23, j, k, 1)
		}
	}
	res, err := Reconnect(context.Background(), in, Params{LowHU: 0, FullHU: 200, OffCost: 50, MaxGapMM: 20, MinMeanHU: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bridges) != 1 || res.Bridges[0].Accepted || !strings.Contains(res.Bridges[0].Reason, "forbidden") {
		t.Errorf("bridges %+v, want one rejected for the bone", res.Bridges)
	}
}
