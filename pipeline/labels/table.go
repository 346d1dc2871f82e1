// Package labels is the label table: each label's voxel value, name, colour
// and mesh settings (DESIGN.md "Label table"). Stages refer to labels by
// name; the table gives the values.
package labels

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"kidney3d/assets"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/yamlfile"
)

// Label is one entry of the table.
type Label struct {
	Value int      `yaml:"value"`
	Name  string   `yaml:"name"`
	Color [4]uint8 `yaml:"color"` // RGBA, 0-255; alpha is the 3D view's opacity
	// Display is the name people read ("Left kidney"); "" shows Name
	// (DisplayName).
	Display string `yaml:"display"`
	// Context marks an organ shown for orientation only (liver, spine…):
	// the Surgical presentation hides it.
	Context bool         `yaml:"context"`
	Mesh    MeshSettings `yaml:"mesh"`
}

// DisplayName is the name shown to people: Display, else Name with
// spaces for underscores and a capital first letter ("label_12" gives
// "Label 12").
func (l Label) DisplayName() string {
	if l.Display != "" {
		return l.Display
	}
	s := strings.ReplaceAll(l.Name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Focus names the structures a surgeon's view is framed on: the kidneys
// and what grows in them.
var Focus = []string{"kidney_left", "kidney_right", "tumor", "cyst"}

// Lesions name the structures a surgeon's view shows even inside or behind
// others: the tumour and cysts.
var Lesions = []string{"tumor", "cyst"}

// Table is a validated label table, looked up by name or value.
type Table struct {
	Labels  []Label
	byName  map[string]int
	byValue map[int]int
}

// Error is a problem in a label table file, with the line it is on.
type Error = yamlfile.Error

// kind names label-table files in errors.
const kind = "labels"

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Parse reads a label table; source names the file in errors. It rejects
// tables over limits.MaxLabelTableBytes, unknown keys, duplicate values or
// names, values outside 0-255 (labels are stored as uint8) and names that
// are not lower_snake_case.
func Parse(data []byte, source string) (*Table, error) {
	if len(data) > limits.MaxLabelTableBytes {
		return nil, &Error{Kind: kind, File: source, Msg: fmt.Sprintf("%d bytes, over the limit of %d", len(data), limits.MaxLabelTableBytes)}
	}
	var doc struct {
		Labels []Label `yaml:"labels"`
	}
	if err := yamlfile.Decode(kind, source, data, &doc); err != nil {
		return nil, err
	}
	if len(doc.Labels) == 0 {
		return nil, &Error{Kind: kind, File: source, Msg: "no labels: the file needs a list under `labels:`"}
	}
	lines := yamlfile.ListLines(data, "labels")
	t := &Table{byName: map[string]int{}, byValue: map[int]int{}}
	for i, l := range doc.Labels {
		if err := t.add(l); err != nil {
			line := 0
			if i < len(lines) {
				line = lines[i]
			}
			return nil, &Error{Kind: kind, File: source, Line: line, Msg: err.Error()}
		}
	}
	return t, nil
}

func (t *Table) add(l Label) error {
	if l.Value < 0 || l.Value > 255 {
		return fmt.Errorf("label %s: value %d outside 0-255", limits.Quote(l.Name), l.Value)
	}
	if !namePattern.MatchString(l.Name) {
		return fmt.Errorf("label value %d: name %s must be lower_snake_case", l.Value, limits.Quote(l.Name))
	}
	if i, ok := t.byName[l.Name]; ok {
		return fmt.Errorf("label name %s used twice (values %d and %d)", limits.Quote(l.Name), t.Labels[i].Value, l.Value)
	}
	if i, ok := t.byValue[l.Value]; ok {
		return fmt.Errorf("label value %d used twice (%s and %s)", l.Value, limits.Quote(t.Labels[i].Name), limits.Quote(l.Name))
	}
	if err := l.Mesh.validate(); err != nil {
		return fmt.Errorf("label %s: mesh: %v", limits.Quote(l.Name), err)
	}
	t.byName[l.Name] = len(t.Labels)
	t.byValue[l.Value] = len(t.Labels)
	t.Labels = append(t.Labels, l)
	return nil
}

// Load reads a label table file: a regular file of at most
// limits.MaxLabelTableBytes.
func Load(path string) (*Table, error) {
	data, err := yamlfile.ReadFile(kind, path, limits.MaxLabelTableBytes)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Default is the embedded table of assets/labels.yaml.
func Default() *Table {
	t, err := Parse(assets.LabelsYAML, "assets/labels.yaml")
	if err != nil {
		panic(err) // the embedded table is tested; this is a build defect
	}
	return t
}

// None is a table with no labels: every value is named label_<value>, for
// label maps numbered by another convention (e.g. TotalSegmentator's).
func None() *Table { return &Table{byName: map[string]int{}, byValue: map[int]int{}} }

// ByName finds a label by name.
func (t *Table) ByName(name string) (Label, bool) { return lookup(t, t.byName, name) }

// DisplayName is the shown name of a label name: its entry's DisplayName,
// or, for a name the table lacks, the name made readable the same way.
func (t *Table) DisplayName(name string) string {
	if l, ok := t.ByName(name); ok {
		return l.DisplayName()
	}
	return Label{Name: name}.DisplayName()
}

// ByValue finds a label by voxel value.
func (t *Table) ByValue(v int) (Label, bool) { return lookup(t, t.byValue, v) }

// lookup finds the label of key k in index, one of t's indices.
func lookup[K comparable](t *Table, index map[K]int, k K) (Label, bool) {
	i, ok := index[k]
	if !ok {
		return Label{}, false
	}
	return t.Labels[i], true
}

// Value is the voxel value of a named label; it panics on a name the table
// lacks, which is a programming error in a stage's declaration.
func (t *Table) Value(name string) uint8 {
	l, ok := t.ByName(name)
	if !ok {
		panic(fmt.Sprintf("labels: no label named %q", name))
	}
	return uint8(l.Value)
}

// Name is the name of a voxel value, or "label_<value>" for one the table
// does not know (e.g. a foreign label map's extra labels).
func (t *Table) Name(v int) string {
	if l, ok := t.ByValue(v); ok {
		return l.Name
	}
	return "label_" + strconv.Itoa(v)
}
