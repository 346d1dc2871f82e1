package fat

import (
	"fmt"
	"math"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

// Params tune the segmentation.
type Params struct {
	// MinHU and MaxHU bound the fat range.
	MinHU float64 `yaml:"min_hu" json:"min_hu"`
	MaxHU float64 `yaml:"max_hu" json:"max_hu"`
	// MarginMM is how far the perirenal space reaches from the kidney.
	MarginMM float64 `yaml:"margin_mm" json:"margin_mm"`
}

// Defaults are the usual parameters.
var Defaults = Params{MinHU: -190, MaxHU: -30, MarginMM: 12}

// Input is what Segment works on; every volume is on the CT's grid.
type Input struct {
	// CT is a contrast phase in HU (arterial or portal).
	CT *volume.Volume[int16]
	// Kidneys are the kidney masks by side ("left", "right"); a side may
	// be missing.
	Kidneys map[string]*volume.Volume[uint8]
	// Others are the masks of the other structures (tumour, cysts,
	// vessels, ureters, neighbouring organs): never fat. Nil entries are
	// skipped.
	Others []*volume.Volume[uint8]
	// MidlineX is the world x (RAS mm) dividing left (smaller x) from
	// right.
	MidlineX float64
}

// Segment is the perirenal fat mask of both sides.
func Segment(in Input, p Params) (*volume.Volume[uint8], error) {
	g := in.CT.Grid
	for _, m := range append(mapValues(in.Kidneys), in.Others...) {
		if m == nil {
			continue
		}
		if err := volume.SameGrid(g, m.Grid, 1e-3); err != nil {
			return nil, fmt.Errorf("fat: a mask is not on the CT's grid: %w", err)
		}
	}
	out := volume.New[uint8](g)
	other := volume.New[uint8](g)
	for _, m := range in.Others {
		if m == nil {
			continue
		}
		for n, v := range m.Data {
			other.Data[n] |= b2u(v != 0)
		}
	}
	for side, m := range in.Kidneys {
		if m == nil {
			continue
		}
		kid := labelops.Largest(m, labelops.Full)
		lo, hi, ok := volume.BoundingBox(kid)
		if !ok {
			continue
		}
		sp := g.Spacing()
		var margin [3]int
		for a := range 3 {
			margin[a] = int(math.Ceil(p.MarginMM/sp[a])) + 1
		}
		lo, hi = volume.GrowBox(g, lo, hi, margin)
		dist := labelops.DistanceOutsideMM(volume.Crop(kid, lo, hi))
		// Partial volume: a voxel touching the kidney is fat when its HU
		// is nearer the fat range's middle than the kidney's median.
		edge := math.Sqrt(sp[0]*sp[0] + sp[1]*sp[1] + sp[2]*sp[2])
		iface := (medianHU(in.CT, kid) + (p.MinHU+p.MaxHU)/2) / 2
		right := side == "right"
		for k := lo[2]; k < hi[2]; k++ {
			for j := lo[1]; j < hi[1]; j++ {
				for i := lo[0]; i < hi[0]; i++ {
					n := g.Index(i, j, k)
					d := float64(dist.At(i-lo[0], j-lo[1], k-lo[2]))
					hu := float64(in.CT.Data[n])
					skip := d == 0 || d > p.MarginMM || other.Data[n] != 0
					if skip || hu < p.MinHU || (hu > p.MaxHU && (d > edge || hu > iface)) {
						continue
					}
					x := g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})[0]
					if (x > in.MidlineX) == right {
						out.Data[n] = 1
					}
				}
			}
		}
	}
	return out, nil
}

// medianHU is the median HU of ct over the mask m.
func medianHU(ct *volume.Volume[int16], m *volume.Volume[uint8]) float64 {
	var hist [65536]int
	n := 0
	for i, v := range m.Data {
		if v != 0 {
			hist[int(ct.Data[i])+32768]++
			n++
		}
	}
	seen := 0
	for h, c := range hist {
		if seen += c; 2*seen >= n {
			return float64(h - 32768)
		}
	}
	return 0
}

func mapValues(m map[string]*volume.Volume[uint8]) []*volume.Volume[uint8] {
	out := make([]*volume.Volume[uint8], 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
