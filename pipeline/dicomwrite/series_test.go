package dicomwrite_test

import (
	"context"
	"math"
	"testing"

	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/dicomseries"
	"kidney3d/pipeline/dicomwrite"
	"kidney3d/pipeline/volume"
)

// TestSeriesReadsBackToTheSameGrid writes volumes stored RAS, LAS, with
// permuted axes and obliquely, and checks that the import gives back the
// same world grid and values (reoriented to canonical).
func TestSeriesReadsBackToTheSameGrid(t *testing.T) {
	c, s := math.Cos(0.4), math.Sin(0.4)
	for _, tc := range []struct {
		name   string
		affine volume.Affine
		wide   bool // values beyond 12 bits
	}{
		{"RAS", volume.Affine{{0.8, 0, 0, -20}, {0, 0.8, 0, 30}, {0, 0, 2.5, -100}, {0, 0, 0, 1}}, false},
		{"LAS", volume.Affine{{-0.8, 0, 0, 20}, {0, 0.8, 0, 30}, {0, 0, 2.5, -100}, {0, 0, 0, 1}}, true},
		{"coronal slices", volume.Affine{{0.8, 0, 0, -20}, {0, 0, 1.5, 30}, {0, -0.7, 0, 10}, {0, 0, 0, 1}}, false},
		{"oblique", volume.Affine{{0.8 * c, -0.8 * s, 0, 1}, {0.8 * s, 0.8 * c, 0, 2}, {0, 0, 2, 3}, {0, 0, 0, 1}}, false},
	} {
		for _, multi := range []bool{false, true} {
			if multi {
				tc.name += ", enhanced multi-frame"
			}
			t.Run(tc.name, func(t *testing.T) {
				v := volume.New[int16](volume.Grid{Dims: [3]int{5, 4, 6}, Affine: tc.affine})
				for i := range v.Data {
					v.Data[i] = int16(i*37%4000 - 1024)
					if tc.wide {
						v.Data[i] = int16(i*997 - 15000)
					}
				}
				dir := t.TempDir()
				err := dicomwrite.WriteSeries(dir, v, dicomwrite.Series{StudyUID: "1.2", SeriesUID: "1.2.3", Description: tc.name, ImageType: `ORIGINAL\PRIMARY\AXIAL`, HeadFirst: tc.wide, MultiFrame: multi})
				if err != nil {
					t.Fatal(err)
				}
				res, err := dicomscan.Scan(context.Background(), []string{dir})
				if err != nil {
					t.Fatal(err)
				}
				series, _ := dicomseries.Group(res.Instances, dicomseries.Options{})
				if len(series) != 1 || series[0].Err != nil {
					t.Fatalf("%d series: %v", len(series), series[0].Err)
				}
				im, err := dicomseries.Load(context.Background(), series[0])
				if err != nil {
					t.Fatal(err)
				}
				got, _ := volume.Canonical(im.Int16)
				want, _ := volume.Canonical(v)
				if err := volume.SameGrid(got.Grid, want.Grid, 1e-6); err != nil {
					t.Fatal(err)
				}
				for i := range got.Data {
					if got.Data[i] != want.Data[i] {
						t.Fatalf("voxel %d: %d, want %d", i, got.Data[i], want.Data[i])
					}
				}
			})
		}
	}
}
