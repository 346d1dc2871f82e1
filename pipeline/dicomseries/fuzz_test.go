package dicomseries

import (
	"encoding/binary"
	"math"
	"testing"

	"kidney3d/pipeline/dicompixel"
	"kidney3d/pipeline/dicomscan"
)

// FuzzGroup assembles series from instances whose UIDs, image types,
// orientations and positions come from the fuzzer: Group must never
// panic, and every series it accepts must have a valid grid holding all
// its slices, sorted along the normal.
func FuzzGroup(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 8})
	f.Add([]byte{1, 0, 3, 0, 1, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 6, 1, 1, 0, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ins []*dicomscan.Instance
		for len(b) >= 4 && len(ins) < 64 {
			in := &dicomscan.Instance{
				Path:              "f",
				SeriesInstanceUID: string('a' + rune(b[0]%3)),
				ImageType:         []string{"ORIGINAL", []string{"AXIAL", "LOCALIZER"}[b[1]%2]},
				AcquisitionNumber: int(b[1] % 3),
				Format:            dicompixel.Format{Rows: 2 + int(b[0]%2), Columns: 3, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12},
				PixelSpacing:      [2]float64{1, 1},
				Orientation:       [6]float64{1, 0, 0, 0, math.Cos(float64(b[2]%4) / 10), math.Sin(float64(b[2]%4) / 10)},
				Position:          [3]float64{float64(int8(b[2])) / 50, float64(int8(b[3])) / 40, float64(int8(b[3]))},
				Has:               dicomscan.Has{PixelData: true, Position: true, Orientation: true, PixelSpacing: true},
				RescaleSlope:      1,
			}
			if len(b) >= 8 {
				in.Position[2] += float64(binary.LittleEndian.Uint16(b[4:])%7) / 3
			}
			ins = append(ins, in)
			b = b[4:]
		}
		series, _ := Group(ins, Options{FillGaps: len(ins)%2 == 0})
		for _, s := range series {
			if s.Err != nil {
				continue
			}
			g := s.Geometry.Grid
			if err := g.Validate(); err != nil || (s.Geometry.Resampled == "") != (g.Dims[2] == len(s.Instances)) && g.Dims[2] < len(s.Instances) {
				t.Fatalf("series %s: grid %v (%v) for %d slices", s.ID, g, err, len(s.Instances))
			}
		}
	})
}
