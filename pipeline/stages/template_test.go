package stages

import (
	"os"
	"strings"
	"testing"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/stagetest"
)

func TestQuickModelOnADefectiveDemoCase(t *testing.T) {
	cf, _, lab := stagetest.RunOnDemo(t, 4, "template", TemplateOutput)
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
	if _, err := stage.New("template", "", stage.Params{"file": bad}, nil); err == nil {
		t.Error("accepted a bad template")
	}
}
