package fat

import (
	"slices"
	"testing"

	"kidney3d/pipeline/volume"
)

// TestBoxesAndPartsGiveTheSameFat checks, on defective demo cases, that
// segmenting from the CT's box of both perirenal spaces and from masks held
// as parts (kidneys by their bounding box, the others by that box) gives
// exactly what segmenting the whole volumes gives.
func TestBoxesAndPartsGiveTheSameFat(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		in, _ := demoInput(t, seed)
		want, err := Segment(in, Defaults)
		if err != nil {
			t.Fatal(err)
		}
		g := in.CT.Grid
		parts := Input{Grid: g, KidneyParts: map[string]*volume.Part[uint8]{}, MidlineX: in.MidlineX}
		lo, hi := g.Dims, [3]int{}
		for side, m := range in.Kidneys {
			klo, khi, ok := volume.BoundingBox(m)
			if !ok {
				continue
			}
			p := volume.CropPart(g, klo, volume.Crop(m, klo, khi))
			parts.KidneyParts[side] = p
			slo, shi, _ := Space(p, Defaults)
			for a := range 3 {
				lo[a], hi[a] = min(lo[a], slo[a]), max(hi[a], shi[a])
			}
		}
		parts.CT, parts.CTAt = volume.Crop(in.CT, lo, hi), lo
		for _, o := range in.Others {
			parts.OtherParts = append(parts.OtherParts, volume.CropPart(g, lo, volume.Crop(o, lo, hi)))
		}
		got, err := Segment(parts, Defaults)
		if err != nil {
			t.Fatal(err)
		}
		if got.Grid != want.Grid || !slices.Equal(got.Data, want.Data) {
			t.Errorf("seed %d: the fat from boxes and parts differs", seed)
		}
		// A CT box too small for a perirenal space is refused.
		short := parts
		short.CT = volume.Crop(in.CT, lo, [3]int{hi[0], hi[1], lo[2] + 1})
		if _, err := Segment(short, Defaults); err == nil {
			t.Errorf("seed %d: a CT box of one slice accepted", seed)
		}
	}
	in, _ := demoInput(t, 1)
	in.CTAt = [3]int{1, 0, 0}
	if _, err := Segment(in, Defaults); err == nil {
		t.Error("a CT box without its grid accepted")
	}
}
