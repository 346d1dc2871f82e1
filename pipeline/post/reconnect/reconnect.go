package reconnect

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

// Params tune the reconnection of one structure.
type Params struct {
	// LowHU and FullHU ramp a voxel's cost linearly from 1+OffCost (at or
	// below LowHU) down to 1 (at or above FullHU): bridges follow the
	// enhanced lumen.
	LowHU   float64 `yaml:"low_hu" json:"low_hu"`
	FullHU  float64 `yaml:"full_hu" json:"full_hu"`
	OffCost float64 `yaml:"off_cost" json:"off_cost"`
	// MaxGapMM is the longest bridge accepted, end to end along the path.
	MaxGapMM float64 `yaml:"max_gap_mm" json:"max_gap_mm"`
	// MinMeanHU is the least mean HU over a bridge's new voxels.
	MinMeanHU float64 `yaml:"min_mean_hu" json:"min_mean_hu"`
	// MinCos is the least cosine of the angle between a bridge (end to
	// end) and the direction in which the fragment ends where the bridge
	// leaves it (see endCos): a gap continues its vessel. A bridge that
	// fails continues the tree's end where it arrives instead, or is
	// rejected; one leaving a fragment with no clear end (a speck, a
	// blob) passes, since a branch may meet its trunk from the side.
	MinCos float64 `yaml:"min_cos" json:"min_cos"`
}

// Arterial are the parameters for renal arteries on the arterial phase.
var Arterial = Params{LowHU: -50, FullHU: 200, OffCost: 50, MaxGapMM: 30, MinMeanHU: 50, MinCos: 0.1}

// Venous are the parameters for renal veins on the portal phase.
var Venous = Params{LowHU: -50, FullHU: 130, OffCost: 50, MaxGapMM: 30, MinMeanHU: 40, MinCos: 0.1}

// Excretory are the parameters for the collecting system and ureters on
// the delayed (excretory) phase.
var Excretory = Params{LowHU: 0, FullHU: 600, OffCost: 50, MaxGapMM: 30, MinMeanHU: 250, MinCos: 0.1}

// Input is what Reconnect works on; every volume is on the mask's grid.
type Input struct {
	// Mask is the broken structure (nonzero inside).
	Mask *volume.Volume[uint8]
	// HU is the phase in which the structure is enhanced.
	HU *volume.Volume[int16]
	// Parent is the structure the trees start from (aorta, vena cava,
	// bladder), or nil.
	Parent *volume.Volume[uint8]
	// Forbidden voxels (bone) are never crossed; nil forbids none.
	Forbidden *volume.Volume[uint8]
	// MidlineX is the world x (RAS mm) dividing the patient's left
	// (smaller x) from the right.
	MidlineX float64
	// Load, when HU is nil, reads the box [lo, hi) of the mask's grid of
	// the HU volume and of the forbidden voxels (nil for none), both on
	// the box's grid (as volume.LoadBox reads them). Reconnect then reads
	// only the surroundings of the fragments it tries to join, not the
	// whole box around the structure (Forbidden is not used).
	Load func(lo, hi [3]int) (hu *volume.Volume[int16], forbidden *volume.Volume[uint8], err error)
}

// Bridge is one gap a path was sought across.
type Bridge struct {
	Side string `json:"side"`
	// FromMM is where the bridge leaves the fragment, ToMM where it meets
	// the tree (world RAS mm); both are zero when no path was found.
	FromMM   [3]float64 `json:"from_mm"`
	ToMM     [3]float64 `json:"to_mm"`
	LengthMM float64    `json:"length_mm"`
	MeanHU   float64    `json:"mean_hu"`
	// Voxels counts the voxels the bridge adds (or, rejected, would
	// have added); FragmentVoxels is the size of the fragment it joins.
	Voxels         int  `json:"voxels"`
	FragmentVoxels int  `json:"fragment_voxels"`
	Accepted       bool `json:"accepted"`
	// Reason says why a bridge was rejected.
	Reason string `json:"reason,omitempty"`
	// Path is an accepted bridge's new voxels (indices on the mask's
	// grid); nil when rejected.
	Path [][3]int `json:"-"`
}

// Result is a reconnected structure.
type Result struct {
	Mask *volume.Volume[uint8]
	// Bridges are the accepted bridges in the order they were made, then
	// the rejected ones.
	Bridges []Bridge
	// Before and After count, per side, the components not joined to
	// the main tree before and after reconnection.
	Before, After map[string]int
}

// Sides are the sides of the body, by which fragments are grouped.
var Sides = [2]string{"left", "right"}

