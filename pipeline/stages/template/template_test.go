package template

import (
	"context"
	"os"
	"strings"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/stage"
	_ "kidney3d/pipeline/stages/load"
	"kidney3d/pipeline/volume"
)

func TestQuickModelOnADefectiveDemoCase(t *testing.T) {
	dir := t.TempDir()
	c, err := demo.Generate(demo.Options{Seed: 4, Size: demo.Small})
	if err != nil {
		t.Fatal(err)
	}
	m, err := demo.DefectiveMasks(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Write(dir, c); err != nil {
		t.Fatal(err)
	}
	if err := demo.WriteMasks(dir, m); err != nil {
		t.Fatal(err)
	}
	cf, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage.Stage
	for _, kind := range []string{"load", "template"} {
		s, err := stage.New(kind, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		stages = append(stages, s)
	}
	if err := orchestrate.Run(context.Background(), cf, stages, orchestrate.Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	lab, err := volume.Load[uint8](cf.ArtefactPath("template", Output))
	if err != nil {
		t.Fatal(err)
	}
	table := labels.Default()
	count := map[string]int{}
	for _, v := range lab.Data {
		count[table.Name(int(v))]++
	}
	for _, name := range []string{"kidney_left", "kidney_right", "tumor", "artery", "vein", "ureter"} {
		if count[name] == 0 {
			t.Errorf("no %s in the quick model (%v)", name, count)
		}
	}
	man, err := os.ReadFile(cf.ManifestPath())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(man), `"approximate": true`) {
		t.Error("the manifest does not mark the quick model approximate")
	}
}

func TestTemplateFileMustParse(t *testing.T) {
	bad := t.TempDir() + "/t.json"
	if err := os.WriteFile(bad, []byte(`{"sides": {"up": []}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := stage.New("template", "", stage.Params{"file": bad}); err == nil {
		t.Error("accepted a bad template")
	}
}
