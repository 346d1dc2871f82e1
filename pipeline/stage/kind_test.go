package stage

import (
	"slices"
	"testing"

	"kidney3d/pipeline/labels"
)

func TestKindsDeclareTheirArtefacts(t *testing.T) {
	for _, c := range []struct {
		name string
		decl Decl
		want Decl
	}{
		{"segmenter, one model", Segmenter([]string{"A", "P"}, false, []string{"artery", "vein"}),
			Decl{Resource: GPU, Needs: []Artefact{Reference, InputsSummary, "registered/A", "registered/P"},
				Outputs: []Artefact{"mask/artery", "mask/vein"}, OptionalOutputs: []Artefact{"mask/artery", "mask/vein"}}},
		{"segmenter, a choice of phases", Segmenter([]string{"D"}, true, []string{"ureter"}),
			Decl{Resource: GPU, Needs: []Artefact{Reference, InputsSummary}, Optional: []Artefact{"registered/D"},
				Outputs: []Artefact{"mask/ureter"}, OptionalOutputs: []Artefact{"mask/ureter"}}},
		{"label filter", LabelFilter([]Artefact{"mask/artery"}, []Artefact{"mask/spine"}, []Artefact{"out"}),
			Decl{Resource: CPU, Needs: []Artefact{Reference, InputsSummary, "mask/artery"}, Optional: []Artefact{"mask/spine"},
				Outputs: []Artefact{"out"}}},
		{"mesher", Mesher(), Decl{Resource: CPU, Needs: []Artefact{Labels}, Outputs: []Artefact{Meshes}}},
		{"measurer", Measurer([]Artefact{Report}, TerritoryReport),
			Decl{Resource: CPU, Needs: []Artefact{Labels}, Optional: []Artefact{TerritoryReport}, Outputs: []Artefact{Report}}},
	} {
		d, w := c.decl, c.want
		if d.Resource != w.Resource || !slices.Equal(d.Needs, w.Needs) || !slices.Equal(d.Optional, w.Optional) ||
			!slices.Equal(d.Outputs, w.Outputs) || !slices.Equal(d.OptionalOutputs, w.OptionalOutputs) {
			t.Errorf("%s: got %+v, want %+v", c.name, d, w)
		}
	}
}

type testParams struct {
	Size  int    `yaml:"size" json:"size"`
	Label string `yaml:"label" json:"label"`
}

func TestBaseDecodesOverDefaultsAndImplementsTheDeclaration(t *testing.T) {
	table := labels.Default()
	b, err := NewBase("mine", table, testParams{Size: 3, Label: "artery"}, Params{"size": 5})
	if err != nil {
		t.Fatal(err)
	}
	b.Declare(Measurer([]Artefact{Report}, TerritoryReport))
	if b.Name() != "mine" || b.Table != table || b.Resource() != CPU {
		t.Errorf("name %q, resource %q", b.Name(), b.Resource())
	}
	if p, ok := b.Params().(testParams); !ok || p != (testParams{Size: 5, Label: "artery"}) {
		t.Errorf("params %#v", b.Params())
	}
	if got := b.Inputs(); !slices.Equal(got, []Artefact{Labels, TerritoryReport}) {
		t.Errorf("inputs %v", got)
	}
	if got := b.OptionalInputs(); !slices.Equal(got, []Artefact{TerritoryReport}) {
		t.Errorf("optional inputs %v", got)
	}
	if got := b.Outputs(); !slices.Equal(got, []Artefact{Report}) || b.OptionalOutputs() != nil {
		t.Errorf("outputs %v, optional %v", got, b.OptionalOutputs())
	}
	if _, err := NewBase("mine", table, testParams{}, Params{"colour": "red"}); err == nil {
		t.Error("an unknown parameter was accepted")
	}
}

func TestBaseCheckInsistsOnTheNeededInputsOnly(t *testing.T) {
	b, err := NewBase("mine", labels.Default(), struct{}{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Declare(Measurer([]Artefact{Report}, TerritoryReport))
	env := NewEnv(nil, nil, "mine", "cpu", map[Artefact]string{Labels: "labels.nii.gz"}, nil)
	if err := b.Check(env); err != nil {
		t.Errorf("with the label map: %v", err)
	}
	env = NewEnv(nil, nil, "mine", "cpu", map[Artefact]string{TerritoryReport: "t.json"}, nil)
	if err := b.Check(env); err == nil || err.Error() != "stage mine: input labels is not available" {
		t.Errorf("without the label map: %v", err)
	}
}

func TestStructuresLeaveOutTheBackground(t *testing.T) {
	table, err := labels.Parse([]byte("labels:\n  - {value: 0, name: background}\n  - {value: 2, name: b}\n  - {value: 1, name: a}\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range Structures(table) {
		got = append(got, l.Name)
	}
	if !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("structures %v", got)
	}
}
