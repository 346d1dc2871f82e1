package labelops

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"kidney3d/pipeline/volume"
)

// testGrids are small grids with anisotropic spacing, one with flipped
// voxel axes (LPS, as NIfTI files from DICOM often are).
var testGrids = []struct {
	name string
	grid volume.Grid
}{
	{"iso 9x7x6", volume.Grid{Dims: [3]int{9, 7, 6}, Affine: volume.Identity}},
	{"aniso 11x6x9", volume.Grid{Dims: [3]int{11, 6, 9}, Affine: volume.Affine{{0.8, 0, 0, 3}, {0, 0.8, 0, -2}, {0, 0, 2.5, 10}, {0, 0, 0, 1}}}},
	{"lps 5x10x7", volume.Grid{Dims: [3]int{5, 10, 7}, Affine: volume.Affine{{-0.7, 0, 0, 0}, {0, -1.3, 0, 0}, {0, 0, 1.1, 0}, {0, 0, 0, 1}}}},
}

// randomMask is a mask of g with each voxel set with probability p, its
// values 1 or 7 (masks need not be 0/1).
func randomMask(rng *rand.Rand, g volume.Grid, p float64) *volume.Volume[uint8] {
	m := volume.New[uint8](g)
	for n := range m.Data {
		if rng.Float64() < p {
			m.Data[n] = uint8(1 + 6*rng.IntN(2))
		}
	}
	return m
}

// offsets lists the neighbour moves of a connectivity.
func offsets(c Connectivity) [][3]int {
	var out [][3]int
	for dk := -1; dk <= 1; dk++ {
		for dj := -1; dj <= 1; dj++ {
			for di := -1; di <= 1; di++ {
				if n := di*di + dj*dj + dk*dk; n > 0 && (c == Full || n == 1) {
					out = append(out, [3]int{di, dj, dk})
				}
			}
		}
	}
	return out
}

// floodLabels labels components by flood fill from each unlabelled voxel
// in storage order: the reference for Components.
func floodLabels(m *volume.Volume[uint8], c Connectivity, in func(uint8) bool) ([]int32, []int) {
	lab := make([]int32, len(m.Data))
	var sizes []int
	for n := range m.Data {
		if !in(m.Data[n]) || lab[n] != 0 {
			continue
		}
		sizes = append(sizes, 0)
		id := int32(len(sizes))
		lab[n] = id
		queue := []int{n}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			sizes[id-1]++
			i, j, k := m.Coords(u)
			for _, o := range offsets(c) {
				if !m.Contains(i+o[0], j+o[1], k+o[2]) {
					continue
				}
				v := m.Index(i+o[0], j+o[1], k+o[2])
				if in(m.Data[v]) && lab[v] == 0 {
					lab[v] = id
					queue = append(queue, v)
				}
			}
		}
	}
	return lab, sizes
}

func nonzero(v uint8) bool { return v != 0 }

// withProcs runs f under GOMAXPROCS 1 and 4 (more workers than slices of
// work per worker: many slab borders), so results must not depend on it.
func withProcs(t *testing.T, f func(t *testing.T)) {
	for _, p := range []int{1, 4} {
		old := runtime.GOMAXPROCS(p)
		f(t)
		runtime.GOMAXPROCS(old)
	}
}

func TestComponentsMatchFloodFill(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tg := range testGrids {
		for _, c := range []Connectivity{Face, Full} {
			for _, p := range []float64{0.2, 0.45, 0.7} {
				m := randomMask(rng, tg.grid, p)
				want, wantSizes := floodLabels(m, c, nonzero)
				withProcs(t, func(t *testing.T) {
					got, sizes := Components(m, c)
					if !slices.Equal(got.Data, want) || !slices.Equal(sizes, wantSizes) {
						t.Fatalf("%s c=%d p=%g: labels differ from flood fill (%d vs %d components)", tg.name, c, p, len(sizes), len(wantSizes))
					}
				})
			}
		}
	}
}

func TestLargestAndRemoveSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tg := range testGrids {
		m := randomMask(rng, tg.grid, 0.35)
		lab, sizes := floodLabels(m, Full, nonzero)
		best := 0
		for i, n := range sizes {
			if n > sizes[best] {
				best = i
			}
		}
		largest := Largest(m, Full)
		minMM3 := 3.5 * tg.grid.VoxelVolume()
		small, removed := RemoveSmall(m, Full, minMM3)
		wantRemoved := 0
		for _, n := range sizes {
			if float64(n)*tg.grid.VoxelVolume() < minMM3 {
				wantRemoved++
			}
		}
		if removed != wantRemoved {
			t.Errorf("%s: removed %d components, want %d", tg.name, removed, wantRemoved)
		}
		for n, l := range lab {
			wantLargest := l == int32(best+1)
			wantKept := l != 0 && float64(sizes[l-1])*tg.grid.VoxelVolume() >= minMM3
			if (largest.Data[n] == 1) != wantLargest || (small.Data[n] == 1) != wantKept {
				t.Fatalf("%s: voxel %d: largest %d (want %v), kept %d (want %v)", tg.name, n, largest.Data[n], wantLargest, small.Data[n], wantKept)
			}
		}
	}
	empty := volume.New[uint8](testGrids[0].grid)
	if out := Largest(empty, Face); Count(out) != 0 {
		t.Errorf("largest of an empty mask has %d voxels", Count(out))
	}
}

func TestDistanceMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tg := range testGrids {
		sp := tg.grid.Spacing()
		for _, p := range []float64{0.05, 0.5, 0.95} {
			m := randomMask(rng, tg.grid, p)
			withProcs(t, func(t *testing.T) {
				for _, outside := range []bool{false, true} {
					got := DistanceMM(m)
					if outside {
						got = DistanceOutsideMM(m)
					}
					for n := range m.Data {
						want := bruteDistance(m, sp, n, outside)
						if g := float64(got.Data[n]); math.Abs(g-want) > 1e-5*math.Max(1, want) {
							t.Fatalf("%s p=%g outside=%v voxel %d: distance %g, want %g", tg.name, p, outside, n, g, want)
						}
					}
				}
			})
		}
	}
}

// bruteDistance is the distance from voxel n to the nearest voxel of the
// other side (zero voxels for a nonzero one, or nonzero ones when outside).
func bruteDistance(m *volume.Volume[uint8], sp [3]float64, n int, outside bool) float64 {
	target := func(v uint8) bool { return (v != 0) == outside }
	if target(m.Data[n]) {
		return 0
	}
	i, j, k := m.Coords(n)
	best := math.Inf(1)
	for q, v := range m.Data {
		if target(v) {
			a, b, c := m.Coords(q)
			best = math.Min(best, math.Sqrt(sq(float64(a-i)*sp[0])+sq(float64(b-j)*sp[1])+sq(float64(c-k)*sp[2])))
		}
	}
	return best
}

func sq(x float64) float64 { return x * x }

func TestDilateErodeMatchBruteBall(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tg := range testGrids {
		sp := tg.grid.Spacing()
		for _, r := range []float64{0.5, 1, 1.6, 2.5, 3.2} {
			m := randomMask(rng, tg.grid, 0.15)
			dense := randomMask(rng, tg.grid, 0.85)
			var ball [][3]int
			for dk := -4; dk <= 4; dk++ {
				for dj := -5; dj <= 5; dj++ {
					for di := -5; di <= 5; di++ {
						if sq(float64(di)*sp[0])+sq(float64(dj)*sp[1])+sq(float64(dk)*sp[2]) <= r*r*ballTolerance {
							ball = append(ball, [3]int{di, dj, dk})
						}
					}
				}
			}
			dil, ero := Dilate(m, r), Erode(dense, r)
			for n := range m.Data {
				i, j, k := m.Coords(n)
				anySet, allSet := false, true
				for _, o := range ball {
					a, b, c := i+o[0], j+o[1], k+o[2]
					if m.Contains(a, b, c) && m.At(a, b, c) != 0 {
						anySet = true
					}
					if !dense.Contains(a, b, c) || dense.At(a, b, c) == 0 {
						allSet = false
					}
				}
				if (dil.Data[n] == 1) != anySet || (ero.Data[n] == 1) != allSet {
					t.Fatalf("%s r=%g voxel (%d,%d,%d): dilated %d (want %v), eroded %d (want %v)", tg.name, r, i, j, k, dil.Data[n], anySet, ero.Data[n], allSet)
				}
			}
		}
	}
}

func TestMargin(t *testing.T) {
	g := testGrids[1].grid // 0.8 × 0.8 × 2.5 mm
	if got, want := Margin(g, 4), [3]int{5, 5, 2}; got != want {
		t.Errorf("margin of 4 mm: %v, want %v", got, want)
	}
}

