// Package template embeds the anatomical template of the quick model: the
// typical course of the renal arteries and veins and of the ureters
// relative to the kidneys (format: package pipeline/post/template).
package template

import _ "embed"

// RenalJSON is the default template.
//
//go:embed renal.json
var RenalJSON []byte
