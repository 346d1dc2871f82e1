package editops

import (
	"strings"
	"testing"
)

// The intensities of testEnv are 10·i HU on a 20³ grid of 1 mm voxels at
// the origin, so every region below is counted by hand.
func TestRegionOps(t *testing.T) {
	for _, c := range []struct {
		name, ops string
		want      []int
	}{
		// i = 4, 5, 6 hold 40–60 HU: 3 × 20 × 20 voxels, or 3 × 20 on one slice
		{"flood 3D", `[{"op":"flood","label":"tumor","point_mm":[5,5,5],"hu":[40,60]}]`, []int{1200}},
		{"flood on an axial slice", `[{"op":"flood","label":"tumor","point_mm":[5,5,5],"hu":[40,60],"plane":"axial"}]`, []int{60}},
		// at and above the seed's 100 HU on its slice: i = 10…19, 10 × 20
		{"level tracing", `[{"op":"level_trace","label":"tumor","point_mm":[10,3,7],"plane":"axial"}]`, []int{200}},
		// 5×5 squares drawn on slices 4 and 8, filled on 5, 6 and 7
		{"fill between slices", `[
		  {"op":"draw","label":"tumor","plane":"axial","points_mm":[[4.5,4.5,4],[9.5,4.5,4],[9.5,9.5,4],[4.5,9.5,4]]},
		  {"op":"draw","label":"tumor","plane":"axial","points_mm":[[4.5,4.5,8],[9.5,4.5,8],[9.5,9.5,8],[4.5,9.5,8]]},
		  {"op":"interpolate","label":"tumor","plane":"axial"}]`, []int{25, 25, 75}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := run(testEnv(), c.ops)
			if err != nil || len(got) != len(c.want) {
				t.Fatalf("%v, %v; want %v", got, err, c.want)
			}
			for n := range got {
				if got[n] != c.want[n] {
					t.Errorf("op %d changed %d voxels, want %d", n, got[n], c.want[n])
				}
			}
		})
	}
}

// Two one-voxel seeds at x = 2 and x = 17 on the 10·x HU ramp share the
// grid at the middle: x ≤ 9 takes the first, x ≥ 10 the second.
func TestGrowSeedsSplitsARamp(t *testing.T) {
	env := testEnv()
	if _, err := run(env, `[
	  {"op":"paint","label":"tumor","shape":"disc","plane":"axial","center_mm":[2,10,10],"radius_mm":0.5},
	  {"op":"paint","label":"cyst","shape":"disc","plane":"axial","center_mm":[17,10,10],"radius_mm":0.5},
	  {"op":"grow_seeds","labels":["tumor","cyst"],"mm":40}]`); err != nil {
		t.Fatal(err)
	}
	tumor, cyst := env.Table.Value("tumor"), env.Table.Value("cyst")
	for n, x := range env.Labels.Data {
		i, _, _ := env.Labels.Coords(n)
		if want := map[bool]uint8{true: tumor, false: cyst}[i <= 9]; x != want {
			t.Fatalf("voxel %v holds %d, want %d", n, x, want)
		}
	}
	if _, err := run(env, `[{"op":"grow_seeds","labels":["tumor"]}]`); err == nil || !strings.Contains(err.Error(), "needs two or more") {
		t.Errorf("one label: %v", err)
	}
}

// An orthographic view of the 20 mm cube onto 200×200 pixels puts voxel x
// at pixel 10·x: a polygon over pixels x < 95 cuts the half x ≤ 9.
func TestScissorsCutsAlongTheLineOfSight(t *testing.T) {
	env := testEnv()
	ops := `[{"op":"threshold","label":"tumor","hu":[0,190]},
	  {"op":"scissors","label":"tumor","view_proj":[0.1,0,0,-1, 0,0.1,0,-1, 0,0,0.1,-1, 0,0,0,1],
	   "viewport":[0,0,200,200],"polygon_px":[[-1,-1],[95,-1],[95,201],[-1,201]]}]`
	got, err := run(env, ops)
	if err != nil || len(got) != 2 || got[0] != 8000 || got[1] != 4000 {
		t.Fatalf("%v, %v; want [8000 4000]", got, err)
	}
	for n, x := range env.Labels.Data {
		if i, _, _ := env.Labels.Coords(n); (x == 0) != (i <= 9) {
			t.Fatalf("voxel %d (x %d) holds %d after the cut", n, i, x)
		}
	}
}
