package nifti

import "testing"

func TestImageLen(t *testing.T) {
	for _, tc := range []struct {
		data any
		want int
	}{
		{make([]uint8, 7), 7},
		{make([]int16, 5), 5},
		{make([]float32, 3), 3},
		{make([]float64, 2), 2},
		{[]int32{}, 0},
		{[]int64{1, 2}, -1},
		{nil, -1},
	} {
		if got := (&Image{Data: tc.data}).Len(); got != tc.want {
			t.Errorf("Len of %T = %d, want %d", tc.data, got, tc.want)
		}
	}
}
