// Package assets holds the defaults embedded in the binary: the label table,
// the pipeline configuration, the icon and the demo model packages.
package assets

import (
	"embed"
	"io/fs"
)

// LabelsYAML is the default label table (DESIGN.md "Label table").
//
//go:embed labels.yaml
var LabelsYAML []byte

// ConfigYAML is the default pipeline (config.yaml): its stages and their
// parameters.
//
//go:embed config.yaml
var ConfigYAML []byte

// MaskAliasesYAML is the table of names other tools give their masks
// (TotalSegmentator's) and the label each becomes.
//
//go:embed mask_aliases.yaml
var MaskAliasesYAML []byte

//go:embed models
var models embed.FS

// Models holds the built-in model packages, one folder per package.
func Models() fs.FS {
	sub, err := fs.Sub(models, "models")
	if err != nil {
		panic(err) // the embedded folder is there by construction
	}
	return sub
}
