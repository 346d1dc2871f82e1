// Package assets holds the defaults embedded in the binary: the label table,
// the pipeline configuration, the icon, the demo model packages and the
// anatomical template of the quick model.
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

// RenalTemplateJSON is the default anatomical template of the quick model
// (stage "template"): the typical course of the renal arteries and veins
// and of the ureters relative to the kidneys (format: package
// pipeline/post/template).
//
//go:embed template/renal.json
var RenalTemplateJSON []byte

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
