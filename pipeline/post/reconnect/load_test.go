package reconnect

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"kidney3d/pipeline/demo/demotest"
	"kidney3d/pipeline/volume"
)

// TestLoadAndCropGiveTheSameResult checks, on defective demo cases, that
// reconnecting with the HU and forbidden voxels read through Input.Load,
// and with every input cropped to Box beforehand, gives exactly what
// reconnecting the whole volumes gives, and that Load reads less.
func TestLoadAndCropGiveTheSameResult(t *testing.T) {
	seeds := demotest.Seeds(6, 2)
	for seed := 1; seed <= seeds; seed++ {
		c, m := demotest.Defective(t, int64(seed))
		for _, tc := range []struct {
			label, parent, phase string
			p                    Params
		}{
			{"artery", "aorta", "A", Arterial},
			{"vein", "inferior_vena_cava", "P", Venous},
			{"ureter", "urinary_bladder", "D", Excretory},
		} {
			in := demoInput(t, c, m, tc.label, tc.parent, tc.phase)
			want, err := Reconnect(context.Background(), in, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			// The phases read through Load.
			loaded := 0
			lazy := in
			lazy.HU, lazy.Forbidden = nil, nil
			lazy.Load = func(lo, hi [3]int) (*volume.Volume[int16], *volume.Volume[uint8], error) {
				loaded += (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2])
				return volume.Crop(in.HU, lo, hi), volume.Crop(in.Forbidden, lo, hi), nil
			}
			got, err := Reconnect(context.Background(), lazy, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, seed, tc.label+" through Load", got, want, [3]int{})
			if loaded >= in.HU.Len() {
				t.Errorf("seed %d %s: Load read %d voxels, the whole volume has %d", seed, tc.label, loaded, in.HU.Len())
			}
			// Every input cropped to Box beforehand.
			lo, hi, ok := volume.BoundingBox(in.Mask)
			if !ok {
				continue
			}
			lo, hi = Box(in.Mask.Grid, lo, hi, tc.p)
			cropped := Input{Mask: volume.Crop(in.Mask, lo, hi), Parent: volume.Crop(in.Parent, lo, hi), MidlineX: in.MidlineX}
			cropped.Load = func(l, h [3]int) (*volume.Volume[int16], *volume.Volume[uint8], error) {
				for a := range 3 {
					l[a], h[a] = l[a]+lo[a], h[a]+lo[a]
				}
				return volume.Crop(in.HU, l, h), volume.Crop(in.Forbidden, l, h), nil
			}
			got, err = Reconnect(context.Background(), cropped, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			whole := volume.New[uint8](in.Mask.Grid)
			volume.Paste(whole, got.Mask, lo)
			got.Mask = whole
			sameResult(t, seed, tc.label+" cropped", got, want, lo)
		}
	}
}

// sameResult compares two reconnections, got's bridge voxels counted from
// at.
func sameResult(t *testing.T, seed int, what string, got, want *Result, at [3]int) {
	t.Helper()
	if !slices.Equal(got.Mask.Data, want.Mask.Data) {
		t.Errorf("seed %d %s: masks differ", seed, what)
	}
	if !reflect.DeepEqual(got.Before, want.Before) || !reflect.DeepEqual(got.After, want.After) {
		t.Errorf("seed %d %s: fragments %v→%v, want %v→%v", seed, what, got.Before, got.After, want.Before, want.After)
	}
	for _, b := range got.Bridges {
		for n := range b.Path {
			for a := range 3 {
				b.Path[n][a] += at[a]
			}
		}
	}
	if !reflect.DeepEqual(got.Bridges, want.Bridges) {
		t.Errorf("seed %d %s: bridges\n%+v\nwant\n%+v", seed, what, got.Bridges, want.Bridges)
	}
}

func TestLoadErrorsStopTheReconnection(t *testing.T) {
	in := tubeCase(20, 26, 300)
	boom := errors.New("boom")
	in.HU = nil
	in.Load = func(lo, hi [3]int) (*volume.Volume[int16], *volume.Volume[uint8], error) { return nil, nil, boom }
	if _, err := Reconnect(context.Background(), in, Arterial); !errors.Is(err, boom) {
		t.Errorf("a failing Load: %v", err)
	}
	in.Load = func(lo, hi [3]int) (*volume.Volume[int16], *volume.Volume[uint8], error) {
		return volume.New[int16](volume.Grid{Dims: [3]int{1, 1, 1}}), nil, nil
	}
	if _, err := Reconnect(context.Background(), in, Arterial); err == nil {
		t.Error("a Load of the wrong size accepted")
	}
	in.Load = nil
	if _, err := Reconnect(context.Background(), in, Arterial); err == nil {
		t.Error("neither HU nor Load accepted")
	}
}
