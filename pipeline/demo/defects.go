package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// DefectsPath is where WriteMasks lists the defects, inside the case folder.
const DefectsPath = "truth/defects.json"

// DerivedLabels are the truth labels DefectiveMasks leaves out: structures
// the pipeline derives from the others, so that their stages run.
var DerivedLabels = []string{"perirenal_fat"}

// Defect is one flaw put into a mask, in world RAS millimetres.
type Defect struct {
	Label string `json:"label"`
	// Kind is "break" (a vessel or ureter cut across), "island" (a stray
	// blob outside the kidney), "hole" (a blob missing inside it) or
	// "missing_pole" (the end of the kidney cut off).
	Kind     string     `json:"kind"`
	CenterMM [3]float64 `json:"center_mm"`
	// SizeMM is the gap's length along the vessel (break), the blob's
	// radius (island, hole) or the length of kidney cut off (missing_pole).
	SizeMM float64 `json:"size_mm"`
}

// Masks are binary masks (1 inside) on the arterial grid, by label name,
// with the defects put into them.
type Masks struct {
	ByLabel map[string]*volume.Volume[uint8]
	Defects []Defect
}

// defectStream separates the defects' random stream from the anatomy's.
const defectStream = rngStream ^ 0x64656665637473 // "defects"

// Gap lengths of a break, in millimetres: a gap starts at minGapMM and
// widens until the mask is cut through, up to maxGapMM.
const (
	minGapMM = 2
	maxGapMM = 15
)

// DefectiveMasks derives from c's truth one binary mask per label present
// (but DerivedLabels), as a segmentation made elsewhere would give them,
// with realistic defects: the arteries and the ureters each broken in one
// to four places by gaps of 2 to 15 mm, islands outside and holes inside
// both kidneys, and one kidney missing a pole. The same case gives the same
// masks.
func DefectiveMasks(c *Case) (*Masks, error) {
	size, err := ParseSize(c.Params.Size)
	if err != nil {
		return nil, err
	}
	p, sc := design(Options{Seed: c.Params.Seed, Size: size})
	lab, table := truthLabels(), labels.Default()
	out := &Masks{ByLabel: map[string]*volume.Volume[uint8]{}}
	for _, l := range table.Labels {
		if l.Value == 0 || slices.Contains(DerivedLabels, l.Name) {
			continue
		}
		m := volume.New[uint8](c.Truth.Grid)
		n := 0
		for i, v := range c.Truth.Data {
			if int(v) == l.Value {
				m.Data[i] = 1
				n++
			}
		}
		if n > 0 {
			out.ByLabel[l.Name] = m
		}
	}
	d := &defecter{truth: c.Truth, r: rand.New(rand.NewPCG(uint64(c.Params.Seed), defectStream)), out: out,
		halfDiag: size.grid().halfDiagonal()}
	kidneyLabels := []uint8{lab.kidney["left"], lab.kidney["right"]}
	d.breaks("artery", lab.artery, sc, func(x vec) bool { return d.clear(x, []uint8{lab.aorta}, 8) })
	d.breaks("ureter", lab.ureter, sc, func(x vec) bool {
		return d.clear(x, append([]uint8{lab.bladder}, kidneyLabels...), 10)
	})
	for _, s := range sides {
		d.kidneyDefects(s, newKidney(s, p.Kidneys[s]))
	}
	s := sides[d.r.IntN(2)]
	d.missingPole(s, newKidney(s, p.Kidneys[s]))
	return out, nil
}

// defecter puts defects into masks.
type defecter struct {
	truth    *volume.Volume[uint8]
	r        *rand.Rand
	out      *Masks
	halfDiag float64 // the thinnest tube radius drawn on the grid
}

// voxel is the voxel nearest world point x, and whether it is on the grid.
func (d *defecter) voxel(x vec) (i, j, k int, ok bool) {
	v, _ := d.truth.WorldToVoxel(x)
	i, j, k = int(math.Round(v[0])), int(math.Round(v[1])), int(math.Round(v[2]))
	return i, j, k, d.truth.Contains(i, j, k)
}

