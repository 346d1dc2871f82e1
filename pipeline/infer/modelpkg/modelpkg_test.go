package modelpkg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"kidney3d/pipeline/limits"
)

func validManifest(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/model.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseManifestReadsNNUNetFields(t *testing.T) {
	m, err := ParseManifest(validManifest(t), "model.json")
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "test-vessels" || len(m.InputPhases) != 2 || m.Spacing != [3]float64{3.5, 2.75, 2.75} ||
		m.PatchSize != [3]int{48, 96, 96} || m.Intensities["1"].P99_5 != 300 || m.TileStepSize != 0.5 {
		t.Errorf("manifest %+v", m)
	}
	if got := strings.Join(m.Classes(), ","); got != "background,kidney,artery,vein" {
		t.Errorf("classes %s", got)
	}
	if got := strings.Join(m.Structures(), ","); got != "artery,kidney,vein" {
		t.Errorf("structures %s", got)
	}
}

func TestChannelsNameTheirAlternatives(t *testing.T) {
	valid := strings.Replace(string(validManifest(t)), `"input_phases": ["A", "P"]`, `"input_phases": ["A|P|D", "N"]`, 1)
	m, err := ParseManifest([]byte(valid), "model.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(m.Channels()); got != "[[A P D] [N]]" {
		t.Errorf("channels %s", got)
	}
}

func TestParseManifestRejectsBadFields(t *testing.T) {
	cases := []struct{ old, new, want string }{
		{`"format": "kidney3d-model/1"`, `"format": "nnunet"`, "format"},
		{`"name": "test-vessels"`, `"name": "Test Vessels"`, "name"},
		{`"licence": "CC0-1.0",`, ``, "licence is missing"},
		{`"input_phases": ["A", "P"]`, `"input_phases": ["A", "X"]`, `"X" is not a phase`},
		{`"input_phases": ["A", "P"]`, `"input_phases": ["A", "A"]`, "listed twice"},
		{`"input_phases": ["A", "P"]`, `"input_phases": ["A", "P|A"]`, "listed twice"},
		{`"input_phases": ["A", "P"]`, `"input_phases": ["A", "P|"]`, `"" is not a phase`},
		{`"input_phases": ["A", "P"]`, `"input_phases": ["A", "P,D"]`, `"P,D" is not a phase`},
		{`"vein": 3`, `"vein": 5`, "without gaps"},
		{`"artery": 2`, `"": 2`, "a label has no name (value 2)"},
		{`"vein": 3`, `"vein": 2`, "both 2"},
		{`"background": 0, `, ``, "background must be 0"},
		{`"spacing": [3.5, 2.75, 2.75]`, `"spacing": [3.5, 0, 2.75]`, "spacing"},
		{`"patch_size": [48, 96, 96]`, `"patch_size": [48, 96, 0]`, "patch_size"},
		{`["CTNormalization", "CTNormalization"]`, `["CTNormalization", "RescaleTo01Normalization"]`, "not supported"},
		{`"percentile_99_5": 300`, `"percentile_99_5": -300`, "percentile_00_5 ≤ percentile_99_5"},
		{`"transpose_forward": [0, 1, 2]`, `"transpose_forward": [2, 0, 1]`, "transpose_forward"},
		{`"mirror_axes": [0, 1, 2]`, `"mirror_axes": [0, 3]`, "mirror_axes"},
		{`"tile_step_size": 0.5`, `"tile_step_size": 1.5`, "tile_step_size"},
		{`"onnx_input": "input"`, `"onnx_input": ""`, "onnx_input"},
		{`"tile_step_size": 0.5`, `"tile_step_size": 0.5, "tile_size": 2`, `unknown field "tile_size"`},
		{`"spacing": [3.5, 2.75, 2.75]`, `"spacing": "3.5"`, "line 10"},
		{`"channel_names": {"0": "A", "1": "P"}`, `"channel_names": {"0": "A", "2": "P"}`, "no channel 1"},
	}
	valid := string(validManifest(t))
	for _, c := range cases {
		if !strings.Contains(valid, c.old) {
			t.Fatalf("test data lacks %q", c.old)
		}
		_, err := ParseManifest([]byte(strings.Replace(valid, c.old, c.new, 1)), "pkg/model.json")
		if err == nil {
			t.Errorf("%s → %s: accepted", c.old, c.new)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "pkg/model.json") {
			t.Errorf("%s → %s: error %q does not say %q and the file", c.old, c.new, err, c.want)
		}
	}
}

// writePackage writes a package folder with the manifest's name replaced.
func writePackage(t *testing.T, dir, name string, onnx []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	m := strings.Replace(string(validManifest(t)), "test-vessels", name, 1)
	if err := os.WriteFile(filepath.Join(p, ManifestFile), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	if onnx != nil {
		if err := os.WriteFile(filepath.Join(p, NetworkFile), onnx, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

var onnxHead = []byte{0x08, 0x08, 0x12, 0x07}

func TestCatalogueListsInstalledThenBuiltinAndReportsBadFolders(t *testing.T) {
	dir := t.TempDir()
	writePackage(t, dir, "alpha", onnxHead)
	writePackage(t, dir, "shadow", onnxHead)
	writePackage(t, dir, "no-network", nil)
	writePackage(t, dir, "not-onnx", []byte("<html>"))
	builtin := fstest.MapFS{
		"shadow/model.json":  {Data: []byte(strings.Replace(string(validManifest(t)), "test-vessels", "shadow", 1))},
		"shadow/model.onnx":  {Data: onnxHead},
		"builtin/model.json": {Data: []byte(strings.Replace(string(validManifest(t)), "test-vessels", "builtin", 1))},
		"builtin/model.onnx": {Data: onnxHead},
	}
	c := Catalogue{Dirs: []string{filepath.Join(dir, "missing"), dir}, Builtin: builtin}
	pkgs, problems := c.List()
	var names []string
	for _, p := range pkgs {
		names = append(names, p.Name+"@"+filepath.Base(p.Source))
	}
	if got := strings.Join(names, " "); got != "alpha@alpha shadow@shadow builtin@built-in:builtin" {
		t.Errorf("packages %s", got)
	}
	if pkgs[1].Source != filepath.Join(dir, "shadow") {
		t.Errorf("the installed package does not shadow the built-in one: %s", pkgs[1].Source)
	}
	msg := ""
	for _, e := range problems {
		msg += e.Error() + "\n"
	}
	if len(problems) != 2 || !strings.Contains(msg, "no-network/model.onnx: no such file") || !strings.Contains(msg, "not an ONNX model") {
		t.Errorf("problems:\n%s", msg)
	}

	p, err := c.Find("builtin")
	if err != nil || p.Source != "built-in:builtin" {
		t.Fatalf("Find(builtin) = %v, %v", p, err)
	}
	if b, err := p.ONNX(); err != nil || len(b) != len(onnxHead) {
		t.Errorf("ONNX() = %v, %v", b, err)
	}
	if p, err := c.Find(filepath.Join(dir, "alpha")); err != nil || p.Name != "alpha" {
		t.Errorf("Find(path) = %v, %v", p, err)
	}
	_, err = c.Find("gamma")
	if err == nil || !strings.Contains(err.Error(), `no model package named "gamma"`) || !strings.Contains(err.Error(), "alpha, shadow, builtin") {
		t.Errorf("Find(gamma) error: %v", err)
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add(validManifest(f))
	f.Add([]byte(`{"format": "kidney3d-model/1", "labels": {"background": 0}}`))
	f.Add([]byte(`{"spacing": [1e400, -1, 0]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data, "fuzz.json")
		if err != nil {
			return
		}
		// Whatever is accepted is usable: classes cover every channel.
		for i, c := range m.Classes() {
			if c == "" {
				t.Fatalf("class %d has no name", i)
			}
		}
	})
}

func TestBrokenInstalledPackageIsNeverReplacedByABuiltinOne(t *testing.T) {
	builtin := fstest.MapFS{
		"demo/model.json": {Data: []byte(strings.Replace(string(validManifest(t)), "test-vessels", "demo", 1))},
		"demo/model.onnx": {Data: onnxHead},
	}
	for _, c := range []struct {
		name  string
		spoil func(dir string) error
		want  string
	}{
		{"random network", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, NetworkFile), []byte{0x9c, 0x31, 0x07, 0xfe}, 0o644)
		}, "model.onnx: not an ONNX model"},
		{"empty network", func(dir string) error { return os.WriteFile(filepath.Join(dir, NetworkFile), nil, 0o644) },
			"model.onnx: empty file"},
		{"bad JSON", func(dir string) error { return os.WriteFile(filepath.Join(dir, ManifestFile), []byte("{"), 0o644) },
			"model.json: unexpected EOF"},
		{"manifest on /dev/zero", func(dir string) error {
			os.Remove(filepath.Join(dir, ManifestFile))
			return os.Symlink("/dev/zero", filepath.Join(dir, ManifestFile))
		}, "model.json: not a regular file: it is a device"},
		{"network is a folder", func(dir string) error {
			os.Remove(filepath.Join(dir, NetworkFile))
			return os.Mkdir(filepath.Join(dir, NetworkFile), 0o755)
		}, "model.onnx: not a regular file: it is a folder"},
		{"huge patch", func(dir string) error {
			m := strings.Replace(strings.Replace(string(validManifest(t)), "test-vessels", "demo", 1), "[48, 96, 96]", "[4096, 4096, 4096]", 1)
			return os.WriteFile(filepath.Join(dir, ManifestFile), []byte(m), 0o644)
		}, "patch_size [4096 4096 4096]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			pkg := writePackage(t, dir, "demo", onnxHead)
			if err := c.spoil(pkg); err != nil {
				t.Fatal(err)
			}
			cat := Catalogue{Dirs: []string{dir}, Builtin: builtin}
			pkgs, problems := cat.List()
			if len(pkgs) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Error(), c.want) {
				t.Errorf("List: %d packages, problems %v; want none and %q", len(pkgs), problems, c.want)
			}
			_, err := cat.Find("demo")
			if err == nil || !strings.Contains(err.Error(), `model package "demo": `) || !strings.Contains(err.Error(), "installed but broken") ||
				!strings.Contains(err.Error(), filepath.Join(pkg, "model.")) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Find: %v", err)
			}
		})
	}
}

func TestReadsAreBounded(t *testing.T) {
	dir := t.TempDir()
	pkg := writePackage(t, dir, "big", onnxHead)
	big := append(validManifest(t), make([]byte, limits.MaxManifestBytes)...)
	if err := os.WriteFile(filepath.Join(pkg, ManifestFile), big, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(pkg); !errors.Is(err, limits.ErrTooLarge) || !strings.Contains(err.Error(), filepath.Join(pkg, ManifestFile)) {
		t.Errorf("oversized model.json: %v", err)
	}
	if _, err := ParseManifest(big, "big.json"); !errors.Is(err, limits.ErrTooLarge) {
		t.Errorf("ParseManifest of an oversized manifest: %v", err)
	}
	// A sparse network file over the limit is refused from its size.
	pkg = writePackage(t, dir, "huge", onnxHead)
	if err := os.Truncate(filepath.Join(pkg, NetworkFile), limits.MaxNetworkBytes+1); err != nil {
		t.Skip("no sparse files here:", err)
	}
	if _, err := Load(pkg); !errors.Is(err, limits.ErrTooLarge) || !strings.Contains(err.Error(), "model.onnx") {
		t.Errorf("oversized model.onnx: %v", err)
	}
}

// FuzzLoad writes fuzzed manifest and network bytes into a package folder:
// Load gives a package or an *Error naming the package, never a panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"format": "kidney3d-model/1"}`), onnxHead)
	f.Add([]byte("{"), []byte{})
	f.Add([]byte(`{"name": "x", "mirror_axes": [0, 0, 0, 0, 0]}`), []byte{0x08})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, manifest, network []byte) {
		pkg := filepath.Join(dir, "pkg")
		for name, data := range map[string][]byte{ManifestFile: manifest, NetworkFile: network} {
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(pkg, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		p, err := Load(pkg)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Package == "" || len(err.Error()) > 64<<10 {
				t.Fatalf("error %T of %d bytes: %.200v", err, len(err.Error()), err)
			}
			return
		}
		if len(network) == 0 || network[0] != 0x08 || p.Name == "" {
			t.Fatalf("accepted a package with network % x and name %q", network[:min(len(network), 4)], p.Name)
		}
	})
}
