package hull2d

import (
	"slices"
	"testing"
)

func TestConvex(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pts, out [][2]float64
	}{
		{"empty", nil, nil},
		{"one point twice", [][2]float64{{1, 2}, {1, 2}}, [][2]float64{{1, 2}}},
		{"segment", [][2]float64{{3, 0}, {0, 0}}, [][2]float64{{0, 0}, {3, 0}}},
		{"collinear dropped", [][2]float64{{0, 0}, {1, 0}, {2, 0}, {2, 2}, {0, 2}, {1, 1}, {2, 1}}, [][2]float64{{0, 0}, {2, 0}, {2, 2}, {0, 2}}},
		{"triangle", [][2]float64{{0, 0}, {4, 0}, {0, 3}, {1, 1}}, [][2]float64{{0, 0}, {4, 0}, {0, 3}}},
	} {
		if got := Convex(tc.pts); !slices.Equal(got, tc.out) {
			t.Errorf("%s: Convex = %v, want %v", tc.name, got, tc.out)
		}
	}
}