func TestFillHolesMatchesBorderFlood(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tg := range testGrids {
		for _, p := range []float64{0.4, 0.6, 0.8} {
			m := randomMask(rng, tg.grid, p)
			// Background reached from the border by 6-connected flood.
			lab, _ := floodLabels(m, Face, func(v uint8) bool { return v == 0 })
			outer := map[int32]bool{}
			for n, l := range lab {
				i, j, k := m.Coords(n)
				if l != 0 && (i == 0 || j == 0 || k == 0 || i == m.Dims[0]-1 || j == m.Dims[1]-1 || k == m.Dims[2]-1) {
					outer[l] = true
				}
			}
			withProcs(t, func(t *testing.T) {
				got := FillHoles(m)
				for n, l := range lab {
					want := uint8(1)
					if l != 0 && outer[l] {
						want = 0
					}
					if got.Data[n] != want {
						t.Fatalf("%s p=%g voxel %d: %d, want %d", tg.name, p, n, got.Data[n], want)
					}
				}
			})
		}
	}
}

func TestMinimalPathMatchesBellmanFord(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tg := range testGrids {
		for _, c := range []Connectivity{Face, Full} {
			for trial := 0; trial < 4; trial++ {
				cost := volume.New[float32](tg.grid)
				for n := range cost.Data {
					cost.Data[n] = float32(0.1 + rng.Float64()*3)
					if rng.Float64() < 0.25 {
						cost.Data[n] = float32(math.Inf(1))
					}
				}
				from, to := volume.New[uint8](tg.grid), volume.New[uint8](tg.grid)
				from.Data[rng.IntN(len(from.Data))] = 1
				from.Data[rng.IntN(len(from.Data))] = 1
				to.Data[rng.IntN(len(to.Data))] = 1
				to.Data[rng.IntN(len(to.Data))] = 1
				want := bellmanFord(cost, from, to, c)
				path, total, err := MinimalPath(cost, from, to, c)
				if math.IsInf(want, 1) {
					if err != ErrUnreachable {
						t.Fatalf("%s c=%d: unreachable target gave %v, %g", tg.name, c, err, total)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s c=%d: %v (want total %g)", tg.name, c, err, want)
				}
				if math.Abs(total-want) > 1e-9*math.Max(1, want) {
					t.Fatalf("%s c=%d: total %g, want %g", tg.name, c, total, want)
				}
				if walked := walkCost(t, cost, from, to, path, c); math.Abs(walked-total) > 1e-9*math.Max(1, total) {
					t.Fatalf("%s c=%d: path costs %g, total says %g", tg.name, c, walked, total)
				}
			}
		}
	}
}

// bellmanFord is the cheapest cost from from to to by relaxing every edge
// until nothing changes.
func bellmanFord(cost *volume.Volume[float32], from, to *volume.Volume[uint8], c Connectivity) float64 {
	sp := cost.Spacing()
	dist := make([]float64, len(cost.Data))
	for n := range dist {
		dist[n] = math.Inf(1)
		if from.Data[n] != 0 && !math.IsInf(float64(cost.Data[n]), 1) {
			dist[n] = 0
		}
	}
	for changed := true; changed; {
		changed = false
		for u := range dist {
			if math.IsInf(dist[u], 1) {
				continue
			}
			i, j, k := cost.Coords(u)
			for _, o := range offsets(c) {
				if !cost.Contains(i+o[0], j+o[1], k+o[2]) {
					continue
				}
				v := cost.Index(i+o[0], j+o[1], k+o[2])
				step := math.Sqrt(sq(float64(o[0])*sp[0]) + sq(float64(o[1])*sp[1]) + sq(float64(o[2])*sp[2]))
				if d := dist[u] + 0.5*(float64(cost.Data[u])+float64(cost.Data[v]))*step; d < dist[v] {
					dist[v], changed = d, true
				}
			}
		}
	}
	best := math.Inf(1)
	for n, d := range dist {
		if to.Data[n] != 0 {
			best = math.Min(best, d)
		}
	}
	return best
}

// walkCost checks that path is a chain of neighbours from from to to and
// returns its cost.
func walkCost(t *testing.T, cost *volume.Volume[float32], from, to *volume.Volume[uint8], path [][3]int, c Connectivity) float64 {
	t.Helper()
	first, last := path[0], path[len(path)-1]
	if from.At(first[0], first[1], first[2]) == 0 || to.At(last[0], last[1], last[2]) == 0 {
		t.Fatalf("path %v does not run from from to to", path)
	}
	sp := cost.Spacing()
	total := 0.0
	for s := 1; s < len(path); s++ {
		a, b := path[s-1], path[s]
		n := 0
		for ax := 0; ax < 3; ax++ {
			d := b[ax] - a[ax]
			if d < -1 || d > 1 {
				t.Fatalf("path jumps from %v to %v", a, b)
			}
			n += d * d
		}
		if n == 0 || (c == Face && n > 1) {
			t.Fatalf("path step %v → %v is not a %d-neighbour", a, b, c)
		}
		step := math.Sqrt(sq(float64(b[0]-a[0])*sp[0]) + sq(float64(b[1]-a[1])*sp[1]) + sq(float64(b[2]-a[2])*sp[2]))
		total += 0.5 * (float64(cost.At(a[0], a[1], a[2])) + float64(cost.At(b[0], b[1], b[2]))) * step
	}
	return total
}

func TestMinimalPathRejectsBadInput(t *testing.T) {
	g := testGrids[0].grid
	cost := volume.New[float32](g)
	from, to := volume.New[uint8](g), volume.New[uint8](g)
	from.Data[0], to.Data[len(to.Data)-1] = 1, 1
	cost.Data[3] = -1
	if _, _, err := MinimalPath(cost, from, to, Face); err == nil {
		t.Error("accepted a negative cost")
	}
	cost.Data[3] = 0
	if _, _, err := MinimalPath(cost, from, volume.New[uint8](volume.Grid{Dims: [3]int{2, 2, 2}, Affine: volume.Identity}), Face); err == nil {
		t.Error("accepted a target of another size")
	}
	if _, _, err := MinimalPath(cost, volume.New[uint8](g), to, Face); err != ErrUnreachable {
		t.Errorf("empty source: %v, want ErrUnreachable", err)
	}
}

func TestShortestPathsMatchBellmanFord(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	tg := testGrids[1]
	cost := volume.New[float32](tg.grid)
	for n := range cost.Data {
		cost.Data[n] = float32(0.1 + rng.Float64()*3)
		if rng.Float64() < 0.2 {
			cost.Data[n] = float32(math.Inf(1))
		}
	}
	from := volume.New[uint8](tg.grid)
	from.Data[rng.IntN(len(from.Data))] = 1
	dist, prev, err := ShortestPaths(cost, from, Full)
	if err != nil {
		t.Fatal(err)
	}
	for trial := 0; trial < 12; trial++ {
		n := rng.IntN(len(cost.Data))
		to := volume.New[uint8](tg.grid)
		to.Data[n] = 1
		if want := bellmanFord(cost, from, to, Full); dist[n] != want && math.Abs(dist[n]-want) > 1e-9*math.Max(1, want) {
			t.Fatalf("voxel %d: distance %g, want %g", n, dist[n], want)
		}
		if math.IsInf(dist[n], 1) != (prev[n] < 0 && from.Data[n] == 0) {
			t.Fatalf("voxel %d: distance %g but previous voxel %d", n, dist[n], prev[n])
		}
	}
}

func TestNearestSourceGoesAroundWalls(t *testing.T) {
	// 7×7×1, a wall at i = 3 for j = 0..5: the voxels right of the wall
	// belong to source 2 at (6, 6), though source 1 at (2, 0) is nearer
	// through the wall; those left of it to source 1.
	g := volume.Grid{Dims: [3]int{7, 7, 1}, Affine: volume.Identity}
	domain, sources := volume.New[uint8](g), volume.New[uint8](g)
	for n := range domain.Data {
		domain.Data[n] = 1
	}
	for j := 0; j <= 5; j++ {
		domain.Set(3, j, 0, 0)
	}
	sources.Set(2, 0, 0, 1)
	sources.Set(6, 6, 0, 2)
	got, err := NearestSource(domain, sources, Full)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j < 7; j++ {
		for i := 0; i < 7; i++ {
			want := uint8(0)
			switch {
			case i == 3 && j <= 5:
			case i > 3:
				want = 2
			case i < 3 && j <= 4:
				want = 1
			default:
				continue // near the gap, either may win
			}
			if x := got.At(i, j, 0); x != want {
				t.Errorf("(%d, %d): source %d, want %d", i, j, x, want)
			}
		}
	}
	if _, err := NearestSource(domain, volume.New[uint8](volume.Grid{Dims: [3]int{2, 2, 2}, Affine: volume.Identity}), Full); err == nil {
		t.Error("accepted sources of another size")
	}
}
