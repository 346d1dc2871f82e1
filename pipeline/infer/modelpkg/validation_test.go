package modelpkg

import (
	"encoding/json"
	"testing"
)

// TestValidationDice reads the validation scores of the training record:
// those of the one phase fed when the record has them by phase, else the
// overall ones, and none from a record without them.
func TestValidationDice(t *testing.T) {
	m := &Manifest{Training: json.RawMessage(`{"validation_dice": {"tumor": 0.69},
		"validation_dice_by_phase": {"A": {"tumor": 0.72}, "P": {"tumor": 0.70}}}`)}
	for _, tc := range []struct {
		phases []string
		want   float64
	}{{[]string{"A"}, 0.72}, {[]string{"P"}, 0.70}, {[]string{"D"}, 0.69}, {[]string{"A", "P"}, 0.69}} {
		if got := m.ValidationDice(tc.phases)["tumor"]; got != tc.want {
			t.Errorf("phases %v: tumour %g, want %g", tc.phases, got, tc.want)
		}
	}
	for _, raw := range []string{"", `{"seeds": "100-159"}`, `[1, 2]`} {
		if d := (&Manifest{Training: json.RawMessage(raw)}).ValidationDice([]string{"A"}); d != nil {
			t.Errorf("record %q: %v, want none", raw, d)
		}
	}
}
