package maskimport

import (
	"strings"
	"testing"

	"kidney3d/pipeline/labels"
)

func TestDefaultTableMapsTotalSegmentatorNames(t *testing.T) {
	tool, err := Default().Tool("totalsegmentator")
	if err != nil {
		t.Fatal(err)
	}
	table := labels.Default()
	if err := tool.Check(table); err != nil {
		t.Fatal(err)
	}
	if len(tool.Classes) != 117 || tool.Classes[2] != "kidney_right" || tool.Classes[3] != "kidney_left" || tool.Classes[52] != "aorta" ||
		tool.Classes[63] != "inferior_vena_cava" || tool.Classes[64] != "portal_vein_and_splenic_vein" || tool.Classes[21] != "urinary_bladder" {
		t.Errorf("class map differs from TotalSegmentator's class_map[\"total\"]: %d classes", len(tool.Classes))
	}
	for name, want := range map[string]string{
		"kidney_left": "kidney_left", "kidney_right": "kidney_right", "kidney_cyst_left": "cyst", "kidney_cyst_right": "cyst",
		"aorta": "aorta", "inferior_vena_cava": "inferior_vena_cava", "portal_vein_and_splenic_vein": "vein",
		"vertebrae_L1": "spine", "vertebrae_C7": "spine", "sacrum": "spine", "liver": "liver", "spleen": "spleen",
		"pancreas": "pancreas", "urinary_bladder": "urinary_bladder", "renal_artery_left": "artery",
	} {
		if got, ok := tool.LabelOf(name, table); !ok || got != want {
			t.Errorf("%s → %s, %v; want %s", name, got, ok, want)
		}
	}
	for _, name := range []string{"stomach", "rib_left_7", "background", "vertebrae"} {
		if got, ok := tool.LabelOf(name, table); ok {
			t.Errorf("%s → %s: want no label", name, got)
		}
	}
	if got := Default().Suggest("vertebrae_T12.nii.gz", table); got != "totalsegmentator's name for spine" {
		t.Errorf("Suggest = %q", got)
	}
	if got := Default().Suggest("arterry.nii.gz", table); got != "" {
		t.Errorf("Suggest(arterry) = %q", got)
	}
}

func TestParseRejectsBadTables(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"", "no tools"},
		{"tools: []", "no tools"},
		{"tools: [{name: a}, {name: a}]", `tool name "a" empty or used twice`},
		{"tools: [{name: a, classes: {0: x}}]", "tool a: class value 0 outside 1-65535"},
		{"tools: [{name: a, classes: {1: x, 2: x}}]", `tool a: class name "x" used twice (values 1 and 2)`},
		{"tools: [{name: a, classes: {1: ''}}]", "tool a: class 1 has no name"},
		{"tools: [{name: a, aliases: [{name: '[', label: spine}]}]", `tool a: alias name "[" is not a pattern of names`},
		{"tools: [{name: a, aliases: [{name: x}]}]", `tool a: alias "x" has no label`},
		{"tools: [{name: a, colour: red}]", "field colour not found"},
	} {
		_, err := Parse([]byte(tc.yaml), "aliases.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "aliases.yaml") {
			t.Errorf("%s: got %v, want %q", tc.yaml, err, tc.want)
		}
	}
	tab, err := Parse([]byte("tools: [{name: a, aliases: [{name: x, label: nosuch}]}]"), "aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tool, _ := tab.Tool("a")
	if err := tool.Check(labels.Default()); err == nil || !strings.Contains(err.Error(), "x → nosuch") {
		t.Errorf("Check: %v", err)
	}
}

// TestParseCaretLabelTable reads the label table TotalSegmentator writes
// in its files' header extension, here with v1's numbers (aorta 7), which
// the import then uses instead of the v2 class map.
func TestParseCaretLabelTable(t *testing.T) {
	xml := `<?xml version="1.0" encoding="UTF-8"?> <CaretExtension>  <Date><![CDATA[2013-07-14T05:45:09]]></Date>   <VolumeInformation Index="0">   <LabelTable>
<Label Key="1" Red="0.0" Green="1.0" Blue="0.0" Alpha="1"><![CDATA[spleen]]></Label>
<Label Key="7" Red="0.0" Green="0.0" Blue="1.0" Alpha="1"><![CDATA[aorta]]></Label>
<Label Key="0"><![CDATA[background]]></Label>
</LabelTable></VolumeInformation></CaretExtension>` + "\x00\x00\x00"
	got, err := parseCaret([]byte(xml))
	if err != nil || len(got) != 2 || got[1] != "spleen" || got[7] != "aorta" {
		t.Errorf("got %v, %v", got, err)
	}
	if got, err := parseCaret([]byte("afni <AFNI_attributes/>")); got != nil || err != nil {
		t.Errorf("other extension: %v, %v", got, err)
	}
	if _, err := parseCaret([]byte("<CaretExtension><VolumeInformation>")); err == nil {
		t.Error("truncated XML accepted")
	}
}
