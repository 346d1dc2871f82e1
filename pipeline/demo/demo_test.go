package demo

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"testing"
	"time"

	"kidney3d/pipeline/volume"
)

func generate(t testing.TB, seed int64, size Size) *Case {
	t.Helper()
	c, err := Generate(Options{Seed: seed, Size: size})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		ok   bool
	}{{"small", Small, true}, {"full", Full, true}, {"Small", 0, false}, {"", 0, false}, {"medium", 0, false}} {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tc.in)
		}
	}
	if _, err := Generate(Options{Size: Size(7)}); err == nil {
		t.Error("Generate accepted an unknown size")
	}
}

func TestDeterministic(t *testing.T) {
	a := generate(t, 7, Small)
	prev := runtime.GOMAXPROCS(1)
	b := generate(t, 7, Small)
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(a.Params, b.Params) {
		t.Fatalf("params differ:\n%+v\n%+v", a.Params, b.Params)
	}
	if !reflect.DeepEqual(a.Truth, b.Truth) {
		t.Fatal("truth differs between runs")
	}
	for name := range a.Phases {
		if !reflect.DeepEqual(a.Phases[name], b.Phases[name]) {
			t.Fatalf("phase %s differs between runs", name)
		}
	}
	c := generate(t, 8, Small)
	if reflect.DeepEqual(a.Truth.Data, c.Truth.Data) || reflect.DeepEqual(a.Phases["A"].Data, c.Phases["A"].Data) {
		t.Fatal("seeds 7 and 8 gave the same case")
	}
}

// mask is the set of voxels of a label map holding label.
func mask(v *volume.Volume[uint8], label uint8) []bool {
	return where(v.Data, func(x uint8) bool { return x == label })
}

// components splits a mask into its 26-connected components.
func components(g volume.Grid, m []bool) [][]int {
	seen := make([]bool, len(m))
	var out [][]int
	for start := range m {
		if !m[start] || seen[start] {
			continue
		}
		comp := []int{start}
		seen[start] = true
		for q := 0; q < len(comp); q++ {
			forNeighbours(g, comp[q], func(n int) {
				if m[n] && !seen[n] {
					seen[n] = true
					comp = append(comp, n)
				}
			})
		}
		out = append(out, comp)
	}
	return out
}

// forNeighbours calls f with each of the 26 neighbours of voxel n.
func forNeighbours(g volume.Grid, n int, f func(int)) {
	i, j, k := g.Coords(n)
	for dk := -1; dk <= 1; dk++ {
		for dj := -1; dj <= 1; dj++ {
			for di := -1; di <= 1; di++ {
				if (di != 0 || dj != 0 || dk != 0) && g.Contains(i+di, j+dj, k+dk) {
					f(g.Index(i+di, j+dj, k+dk))
				}
			}
		}
	}
}

// touches reports whether a voxel set, dilated by one voxel, meets the mask.
func touches(g volume.Grid, set []int, m []bool) bool {
	for _, n := range set {
		hit := false
		forNeighbours(g, n, func(q int) { hit = hit || m[q] })
		if hit {
			return true
		}
	}
	return false
}

// meanHU is the mean of v over a mask.
func meanHU(v *volume.Volume[int16], m []bool) float64 {
	var s float64
	var c int
	for n, in := range m {
		if in {
			s += float64(v.Data[n])
			c++
		}
	}
	return s / float64(c)
}

// sideOf says which side of the aorta a voxel set lies on.
func sideOf(x, aortaX float64) string {
	if x > aortaX {
		return "right"
	}
	return "left"
}

func TestAnatomySeeds1To20(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { checkCase(t, generate(t, seed, Small)) })
	}
}

