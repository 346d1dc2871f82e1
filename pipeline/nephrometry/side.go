package nephrometry

import (
	"math"
	"slices"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/volume"
)

// side is one kidney and what lies around it, on a crop of the label map
// stored closest to RAS, so that the third voxel axis is the axial one.
type side struct {
	g       volume.Grid
	comps   *volume.Volume[int32] // tumour components
	mine    []int32               // the components of this kidney's tumours
	kidney  *volume.Volume[uint8] // the kidney's parenchyma
	hullKT  *volume.Volume[uint8] // axial hull of kidney and tumours
	hullK   *volume.Volume[uint8] // axial hull of the kidney alone
	sinus   *volume.Volume[uint8] // hullKT less kidney and tumours
	ucs     *volume.Volume[uint8] // collecting system inside hullKT
	artery  *volume.Volume[uint8]
	vein    *volume.Volume[uint8]
	vessels [2]int // renal arteries and veins

	polar     [2]int // lowest and highest hilum slice
	polarOK   bool
	centroid  [3]float64 // world centroid of kidney and tumours
	centre    [3]float64 // world centroid of their middle axial slice
	medialDir float64    // +1 when medial is +x (world), else -1
}

// newSide crops the label map around the kidney of value kv and its
// tumours (component ids mine), nil when the map has none of them.
func newSide(lab *volume.Volume[uint8], comps *volume.Part[int32], vesselComps [2]*volume.Part[int32], mine []int, boxes [][2][3]int, kv uint8, sideName string, value func(string) uint8) *side {
	lo, hi, ok := volume.ValueBox(lab, kv)
	if !ok {
		lo, hi = lab.Dims, [3]int{}
	}
	for _, id := range mine {
		b := boxes[id-1]
		for a := range 3 {
			lo[a], hi[a] = min(lo[a], b[0][a]), max(hi[a], b[1][a])
		}
	}
	if hi[0] <= lo[0] {
		return nil
	}
	lo, hi = volume.GrowBox(lab.Grid, lo, hi, labelops.Margin(lab.Grid, vesselReachMM))
	o := volume.CanonicalOrientation(volume.CropGrid(lab.Grid, lo, hi))
	cl := volume.ReorientBox(lab, lo, hi, o)
	s := &side{g: cl.Grid, comps: reorientPart(comps, lo, hi, o), medialDir: 1}
	if sideName == "right" {
		s.medialDir = -1 // RAS: the right kidney lies at +x, the midline towards -x
	}
	for _, id := range mine {
		s.mine = append(s.mine, int32(id))
	}
	mask := func(keep func(i int, x uint8) bool) *volume.Volume[uint8] {
		out := volume.New[uint8](s.g)
		for i, x := range cl.Data {
			if keep(i, x) {
				out.Data[i] = 1
			}
		}
		return out
	}
	tv, uv, av, vv := value(tumorName), value(ureterName), value(arteryName), value(veinName)
	present := func(v uint8) func(int, uint8) bool {
		return func(_ int, x uint8) bool { return v != 0 && x == v }
	}
	s.kidney = mask(present(kv))
	kt := mask(func(_ int, x uint8) bool { return x == kv || (tv != 0 && x == tv) })
	s.hullKT, s.hullK = axialHull(kt), axialHull(s.kidney)
	s.ucs = mask(func(i int, x uint8) bool { return uv != 0 && x == uv && s.hullKT.Data[i] != 0 })
	s.artery, s.vein = mask(present(av)), mask(present(vv))
	s.sinus = s.findSinus(kt)
	for n, vc := range vesselComps {
		if vc == nil {
			continue
		}
		crop := reorientPart(vc, lo, hi, o)
		var ids []int32
		for i, c := range crop.Data {
			if c != 0 && s.hullKT.Data[i] != 0 && !slices.Contains(ids, c) {
				ids = append(ids, c)
			}
		}
		s.vessels[n] = len(ids)
	}
	s.findPolarLines()
	s.findCentres(kt)
	return s
}

// reorientPart is ReorientBox of the part's whole volume, from its box.
func reorientPart(p *volume.Part[int32], lo, hi [3]int, o volume.Orientation) *volume.Volume[int32] {
	return volume.ReorientBox(p.Crop(lo, hi), [3]int{}, [3]int{hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]}, o)
}

