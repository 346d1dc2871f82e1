package labels

import (
	"testing"

	"kidney3d/assets"
)

// FuzzParse checks that any bytes give a table or an *Error, never a panic,
// and that a table that parses has consistent lookups.
func FuzzParse(f *testing.F) {
	f.Add(assets.LabelsYAML)
	f.Add([]byte("labels:\n  - {value: 1, name: a, color: [1, 2, 3, 4], mesh: {profile: vessel}}\n"))
	f.Add([]byte("labels: [{value: 1, name: a}, {value: 1, name: b}]"))
	f.Add([]byte("labels:\n  - value: 300\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, l := range tab.Labels {
			if got, ok := tab.ByValue(l.Value); !ok || got.Name != l.Name {
				t.Fatalf("value %d does not find %q", l.Value, l.Name)
			}
		}
	})
}
