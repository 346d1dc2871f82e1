package stages

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/stages/stagetest"
	"kidney3d/pipeline/volume"
)

func TestArteryAndUreterOnADefectiveDemoCase(t *testing.T) {
	if testing.Short() {
		t.Skip("registers the delayed phase")
	}
	cf, c := stagetest.DefectiveDemoCase(t, 2)
	stagetest.Run(t, cf,
		stagetest.Entry{Kind: "load"},
		stagetest.Entry{Kind: "register", Name: "register_D", Params: stage.Params{"phase": "D"}},
		stagetest.Entry{Kind: "reconnect", Name: "reconnect_artery", Params: stage.Params{"label": "artery"}},
		stagetest.Entry{Kind: "reconnect", Name: "reconnect_ureter", Params: stage.Params{"label": "ureter", "max_gap_mm": 30}},
	)
	for _, e := range []struct{ stage, label string }{{"reconnect_artery", "artery"}, {"reconnect_ureter", "ureter"}} {
		out := stagetest.LoadOutput(t, cf, e.stage, ReconnectOutput(e.label))
		if err := volume.SameGrid(c.Truth.Grid, out.Grid, 1e-3); err != nil {
			t.Errorf("%s: %v", e.label, err)
		}
		b, err := os.ReadFile(cf.ArtefactPath(e.stage, BridgesFile(e.label)))
		if err != nil {
			t.Fatal(err)
		}
		var rep ReconnectReport
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		accepted := 0
		for _, b := range rep.Bridges {
			if b.Accepted {
				accepted++
				if b.LengthMM <= 0 || b.FromMM == b.ToMM {
					t.Errorf("%s: bridge without ends or length: %+v", e.label, b)
				}
			}
		}
		if accepted == 0 || rep.FragmentsAfter["left"] != 0 || rep.FragmentsAfter["right"] != 0 {
			t.Errorf("%s: %d bridges, fragments %v before, %v after", e.label, accepted, rep.FragmentsBefore, rep.FragmentsAfter)
		}
	}
	man, err := os.ReadFile(cf.ManifestPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"fragments_after"`, `"length_mm"`, `"mean_hu"`, `"from_mm"`} {
		if !strings.Contains(string(man), key) {
			t.Errorf("the manifest does not record the bridges' %s", key)
		}
	}
}

func TestReconnectParamsPresetsAndOverrides(t *testing.T) {
	s, err := stage.New("reconnect", "reconnect_ureter", stage.Params{"label": "ureter", "min_mean_hu": 300}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := s.(*Reconnect).Config
	if p.Phase != "D" || p.Parent != "urinary_bladder" || p.MinMeanHU != 300 || p.FullHU != ReconnectPresets["ureter"].FullHU {
		t.Errorf("params %+v", p)
	}
	if got := s.Outputs(); got[0] != "reconnected/ureter" || got[1] != "bridges/ureter.json" {
		t.Errorf("outputs %v", got)
	}
	for _, bad := range []stage.Params{{"label": "nerve"}, {"phase": "X"}, {"max_gap": 3}} {
		if _, err := stage.New("reconnect", "", bad, nil); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}