// ball calls f with the storage index and world position of every voxel
// whose centre lies within rad of x.
func (d *defecter) ball(x vec, rad float64, f func(n int, p vec)) {
	g := d.truth.Grid
	lo, _ := g.WorldToVoxel(x.sub(vec{rad, rad, rad}))
	hi, _ := g.WorldToVoxel(x.add(vec{rad, rad, rad}))
	for k := max(0, int(math.Floor(min(lo[2], hi[2])))); k <= min(g.Dims[2]-1, int(math.Ceil(max(lo[2], hi[2])))); k++ {
		for j := max(0, int(math.Floor(min(lo[1], hi[1])))); j <= min(g.Dims[1]-1, int(math.Ceil(max(lo[1], hi[1])))); j++ {
			for i := max(0, int(math.Floor(min(lo[0], hi[0])))); i <= min(g.Dims[0]-1, int(math.Ceil(max(lo[0], hi[0])))); i++ {
				p := vec(g.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
				if p.sub(x).norm() <= rad {
					f(g.Index(i, j, k), p)
				}
			}
		}
	}
}

// clear reports whether no truth voxel of the given labels lies within mm
// of x.
func (d *defecter) clear(x vec, avoid []uint8, mm float64) bool {
	ok := true
	d.ball(x, mm, func(n int, _ vec) { ok = ok && !slices.Contains(avoid, d.truth.Data[n]) })
	return ok
}

// breaks cuts the named mask (truth value label) across one to four of the
// scene's tubes of that label, at points where the truth shows the label
// and allowed says yes, at least 20 mm apart.
func (d *defecter) breaks(name string, label uint8, sc scene, allowed func(vec) bool) {
	m := d.out.ByLabel[name]
	var ts []tube
	for _, p := range sc {
		if t, ok := p.s.(tube); ok && p.label == label && t.b.sub(t.a).norm() >= 2 {
			ts = append(ts, t)
		}
	}
	if m == nil || len(ts) == 0 {
		return
	}
	var cuts []vec
	want := 1 + d.r.IntN(4)
	for try := 0; try < 200 && len(cuts) < want; try++ {
		t := ts[d.r.IntN(len(ts))]
		f := 0.2 + 0.6*d.r.Float64()
		x := t.a.add(t.b.sub(t.a).scale(f))
		i, j, k, ok := d.voxel(x)
		if !ok || d.truth.At(i, j, k) != label || !allowed(x) || slices.ContainsFunc(cuts, func(c vec) bool { return c.sub(x).norm() < 20 }) {
			continue
		}
		rad := math.Max(t.ra+f*(t.rb-t.ra), d.halfDiag)
		if gap, ok := d.cut(m, x, t.b.sub(t.a).unit(), rad, minGapMM+(maxGapMM-minGapMM)*d.r.Float64()); ok {
			cuts = append(cuts, x)
			d.out.Defects = append(d.out.Defects, Defect{Label: name, Kind: "break", CenterMM: x, SizeMM: gap})
		}
	}
}

// cut clears the voxels of m in a slab gap mm thick across the axis u at x,
// out to rad plus a voxel from the axis, widening the gap a millimetre at a
// time until the mask is cut through; it undoes the cut and returns false
// when even maxGapMM does not cut it.
func (d *defecter) cut(m *volume.Volume[uint8], x, u vec, rad, gap float64) (float64, bool) {
	sp := m.Spacing()
	reach := rad + math.Max(sp[0], math.Max(sp[1], sp[2]))
	for ; gap <= maxGapMM; gap++ {
		var removed []int
		d.ball(x, math.Hypot(gap/2, reach), func(n int, p vec) {
			w := p.sub(x)
			along := w.dot(u)
			if m.Data[n] != 0 && math.Abs(along) <= gap/2 && w.sub(u.scale(along)).norm() <= reach {
				m.Data[n] = 0
				removed = append(removed, n)
			}
		})
		if d.severed(m, x, u, reach, gap) {
			return gap, true
		}
		for _, n := range removed {
			m.Data[n] = 1
		}
	}
	return 0, false
}

// severed reports whether the mask voxels just beyond either face of the
// slab cut at x lie in different connected components of the mask near x
// (and both faces have some).
func (d *defecter) severed(m *volume.Volume[uint8], x, u vec, reach, gap float64) bool {
	g := m.Grid
	r := gap/2 + 25
	lo, _ := g.WorldToVoxel(x.sub(vec{r, r, r}))
	hi, _ := g.WorldToVoxel(x.add(vec{r, r, r}))
	var blo, bhi [3]int
	for a := range 3 {
		blo[a] = max(0, int(math.Floor(min(lo[a], hi[a]))))
		bhi[a] = min(g.Dims[a], int(math.Ceil(max(lo[a], hi[a])))+1)
	}
	comps, _ := labelops.Components(volume.Crop(m, blo, bhi), labelops.Full)
	faces := [2]map[int32]bool{{}, {}}
	d.ball(x, math.Hypot(gap/2+6, reach), func(n int, p vec) {
		if m.Data[n] == 0 {
			return
		}
		w := p.sub(x)
		along := w.dot(u)
		if math.Abs(along) <= gap/2 || w.sub(u.scale(along)).norm() > reach {
			return
		}
		i, j, k := g.Coords(n)
		side := 0
		if along > 0 {
			side = 1
		}
		faces[side][comps.At(i-blo[0], j-blo[1], k-blo[2])] = true
	})
	if len(faces[0]) == 0 || len(faces[1]) == 0 {
		return false
	}
	for c := range faces[0] {
		if faces[1][c] {
			return false
		}
	}
	return true
}

// kidneyDefects adds one or two islands just outside the kidney and one or
// two holes under its surface.
func (d *defecter) kidneyDefects(side string, k *kidney) {
	name := "kidney_" + side
	m := d.out.ByLabel[name]
	if m == nil {
		return
	}
	for range 1 + d.r.IntN(2) {
		dir := randomUnit(d.r)
		rad := 2 + 2.5*d.r.Float64()
		x := k.at(k.outer.surface(vec{}, dir).add(dir.scale(rad + 4 + 6*d.r.Float64())))
		d.ball(x, rad, func(n int, _ vec) { m.Data[n] = 1 })
		d.out.Defects = append(d.out.Defects, Defect{Label: name, Kind: "island", CenterMM: x, SizeMM: rad})
	}
	for range 1 + d.r.IntN(2) {
		dir := randomUnit(d.r)
		rad := 3 + 3*d.r.Float64()
		x := k.at(k.outer.surface(vec{}, dir).sub(dir.scale(rad + 1.5)))
		d.ball(x, rad, func(n int, _ vec) { m.Data[n] = 0 })
		d.out.Defects = append(d.out.Defects, Defect{Label: name, Kind: "hole", CenterMM: x, SizeMM: rad})
	}
}

// missingPole cuts 12 to 25 mm off the upper or lower pole of the kidney.
func (d *defecter) missingPole(side string, k *kidney) {
	name := "kidney_" + side
	m := d.out.ByLabel[name]
	if m == nil {
		return
	}
	sign := 1.0
	if d.r.IntN(2) == 0 {
		sign = -1
	}
	length := 12 + 13*d.r.Float64()
	limit := k.outer.a - length
	for n, v := range m.Data {
		if v == 0 {
			continue
		}
		i, j, kk := m.Coords(n)
		if sign*k.outer.f.local(vec(m.VoxelToWorld([3]float64{float64(i), float64(j), float64(kk)})))[0] > limit {
			m.Data[n] = 0
		}
	}
	d.out.Defects = append(d.out.Defects, Defect{Label: name, Kind: "missing_pole", CenterMM: k.at(vec{sign * k.outer.a, 0, 0}), SizeMM: length})
}

// WriteMasks stores m in the case folder dir: input/masks/<label>.nii.gz
// for each mask and, last, truth/defects.json; every file is written
// atomically.
func WriteMasks(dir string, m *Masks) error {
	cf := &casefile.Case{Dir: dir}
	names := make([]string, 0, len(m.ByLabel))
	for name := range m.ByLabel {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := volume.Save(cf.MaskPath(name), m.ByLabel[name]); err != nil {
			return fmt.Errorf("demo: mask %s: %w", name, err)
		}
	}
	return atomicfile.WriteJSON(filepath.Join(dir, filepath.FromSlash(DefectsPath)), m.Defects)
}
