package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"kidney3d/pipeline/dirtest"
)

func TestReplaceDir(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "out", "meshes")
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"first set", []string{"a.obj", "b.obj"}},
		{"replaces the old set whole", []string{"c.obj"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := os.MkdirTemp(root, "meshes-")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.files {
				if err := os.WriteFile(filepath.Join(src, f), []byte(f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := ReplaceDir(src, dst); err != nil {
				t.Fatal(err)
			}
			if got := dirtest.Names(t, dst); !slices.Equal(got, tc.files) {
				t.Errorf("%s holds %v, want %v", dst, got, tc.files)
			}
			if left, _ := filepath.Glob(filepath.Join(root, "meshes-*")); len(left) != 0 {
				t.Errorf("left behind %v", left)
			}
		})
	}
}
