package casefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/manifest"
)

// TestCurrentNamesNewInputs: a result made from input/A alone goes out of
// date when a phase or a masks folder appears that no stage read.
func TestCurrentNamesNewInputs(t *testing.T) {
	tests := []struct {
		name   string
		add    string // file added after the run, relative to the case
		reason string
	}{
		{"as made", "", ""},
		{"new phase", "input/P.nii.gz", "input/P.nii.gz is new since the run that made it"},
		{"new masks", "input/masks/artery.nii.gz", "input/masks is new since the run that made it"},
		{"new work file", "work/other/x.nii.gz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(rel string) {
				p := filepath.Join(dir, filepath.FromSlash(rel))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("input/A.nii.gz")
			write("output/labels.nii.gz")
			c, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			m := &manifest.Manifest{Format: manifest.Format, Stages: map[string]*manifest.Entry{}, Hashes: map[string]manifest.CachedHash{}}
			h := &manifest.Hasher{Root: dir, Cache: m.Hashes}
			a, err := h.File(c.PhasePath("A"))
			if err != nil {
				t.Fatal(err)
			}
			labels, err := h.File(c.OutputLabelsPath())
			if err != nil {
				t.Fatal(err)
			}
			m.Stages["merge"] = &manifest.Entry{Status: manifest.OK, Inputs: map[string]manifest.File{"phase/A": a},
				Outputs: map[string]manifest.File{"labels": labels}}
			if err := m.Save(c.ManifestPath()); err != nil {
				t.Fatal(err)
			}
			if tt.add != "" {
				write(tt.add)
			}
			err = c.Current(c.OutputLabelsPath())
			var stale *manifest.StaleError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("got %v, want current", err)
			case tt.reason != "" && (!errors.As(err, &stale) || stale.Reason != tt.reason):
				t.Fatalf("got %v, want out of date because %q", err, tt.reason)
			}
		})
	}
}
