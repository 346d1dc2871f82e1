// Package dirtest reads folders for tests.
package dirtest

import (
	"os"
	"testing"
)

// Names lists the names of what dir holds, sorted; nil for an empty
// folder. It fails t on error.
func Names(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