// findSinus is the renal sinus: the voxels of the kidney's own axial hull
// that are neither kidney nor tumour, in the connected parts (26-neighbours)
// that hold collecting system or vessels, so that the notches of the
// kidney's outline and the fat next to an exophytic tumour are left out.
func (s *side) findSinus(kt *volume.Volume[uint8]) *volume.Volume[uint8] {
	gap := volume.New[uint8](s.g)
	for i := range gap.Data {
		if s.hullK.Data[i] != 0 && kt.Data[i] == 0 {
			gap.Data[i] = 1
		}
	}
	comps, sizes := labelops.Components(gap, labelops.Full)
	keep := make([]bool, len(sizes)+1)
	for i, c := range comps.Data {
		if c != 0 && (s.ucs.Data[i] != 0 || s.artery.Data[i] != 0 || s.vein.Data[i] != 0) {
			keep[c] = true
		}
	}
	for i, c := range comps.Data {
		if !keep[c] {
			gap.Data[i] = 0
		}
	}
	return gap
}

// findPolarLines finds the lowest and highest axial slices where the
// collecting system, artery or vein inside the hull has an in-plane
// neighbour outside it: the hilum.
func (s *side) findPolarLines() {
	nx, ny, nz := s.g.Dims[0], s.g.Dims[1], s.g.Dims[2]
	s.polar = [2]int{nz, -1}
	for k := range nz {
		for j := range ny {
			for i := range nx {
				n := s.g.Index(i, j, k)
				if s.hullKT.Data[n] == 0 || (s.ucs.Data[n] == 0 && s.artery.Data[n] == 0 && s.vein.Data[n] == 0) {
					continue
				}
				if i == 0 || j == 0 || i == nx-1 || j == ny-1 || s.hullKT.Data[n-1] == 0 || s.hullKT.Data[n+1] == 0 || s.hullKT.Data[n-nx] == 0 || s.hullKT.Data[n+nx] == 0 {
					s.polar = [2]int{min(s.polar[0], k), max(s.polar[1], k)}
				}
			}
		}
	}
	s.polarOK = s.polar[1] >= 0
}

// findCentres sets the centroid of kidney and tumours and the centroid of
// their middle axial slice; without a hilum, the polar lines are put at a
// third and two thirds of their height.
func (s *side) findCentres(kt *volume.Volume[uint8]) {
	var n float64
	var sum [3]float64
	klo, khi := s.g.Dims[2], -1
	for idx, x := range kt.Data {
		if x == 0 {
			continue
		}
		i, j, k := s.g.Coords(idx)
		n++
		sum[0], sum[1], sum[2] = sum[0]+float64(i), sum[1]+float64(j), sum[2]+float64(k)
		klo, khi = min(klo, k), max(khi, k)
	}
	s.centroid = s.g.VoxelToWorld([3]float64{sum[0] / n, sum[1] / n, sum[2] / n})
	mid := (klo + khi) / 2
	var m float64
	var ms [2]float64
	for j := range s.g.Dims[1] {
		for i := range s.g.Dims[0] {
			if kt.Data[s.g.Index(i, j, mid)] != 0 {
				m++
				ms[0], ms[1] = ms[0]+float64(i), ms[1]+float64(j)
			}
		}
	}
	s.centre = s.g.VoxelToWorld([3]float64{ms[0] / m, ms[1] / m, float64(mid)})
	if !s.polarOK {
		h := khi - klo
		s.polar = [2]int{klo + h/3, klo + 2*h/3}
	}
}

// touches reports whether a distance between voxel centres is contact.
func (s *side) touches(d float64) bool {
	sp := s.g.Spacing()
	return d < touchMM || d <= math.Sqrt(sp[0]*sp[0]+sp[1]*sp[1]+sp[2]*sp[2])*(1+1e-6)
}