// checkCase checks a small case's labels, the connectivity of its thin
// structures, its shifts and its HU.
func checkCase(t *testing.T, c *Case) {
	lab := truthLabels()
	g, p := c.Truth.Grid, c.Params
	count := map[uint8]int{}
	for _, x := range c.Truth.Data {
		count[x]++
	}
	for v := uint8(1); v <= 15; v++ {
		want := v != lab.cyst || p.Cyst != nil
		if (count[v] > 0) != want {
			t.Errorf("label %d: %d voxels (cyst chosen: %v)", v, count[v], p.Cyst != nil)
		}
	}
	if !touches(g, indices(mask(c.Truth, lab.tumor)), mask(c.Truth, lab.kidney[p.Tumor.Side])) {
		t.Errorf("tumour does not touch the %s kidney", p.Tumor.Side)
	}
	if p.Cyst != nil && !touches(g, indices(mask(c.Truth, lab.cyst)), mask(c.Truth, lab.kidney[p.Cyst.Side])) {
		t.Errorf("cyst does not touch the %s kidney", p.Cyst.Side)
	}
	aorta, cava, bladder := mask(c.Truth, lab.aorta), mask(c.Truth, lab.ivc), mask(c.Truth, lab.bladder)
	aortaX := centroid(g, indices(aorta))[0]
	one := map[string]int{"left": 1, "right": 1}
	arteries := map[string]int{"left": 1, "right": 1} // the renal artery with its branches
	if acc := p.AccessoryArtery; acc != nil {
		arteries[acc.Side] = 2
	}
	for _, tc := range []struct {
		name   string
		label  uint8
		parent []bool
		want   map[string]int // components per side
	}{
		{"collecting system and ureter", lab.ureter, bladder, one},
		{"renal vein", lab.vein, cava, one},
		{"renal artery", lab.artery, aorta, arteries},
	} {
		perSide := map[string]int{}
		for _, comp := range components(g, mask(c.Truth, tc.label)) {
			side := sideOf(centroid(g, comp)[0], aortaX)
			perSide[side]++
			if !touches(g, comp, tc.parent) {
				t.Errorf("%s: a %d-voxel component on the %s does not reach its parent", tc.name, len(comp), side)
			}
		}
		for _, s := range sides {
			if perSide[s] != tc.want[s] {
				t.Errorf("%s: %d components on the %s, want %d", tc.name, perSide[s], s, tc.want[s])
			}
		}
	}
	checkShifts(t, c)
	checkHU(t, c)
}

// indices lists the voxels of a mask.
func indices(m []bool) []int {
	var out []int
	for n, in := range m {
		if in {
			out = append(out, n)
		}
	}
	return out
}

// checkShifts checks the phases' breathing shifts and grids.
func checkShifts(t *testing.T, c *Case) {
	aLo, aHi := c.Truth.Bounds()
	for _, name := range []string{"A", "P", "D"} {
		ph, v := c.Params.Phases[name], c.Phases[name]
		d := vec(ph.ShiftMM).norm()
		if name == "A" && d != 0 || name != "A" && (d < 2 || d > 6) {
			t.Errorf("phase %s: shift %v (|d| = %.2f mm)", name, ph.ShiftMM, d)
		}
		for col := range 3 {
			if v.Dims != c.Truth.Dims || v.Affine.Column(col) != c.Truth.Affine.Column(col) {
				t.Errorf("phase %s: grid %v differs from A's beyond its origin", name, v.Grid)
			}
		}
		if o := v.Affine.Apply([3]float64{}); o != ph.OriginMM {
			t.Errorf("phase %s: origin %v, params say %v", name, o, ph.OriginMM)
		}
		lo, hi := v.Bounds()
		for a := range 3 {
			overlap := (math.Min(hi[a], aHi[a]) - math.Max(lo[a], aLo[a])) / (aHi[a] - aLo[a])
			if overlap < 0.95 {
				t.Errorf("phase %s overlaps A by only %.0f%% along axis %d", name, 100*overlap, a)
			}
		}
	}
}

// phaseTissue renders the case's anatomy in a phase's own frame (its grid
// and breathing shift): the tissue of every voxel.
func phaseTissue(c *Case, phase string) []tissue {
	size, _ := ParseSize(c.Params.Size)
	_, sc := design(Options{Seed: c.Params.Seed, Size: size})
	ph := c.Params.Phases[phase]
	class := make([]tissue, c.Phases[phase].Len())
	sc.render(ph.grid(size), ph.ShiftMM, class, nil)
	return class
}

