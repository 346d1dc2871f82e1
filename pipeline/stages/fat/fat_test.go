package fat

import (
	"context"
	"testing"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/orchestrate"
	"kidney3d/pipeline/stage"
	_ "kidney3d/pipeline/stages/load"
	"kidney3d/pipeline/volume"
)

func TestFatOnADefectiveDemoCase(t *testing.T) {
	dir := t.TempDir()
	c, err := demo.Generate(demo.Options{Seed: 5, Size: demo.Small})
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
	for _, kind := range []string{"load", "perirenal_fat"} {
		s, err := stage.New(kind, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		stages = append(stages, s)
	}
	if err := orchestrate.Run(context.Background(), cf, stages, orchestrate.Options{Program: "test"}); err != nil {
		t.Fatal(err)
	}
	out, err := volume.Load[uint8](cf.ArtefactPath("perirenal_fat", Output))
	if err != nil {
		t.Fatal(err)
	}
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

func TestParams(t *testing.T) {
	if _, err := stage.New("perirenal_fat", "", stage.Params{"phase": "D"}); err == nil {
		t.Error("accepted the delayed phase")
	}
	s, err := stage.New("perirenal_fat", "", stage.Params{"margin_mm": 10})
	if err != nil {
		t.Fatal(err)
	}
	if p := s.(*Stage).params; p.MarginMM != 10 || p.MinHU != -190 || p.Phase != "A" {
		t.Errorf("params %+v", p)
	}
}
