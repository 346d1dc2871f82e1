// Package glbtest helps tests check GLB files as other tools read them: the
// bounds glTF accessors declare for each mesh's positions, and Khronos'
// glTF validator (the npm package gltf-validator, which `make deps`
// installs into .deps/npm).
package glbtest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Bounds are the declared range of one mesh's positions, in the file's
// units (metres for glTF).
type Bounds struct{ Min, Max [3]float64 }

// PositionBounds reads a GLB file's JSON chunk and returns, by mesh name,
// the min and max of its first primitive's POSITION accessor.
func PositionBounds(path string) (map[string]Bounds, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseBounds(path, b)
}

// parseBounds is PositionBounds on the file's bytes.
func parseBounds(path string, b []byte) (map[string]Bounds, error) {
	if len(b) < 20 || binary.LittleEndian.Uint32(b) != 0x46546C67 || binary.LittleEndian.Uint32(b[16:]) != 0x4E4F534A {
		return nil, fmt.Errorf("%s: not a GLB with a JSON chunk", path)
	}
	n := int(binary.LittleEndian.Uint32(b[12:]))
	if 20+n > len(b) {
		return nil, fmt.Errorf("%s: JSON chunk of %d bytes in a file of %d", path, n, len(b))
	}
	var doc struct {
		Meshes []struct {
			Name       string
			Primitives []struct{ Attributes map[string]int }
		}
		Accessors []struct{ Min, Max []float64 }
	}
	if err := json.Unmarshal(b[20:20+n], &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]Bounds{}
	for _, m := range doc.Meshes {
		if len(m.Primitives) == 0 {
			return nil, fmt.Errorf("%s: mesh %q has no primitive", path, m.Name)
		}
		a, ok := m.Primitives[0].Attributes["POSITION"]
		if !ok || a < 0 || a >= len(doc.Accessors) || len(doc.Accessors[a].Min) != 3 || len(doc.Accessors[a].Max) != 3 {
			return nil, fmt.Errorf("%s: mesh %q has no POSITION accessor with bounds", path, m.Name)
		}
		var bd Bounds
		copy(bd.Min[:], doc.Accessors[a].Min)
		copy(bd.Max[:], doc.Accessors[a].Max)
		out[m.Name] = bd
	}
	return out, nil
}

// Validate runs gltf-validator from repoRoot/.deps/npm on the file and
// fails the test on any error it reports; it skips the test where node or
// the validator is not installed.
func Validate(t testing.TB, repoRoot, path string) {
	t.Helper()
	pkg, err := filepath.Abs(filepath.Join(repoRoot, ".deps", "npm", "node_modules", "gltf-validator"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pkg); err != nil {
		t.Skipf("gltf-validator not installed (npm install --prefix .deps/npm gltf-validator): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	const script = `
const validator = require(process.argv[1]);
const bytes = new Uint8Array(require('fs').readFileSync(process.argv[2]));
validator.validateBytes(bytes).then((r) => {
  console.log(JSON.stringify({validatorVersion: r.validatorVersion, issues: r.issues}));
}, (e) => { console.error(e); process.exit(2); });
`
	out, err := exec.Command(node, "-e", script, pkg, path).Output()
	if err != nil {
		t.Fatalf("gltf-validator on %s: %v", path, err)
	}
	var report struct {
		ValidatorVersion string
		Issues           struct {
			NumErrors, NumWarnings, NumInfos int
			Messages                         []struct{ Code, Message, Pointer string }
		}
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("gltf-validator on %s: %v: %s", path, err, out)
	}
	for _, m := range report.Issues.Messages {
		t.Logf("%s %s %s", m.Code, m.Pointer, m.Message)
	}
	t.Logf("gltf-validator %s on %s: %d errors, %d warnings, %d infos", report.ValidatorVersion, filepath.Base(path), report.Issues.NumErrors, report.Issues.NumWarnings, report.Issues.NumInfos)
	if report.Issues.NumErrors > 0 {
		t.Errorf("gltf-validator found %d errors in %s", report.Issues.NumErrors, path)
	}
}
