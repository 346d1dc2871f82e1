package mesh

import (
	"math/rand/v2"
	"testing"

	"kidney3d/pipeline/volume"
)

// maskGrid makes a bitGrid of the voxels of an n[0]×n[1]×n[2] box where in
// is true.
func maskGrid(n [3]int, in func(i, j, k int) bool) *bitGrid {
	g := newBitGrid([3]int{0, 0, 0}, [3]int{n[0] - 1, n[1] - 1, n[2] - 1})
	for k := 0; k < n[2]; k++ {
		for j := 0; j < n[1]; j++ {
			for i := 0; i < n[0]; i++ {
				if in(i, j, k) {
					g.setRun(i, i, j, k)
				}
			}
		}
	}
	return g
}

// faceVolume is the voxel count that the extracted vertices' faces enclose
// (the divergence theorem over the voxel faces).
func faceVolume(s *surface) float64 {
	got := 0.0
	for v, f := range s.face {
		switch {
		case f > 0:
			got += float64(s.Positions[v][f-1])
		case f < 0:
			got -= float64(s.Positions[v][-f-1])
		}
	}
	return got / 3
}

// pathologicalMasks are masks whose surfaces touch themselves at edges and
// corners, or are one voxel thin.
var pathologicalMasks = []struct {
	name string
	n    [3]int
	in   func(i, j, k int) bool
}{
	{"single voxel", [3]int{1, 1, 1}, func(i, j, k int) bool { return true }},
	{"checkerboard", [3]int{7, 6, 5}, func(i, j, k int) bool { return (i+j+k)%2 == 0 }},
	{"2d checkerboard", [3]int{8, 8, 3}, func(i, j, k int) bool { return (i+j)%2 == 0 }},
	{"edge-touching pair", [3]int{2, 2, 1}, func(i, j, k int) bool { return i == j }},
	{"corner-touching pair", [3]int{2, 2, 2}, func(i, j, k int) bool { return i == j && j == k }},
	{"diagonal line", [3]int{9, 9, 9}, func(i, j, k int) bool { return i == j && j == k }},
	{"face-diagonal staircase", [3]int{9, 9, 3}, func(i, j, k int) bool { return i == j && k == 1 }},
	{"1-voxel line", [3]int{12, 1, 1}, func(i, j, k int) bool { return true }},
	{"1-voxel plate", [3]int{9, 7, 1}, func(i, j, k int) bool { return true }},
	{"hollow box", [3]int{6, 6, 6}, func(i, j, k int) bool {
		return i == 0 || j == 0 || k == 0 || i == 5 || j == 5 || k == 5
	}},
	{"ring with a diagonal gap", [3]int{5, 5, 1}, func(i, j, k int) bool {
		return (i == 0 || j == 0 || i == 4 || j == 4) && !(i == 4 && j == 4)
	}},
	{"cells with tunnels", [3]int{6, 6, 6}, func(i, j, k int) bool {
		// Arches of five corners around pairs of face-diagonal voxels.
		return (i+j)%2 == 0 && k%2 == 0 || (i%2 == 0 && j%2 == 0)
	}},
}

func TestExtractPathologicalMasksAreClosed(t *testing.T) {
	for _, tc := range pathologicalMasks {
		t.Run(tc.name, func(t *testing.T) {
			g := maskGrid(tc.n, tc.in)
			s := extract(g, volume.Identity)
			if err := s.CheckClosed(); err != nil {
				t.Fatal(err)
			}
			if got, want := faceVolume(s), float64(g.count()); got != want {
				t.Errorf("faces enclose %v voxels, want %v", got, want)
			}
			if v := s.Volume(); v <= 0 {
				t.Errorf("volume %v: faces point inwards", v)
			}
		})
	}
}

func TestExtractRandomMasksAreClosed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n := [3]int{1 + rng.IntN(9), 1 + rng.IntN(9), 1 + rng.IntN(70)}
		density := rng.Float64()
		g := maskGrid(n, func(i, j, k int) bool { return rng.Float64() < density })
		s := extract(g, volume.Identity)
		if err := s.CheckClosed(); err != nil {
			t.Fatalf("trial %d %v density %.2f: %v", trial, n, density, err)
		}
		if got, want := faceVolume(s), float64(g.count()); got != want {
			t.Fatalf("trial %d: faces enclose %v voxels, want %v", trial, got, want)
		}
	}
}

// TestCaseTable checks each of the 256 cells alone: every polygon closes,
// and the cell's triangles, seen as a patch, have boundary edges only on
// the cell's faces.
func TestCaseTable(t *testing.T) {
	for cfg := 0; cfg < 256; cfg++ {
		cc := cases[cfg]
		if (cfg == 0 || cfg == 255) != (len(cc.tris) == 0) {
			t.Errorf("case %08b: %d triangles", cfg, len(cc.tris)/3)
		}
		for e := uint8(0); e < 12; e++ {
			a, b := cellEdges[e][0], cellEdges[e][1]
			crosses := (cfg>>a&1 == 1) != (cfg>>b&1 == 1)
			if crosses != (cc.edges>>e&1 == 1) {
				t.Errorf("case %08b: edge %d crosses %v, table says %v", cfg, e, crosses, cc.edges>>e&1 == 1)
			}
		}
	}
}

func TestExtractOwnsEveryRowSplit(t *testing.T) {
	// A label taller than one parallel task, so that cell layers are split
	// over tasks and joined again: the output must not depend on the split.
	in := func(i, j, k int) bool { return (i-5)*(i-5)+(j-5)*(j-5) <= 16 && (k/7)%3 != 2 }
	g := maskGrid([3]int{11, 11, 300}, in)
	s := extract(g, volume.Identity)
	if err := s.CheckClosed(); err != nil {
		t.Fatal(err)
	}
	if got, want := faceVolume(s), float64(g.count()); got != want {
		t.Errorf("faces enclose %v voxels, want %v", got, want)
	}
}
