package editops

import (
	"strings"
	"testing"

	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

func TestParseErrors(t *testing.T) {
	table := labels.Default()
	cases := []struct{ json, want string }{
		{`{"op":"paint"}`, "ops.json: not a JSON list of ops"},
		{`[{"op":"paint","label":"tumor"},{"op":"paint","label":"tumour"}]`, `ops.json: op 1 (paint): unknown label "tumour" (labels: kidney_left,`},
		{`[{"op":"spray"}]`, `ops.json: op 0 (spray): unknown op "spray" (known: draw, erase, flood, grow_seeds, hollow, interpolate, islands, level_trace, logical, margin, paint, relabel, scissors, smooth, threshold)`},
		{`[{"op":"grow_seeds","labels":["tumor","nope"]}]`, `ops.json: op 0 (grow_seeds): unknown label "nope"`},
		{`[{"op":"paint","label":"tumor","radius":3}]`, `ops.json: op 0: json: unknown field "radius"`},
		{`[{"op":"paint","label":"tumor","mask":{"overwritable":["liverr"]}}]`, `unknown label "liverr"`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.json), "ops.json", table)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.json, err, c.want)
		}
	}
}

func testEnv() *Env {
	g := volume.Grid{Dims: [3]int{20, 20, 20}, Affine: volume.Identity}
	hu := volume.New[int16](g)
	for n := range hu.Data {
		i, _, _ := hu.Coords(n)
		hu.Data[n] = int16(10 * i)
	}
	return &Env{Labels: volume.New[uint8](g), Table: labels.Default(),
		Intensity: func(string) (*volume.Volume[int16], error) { return hu, nil }}
}

// run parses and applies ops on env, returning the voxels each changed or
// the first error.
func run(env *Env, js string) ([]int, error) {
	ops, err := Parse([]byte(js), "ops.json", env.Table)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, o := range ops {
		c, m, hu, err := o.Change(env)
		if err != nil {
			return out, err
		}
		d, err := labeledit.Apply(env.Labels, c, m, hu)
		if err != nil {
			return out, err
		}
		out = append(out, d.Voxels())
	}
	return out, nil
}

func TestOps(t *testing.T) {
	env := testEnv()
	got, err := run(env, `[
	  {"op":"paint","label":"tumor","center_mm":[10,10,10],"radius_mm":2},
	  {"op":"paint","label":"cyst","shape":"disc","plane":"axial","center_mm":[10,10,10],"radius_mm":2,"mask":{"overwrite":"none"}},
	  {"op":"erase","label":"tumor","center_mm":[10,10,11],"radius_mm":1},
	  {"op":"threshold","label":"kidney_left","hu":[0,10],"mask":{"editable":"outside_all"}},
	  {"op":"margin","label":"tumor","mm":1},
	  {"op":"paint","label":"artery","center_mm":[15,15,15],"radius_mm":1,"mask":{"hu":[155,200]}}
	]`)
	if err != nil {
		t.Fatal(err)
	}
	// 33 in the ball; the disc's 13 all hold tumor (overwrite none: 0);
	// the erase ball's 7 voxels hold tumor but the top one (z=12) does
	// (it is in the r=2 ball): 7; x = 0 or 1 of 20×20 = 800 voxels; cyst
	// the 1 mm margin adds the 54 background voxels face-adjacent to the
	// tumour (TestMarginByHand counts them); the artery ball keeps
	// x ≥ 15.5 (HU ≥ 155): the voxel at x=16 only.
	want := []int{33, 0, 7, 800, 54, 1}
	for n := range want {
		if n < len(got) && want[n] >= 0 && got[n] != want[n] {
			t.Errorf("op %d changed %d voxels, want %d", n, got[n], want[n])
		}
	}
	for _, c := range []struct{ js, want string }{
		{`[{"op":"paint","label":"tumor","center_mm":[10,10,10],"radius_mm":-1}]`, "radius -1 mm: must be a positive number"},
		{`[{"op":"paint","label":"tumor","center_mm":[100,10,10],"radius_mm":1}]`, "point (100.0, 10.0, 10.0) mm RAS is outside the image"},
		{`[{"op":"paint","label":"tumor","radius_mm":1}]`, "center_mm is missing"},
		{`[{"op":"relabel","label":"cyst","to":"tumor"}]`, "the label map holds no voxel of cyst"},
	} {
		if _, err := run(testEnv(), c.js); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.js, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`[{"op":"paint","label":"tumor","center_mm":[1,2,3],"radius_mm":10}]`))
	f.Add([]byte(`[{"op":"islands","label":"kidney_left","mode":"keep_largest"},{"op":"erase"}]`))
	f.Add([]byte(`[{"op":"logical","label":"tumor","operator":"subtract","operand":"cyst","from_version":0,"mask":{"editable":"inside","inside_label":"kidney_left","hu":[0,1],"overwrite":"listed","overwritable":["cyst"]}}]`))
	table := labels.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := Parse(data, "fuzz", table)
		if err != nil {
			return
		}
		env := testEnv()
		for _, o := range ops {
			o.Change(env) // never panics on a parsed op
		}
	})
}

// TestMarginByHand counts, by brute force, the background voxels that a
// 1 mm margin adds to TestOps's tumour: those sharing a face with it.
func TestMarginByHand(t *testing.T) {
	env := testEnv()
	if _, err := run(env, `[
	  {"op":"paint","label":"tumor","center_mm":[10,10,10],"radius_mm":2},
	  {"op":"erase","label":"tumor","center_mm":[10,10,11],"radius_mm":1}]`); err != nil {
		t.Fatal(err)
	}
	lm := env.Labels
	n := 0
	for k := 1; k < 19; k++ {
		for j := 1; j < 19; j++ {
			for i := 1; i < 19; i++ {
				if lm.At(i, j, k) != 0 {
					continue
				}
				for _, d := range [][3]int{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}} {
					if lm.At(i+d[0], j+d[1], k+d[2]) == 3 {
						n++
						break
					}
				}
			}
		}
	}
	if n != 54 {
		t.Errorf("%d background voxels touch the tumour, want 54", n)
	}
}
