package dirtest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestNames(t *testing.T) {
	dir := t.TempDir()
	if got := Names(t, dir); got != nil {
		t.Errorf("empty folder: %v, want nil", got)
	}
	for _, name := range []string{"b.obj", ".hidden", "a.obj"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, want := Names(t, dir), []string{".hidden", "a.obj", "b.obj", "sub"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