// Reconnect joins the fragments of in.Mask to the main tree of their side
// as far as p finds plausible; in.Mask is not changed.
func Reconnect(ctx context.Context, in Input, p Params) (*Result, error) {
	if in.Mask == nil || (in.HU == nil && in.Load == nil) {
		return nil, errors.New("reconnect: the mask and the HU volume (or its Load) are required")
	}
	for name, g := range map[string]*volume.Grid{"HU": gridOf(in.HU), "parent": gridOf(in.Parent), "forbidden": gridOf(in.Forbidden)} {
		if g == nil {
			continue
		}
		if err := volume.SameGrid(in.Mask.Grid, *g, volume.GridTolerance); err != nil {
			return nil, fmt.Errorf("reconnect: %s is not on the mask's grid: %w", name, err)
		}
	}
	// The mask is zero outside its box: the result is the box's crop,
	// reconnected, pasted onto an empty volume.
	res := &Result{Mask: volume.New[uint8](in.Mask.Grid)}
	lo, hi, ok := volume.BoundingBox(in.Mask)
	if !ok {
		res.Before, res.After = (&state{}).unjoined(), (&state{}).unjoined()
		return res, nil
	}
	lo, hi = Box(in.Mask.Grid, lo, hi, p)
	w := &work{p: p, midline: in.MidlineX, mask: crop(in.Mask, lo, hi), cost: costTable(p)}
	w.parent = cropOrEmpty(in.Parent, w.mask.Grid, lo, hi)
	w.loaded = make([]bool, w.mask.Dims[2])
	if in.HU != nil {
		w.hu = crop(in.HU, lo, hi)
		w.forbidden = cropOrEmpty(in.Forbidden, w.mask.Grid, lo, hi)
		for k := range w.loaded {
			w.loaded[k] = true
		}
	} else {
		w.hu, w.forbidden = volume.New[int16](w.mask.Grid), volume.New[uint8](w.mask.Grid)
		w.at, w.load = lo, in.Load
	}
	rejected := map[[2]int]Bridge{}
	tried := map[[2]int]bool{}
	for pass := 0; ; pass++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st := w.state()
		if pass == 0 {
			res.Before = st.unjoined()
			if err := w.prefetch(st); err != nil {
				return nil, err
			}
		}
		b, done, err := w.joinOne(st, tried, rejected)
		if err != nil {
			return nil, err
		}
		if done {
			res.After = st.unjoined()
			// The last attempt at each fragment left unjoined.
			for c, t := range st.tree {
				if b, ok := rejected[st.key[c]]; ok && !t {
					res.Bridges = append(res.Bridges, b)
				}
			}
			break
		}
		for a := range b.Path {
			for c := range 3 {
				b.Path[a][c] += lo[c]
			}
		}
		res.Bridges = append(res.Bridges, b)
	}
	volume.Paste(res.Mask, w.mask, lo)
	return res, nil
}

// Box is the part of the grid g that Reconnect works on for a mask whose
// bounding box is [lo, hi): that box grown by MaxGapMM and one voxel,
// within g. Reconnect gives the same result for inputs cropped to it
// beforehand (volume.Crop, LoadBox or Part.Crop), on that crop, with
// bridges' voxels counted from its corner.
func Box(g volume.Grid, lo, hi [3]int, p Params) (blo, bhi [3]int) {
	margin := labelops.Margin(g, p.MaxGapMM)
	return volume.GrowBox(g, lo, hi, [3]int{margin[0] + 1, margin[1] + 1, margin[2] + 1})
}

func gridOf[T volume.Voxel](v *volume.Volume[T]) *volume.Grid {
	if v == nil {
		return nil
	}
	return &v.Grid
}

// cropOrEmpty is v cropped to [lo, hi), or an empty mask on g when v is nil.
func cropOrEmpty(v *volume.Volume[uint8], g volume.Grid, lo, hi [3]int) *volume.Volume[uint8] {
	if v == nil {
		return volume.New[uint8](g)
	}
	return crop(v, lo, hi)
}

// crop is v cropped to [lo, hi): a copy of v, grid and all, when that is
// the whole of v (an input cropped to Box beforehand).
func crop[T volume.Voxel](v *volume.Volume[T], lo, hi [3]int) *volume.Volume[T] {
	if lo == ([3]int{}) && hi == v.Dims {
		return v.Clone()
	}
	return volume.Crop(v, lo, hi)
}

