package export

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kidney3d/pipeline/dirtest"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
	"kidney3d/pipeline/wanterr"
)

// writeLabelMap writes a small label map: a kidney_left ball (1), a vein
// bar (6) and a value the default table lacks (200).
func writeLabelMap(t *testing.T) string {
	t.Helper()
	g := volume.Grid{Dims: [3]int{20, 16, 12}, Affine: volume.Affine{{-1, 0, 0, 10}, {0, -1, 0, 8}, {0, 0, 2, -5}, {0, 0, 0, 1}}}
	v := volume.New[uint8](g)
	volumetest.Ball(v, [3]int{6, 7, 6}, [3]int{4, 4, 2}, 1)
	volumetest.Box(v, [3]int{14, 0, 3}, [3]int{16, 16, 5}, 6)
	v.Set(18, 2, 10, 200)
	path := filepath.Join(t.TempDir(), "labels.nii.gz")
	if err := volume.Save(path, v); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRun(t *testing.T) {
	in := writeLabelMap(t)
	for _, tc := range []struct {
		name      string
		opts      Options
		files     []string
		labels    []string // name:profile, or name:absent
		wantError string
	}{
		{
			name:   "defaults",
			files:  []string{"kidney_left.obj", "vein.obj", "label_200.obj", "model.mtl", "model.glb"},
			labels: []string{"kidney_left:organ", "vein:vessel", "label_200:organ"},
		},
		{
			name:   "chosen labels and formats",
			opts:   Options{Labels: []string{"vein", "tumor"}, Formats: meshio.STL | meshio.GLB, Smooth: "raw"},
			files:  []string{"vein.stl", "model.glb"},
			labels: []string{"vein:raw", "tumor:absent"},
		},
		{
			name:   "decimated",
			opts:   Options{Labels: []string{"label_200", "kidney_left"}, Decimate: mesh.Decimation{Ratio: 0.5}, NoNormals: true},
			files:  []string{"kidney_left.obj", "label_200.obj", "model.mtl", "model.glb"},
			labels: []string{"label_200:organ", "kidney_left:organ"},
		},
		{name: "unknown name", opts: Options{Labels: []string{"kidney"}}, wantError: `unknown label "kidney"`},
		{name: "unknown profile", opts: Options{Smooth: "blob"}, wantError: `unknown profile "blob"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Input = in
			tc.opts.Out = filepath.Join(t.TempDir(), "meshes")
			sum, err := Run(context.Background(), tc.opts)
			if wanterr.Check(t, err, tc.wantError) {
				return
			}
			got := dirtest.Names(t, tc.opts.Out)
			if want := slices.Sorted(slices.Values(tc.files)); !slices.Equal(got, want) {
				t.Errorf("files %v, want %v", got, tc.files)
			}
			var labels []string
			for _, l := range sum.Labels {
				p := l.Profile
				if l.AbsentInData {
					p = "absent"
				} else if r := l.MeshVolume / l.VoxelVolume; l.Voxels >= 50 && (r < 0.97 || r > 1.03) && p != "raw" {
					t.Errorf("%s: volume ratio %.3f", l.Name, r)
				}
				labels = append(labels, l.Name+":"+p)
			}
			if strings.Join(labels, " ") != strings.Join(tc.labels, " ") {
				t.Errorf("labels %v, want %v", labels, tc.labels)
			}
			var text bytes.Buffer
			if err := sum.WriteText(&text); err != nil || !strings.Contains(text.String(), "files written") {
				t.Errorf("summary %q, %v", text.String(), err)
			}
		})
	}
}

func TestLabelColor(t *testing.T) {
	seen := map[[4]uint8]bool{}
	for v := 100; v < 110; v++ {
		c := labelColor(labels.Default(), v)
		if c[3] != 255 || seen[c] {
			t.Errorf("value %d: colour %v (alpha or repeat)", v, c)
		}
		seen[c] = true
	}
}

func TestRunRemovesLeftoverTemporariesOfAKilledRun(t *testing.T) {
	in := writeLabelMap(t)
	out := t.TempDir()
	leftover := filepath.Join(out, ".model.glb.tmp-2718281828")
	mine := filepath.Join(out, "notes.txt")
	for _, p := range []string{leftover, mine} {
		if err := os.WriteFile(p, bytes.Repeat([]byte{1}, 1<<16), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Run(context.Background(), Options{Input: in, Out: out, Labels: []string{"vein"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("leftover temporary file still there: %v", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file that is not a temporary one was removed: %v", err)
	}
}

func TestRunStopsWhenCancelledAndWritesNothing(t *testing.T) {
	in := writeLabelMap(t)
	out := filepath.Join(t.TempDir(), "model")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Input: in, Out: out}); err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a cancelled run wrote %v", entries)
	}
}
