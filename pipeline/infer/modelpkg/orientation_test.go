package modelpkg

import (
	"strings"
	"testing"
)

func TestOrientationDefaultsToRASAndRejectsBadCodes(t *testing.T) {
	valid := string(validManifest(t))
	m, err := ParseManifest([]byte(valid), "model.json")
	if err != nil {
		t.Fatal(err)
	}
	if m.AxisCodes() != "RAS" {
		t.Errorf("no orientation runs in %s, want RAS", m.AxisCodes())
	}
	with := func(codes string) string {
		return strings.Replace(valid, `"tile_step_size": 0.5`, `"tile_step_size": 0.5, "orientation": "`+codes+`"`, 1)
	}
	if m, err := ParseManifest([]byte(with("LPS")), "model.json"); err != nil || m.AxisCodes() != "LPS" {
		t.Errorf("orientation LPS: %v, %v", m, err)
	}
	for _, bad := range []string{"RAR", "XYZ", "ras", strings.Repeat("L", 5000)} {
		_, err := ParseManifest([]byte(with(bad)), "pkg/model.json")
		if err == nil || !strings.Contains(err.Error(), "pkg/model.json") || !strings.Contains(err.Error(), "orientation") {
			t.Errorf("orientation %.10q: %v", bad, err)
		}
		if err != nil && len(err.Error()) > 1000 {
			t.Errorf("orientation %.10q: error of %d bytes", bad, len(err.Error()))
		}
	}
}
