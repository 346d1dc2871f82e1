// Package territory estimates the kidneys' arterial territories from a
// label map: it traces each renal artery from the aorta along a centreline
// tree (tree.go), takes the tree's terminal branches, and gives every voxel
// of a kidney and its tumours to the branch nearest to it along paths
// inside the kidney (a geodesic Voronoi partition, labelops.NearestSource).
// Methods states the assumptions.
package territory

import (
	"context"
	"math"
	"slices"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/nephrometry"
	"kidney3d/pipeline/volume"
)

// Methods state, a line each, how Compute estimates and what it assumes;
// the report carries them.
var Methods = []string{
	"territories (an estimate from the label map, not a perfusion measurement): each voxel of a kidney and its tumours belongs to the terminal artery branch nearest to it along paths inside the kidney (26-neighbour steps in mm through the kidney, its tumours and its sinus: kidney and tumours closed by a 15 mm ball); it assumes each branch perfuses the tissue nearest to it and that there are no collaterals, as segmental clamping does; tumour parts more than 30 mm outside the kidney's box are left out",
	"terminal branches: the ends of each renal artery's centreline tree (from the artery's start to its farthest voxel along a path kept away from the wall, then again from the farthest voxel not within 1.5 vessel radii + 1 mm of the tree, until none is left), kept when 4 mm or longer; branches finer than the label map resolves are not seen, so one territory may hold several segments",
	"renal arteries: the 26-connected components of the artery label that reach a kidney's closed mask (largest first), started where they touch the aorta label, else at their voxel farthest from the kidney; two arteries fused in the label map count as one, one cut by the scan or broken by the segmentation as two",
	"first_branch_mm (and the kidneys' aorta_to_first_branch_mm): centreline length from the artery's start to its first branch 4 mm or longer",
	"parenchyma at risk: the kidney voxels of a branch's territory, without blood when that branch alone is clamped",
}

const (
	// closingMM is the radius of the ball that closes a kidney over its
	// sinus, so that the branches in the sinus lie inside it.
	closingMM = 15
	// reachMM is the margin around a kidney's box for its tumours and the
	// closing.
	reachMM = 30
	// minBranchMM is the shortest branch that counts.
	minBranchMM = 4
	// maxBranches is the most branches a uint8 map numbers.
	maxBranches = 255
)

// Result is the territory map (0 outside the kidneys and their tumours,
// measure.Branch.Index inside) and what the report says of it (its Map
// path left for the caller, who saves the map).
type Result struct {
	Map    *volume.Volume[uint8]
	Report measure.Territories
}

// kidney is one kidney's crop of the label map and the domain its
// territories are found in.
type kidney struct {
	name   string
	value  uint8
	lo     [3]int
	crop   *volume.Volume[uint8] // the label map
	member *volume.Volume[uint8] // kidney and the tumours that touch it
	domain *volume.Volume[uint8] // member closed over the sinus
}

// Compute traces the renal arteries of the label map and finds each
// terminal branch's territory. Labels the table lacks are taken as absent;
// without arteries every territory is empty (the map all 0). It stops when
// ctx is done.
func Compute(ctx context.Context, lab *volume.Volume[uint8], table *labels.Table) (*Result, error) {
	value := func(name string) uint8 {
		if l, ok := table.ByName(name); ok {
			return uint8(l.Value)
		}
		return 0
	}
	tv, av, aorta := value("tumor"), value("artery"), value("aorta")
	res := &Result{Map: volume.New[uint8](lab.Grid)}
	var kids []*kidney
	for _, kd := range nephrometry.Kidneys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if k := newKidney(lab, kd.Name, value(kd.Name), tv); k != nil {
			kids = append(kids, k)
		}
	}
	trees, err := renalArteries(ctx, lab, av, aorta, kids)
	if err != nil {
		return nil, err
	}
	comps, sizes := nephrometry.TumorComponents(lab, tv)
	feeds := make([][]int, len(sizes)) // by tumour index - 1, the branches
	ml := lab.VoxelVolume() / 1000
	for _, k := range kids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		mine := res.name(k, trees)
		if len(mine) == 0 {
			continue
		}
		sources := volume.New[uint8](k.crop.Grid)
		for _, b := range mine {
			for _, v := range b.seeds {
				if i, j, kk := v[0]-k.lo[0], v[1]-k.lo[1], v[2]-k.lo[2]; sources.Contains(i, j, kk) && sources.At(i, j, kk) == 0 {
					sources.Set(i, j, kk, uint8(b.index))
				}
			}
		}
		near, err := labelops.NearestSource(k.domain, sources, labelops.Full)
		if err != nil {
			return nil, err
		}
		parenchyma, tumour := make([]int, maxBranches+1), make([]int, maxBranches+1)
		for n, x := range k.member.Data {
			b := near.Data[n]
			if x == 0 || b == 0 {
				continue
			}
			i, j, kk := k.crop.Coords(n)
			gi, gj, gk := i+k.lo[0], j+k.lo[1], kk+k.lo[2]
			g := lab.Index(gi, gj, gk)
			if res.Map.Data[g] != 0 {
				continue // the other kidney's
			}
			res.Map.Data[g] = b
			if k.crop.Data[n] == k.value {
				parenchyma[b]++
				continue
			}
			tumour[b]++
			if t := comps.At(gi, gj, gk); t > 0 && !slices.Contains(feeds[t-1], int(b)) {
				feeds[t-1] = append(feeds[t-1], int(b))
			}
		}
		for _, b := range mine {
			br := &res.Report.Branches[b.index-1]
			br.ParenchymaML, br.TumorML = round3(float64(parenchyma[b.index])*ml), round3(float64(tumour[b.index])*ml)
		}
	}
	for t, bs := range feeds {
		for _, b := range bs {
			res.Report.Branches[b-1].Tumors = append(res.Report.Branches[b-1].Tumors, t+1)
		}
	}
	return res, nil
}

