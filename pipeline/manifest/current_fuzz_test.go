package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCurrent checks a result against arbitrary manifest.json bytes: the
// check never panics, and a result out of date always comes with a reason.
func FuzzCurrent(f *testing.F) {
	root, m := chain(f)
	b, err := os.ReadFile(saveTo(f, m))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"format":1,"stages":{"merge":null,"load":{"status":"failed"}}}`))
	f.Add([]byte(`{"format":1,"stages":{"merge":{"status":"ok","outputs":{"labels":{"path":"output/labels.nii.gz"}},"inputs":{"a":{"path":"../x"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "manifest.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Load(path)
		if err != nil {
			return
		}
		var stale *StaleError
		if err := check(root).Current(m, "output/labels.nii.gz"); errors.As(err, &stale) && stale.Reason == "" {
			t.Errorf("out of date with no reason: %v", err)
		}
	})
}

// saveTo writes m into a temporary folder and returns the file.
func saveTo(tb testing.TB, m *Manifest) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "manifest.json")
	if err := m.Save(p); err != nil {
		tb.Fatal(err)
	}
	return p
}
