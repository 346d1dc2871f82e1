// Package assets holds the defaults embedded in the binary: the label table,
// and later the pipeline configuration, icons and demo model packages.
package assets

import _ "embed"

// LabelsYAML is the default label table (DESIGN.md "Label table").
//
//go:embed labels.yaml
var LabelsYAML []byte

// ConfigYAML is the default pipeline (config.yaml): its stages and their
// parameters.
//
//go:embed config.yaml
var ConfigYAML []byte