// where is the mask of the voxels for which keep holds.
func where[T any](xs []T, keep func(T) bool) []bool {
	m := make([]bool, len(xs))
	for n, x := range xs {
		m[n] = keep(x)
	}
	return m
}

// checkHU checks the contrast of each phase.
func checkHU(t *testing.T, c *Case) {
	lab := truthLabels()
	a := c.Phases["A"]
	if m := meanHU(a, mask(c.Truth, lab.aorta)); math.Abs(m-300) > 40 {
		t.Errorf("aorta in A: mean %.0f HU, want 300±40", m)
	}
	// Cortex and medulla share a label; the tissue map tells them apart.
	class := phaseTissue(c, "A")
	cortex := where(class, func(x tissue) bool { return x == renalCortex })
	medulla := where(class, func(x tissue) bool { return x == renalMedulla })
	if mc, mm := meanHU(a, cortex), meanHU(a, medulla); mc < mm+25 {
		t.Errorf("A: cortex %.0f HU, medulla %.0f HU: want corticomedullary contrast", mc, mm)
	}
	isVein := func(x uint8) bool { return x == lab.vein }
	if ma, mp := meanHU(a, mask(c.Truth, lab.vein)), meanHU(c.Phases["P"], where(c.PhaseTruth["P"].Data, isVein)); mp < ma+15 {
		t.Errorf("renal veins: %.0f HU in P, %.0f HU in A: want brighter in P", mp, ma)
	}
	if m := meanHU(c.Phases["D"], where(c.PhaseTruth["D"].Data, func(x uint8) bool { return x == lab.ureter })); m < 600 {
		t.Errorf("collecting system and ureters in D: mean %.0f HU, want ≥ 600", m)
	}
}

func TestShiftMovesAnatomy(t *testing.T) {
	// Each kidney's centroid in a phase's own labels must sit where the
	// recorded shift puts A's: the anatomy A shows at x is at x + shift.
	lab := truthLabels()
	for seed := int64(1); seed <= 3; seed++ {
		c := generate(t, seed, Small)
		for _, phase := range []string{"P", "D"} {
			if c.PhaseTruth[phase].Grid != c.Phases[phase].Grid {
				t.Fatalf("seed %d: phase %s's truth is not on its grid", seed, phase)
			}
			own := c.PhaseTruth[phase].Data
			shift := vec(c.Params.Phases[phase].ShiftMM)
			for _, side := range sides {
				isKidney := func(x uint8) bool { return x == lab.kidney[side] }
				moved := centroid(c.Phases[phase].Grid, indices(where(own, isKidney))).sub(centroid(c.Truth.Grid, indices(where(c.Truth.Data, isKidney))))
				if err := moved.sub(shift).norm(); err > 0.3 {
					t.Errorf("seed %d %s: %s kidney moved by %.2f, recorded shift %.2f (off by %.2f mm)", seed, phase, side, moved, shift, err)
				}
			}
		}
	}
}

// centroid is the mean world position of a set of voxels.
func centroid(g volume.Grid, set []int) vec {
	var s vec
	for _, n := range set {
		i, j, k := g.Coords(n)
		s = s.add(g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
	}
	return s.scale(1 / float64(len(set)))
}

func TestFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size generation takes seconds")
	}
	start := time.Now()
	c := generate(t, 1, Full)
	t.Logf("full size generated in %v", time.Since(start))
	if c.Truth.Dims != [3]int{512, 512, 300} || c.Truth.Spacing() != [3]float64{0.8, 0.8, 1.5} {
		t.Fatalf("full grid %v spacing %v", c.Truth.Dims, c.Truth.Spacing())
	}
	for name, v := range c.Phases {
		if v.Dims != c.Truth.Dims {
			t.Errorf("phase %s dims %v", name, v.Dims)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, size := range []Size{Small, Full} {
		b.Run(size.String(), func(b *testing.B) {
			for i := range b.N {
				generate(b, int64(i+1), size)
			}
		})
	}
}
