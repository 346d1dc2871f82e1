// Package yamlfiletest fuzzes the parsers of YAML files built on package
// yamlfile.
package yamlfiletest

import (
	"testing"

	"kidney3d/pipeline/yamlfile"
)

// Fuzz fuzzes parse from the seeds, the input named fuzz.yaml: any bytes
// give a value or a *yamlfile.Error naming the file, never a panic; check
// looks at each value parse accepts.
func Fuzz[T any](f *testing.F, parse func(data []byte, source string) (T, error), seeds [][]byte, check func(t *testing.T, v T)) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parse(data, "fuzz.yaml")
		if err != nil {
			if e, ok := err.(*yamlfile.Error); !ok || e.File != "fuzz.yaml" {
				t.Fatalf("error of type %T, not naming fuzz.yaml: %v", err, err)
			}
			return
		}
		check(t, v)
	})
}