// work is a reconnection in progress, on the crop around the structure.
type work struct {
	p                       Params
	midline                 float64
	mask, parent, forbidden *volume.Volume[uint8]
	hu                      *volume.Volume[int16]
	cost                    []float32 // by HU + 32768, see costTable
	// hu and forbidden hold Input.HU and Forbidden in the crop's slices k
	// where loaded[k]; where Input.Load reads them, the crop's first voxel
	// is the grid's voxel at.
	loaded []bool
	at     [3]int
	load   func(lo, hi [3]int) (*volume.Volume[int16], *volume.Volume[uint8], error)
}

// reach is the box of the crop that bridge reads for component c: its box
// grown by MaxGapMM.
func (w *work) reach(s *state, c int) (lo, hi [3]int) {
	return volume.GrowBox(w.mask.Grid, s.box[c][0], s.box[c][1], labelops.Margin(w.mask.Grid, w.p.MaxGapMM))
}

// prefetch loads the HU and forbidden voxels around every fragment of the
// first pass: later passes try the same fragments.
func (w *work) prefetch(s *state) error {
	need := make([]bool, len(w.loaded))
	for c, t := range s.tree {
		if !t {
			lo, hi := w.reach(s, c)
			for k := lo[2]; k < hi[2]; k++ {
				need[k] = true
			}
		}
	}
	return w.ensure(need)
}

// ensure makes hu and forbidden hold the crop's slices k where need[k],
// loading each run of them not loaded yet at once.
func (w *work) ensure(need []bool) error {
	nx, ny := w.mask.Dims[0], w.mask.Dims[1]
	for k := 0; k < len(need); {
		if !need[k] || w.loaded[k] {
			k++
			continue
		}
		k1 := k + 1
		for k1 < len(need) && need[k1] && !w.loaded[k1] {
			k1++
		}
		lo, hi := [3]int{w.at[0], w.at[1], w.at[2] + k}, [3]int{w.at[0] + nx, w.at[1] + ny, w.at[2] + k1}
		hu, forbidden, err := w.load(lo, hi)
		if err != nil {
			return err
		}
		dims := [3]int{nx, ny, k1 - k}
		if hu == nil || hu.Dims != dims || (forbidden != nil && forbidden.Dims != dims) {
			return fmt.Errorf("reconnect: Load of the box %v–%v did not give volumes of %v voxels", lo, hi, dims)
		}
		volume.Paste(w.hu, hu, [3]int{0, 0, k})
		if forbidden != nil {
			volume.Paste(w.forbidden, forbidden, [3]int{0, 0, k})
		}
		for ; k < k1; k++ {
			w.loaded[k] = true
		}
	}
	return nil
}

// ensureBox makes hu and forbidden hold the box [lo, hi) of the crop.
func (w *work) ensureBox(lo, hi [3]int) error {
	need := make([]bool, len(w.loaded))
	for k := lo[2]; k < hi[2]; k++ {
		need[k] = true
	}
	return w.ensure(need)
}

// costTable is the cost of a voxel outside the structure by its HU (index
// HU + 32768): 1 + OffCost at or below LowHU, ramping linearly down to 1
// at FullHU.
func costTable(p Params) []float32 {
	out := make([]float32, 1<<16)
	for n := range out {
		t := min(max((float64(n-32768)-p.LowHU)/(p.FullHU-p.LowHU), 0), 1)
		out[n] = float32(1 + p.OffCost*(1-t))
	}
	return out
}

// state is the structure's components and which of them form the trees.
type state struct {
	comps *volume.Volume[int32]
	sizes []int
	side  []string // by component id - 1
	tree  []bool
	key   [][2]int    // first voxel and size: a fragment's identity across passes
	box   [][2][3]int // bounding box [lo, hi) of each component
}

// unjoined counts the components that are not part of a tree, per side.
func (s *state) unjoined() map[string]int {
	out := map[string]int{"left": 0, "right": 0}
	for c, t := range s.tree {
		if !t {
			out[s.side[c]]++
		}
	}
	return out
}

