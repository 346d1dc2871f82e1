package maskimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/assets"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/yamlfile/yamlfiletest"
)

// FuzzParse checks that Parse never panics, names the file in every
// error, and that a table it accepts answers LabelOf and Suggest.
func FuzzParse(f *testing.F) {
	table := labels.Default()
	yamlfiletest.Fuzz(f, Parse, [][]byte{
		assets.MaskAliasesYAML,
		[]byte("tools: [{name: a, classes: {1: x}, aliases: [{name: 'x*', label: spine}]}]"),
		[]byte("tools: [{name: a, classes: {70000: x}}]"),
	}, func(t *testing.T, tab *Table) {
		for _, tool := range tab.Tools {
			for _, name := range tool.Classes {
				tool.LabelOf(name, table)
				tab.Suggest(name+".nii.gz", table)
			}
		}
	})
}

// FuzzReadLabelFile checks that reading a multi-label file never panics
// and names the file in every error, whatever its bytes.
func FuzzReadLabelFile(f *testing.F) {
	dir := f.TempDir()
	seed := filepath.Join(dir, "seed.nii.gz")
	if err := volume.Save(seed, seg()); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	raw := filepath.Join(dir, "seed.nii")
	if err := volume.Save(raw, seg()); err != nil {
		f.Fatal(err)
	}
	if b, err = os.ReadFile(raw); err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	tool, err := Default().Tool("totalsegmentator")
	if err != nil {
		f.Fatal(err)
	}
	table := labels.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "seg.nii")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []*volume.Grid{nil, &phaseGrid} {
			if _, err := readLabelFile(path, tool, table, ref, "A.nii.gz"); err != nil && !strings.Contains(err.Error(), path) {
				t.Fatalf("error without the file: %v", err)
			}
		}
	})
}

// FuzzParseCaret checks that reading a header extension's label table
// never panics and keeps only keys from 1 to MaxClass with names.
func FuzzParseCaret(f *testing.F) {
	f.Add([]byte(`<CaretExtension><VolumeInformation Index="0"><LabelTable><Label Key="3"><![CDATA[kidney_left]]></Label></LabelTable></VolumeInformation></CaretExtension>`))
	f.Add([]byte("<CaretExtension>\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseCaret(data)
		if err != nil && got != nil {
			t.Fatal("a table and an error")
		}
		for k, v := range got {
			if k < 1 || k > MaxClass || strings.TrimSpace(v) == "" {
				t.Fatalf("kept %d: %q", k, v)
			}
		}
	})
}
