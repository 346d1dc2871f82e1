package fat

import (
	"fmt"
	"math"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/post/internal/hu"
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

// Input is what Segment works on; every volume is on the CT's grid, or on
// Grid when the CT is only a box of it.
type Input struct {
	// CT is a contrast phase in HU (arterial or portal).
	CT *volume.Volume[int16]
	// Grid, when not zero, is the masks' grid, of which CT holds only the
	// box whose first voxel is CTAt (as volume.LoadBox reads it). That box
	// must hold the perirenal space of each kidney (Space).
	Grid volume.Grid
	CTAt [3]int
	// Kidneys are the kidney masks by side ("left", "right"); a side may
	// be missing.
	Kidneys map[string]*volume.Volume[uint8]
	// Others are the masks of the other structures (tumour, cysts,
	// vessels, ureters, neighbouring organs): never fat. Nil entries are
	// skipped.
	Others []*volume.Volume[uint8]
	// KidneyParts and OtherParts are kidneys and other structures held
	// as parts (volume.LoadPart), beside or instead of Kidneys and Others.
	// Only the other structures' voxels in the perirenal spaces are read:
	// an other part may be just a box of its mask that holds them (as
	// volume.LoadBox reads it), its outside taken as zero.
	KidneyParts map[string]*volume.Part[uint8]
	OtherParts  []*volume.Part[uint8]
	// MidlineX is the world x (RAS mm) dividing left (smaller x) from
	// right.
	MidlineX float64
}

// Segment is the perirenal fat mask of both sides. Each side works on the
// box of its kidney grown by the margin, never on the whole grid.
func Segment(in Input, p Params) (*volume.Volume[uint8], error) {
	g := in.CT.Grid
	if in.Grid.Dims != ([3]int{}) {
		g = in.Grid
	} else if in.CTAt != ([3]int{}) {
		return nil, fmt.Errorf("fat: a CT box at %v needs the grid it is a box of", in.CTAt)
	}
	kidneys := map[string]*volume.Part[uint8]{}
	for side, m := range in.Kidneys {
		if m != nil {
			kidneys[side] = volume.WholePart(m)
		}
	}
	for side, m := range in.KidneyParts {
		if m != nil {
			kidneys[side] = m
		}
	}
	var others []*volume.Part[uint8]
	for _, m := range in.Others {
		if m != nil {
			others = append(others, volume.WholePart(m))
		}
	}
	for _, m := range in.OtherParts {
		if m != nil {
			others = append(others, m)
		}
	}
	for _, m := range append(mapValues(kidneys), others...) {
		if err := volume.SameGrid(g, m.Grid, volume.GridTolerance); err != nil {
			return nil, fmt.Errorf("fat: a mask is not on the CT's grid: %w", err)
		}
	}
	out := volume.New[uint8](g)
	for side, m := range kidneys {
		mlo, mhi, ok := volume.PartBoundingBox(m)
		if !ok {
			continue
		}
		kid := labelops.Largest(m.Crop(mlo, mhi), labelops.Full)
		klo, khi, _ := volume.BoundingBox(kid)
		var lo, hi [3]int
		for a := range 3 {
			lo[a], hi[a] = klo[a]+mlo[a], khi[a]+mlo[a]
		}
		lo, hi = grow(g, lo, hi, p)
		var from, to [3]int // the grown box in kid's voxels
		for a := range 3 {
			from[a], to[a] = lo[a]-mlo[a], hi[a]-mlo[a]
		}
		var clo, chi [3]int // the grown box in the CT's voxels
		for a := range 3 {
			clo[a], chi[a] = lo[a]-in.CTAt[a], hi[a]-in.CTAt[a]
			if clo[a] < 0 || chi[a] > in.CT.Dims[a] {
				return nil, fmt.Errorf("fat: the CT box %v–%v does not hold the %s kidney's perirenal space %v–%v", in.CTAt, add(in.CTAt, in.CT.Dims), side, lo, hi)
			}
		}
		space := region{lo: lo, kidney: volume.Crop(kid, from, to), ct: volume.Crop(in.CT, clo, chi)}
		space.other = volume.New[uint8](space.kidney.Grid)
		for _, o := range others {
			orBox(space.other, o, lo)
		}
		space.segment(out, in.MidlineX, side == "right", p)
	}
	return out, nil
}

// Space is a box of m's grid that holds the perirenal space Segment reads
// around the kidney mask m: m's bounding box grown by the margin and one
// voxel, within the grid; ok is false when m is empty.
func Space(m *volume.Part[uint8], p Params) (lo, hi [3]int, ok bool) {
	lo, hi, ok = volume.PartBoundingBox(m)
	if !ok {
		return lo, hi, false
	}
	lo, hi = grow(m.Grid, lo, hi, p)
	return lo, hi, true
}

// grow widens the box [lo, hi) of g by the margin and one voxel.
func grow(g volume.Grid, lo, hi [3]int, p Params) (glo, ghi [3]int) {
	margin := labelops.Margin(g, p.MarginMM)
	return volume.GrowBox(g, lo, hi, [3]int{margin[0] + 1, margin[1] + 1, margin[2] + 1})
}

func add(a, b [3]int) [3]int { return [3]int{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

// region is one kidney's perirenal space: the box [lo, lo + size) of the
// grid holding the kidney and its margin, with the kidney's largest
// component, the CT and the other structures cropped to it.
type region struct {
	lo            [3]int
	kidney, other *volume.Volume[uint8]
	ct            *volume.Volume[int16]
}

// segment marks in out the fat voxels of the region on the side of the
// midline (right: x > midlineX) it belongs to, slices in parallel.
func (r *region) segment(out *volume.Volume[uint8], midlineX float64, right bool, p Params) {
	dist := labelops.DistanceOutsideMM(r.kidney)
	sp := out.Spacing()
	// Partial volume: a voxel touching the kidney is fat when its HU is
	// nearer the fat range's middle than the kidney's median.
	edge := math.Sqrt(sp[0]*sp[0] + sp[1]*sp[1] + sp[2]*sp[2])
	iface := (medianHU(r.ct, r.kidney) + (p.MinHU+p.MaxHU)/2) / 2
	minHU, maxHU, ifaceHU := hu.Ceil(p.MinHU), hu.Floor(p.MaxHU), hu.Floor(iface)
	reach, edge32 := below(p.MarginMM), below(edge)
	nx, ny, nz := r.kidney.Dims[0], r.kidney.Dims[1], r.kidney.Dims[2]
	g := out.Grid
	parallel.For(nz, 1, func(k0, k1 int) {
		for k := k0; k < k1; k++ {
			for j := range ny {
				base := (k*ny + j) * nx
				row := g.Index(r.lo[0], r.lo[1]+j, r.lo[2]+k)
				for i := range nx {
					d := dist.Data[base+i]
					if d == 0 || d > reach || r.other.Data[base+i] != 0 {
						continue
					}
					v := int(r.ct.Data[base+i])
					if v < minHU || (v > maxHU && (d > edge32 || v > ifaceHU)) {
						continue
					}
					x := g.VoxelToWorld([3]float64{float64(r.lo[0] + i), float64(r.lo[1] + j), float64(r.lo[2] + k)})[0]
					if (x > midlineX) == right {
						out.Data[row+i] = 1
					}
				}
			}
		}
	})
}

// orBox ORs into dst the box of src (a part of the full grid) whose corner
// is lo and whose size is dst's: dst's voxels become nonzero where src's
// are.
func orBox(dst *volume.Volume[uint8], src *volume.Part[uint8], lo [3]int) {
	var from, to [3]int // the part of dst that src's box covers, in dst's voxels
	for a := range 3 {
		from[a] = max(0, src.Lo[a]-lo[a])
		to[a] = min(dst.Dims[a], src.Lo[a]+src.Box.Dims[a]-lo[a])
		if to[a] <= from[a] {
			return
		}
	}
	for k := from[2]; k < to[2]; k++ {
		for j := from[1]; j < to[1]; j++ {
			s := src.Box.Index(from[0]+lo[0]-src.Lo[0], j+lo[1]-src.Lo[1], k+lo[2]-src.Lo[2])
			d := dst.Data[dst.Index(from[0], j, k) : dst.Index(to[0]-1, j, k)+1]
			for i, v := range src.Box.Data[s : s+len(d)] {
				d[i] |= v
			}
		}
	}
}

// below is the largest float32 d such that float64(d) <= x: a distance
// d (a float32) exceeds x exactly when d > below(x).
func below(x float64) float32 {
	f := float32(x)
	if float64(f) > x {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

// medianHU is the median HU of ct over the mask m (both on one grid).
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

func mapValues(m map[string]*volume.Part[uint8]) []*volume.Part[uint8] {
	out := make([]*volume.Part[uint8], 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
