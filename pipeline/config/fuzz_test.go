package config

import (
	"testing"

	"kidney3d/assets"
	"kidney3d/pipeline/yamlfile/yamlfiletest"
)

// FuzzParse checks that any bytes give a config or an *Error naming the
// file, never a panic, and that a config that parses has stages.
func FuzzParse(f *testing.F) {
	yamlfiletest.Fuzz(f, Parse, [][]byte{
		assets.ConfigYAML,
		[]byte("stages:\n  - stage: load\n  - {stage: register, name: r, params: {phase: P}}\n"),
		[]byte("stages: [load, merge]\n"),
		[]byte("labels: x.yaml\n"),
	}, func(t *testing.T, c *Config) {
		if len(c.Stages) == 0 {
			t.Fatal("a config without stages was accepted")
		}
	})
}
