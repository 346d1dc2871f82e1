package dicompixel_test

import (
	"slices"
	"strings"
	"testing"

	"kidney3d/pipeline/dicompixel"
	"kidney3d/pipeline/dicomtest"
)

// TestDecodeInt16 wants the rescaled values, rows bottom up, read straight
// from little-endian words and through Decode (big endian) alike, and
// false when one does not fit.
func TestDecodeInt16(t *testing.T) {
	words := []uint16{0, 1, 2, 0x0FFF, 0x0800, 0x07FF, 300, 4000, 17, 18, 19, 0xF014}
	for _, tc := range []struct {
		name   string
		syntax string
		signed bool
		r      dicompixel.Rescale
		want   []int16 // 4 columns, 3 rows, the last row first
		fits   bool
	}{
		{"unsigned 12-bit, little endian", dicomtest.ExplicitLE, false, dicompixel.Rescale{Slope: 1, Intercept: -1024},
			[]int16{-1007, -1006, -1005, -1004, 1024, 1023, -724, 2976, -1024, -1023, -1022, 3071}, true},
		{"unsigned 12-bit, big endian", dicomtest.ExplicitBE, false, dicompixel.Rescale{Slope: 1, Intercept: -1024},
			[]int16{-1007, -1006, -1005, -1004, 1024, 1023, -724, 2976, -1024, -1023, -1022, 3071}, true},
		{"signed 12-bit, slope 2", dicomtest.ExplicitLE, true, dicompixel.Rescale{Slope: 2, Intercept: 0},
			[]int16{34, 36, 38, 40, -4096, 4094, 600, -192, 0, 2, 4, -2}, true},
		{"beyond int16", dicomtest.ExplicitLE, false, dicompixel.Rescale{Slope: 10, Intercept: 0}, nil, false},
		// 16 bits stored could hold values beyond int16: each is looked at.
		{"unsigned 16-bit that fits", dicomtest.ExplicitLE, false, dicompixel.Rescale{Slope: 1, Intercept: -30000},
			[]int16{-29983, -29982, -29981, 31460, -27952, -27953, -29700, -26000, -30000, -29999, -29998, -25905}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := dicomtest.Default()
			s.Syntax, s.Signed, s.Words = tc.syntax, tc.signed, words
			if strings.Contains(tc.name, "16-bit") {
				s.BitsStored = 16
			}
			path, in := writeSlice(t, s)
			f, err := dicompixel.Open(path, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			dst := make([]int16, 12)
			var scratch []int32
			fits, err := f.DecodeInt16(0, in.Format, tc.r, dst, &scratch)
			if err != nil || fits != tc.fits {
				t.Fatalf("fits %v, %v", fits, err)
			}
			if fits && !slices.Equal(dst, tc.want) {
				t.Errorf("got %v, want %v", dst, tc.want)
			}
		})
	}
}

// BenchmarkDecodeInt16 decodes a 512×512 slice of unsigned 12-bit words
// (intercept -1024, CT's usual coding) read from a file.
func BenchmarkDecodeInt16(b *testing.B) {
	s := dicomtest.Default()
	s.Rows, s.Cols = 512, 512
	s.Words = make([]uint16, 512*512)
	for i := range s.Words {
		s.Words[i] = uint16(i*7) & 0x0FFF
	}
	path, in := writeSlice(b, s)
	f, err := dicompixel.Open(path, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	dst := make([]int16, 512*512)
	var scratch []int32
	b.SetBytes(2 * 512 * 512)
	for b.Loop() {
		if _, err := f.DecodeInt16(0, in.Format, dicompixel.Rescale{Slope: 1, Intercept: -1024}, dst, &scratch); err != nil {
			b.Fatal(err)
		}
	}
}