// tumor measures and scores the tumour component id.
func (s *side) tumor(id int32) measure.Tumor {
	tm := volume.New[uint8](s.g)
	for i, c := range s.comps.Data {
		if c == id {
			tm.Data[i] = 1
		}
	}
	t := sizeOf(tm)
	t.ContactMM2 = round(contactArea(tm, s.kidney), 1)
	var exo, between, n int
	var midline bool
	midLo, midHi := (s.polar[0]+s.polar[1])/2, (s.polar[0]+s.polar[1]+1)/2
	for idx, x := range tm.Data {
		if x == 0 {
			continue
		}
		n++
		if s.hullK.Data[idx] == 0 {
			exo++
		}
		_, _, k := s.g.Coords(idx)
		if k >= s.polar[0] && k <= s.polar[1] {
			between++
		}
		midline = midline || k == midLo || k == midHi
	}
	t.ExophyticFraction = round(float64(exo)/float64(n), 3)
	near := newNear(tm, nearMM)
	var whole *volume.Volume[float32] // the distances on the whole crop, when a structure lies farther
	minDist := func(m *volume.Volume[uint8]) *float64 {
		if d, ok := near.min(m); ok && d <= nearMM {
			v := round(d, 2)
			return &v
		}
		if whole == nil {
			whole = labelops.DistanceOutsideMM(tm)
		}
		return minOver(whole, m)
	}
	t.DistancesMM = measure.Distances{
		CollectingSystem: minDist(s.ucs), RenalSinus: minDist(s.sinus),
		RenalArtery: minDist(s.artery), RenalVein: minDist(s.vein),
	}
	tc := t.CentroidMM
	r := &measure.Renal{
		RDiameterMM: t.MaxDiameterMM, EExophyticFraction: t.ExophyticFraction,
		AAnteriorMM:        round(tc[1]-s.centroid[1], 2),
		LBetweenPolarLines: round(float64(between)/float64(n), 3), LCrossesMidline: midline,
		PolarLinesUnresolved: !s.polarOK,
	}
	ucsMM := t.DistancesMM.CollectingSystem
	if ucsMM == nil {
		ucsMM, r.NFromSinus = t.DistancesMM.RenalSinus, true
	}
	if ucsMM != nil {
		r.NDistanceMM = *ucsMM
	} else {
		r.NFromSinus, r.NNothingNear = false, true
	}
	vessel := math.Inf(1)
	for _, v := range []*float64{t.DistancesMM.RenalArtery, t.DistancesMM.RenalVein} {
		if v != nil {
			vessel = math.Min(vessel, *v)
		}
	}
	if !math.IsInf(vessel, 1) {
		r.HVesselDistanceMM = vessel
		r.H = s.touches(vessel)
	} else {
		r.HNoVessel = true
	}
	r.R, r.E, r.A = RadiusPoints(r.RDiameterMM), ExophyticPoints(t.ExophyticFraction), AnteriorSuffix(r.AAnteriorMM)
	r.N = 1
	if ucsMM != nil {
		r.N = NearnessPoints(*ucsMM)
	}
	r.L = LocationPoints(r.LBetweenPolarLines, midline)
	r.Score = r.R + r.E + r.N + r.L
	r.Text = RenalText(r.Score, r.A, r.H)
	t.Renal = r

	p := &measure.Padua{
		BetweenSinusLines: r.LBetweenPolarLines,
		MedialMM:          round((tc[0]-s.centroid[0])*s.medialDir, 2),
		Suffix:            r.A,
	}
	if v := t.DistancesMM.RenalSinus; v != nil {
		p.SinusDistanceMM = *v
		p.Sinus = InvolvedPoints(s.touches(*v))
	} else {
		p.Sinus = 1
	}
	if v := t.DistancesMM.CollectingSystem; v != nil {
		p.CollectingSystemMM = *v
		p.CollectingSystem = InvolvedPoints(s.touches(*v))
	} else {
		p.CollectingSystem = 1
	}
	p.Longitudinal, p.Exophytic, p.Rim, p.Size = LongitudinalPoints(p.BetweenSinusLines), r.E, RimPoints(p.MedialMM), SizePoints(t.MaxDiameterMM)
	p.Score = p.Longitudinal + p.Exophytic + p.Rim + p.Sinus + p.CollectingSystem + p.Size
	p.Text = RenalText(p.Score, p.Suffix, false)
	t.Padua = p

	if t.MaxDiameterMM > 0 {
		c := &measure.CIndex{CentreDistanceMM: round(dist(tc, s.centre), 2), RadiusMM: round(t.MaxDiameterMM/2, 2)}
		score := round(c.CentreDistanceMM/c.RadiusMM, 2)
		t.CIndex, t.CIndexScore = c, &score
	}
	return t
}

