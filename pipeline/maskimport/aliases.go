// Package maskimport brings masks made by other tools into a case: the
// alias table (assets/mask_aliases.yaml) that names each tool's classes and
// maps them to labels of the label table, and Import, which splits a
// tool's multi-label file (or merges its folder of masks) into the named
// masks of input/masks, on the reference phase's grid (the arterial phase's when the case has it).
package maskimport

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"kidney3d/assets"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/yamlfile"
)

// kind names alias-table files in errors.
const kind = "mask aliases"

// MaxClass is the largest class value a tool's multi-label file may use.
const MaxClass = 65535

// Table is a validated alias table: one Tool per tool.
type Table struct {
	Tools []Tool `yaml:"tools"`
}

// Tool is what the table knows of one tool's masks.
type Tool struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Classes     map[int]string `yaml:"classes"` // value in the multi-label file → class name
	Aliases     []Alias        `yaml:"aliases"`
}

// Alias maps the class names that match Name (a path.Match pattern) to a
// label of the label table.
type Alias struct {
	Name  string `yaml:"name"`
	Label string `yaml:"label"`
}

// Parse reads an alias table; source names the file in errors. It rejects
// unknown keys, a table of no tool, tools without a name or named twice,
// class values outside 1–MaxClass, empty or repeated class names, and
// aliases whose pattern is malformed or whose label is empty. Whether each
// label is in the label table is checked where a table is at hand
// (Tool.Check).
func Parse(data []byte, source string) (*Table, error) {
	if len(data) > limits.MaxLabelTableBytes {
		return nil, &yamlfile.Error{Kind: kind, File: source, Msg: fmt.Sprintf("%d bytes, over the limit of %d", len(data), limits.MaxLabelTableBytes)}
	}
	var t Table
	if err := yamlfile.Decode(kind, source, data, &t); err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) error {
		return &yamlfile.Error{Kind: kind, File: source, Msg: fmt.Sprintf(format, args...)}
	}
	if len(t.Tools) == 0 {
		return nil, fail("no tools: the file needs a list under `tools:`")
	}
	seen := map[string]bool{}
	for _, tool := range t.Tools {
		if tool.Name == "" || seen[tool.Name] {
			return nil, fail("tool name %s empty or used twice", limits.Quote(tool.Name))
		}
		seen[tool.Name] = true
		names := map[string]int{}
		for v, name := range tool.Classes {
			if v < 1 || v > MaxClass {
				return nil, fail("tool %s: class value %d outside 1-%d", tool.Name, v, MaxClass)
			}
			if name == "" {
				return nil, fail("tool %s: class %d has no name", tool.Name, v)
			}
			if w, ok := names[name]; ok {
				return nil, fail("tool %s: class name %s used twice (values %d and %d)", tool.Name, limits.Quote(name), min(v, w), max(v, w))
			}
			names[name] = v
		}
		for _, a := range tool.Aliases {
			if _, err := path.Match(a.Name, ""); err != nil || a.Name == "" {
				return nil, fail("tool %s: alias name %s is not a pattern of names", tool.Name, limits.Quote(a.Name))
			}
			if a.Label == "" {
				return nil, fail("tool %s: alias %s has no label", tool.Name, limits.Quote(a.Name))
			}
		}
	}
	return &t, nil
}

// Default is the embedded table of assets/mask_aliases.yaml.
func Default() *Table {
	t, err := Parse(assets.MaskAliasesYAML, "assets/mask_aliases.yaml")
	if err != nil {
		panic(err) // the embedded table is tested; this is a build defect
	}
	return t
}

// Tool is the tool named name, or an error listing the tools there are.
func (t *Table) Tool(name string) (*Tool, error) {
	var names []string
	for i := range t.Tools {
		if t.Tools[i].Name == name {
			return &t.Tools[i], nil
		}
		names = append(names, t.Tools[i].Name)
	}
	return nil, fmt.Errorf("no tool %s in the mask alias table (tools: %s)", limits.Quote(name), strings.Join(names, ", "))
}

// Check says which aliases of tool name a label that table lacks.
func (tool *Tool) Check(table *labels.Table) error {
	var bad []string
	for _, a := range tool.Aliases {
		if l, ok := table.ByName(a.Label); !ok || l.Value == 0 {
			bad = append(bad, a.Name+" → "+a.Label)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("mask aliases of %s name labels that the label table lacks: %s", tool.Name, strings.Join(bad, ", "))
	}
	return nil
}

// LabelOf is the label of table that the tool's class name becomes: the
// first alias that matches it, else the label of that name; ok is false
// when neither gives a label other than background.
func (tool *Tool) LabelOf(name string, table *labels.Table) (label string, ok bool) {
	for _, a := range tool.Aliases {
		if m, _ := path.Match(a.Name, name); m {
			l, ok := table.ByName(a.Label)
			return a.Label, ok && l.Value != 0
		}
	}
	l, ok := table.ByName(name)
	return name, ok && l.Value != 0
}

// Suggest says, for a file name in input/masks that is no label's mask,
// which tool's alias would apply ("kidney_cyst_left.nii.gz is cyst in
// TotalSegmentator's names"), or "" when none does.
func (t *Table) Suggest(file string, table *labels.Table) string {
	name, ok := strings.CutSuffix(file, ".nii.gz")
	if !ok {
		return ""
	}
	var hits []string
	for i := range t.Tools {
		tool := &t.Tools[i]
		for _, a := range tool.Aliases {
			if m, _ := path.Match(a.Name, name); m {
				if _, ok := tool.LabelOf(name, table); ok {
					hits = append(hits, fmt.Sprintf("%s's name for %s", tool.Name, a.Label))
				}
				break
			}
		}
	}
	sort.Strings(hits)
	return strings.Join(hits, ", ")
}
