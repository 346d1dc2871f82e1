package stages

import (
	"testing"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/stagetest"
)

func TestFatOnADefectiveDemoCase(t *testing.T) {
	_, c, out := stagetest.RunOnDemo(t, 5, "perirenal_fat", FatOutput)
	fv := labels.Default().Value("perirenal_fat")
	var inter, a, b int
	for n, v := range out.Data {
		truth := c.Truth.Data[n] == fv
		a += int(v)
		if truth {
			b++
			inter += int(v)
		}
	}
	if d := 2 * float64(inter) / float64(a+b); d < 0.8 {
		t.Errorf("Dice %.3f, want ≥ 0.80", d)
	}
}

func TestFatParams(t *testing.T) {
	if _, err := stage.New("perirenal_fat", "", stage.Params{"phase": "X"}, nil); err == nil {
		t.Error("accepted phase X")
	}
	s, err := stage.New("perirenal_fat", "", stage.Params{"margin_mm": 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.(*Fat).Config; p.MarginMM != 10 || p.MinHU != -190 || p.Phase != "" {
		t.Errorf("params %+v", p)
	}
}