// state labels the mask's components, puts each on a side by its centroid
// and marks the trees: the components touching the parent, or on a side
// none touches, its largest component.
func (w *work) state() *state {
	comps, sizes := labelops.Components(w.mask, labelops.Full)
	n := len(sizes)
	s := &state{comps: comps, sizes: sizes, side: make([]string, n), tree: make([]bool, n), key: make([][2]int, n), box: make([][2][3]int, n)}
	sum := make([][3]int64, n) // of voxel indices, exact
	first := make([]int, n)
	for i := range first {
		first[i] = -1
	}
	g := w.mask.Grid
	idx := 0
	for k := range g.Dims[2] {
		for j := range g.Dims[1] {
			for i, c := range comps.Data[idx : idx+g.Dims[0]] {
				if c == 0 {
					continue
				}
				p, b := [3]int{i, j, k}, &s.box[c-1]
				if first[c-1] < 0 {
					first[c-1] = idx + i
					b[0], b[1] = p, p
				}
				for a := range 3 {
					sum[c-1][a] += int64(p[a])
					b[0][a], b[1][a] = min(b[0][a], p[a]), max(b[1][a], p[a]+1)
				}
				// The structure is smaller than its parent: look for the
				// parent around each voxel of a component not yet known
				// to touch it.
				if !s.tree[c-1] && touches(w.parent, i, j, k) {
					s.tree[c-1] = true
				}
			}
			idx += g.Dims[0]
		}
	}
	for c := range n {
		// The affine being linear, the centroid's world x is the mean
		// world x of the voxels.
		m := float64(sizes[c])
		x := g.VoxelToWorld([3]float64{float64(sum[c][0]) / m, float64(sum[c][1]) / m, float64(sum[c][2]) / m})[0]
		s.side[c] = Sides[0]
		if x > w.midline {
			s.side[c] = Sides[1]
		}
		s.key[c] = [2]int{first[c], sizes[c]}
	}
	for _, side := range Sides {
		best, has := -1, false
		for c := range n {
			if s.side[c] != side {
				continue
			}
			has = has || s.tree[c]
			if best < 0 || sizes[c] > sizes[best] {
				best = c
			}
		}
		if !has && best >= 0 {
			s.tree[best] = true
		}
	}
	return s
}

// joinOne tries the fragments not yet tried, largest first, and makes the
// first plausible bridge, returning it; rejected bridges are kept in
// rejected by fragment. done is true when no fragment could be joined.
func (w *work) joinOne(s *state, tried map[[2]int]bool, rejected map[[2]int]Bridge) (b Bridge, done bool, err error) {
	var frags []int
	for c := range s.sizes {
		if !s.tree[c] && !tried[s.key[c]] {
			frags = append(frags, c)
		}
	}
	slices.SortStableFunc(frags, func(a, b int) int { return s.sizes[b] - s.sizes[a] })
	for _, c := range frags {
		tried[s.key[c]] = true
		b, err := w.bridge(s, c)
		if err != nil {
			return Bridge{}, false, err
		}
		if b.Accepted {
			for _, v := range b.Path {
				w.mask.Set(v[0], v[1], v[2], 1)
			}
			// A joined fragment's neighbours may now reach the tree.
			clear(tried)
			return b, false, nil
		}
		rejected[s.key[c]] = b
	}
	return Bridge{}, true, nil
}

