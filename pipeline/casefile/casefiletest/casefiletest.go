// Package casefiletest makes the case folders that tests start from.
package casefiletest

import (
	"os"
	"path/filepath"
	"testing"

	"kidney3d/pipeline/casefile"
)

// New makes an empty case folder (an input folder, nothing else) in a
// temporary folder of t and opens it; it fails t on error.
func New(t testing.TB) *casefile.Case {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
