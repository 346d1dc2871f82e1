package modelcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
)

// catalogue has a built-in package "demo" and an installed folder holding
// "demo" with an empty network, and "fine" with the manifest edited by
// old → new.
func catalogue(t *testing.T, old, new string) modelpkg.Catalogue {
	t.Helper()
	manifest, err := os.ReadFile("../modelpkg/testdata/model.json")
	if err != nil {
		t.Fatal(err)
	}
	named := func(name string) []byte {
		return []byte(strings.Replace(string(manifest), "test-vessels", name, 1))
	}
	onnx := []byte{0x08, 0x08, 0x12, 0x07}
	dir := t.TempDir()
	for name, files := range map[string]map[string][]byte{
		"demo": {modelpkg.ManifestFile: named("demo"), modelpkg.NetworkFile: nil},
		"fine": {modelpkg.ManifestFile: []byte(strings.Replace(string(named("fine")), old, new, 1)), modelpkg.NetworkFile: onnx},
	} {
		for f, data := range files {
			if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name, f), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return modelpkg.Catalogue{Dirs: []string{dir}, Builtin: fstest.MapFS{
		"demo/model.json": {Data: named("demo")},
		"demo/model.onnx": {Data: onnx},
	}}
}

func TestListMarksBrokenPackagesAndFails(t *testing.T) {
	c := catalogue(t, "", "")
	var text, js bytes.Buffer
	err := List(&text, c, false)
	if err == nil || !strings.Contains(err.Error(), "1 broken model package") {
		t.Errorf("List: %v", err)
	}
	out := text.String()
	if !strings.Contains(out, "BROKEN") || !strings.Contains(out, filepath.Join(c.Dirs[0], "demo", "model.onnx")+": empty file") ||
		strings.Contains(out, "built-in:demo") || !strings.Contains(out, "fine") {
		t.Errorf("list:\n%s", out)
	}
	if err := List(&js, c, true); err == nil {
		t.Error("List --json of a broken installation succeeded")
	}
	var entries []Entry
	if err := json.Unmarshal(js.Bytes(), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Name != "fine" || entries[1].Name != "demo" || entries[1].Version != "BROKEN" ||
		!strings.Contains(entries[1].Error, "empty file") {
		t.Errorf("entries %+v", entries)
	}
}

func TestCheckRefusesModelsOverTheImageLimitBeforeONNXRuntime(t *testing.T) {
	c := catalogue(t, `"spacing": [3.5, 2.75, 2.75]`, `"spacing": [0.0001, 0.0001, 0.0001]`)
	var out bytes.Buffer
	err := Check(context.Background(), &out, "fine", c, ort.CPU, nil)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(c.Dirs[0], "fine", "model.json")) ||
		!strings.Contains(err.Error(), "over the image limit") {
		t.Errorf("Check: %v", err)
	}
	if err := Check(context.Background(), &out, "demo", c, ort.CPU, nil); err == nil || !strings.Contains(err.Error(), "installed but broken") {
		t.Errorf("Check of a broken package shadowing a built-in one: %v", err)
	}
}