// Apply puts the territories into a report whose tumours and kidneys are
// measured (nephrometry.Assess): the report's territories, each tumour's
// feeding branches, each kidney's aorta-to-first-branch length (of its
// largest artery, when that starts at the aorta) and Methods.
func Apply(rep *measure.Report, t *measure.Territories) {
	rep.Territories = t
	for _, b := range t.Branches {
		for _, x := range b.Tumors {
			if x >= 1 && x <= len(rep.Tumors) && !slices.Contains(rep.Tumors[x-1].Territories, b.Index) {
				rep.Tumors[x-1].Territories = append(rep.Tumors[x-1].Territories, b.Index)
			}
		}
	}
	for _, a := range t.Arteries {
		for n := range rep.Kidneys {
			if k := &rep.Kidneys[n]; k.Name == a.Kidney && a.Index == 1 && a.FromAorta {
				k.AortaToFirstBranchMM = a.FirstBranchMM
			}
		}
	}
	rep.Methods = append(rep.Methods, Methods...)
}

// newKidney crops the label map around the kidney of value kv and closes
// it and its tumours (value tv) over the sinus; nil when it has no voxel.
func newKidney(lab *volume.Volume[uint8], name string, kv, tv uint8) *kidney {
	if kv == 0 {
		return nil
	}
	lo, hi, ok := volume.ValueBox(lab, kv)
	if !ok {
		return nil
	}
	// Not clamped to the grid: Crop pads, so that the closing sees no edge.
	m0 := labelops.Margin(lab.Grid, reachMM)
	for a := range 3 {
		lo[a], hi[a] = lo[a]-m0[a], hi[a]+m0[a]
	}
	k := &kidney{name: name, value: kv, lo: lo, crop: volume.Crop(lab, lo, hi)}
	m := volume.New[uint8](k.crop.Grid)
	for n, x := range k.crop.Data {
		if x == kv || (tv != 0 && x == tv) {
			m.Data[n] = 1
		}
	}
	// Tumours that do not touch the kidney are not its.
	comps, sizes := labelops.Components(m, labelops.Full)
	keep := make([]bool, len(sizes)+1)
	for n, c := range comps.Data {
		keep[c] = keep[c] || k.crop.Data[n] == kv
	}
	for n, c := range comps.Data {
		if !keep[c] {
			m.Data[n] = 0
		}
	}
	k.member = m
	k.domain = labelops.Erode(labelops.Dilate(m, closingMM), closingMM)
	for n, x := range m.Data {
		k.domain.Data[n] |= x
	}
	return k
}

// numbered is a terminal branch with its index in the map.
type numbered struct {
	index int
	seeds [][3]int
}

// name numbers the terminal branches of the kidney's arteries after those
// already in res (each kidney's from its most superior end down), adds
// them and the arteries to res.Report, and returns them.
func (res *Result) name(k *kidney, trees []*tree) []numbered {
	var mine []*tree
	for _, t := range trees {
		if t.kidney == k {
			mine = append(mine, t)
		}
	}
	slices.SortStableFunc(mine, func(a, b *tree) int { return b.voxels - a.voxels })
	type end struct {
		artery int
		br     terminal
	}
	var ends []end
	for n, t := range mine {
		ra := measure.RenalArtery{Kidney: k.name, Index: n + 1, FromAorta: t.fromAorta, Branches: len(t.terminals)}
		if t.firstBranch >= 0 {
			v := round2(t.firstBranch)
			ra.FirstBranchMM = &v
		}
		res.Report.Arteries = append(res.Report.Arteries, ra)
		for _, br := range t.terminals {
			ends = append(ends, end{n + 1, br})
		}
	}
	slices.SortStableFunc(ends, func(a, b end) int {
		if a.br.endMM[2] != b.br.endMM[2] {
			return cmpDesc(a.br.endMM[2], b.br.endMM[2])
		}
		return cmpDesc(b.br.endMM[0], a.br.endMM[0])
	})
	var out []numbered
	for _, e := range ends {
		if len(res.Report.Branches) == maxBranches {
			break
		}
		idx := len(res.Report.Branches) + 1
		res.Report.Branches = append(res.Report.Branches, measure.Branch{
			Index: idx, Kidney: k.name, Artery: e.artery,
			EndMM:    [3]float64{round2(e.br.endMM[0]), round2(e.br.endMM[1]), round2(e.br.endMM[2])},
			LengthMM: round2(e.br.lengthMM),
		})
		out = append(out, numbered{idx, e.br.seeds})
	}
	return out
}

// cmpDesc orders larger first.
func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
