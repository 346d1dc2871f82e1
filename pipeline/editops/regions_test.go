package editops

import (
	"strings"
	"testing"

	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/measure"
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

// blockEnv is testEnv with 0 HU but in the 3³ block (8…10, 8…10, 8…10),
// which holds hu(i) HU.
func blockEnv(hu func(i int) int16) *Env {
	env := testEnv()
	img, _ := env.Intensity("")
	for n := range img.Data {
		i, j, k := img.Coords(n)
		img.Data[n] = 0
		if i >= 8 && i <= 10 && j >= 8 && j <= 10 && k >= 8 && k <= 10 {
			img.Data[n] = hu(i)
		}
	}
	return env
}

// With background box_faces one label is enough: a seed in a bright 3³
// block wins the block, the box's dark faces (and the cyst beside it, a
// label not listed) the rest; the cyst's voxel stays cyst. Run again on the same
// Grower, the competition is kept and nothing changes.
func TestGrowSeedsBoxFaces(t *testing.T) {
	env := blockEnv(func(int) int16 { return 200 })
	env.Labels.Set(7, 9, 9, env.Table.Value("cyst"))
	env.Grower = &Grower{}
	ops := `[{"op":"paint","label":"tumor","shape":"disc","plane":"axial","center_mm":[9,9,9],"radius_mm":0.5},
	  {"op":"grow_seeds","labels":["tumor"],"background":"box_faces","mm":3}]`
	got, err := run(env, ops)
	if err != nil || len(got) != 2 || got[0] != 1 || got[1] != 26 {
		t.Fatalf("%v, %v; want [1 26]", got, err)
	}
	tumor, cyst := env.Table.Value("tumor"), env.Table.Value("cyst")
	for n, x := range env.Labels.Data {
		i, j, k := env.Labels.Coords(n)
		in := i >= 8 && i <= 10 && j >= 8 && j <= 10 && k >= 8 && k <= 10
		want := map[bool]uint8{true: tumor, false: 0}[in]
		if i == 7 && j == 9 && k == 9 {
			want = cyst
		}
		if x != want {
			t.Fatalf("voxel (%d, %d, %d) holds %d, want %d", i, j, k, x, want)
		}
	}
	// Again: the label (the block) lies inside the box, off its faces, so
	// the competition is kept; a seed beyond the box makes a new one.
	gc, again := env.Grower.gc, `[{"op":"grow_seeds","labels":["tumor"],"background":"box_faces","mm":3}]`
	if got, err := run(env, again); err != nil || got[0] != 0 || env.Grower.gc != gc || env.Grower.lo != [3]int{6, 6, 6} {
		t.Errorf("again: %v, %v, competition kept %v, box from %v; want [0], kept, from [6 6 6]", got, err, env.Grower.gc == gc, env.Grower.lo)
	}
	env.Labels.Set(15, 9, 9, tumor)
	if _, err := run(env, again); err != nil || env.Grower.gc == gc || env.Grower.lo != [3]int{5, 5, 5} || env.Grower.hi != [3]int{19, 14, 14} {
		t.Errorf("a seed beyond the box: %v, new competition %v, box %v–%v; want new, [5 5 5]–[19 14 14]", err, env.Grower.gc != gc, env.Grower.lo, env.Grower.hi)
	}
	if _, err := run(env, `[{"op":"grow_seeds","labels":["tumor"],"background":"sky"}]`); err == nil || !strings.Contains(err.Error(), `background "sky"`) {
		t.Errorf("bad background: %v", err)
	}
}

// Seed strokes (Grower.AddSeeds) stay apart from the label map: a grow
// previewed from them twice gives the same result, a background stroke
// in the dimmer layer of the block shrinks it to the bright layers, and
// the map holds none of it. The block is i = 8, 9 at 200 HU and i = 10 at
// 150 HU, j and k 8…10.
func TestGrowSeedsFromStrokes(t *testing.T) {
	env := blockEnv(func(i int) int16 { return 200 - 50*int16(i/10) })
	env.Grower = &Grower{}
	ops, err := Parse([]byte(`[{"op":"grow_seeds","labels":["tumor"],"background":"box_faces","mm":3}]`), "ops.json", env.Table)
	if err != nil {
		t.Fatal(err)
	}
	grown := func() int {
		c, m, h, err := ops[0].Change(env)
		if err != nil {
			t.Fatal(err)
		}
		lm := env.Labels.Clone()
		if _, err := labeledit.Apply(lm, c, m, h); err != nil {
			t.Fatal(err)
		}
		return measure.Counts(lm)[env.Table.Value("tumor")]
	}
	if _, _, _, err := ops[0].Change(env); err == nil || !strings.Contains(err.Error(), "paint a few seed strokes first") {
		t.Fatalf("no seeds: %v", err)
	}
	r := 0.5
	stroke := func(x float64, background bool) {
		o := &Op{Op: "paint", Label: "tumor", Shape: "disc", Plane: "axial", CenterMM: &[3]float64{x, 9, 9}, RadiusMM: &r}
		if _, err := env.Grower.AddSeeds(o, env, background); err != nil {
			t.Fatal(err)
		}
	}
	stroke(8, false)
	if a, b := grown(), grown(); a != 27 || b != 27 {
		t.Errorf("two updates from the same seed: %d and %d tumour voxels, want 27", a, b)
	}
	stroke(10, true)
	if n := grown(); n != 18 {
		t.Errorf("with a background stroke at i = 10: %d tumour voxels, want 18", n)
	}
	for _, x := range env.Labels.Data {
		if x != 0 {
			t.Fatal("the seed strokes or the grow were written into the label map")
		}
	}
	env.Grower.Reset()
	if _, _, _, err := ops[0].Change(env); err == nil {
		t.Error("after Reset the strokes still seed the grow")
	}
}
