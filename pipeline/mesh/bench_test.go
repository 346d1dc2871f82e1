package mesh

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/volume"
)

// phantomDir holds the 512×512×400 phantoms of ../shared/peers/make_phantom.py
// (phantom.nii.gz and phantom_skeleton.nii.gz): $KIDNEY3D_PHANTOMS, else
// /tmp/peers.
func phantomDir() string {
	if d := os.Getenv("KIDNEY3D_PHANTOMS"); d != "" {
		return d
	}
	return "/tmp/peers"
}

// benchLabels times Labels on a label map, load excluded.
func benchLabels(b *testing.B, path string) {
	if _, err := os.Stat(path); err != nil {
		b.Skipf("no %s (phantoms: make_phantom.py --size 512x512x400 [--skeleton] -o DIR/phantom[_skeleton].nii.gz)", path)
	}
	v, err := volume.Load[uint8](path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Labels(context.Background(), v, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMeshTotalSegExample(b *testing.B) {
	benchLabels(b, filepath.Join(sharedDir, "data", "totalseg_example", "example_seg.nii.gz"))
}

func BenchmarkMeshPhantom(b *testing.B) {
	benchLabels(b, filepath.Join(phantomDir(), "phantom.nii.gz"))
}

func BenchmarkMeshPhantomSkeleton(b *testing.B) {
	benchLabels(b, filepath.Join(phantomDir(), "phantom_skeleton.nii.gz"))
}

// BenchmarkSmooth times the filter on a ball's surface, per vertex and
// iteration.
func BenchmarkSmooth(b *testing.B) {
	s := extract(ballGrid(60), volume.Identity)
	adj := buildAdjacency(s.Triangles, s.NumVertices())
	pos := make([][3]float32, s.NumVertices())
	for b.Loop() {
		copy(pos, s.Positions)
		smooth(pos, adj, Organ.Smoothing, [3]float64{60, 60, 60})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(Organ.Smoothing.Iterations*s.NumVertices()), "ns/vertex-step")
}

// ballGrid is a voxelised ball of radius r voxels.
func ballGrid(r float64) *bitGrid {
	n := int(2*r) + 3
	c := float64(n-1) / 2
	return maskGrid([3]int{n, n, n}, func(i, j, k int) bool {
		x, y, z := float64(i)-c, float64(j)-c, float64(k)-c
		return x*x+y*y+z*z <= r*r
	})
}
