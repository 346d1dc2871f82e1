package nephrometry

import "testing"

func TestComponentThresholds(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"R 40", RadiusPoints(40), 1}, {"R 40.1", RadiusPoints(40.1), 2}, {"R 69.9", RadiusPoints(69.9), 2}, {"R 70", RadiusPoints(70), 3},
		{"size 70", SizePoints(70), 2}, {"size 70.1", SizePoints(70.1), 3}, {"size 40", SizePoints(40), 1},
		{"E 0", ExophyticPoints(0), 3}, {"E 0.49", ExophyticPoints(0.49), 2}, {"E 0.5", ExophyticPoints(0.5), 1},
		{"N 7", NearnessPoints(7), 1}, {"N 6.9", NearnessPoints(6.9), 2}, {"N 4", NearnessPoints(4), 3}, {"N 4.1", NearnessPoints(4.1), 2},
		{"A 10", AnteriorSuffix(10), "a"}, {"A -10", AnteriorSuffix(-10), "p"}, {"A 9.9", AnteriorSuffix(9.9), "x"},
		{"L none", LocationPoints(0, false), 1}, {"L some", LocationPoints(0.3, false), 2}, {"L most", LocationPoints(0.6, false), 3}, {"L midline", LocationPoints(0.2, true), 3},
		{"long", LongitudinalPoints(0.5), 1}, {"long mid", LongitudinalPoints(0.51), 2},
		{"rim lateral", RimPoints(-3), 1}, {"rim medial", RimPoints(3), 2},
		{"involved", InvolvedPoints(true), 2}, {"not involved", InvolvedPoints(false), 1},
		{"text", RenalText(10, "p", true), "10ph"}, {"text x", RenalText(4, "x", false), "4x"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}
