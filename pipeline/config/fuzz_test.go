package config

import (
	"testing"

	"kidney3d/assets"
)

// FuzzParse checks that any bytes give a config or an *Error, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(assets.ConfigYAML)
	f.Add([]byte("stages:\n  - stage: load\n  - {stage: register, name: r, params: {phase: P}}\n"))
	f.Add([]byte("stages: [load, merge]\n"))
	f.Add([]byte("labels: x.yaml\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(c.Stages) == 0 {
			t.Fatal("a config without stages was accepted")
		}
	})
}