// measureKidney measures the kidney: its volume, the parenchyma farther than
// marginMM from its tumours, and its vessels.
func (s *side) measureKidney(name string, marginMM float64) measure.Kidney {
	tm := volume.New[uint8](s.g)
	for i, c := range s.comps.Data {
		if c != 0 && slices.Contains(s.mine, c) {
			tm.Data[i] = 1
		}
	}
	var all, left int
	for _, x := range s.kidney.Data {
		if x != 0 {
			all++
		}
	}
	left = all
	if len(s.mine) > 0 {
		near := newNear(tm, marginMM)
		near.each(s.kidney, func(d float32) {
			if float64(d) <= marginMM {
				left--
			}
		})
	}
	ml := s.g.VoxelVolume() / 1000
	return measure.Kidney{
		Name: name, VolumeML: round(float64(all)*ml, 3),
		ResectionMarginMM: marginMM, RemainingML: round(float64(left)*ml, 3),
		Arteries: s.vessels[0], Veins: s.vessels[1],
	}
}

// nearMM is how far around a tumour its distances to the structures at
// risk are first looked for (near); the N and h thresholds are well
// inside it.
const nearMM = 20

// near is the distance in mm to a mask from each voxel of the box of the
// mask's voxels grown by more than reachMM: every voxel outside the box is
// farther than reachMM from the mask, so a distance of reachMM or less
// found inside it is the least there is.
type near struct {
	d      *volume.Volume[float32] // on the box
	lo, hi [3]int                  // the box on the mask's grid
}

// newNear is the distances around the nonzero voxels of m (value 1),
// which must have some.
func newNear(m *volume.Volume[uint8], reachMM float64) near {
	lo, hi, _ := volume.ValueBox(m, 1)
	grow := labelops.Margin(m.Grid, reachMM)
	for a := range grow {
		grow[a]++
	}
	lo, hi = volume.GrowBox(m.Grid, lo, hi, grow)
	return near{d: labelops.DistanceOutsideMM(volume.Crop(m, lo, hi)), lo: lo, hi: hi}
}

// each calls f with the distance of each nonzero voxel of m (on the grid
// of the mask near was made from) inside the box.
func (n near) each(m *volume.Volume[uint8], f func(float32)) {
	for k := n.lo[2]; k < n.hi[2]; k++ {
		for j := n.lo[1]; j < n.hi[1]; j++ {
			row := m.Data[m.Index(n.lo[0], j, k):][:n.hi[0]-n.lo[0]]
			d := n.d.Data[n.d.Index(0, j-n.lo[1], k-n.lo[2]):][:len(row)]
			for i, x := range row {
				if x != 0 {
					f(d[i])
				}
			}
		}
	}
}

// min is the least distance of m's nonzero voxels inside the box, and
// whether there are any.
func (n near) min(m *volume.Volume[uint8]) (float64, bool) {
	best := math.Inf(1)
	n.each(m, func(d float32) { best = math.Min(best, float64(d)) })
	return best, !math.IsInf(best, 1)
}

// contactArea is the area in mm² of the faces between voxels of a and b.
func contactArea(a, b *volume.Volume[uint8]) float64 {
	sp := a.Spacing()
	face := [3]float64{sp[1] * sp[2], sp[0] * sp[2], sp[0] * sp[1]}
	stride := [3]int{1, a.Dims[0], a.Dims[0] * a.Dims[1]}
	var area float64
	for idx, x := range a.Data {
		if x == 0 {
			continue
		}
		i, j, k := a.Coords(idx)
		at := [3]int{i, j, k}
		for ax := range 3 {
			if at[ax] > 0 && b.Data[idx-stride[ax]] != 0 {
				area += face[ax]
			}
			if at[ax] < a.Dims[ax]-1 && b.Data[idx+stride[ax]] != 0 {
				area += face[ax]
			}
		}
	}
	return area
}

// minOver is the least of d over m's voxels, rounded, or nil when m is
// empty.
func minOver(d *volume.Volume[float32], m *volume.Volume[uint8]) *float64 {
	best := math.Inf(1)
	for i, x := range m.Data {
		if x != 0 {
			best = math.Min(best, float64(d.Data[i]))
		}
	}
	if math.IsInf(best, 1) {
		return nil
	}
	v := round(best, 2)
	return &v
}

func dist(p, q [3]float64) float64 {
	return math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
}
