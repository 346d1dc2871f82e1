// Package demotest writes demo cases for tests.
package demotest

import (
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo"
)

// Write writes the small demo case of seed, with no results, into the
// folder "case" of a new temporary folder, and returns the folder and the
// generated case (its truth included).
func Write(t testing.TB, seed int64) (string, *demo.Case) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "case")
	c, err := demo.Generate(demo.Options{Seed: seed, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Write(dir, c); err != nil {
		t.Fatal(err)
	}
	return dir, c
}

// TruthAsOutput copies the demo case's truth to output/labels.nii.gz, as
// if a run had made it.
func TruthAsOutput(t testing.TB, dir string) {
	t.Helper()
	c := &casefile.Case{Dir: dir}
	truth, err := os.ReadFile(c.TruthPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(c.OutputLabelsPath()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.OutputLabelsPath(), truth, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Defective generates the small demo case of seed and its truth's masks
// with the defects of `demo --defects` (demo.DefectiveMasks).
func Defective(t testing.TB, seed int64) (*demo.Case, *demo.Masks) {
	t.Helper()
	c, err := demo.Generate(demo.Options{Seed: seed, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	m, err := demo.DefectiveMasks(c)
	if err != nil {
		t.Fatal(err)
	}
	return c, m
}

// Seeds is how many demo cases (seeds 1 to Seeds) a test measures over:
// full, or short under -short.
func Seeds(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}
