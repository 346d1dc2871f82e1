package labels

import (
	"testing"

	"kidney3d/assets"
	"kidney3d/pipeline/yamlfile/yamlfiletest"
)

// FuzzParse checks that any bytes give a table or an *Error naming the
// file, never a panic, and that a table that parses has consistent lookups.
func FuzzParse(f *testing.F) {
	yamlfiletest.Fuzz(f, Parse, [][]byte{
		assets.LabelsYAML,
		[]byte("labels:\n  - {value: 1, name: a, color: [1, 2, 3, 4], mesh: {profile: vessel}}\n"),
		[]byte("labels: [{value: 1, name: a}, {value: 1, name: b}]"),
		[]byte("labels:\n  - value: 300\n"),
	}, func(t *testing.T, tab *Table) {
		for _, l := range tab.Labels {
			if got, ok := tab.ByValue(l.Value); !ok || got.Name != l.Name {
				t.Fatalf("value %d does not find %q", l.Value, l.Name)
			}
		}
	})
}