// bridge seeks the cheapest path from fragment c to its side's tree (or
// the parent) within MaxGapMM and judges it.
func (w *work) bridge(s *state, c int) (Bridge, error) {
	b := Bridge{Side: s.side[c], FragmentVoxels: s.sizes[c]}
	id := int32(c + 1)
	lo, hi := w.reach(s, c)
	if err := w.ensureBox(lo, hi); err != nil {
		return b, err
	}
	comps := volume.Crop(s.comps, lo, hi)
	mask, parent := volume.Crop(w.mask, lo, hi), volume.Crop(w.parent, lo, hi)
	hu, forbidden := volume.Crop(w.hu, lo, hi), volume.Crop(w.forbidden, lo, hi)
	from, to := volume.New[uint8](comps.Grid), volume.New[uint8](comps.Grid)
	cost := volume.New[float32](comps.Grid)
	reach := false
	for n, v := range comps.Data {
		switch {
		case v == id:
			from.Data[n] = 1
		case parent.Data[n] != 0 || (v > 0 && s.tree[v-1] && s.side[v-1] == b.Side):
			to.Data[n] = 1
			reach = true
		}
		switch {
		case from.Data[n] != 0 || to.Data[n] != 0 || mask.Data[n] != 0:
			cost.Data[n] = 1
		case forbidden.Data[n] != 0:
			cost.Data[n] = float32(math.Inf(1))
		default:
			cost.Data[n] = w.cost[int(hu.Data[n])+32768]
		}
	}
	if !reach {
		b.Reason = "no tree within max_gap_mm"
		return b, nil
	}
	path, _, err := labelops.MinimalPath(cost, from, to, labelops.Full)
	if errors.Is(err, labelops.ErrUnreachable) {
		b.Reason = "no path avoiding forbidden voxels"
		return b, nil
	}
	if err != nil {
		return b, err
	}
	cg := comps.Grid
	world := func(v [3]int) [3]float64 {
		return cg.VoxelToWorld([3]float64{float64(v[0]), float64(v[1]), float64(v[2])})
	}
	b.FromMM, b.ToMM = world(path[0]), world(path[len(path)-1])
	var sumHU float64
	for a, v := range path {
		if a > 0 {
			b.LengthMM += dist(world(path[a-1]), world(v))
		}
		if mask.At(v[0], v[1], v[2]) == 0 && parent.At(v[0], v[1], v[2]) == 0 {
			b.Path = append(b.Path, [3]int{v[0] + lo[0], v[1] + lo[1], v[2] + lo[2]})
			sumHU += float64(hu.At(v[0], v[1], v[2]))
		}
	}
	b.Voxels = len(b.Path)
	if b.Voxels > 0 {
		b.MeanHU = sumHU / float64(b.Voxels)
	}
	b.LengthMM, b.MeanHU = round(b.LengthMM, 2), round(b.MeanHU, 1)
	switch {
	case b.LengthMM > w.p.MaxGapMM:
		b.Reason = fmt.Sprintf("length %.1f mm > max_gap_mm %g", b.LengthMM, w.p.MaxGapMM)
	case b.Voxels > 0 && b.MeanHU < w.p.MinMeanHU:
		b.Reason = fmt.Sprintf("mean %.0f HU < min_mean_hu %g", b.MeanHU, w.p.MinMeanHU)
	default:
		d := sub(b.ToMM, b.FromMM)
		cf, okf := endCos(from, path[0], d)
		ct, okt := endCos(to, path[len(path)-1], sub(b.FromMM, b.ToMM))
		if okf && cf < w.p.MinCos && (!okt || ct < w.p.MinCos) {
			b.Reason = fmt.Sprintf("direction: cos %.2f < min_cos %g", cf, w.p.MinCos)
			break
		}
		b.Accepted = true
	}
	if !b.Accepted {
		b.Path = nil
	}
	return b, nil
}

// endCos is the cosine of the angle between d and the direction in which
// the fragment m ends at its voxel at: from the centroid of its voxels
// within 10 mm of at towards at. ok is false when there are fewer than
// four of them, or their centroid is within 2 mm of at: the fragment has
// no end there (a speck, a blob, or the middle of a long run).
func endCos(m *volume.Volume[uint8], at [3]int, d [3]float64) (float64, bool) {
	const radius, minShift, minVoxels = 10.0, 2.0, 4
	g := m.Grid
	c := g.VoxelToWorld([3]float64{float64(at[0]), float64(at[1]), float64(at[2])})
	var sum [3]float64
	var n int
	// Only the voxels of the box around at can be within the radius.
	blo, bhi := volume.GrowBox(g, at, [3]int{at[0] + 1, at[1] + 1, at[2] + 1}, labelops.Margin(g, radius))
	for k := blo[2]; k < bhi[2]; k++ {
		for j := blo[1]; j < bhi[1]; j++ {
			for i := blo[0]; i < bhi[0]; i++ {
				if m.At(i, j, k) == 0 {
					continue
				}
				if p := g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}); dist(p, c) <= radius {
					for a := range 3 {
						sum[a] += p[a]
					}
					n++
				}
			}
		}
	}
	out := sub(c, [3]float64{sum[0] / float64(n), sum[1] / float64(n), sum[2] / float64(n)})
	lo, ld := dist(out, [3]float64{}), dist(d, [3]float64{})
	if n < minVoxels || lo < minShift || ld == 0 {
		return 0, false
	}
	return (out[0]*d[0] + out[1]*d[1] + out[2]*d[2]) / (lo * ld), true
}

// touches reports whether one of the 26 neighbours of voxel (i, j, k) is
// nonzero in m.
func touches(m *volume.Volume[uint8], i, j, k int) bool {
	for kk := max(k-1, 0); kk <= min(k+1, m.Dims[2]-1); kk++ {
		for jj := max(j-1, 0); jj <= min(j+1, m.Dims[1]-1); jj++ {
			for ii := max(i-1, 0); ii <= min(i+1, m.Dims[0]-1); ii++ {
				if (ii != i || jj != j || kk != k) && m.At(ii, jj, kk) != 0 {
					return true
				}
			}
		}
	}
	return false
}

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func dist(a, b [3]float64) float64 {
	d := sub(a, b)
	return math.Sqrt(d[0]*d[0] + d[1]*d[1] + d[2]*d[2])
}

// round keeps n decimals, so that records read cleanly.
func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
