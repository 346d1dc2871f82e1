package casefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/manifest"
)

// TestCurrentNamesNewInputs: a result made from input/A alone goes out of
// date when a phase, a masks folder or a saved edit appears that no stage
// read.
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
		{"new saved version", "edits/versions.json", "edits/versions.json is new since the run that made it"},
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

// TestCurrentReadsSavedVersions: a result whose merge read
// edits/versions.json is current while it is unchanged (no stage makes it:
// it is the case's own, as input/ is) and out of date once another
// version is saved.
func TestCurrentReadsSavedVersions(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{"input/A.nii.gz", "output/labels.nii.gz", "edits/versions.json"} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(rel), 0o644)
	}
	c, _ := Open(dir)
	m := &manifest.Manifest{Format: manifest.Format, Stages: map[string]*manifest.Entry{}, Hashes: map[string]manifest.CachedHash{}}
	h := &manifest.Hasher{Root: dir, Cache: m.Hashes}
	a, _ := h.File(c.PhasePath("A"))
	v, _ := h.File(c.VersionsPath())
	labels, _ := h.File(c.OutputLabelsPath())
	m.Stages["merge"] = &manifest.Entry{Status: manifest.OK, Inputs: map[string]manifest.File{"phase/A": a, "edits": v},
		Outputs: map[string]manifest.File{"labels": labels}}
	if err := m.Save(c.ManifestPath()); err != nil {
		t.Fatal(err)
	}
	if err := c.Current(c.OutputLabelsPath()); err != nil {
		t.Fatalf("as made: %v", err)
	}
	os.WriteFile(c.VersionsPath(), []byte("another version"), 0o644)
	var stale *manifest.StaleError
	if err := c.Current(c.OutputLabelsPath()); !errors.As(err, &stale) || stale.Reason != "edits/versions.json changed since stage merge ran" {
		t.Fatalf("after a save: %v", err)
	}
}
