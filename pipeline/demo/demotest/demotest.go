// Package demotest writes demo cases for tests.
package demotest

import (
	"path/filepath"
	"testing"

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
