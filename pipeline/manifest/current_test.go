package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chain writes a case of two stages: load reads input/A and writes
// work/load/a.json; merge reads that and writes output/labels. It records
// both runs as ok and returns the folder and its manifest.
func chain(t testing.TB) (string, *Manifest) {
	t.Helper()
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("input/A.nii.gz", "arterial")
	write("work/load/a.json", "checked")
	write("output/labels.nii.gz", "labels")
	m := &Manifest{Format: Format, Stages: map[string]*Entry{}, Hashes: map[string]CachedHash{}}
	h := &Hasher{Root: root, Cache: m.Hashes}
	file := func(rel string) File {
		f, err := h.File(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	m.Stages["load"] = &Entry{Status: OK, Inputs: map[string]File{"phase/A": file("input/A.nii.gz")},
		Outputs: map[string]File{"a.json": file("work/load/a.json")}}
	m.Stages["merge"] = &Entry{Status: OK, Inputs: map[string]File{"a.json": file("work/load/a.json")},
		Outputs: map[string]File{"labels": file("output/labels.nii.gz")}}
	return root, m
}

func check(root string) Check {
	return Check{Root: root, Given: func(rel string) bool { return strings.HasPrefix(rel, "input/") },
		Expect: []string{"input/A.nii.gz"}}
}

func TestCurrent(t *testing.T) {
	tests := []struct {
		name   string
		spoil  func(t *testing.T, root string, m *Manifest)
		reason string   // "" for current
		expect []string // inputs expected besides input/A
	}{
		{"as recorded", func(*testing.T, string, *Manifest) {}, "", nil},
		{"input touched, same bytes", func(t *testing.T, root string, _ *Manifest) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(root, "input", "A.nii.gz"), later, later); err != nil {
				t.Fatal(err)
			}
		}, "", nil},
		{"input changed", func(t *testing.T, root string, _ *Manifest) {
			os.WriteFile(filepath.Join(root, "input", "A.nii.gz"), []byte("another image"), 0o644)
		}, "input/A.nii.gz changed since stage load ran", nil},
		{"input gone", func(t *testing.T, root string, _ *Manifest) {
			os.Remove(filepath.Join(root, "input", "A.nii.gz"))
		}, "input/A.nii.gz is gone since stage load ran", nil},
		{"result changed", func(t *testing.T, root string, _ *Manifest) {
			os.WriteFile(filepath.Join(root, "output", "labels.nii.gz"), []byte("edited"), 0o644)
		}, "output/labels.nii.gz changed since stage merge made it", nil},
		{"stage behind it failed", func(t *testing.T, _ string, m *Manifest) {
			m.Stages["load"] = &Entry{Status: Failed, Error: "input/A.nii.gz: not a NIfTI file"}
		}, "no finished run made work/load/a.json; last run: stage load failed: input/A.nii.gz: not a NIfTI file", nil},
		{"its own stage cancelled", func(t *testing.T, _ string, m *Manifest) {
			m.Stages["merge"] = &Entry{Status: Cancelled, Error: "context canceled"}
		}, "no finished run made output/labels.nii.gz; last run: stage merge cancelled: context canceled", nil},
		{"no manifest", func(t *testing.T, _ string, m *Manifest) { m.Stages = map[string]*Entry{} },
			"no finished run made output/labels.nii.gz", nil},
		{"path outside the case", func(t *testing.T, _ string, m *Manifest) {
			m.Stages["load"].Inputs["phase/A"] = File{Path: "../../etc/passwd"}
		}, "the manifest names ../../etc/passwd, outside the case folder", nil},
		{"new phase", func(t *testing.T, root string, m *Manifest) {
			os.WriteFile(filepath.Join(root, "input", "P.nii.gz"), []byte("portal"), 0o644)
		}, "input/P.nii.gz is new since the run that made it", []string{"input/P.nii.gz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, m := chain(t)
			tt.spoil(t, root, m)
			c := check(root)
			c.Expect = append(c.Expect, tt.expect...)
			err := c.Current(m, "output/labels.nii.gz")
			var stale *StaleError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("got %v, want current", err)
			case tt.reason != "" && (!errors.As(err, &stale) || stale.Reason != tt.reason):
				t.Fatalf("got %v, want out of date because %q", err, tt.reason)
			case tt.reason != "" && !strings.Contains(err.Error(), "out of date: rerun"):
				t.Errorf("message %q does not say out of date: rerun", err)
			}
		})
	}
}
