package nephrometry

import (
	"context"
	"math"
	"slices"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/volume"
)

// Methods state, a line each, how Assess measures and scores; the report
// carries them.
var Methods = []string{
	"tumours: the 26-connected components of the tumor label, numbered from the largest; each belongs to the kidney whose voxels it touches most",
	"axial slices: the label map reoriented closest to RAS (world coordinates; any storage order gives the same result)",
	"renal sinus: the voxels inside the kidney's axial convex hull (per axial slice, as seg-to-nephrometry fills the hilum) that are neither kidney nor tumour, in the connected parts that hold collecting system or vessels: sinus fat, collecting system, sinus vessels",
	"collecting system: the ureter label's voxels inside that hull; when there are none, N uses the distance to the sinus (N_from_sinus)",
	"renal artery and vein: the artery (vein) label's voxels near the kidney (within 30 mm of its box) outside the parenchyma: the main vessels and their sinus branches, which the label map does not tell apart",
	"distances: minimal distance between voxel centres in mm; touching voxels are one voxel apart; 'touches' means below 2 mm or 26-adjacent",
	"R (and PADUA size): the tumour's maximal diameter between surface points (max_diameter_mm)",
	"E (and PADUA exophytic rate): the share of tumour voxels outside the axial convex hull of the kidney without tumour (seg-to-nephrometry)",
	"A: the tumour's centroid in front of (a) or behind (p) the kidney's by 10 mm or more, else x (seg-to-nephrometry)",
	"L: polar lines are the highest and lowest axial slices where the renal artery, vein or collecting system crosses the edge of the kidney's axial hull (the hilum); 3 if the tumour crosses the axial midline between them or more than half lies between them, 2 if some does, 1 if none; PADUA's sinus lines are the same slices",
	"h: the tumour touches the renal artery or vein",
	"PADUA rim: medial when the tumour's centroid lies nearer the body's midline than the kidney's",
	"C-index: distance from the tumour's centroid to the kidney's centre (the centroid of its middle axial slice) over the tumour's radius (half max_diameter_mm), Simmons 2010",
	"remaining parenchyma: kidney voxels farther than the resection margin from every tumour of the kidney",
	"renal arteries (veins): the 26-connected components of the artery (vein) label that reach the kidney's axial hull; two vessels fused in the label map count as one, a vessel cut by the scan as two",
}

// ReportMethods are the lines of Methods and how the tumours' diameters
// are measured, as the report says them.
func ReportMethods() []string {
	return append([]string{
		"max_diameter_mm: " + measure.SurfaceMethod,
		"orthogonal_diameters_mm: " + measure.AxesMethod,
	}, Methods...)
}

// vesselReachMM is how far around a kidney's box its renal vessels are
// looked for.
const vesselReachMM = 30

// touchMM is the distance below which two structures touch (the reference
// code's 2 mm); voxels a voxel apart touch too, whatever the spacing.
const touchMM = 2

// names of the labels read.
const (
	tumorName  = "tumor"
	ureterName = "ureter"
	arteryName = "artery"
	veinName   = "vein"
)

// Kidneys are the kidney labels and the side each lies on.
var Kidneys = []struct{ Name, Side string }{{"kidney_left", "left"}, {"kidney_right", "right"}}

// Assess measures and scores every tumour of the label map and measures
// every kidney, removing marginMM of parenchyma around each tumour for
// the remaining volume. Labels the table lacks are taken as absent. It
// stops when ctx is done.
func Assess(ctx context.Context, lab *volume.Volume[uint8], table *labels.Table, marginMM float64) ([]measure.Tumor, []measure.Kidney, error) {
	value := func(name string) uint8 {
		if l, ok := table.ByName(name); ok {
			return uint8(l.Value)
		}
		return 0
	}
	tv := value(tumorName)
	comps, sizes := TumorComponents(lab, tv)
	boxes := componentBoxes(comps, len(sizes))
	tumors := make([]measure.Tumor, len(sizes))
	owner := kidneyOfComponents(lab, comps, len(sizes), table)
	var vessels [2]*volume.Part[int32]
	for n, name := range []string{arteryName, veinName} {
		if v := value(name); v != 0 {
			vessels[n], _ = labelops.ValueComponents(lab, v)
		}
	}
	var kidneys []measure.Kidney
	for _, kd := range Kidneys {
		kv := value(kd.Name)
		if kv == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		var mine []int
		for id := 1; id <= len(sizes); id++ {
			if owner[id] == kv {
				mine = append(mine, id)
			}
		}
		s := newSide(lab, comps, vessels, mine, boxes, kv, kd.Side, value)
		if s == nil {
			continue
		}
		kidneys = append(kidneys, s.measureKidney(kd.Name, marginMM))
		for _, id := range mine {
			t := s.tumor(int32(id))
			t.Index, t.Kidney = id, kd.Name
			tumors[id-1] = t
		}
	}
	for id := 1; id <= len(sizes); id++ {
		if owner[id] == 0 {
			tumors[id-1] = loneTumor(lab, comps, int32(id))
		}
	}
	return tumors, kidneys, nil
}

// TumorComponents labels the 26-connected components of the tumour (value
// tv) inside the box of its voxels, numbered as report.json numbers the
// tumours: 1 for the largest, 2, … (equal sizes in storage order);
// sizes[id-1] is component id's voxel count.
func TumorComponents(lab *volume.Volume[uint8], tv uint8) (*volume.Part[int32], []int) {
	comps, sizes := labelops.ValueComponents(lab, tv)
	order := make([]int, len(sizes)) // component ids, largest first
	for i := range order {
		order[i] = i + 1
	}
	slices.SortStableFunc(order, func(a, b int) int { return sizes[b-1] - sizes[a-1] })
	index := make([]int32, len(sizes)+1) // component id → report index
	sorted := make([]int, len(sizes))
	for n, id := range order {
		index[id] = int32(n + 1)
		sorted[n] = sizes[id-1]
	}
	for i, c := range comps.Box.Data {
		comps.Box.Data[i] = index[c]
	}
	return comps, sorted
}

// componentBoxes are the boxes [lo, hi) of components 1..n on the whole
// grid, by id - 1.
func componentBoxes(comps *volume.Part[int32], n int) [][2][3]int {
	boxes := make([][2][3]int, n)
	for i := range boxes {
		boxes[i] = [2][3]int{{math.MaxInt, math.MaxInt, math.MaxInt}, {}}
	}
	for idx, c := range comps.Box.Data {
		if c == 0 {
			continue
		}
		i, j, k := comps.Box.Coords(idx)
		b := &boxes[c-1]
		for a, x := range [3]int{i + comps.Lo[0], j + comps.Lo[1], k + comps.Lo[2]} {
			b[0][a], b[1][a] = min(b[0][a], x), max(b[1][a], x+1)
		}
	}
	return boxes
}

// kidneyOfComponents is, per component id, the kidney label value its
// voxels touch most (26-neighbours), 0 for none.
func kidneyOfComponents(lab *volume.Volume[uint8], comps *volume.Part[int32], n int, table *labels.Table) []uint8 {
	isKidney := [256]bool{}
	for _, kd := range Kidneys {
		if l, ok := table.ByName(kd.Name); ok {
			isKidney[l.Value] = true
		}
	}
	touch := make([][256]int, n+1)
	nx, ny, nz := lab.Dims[0], lab.Dims[1], lab.Dims[2]
	for idx, c := range comps.Box.Data {
		if c == 0 {
			continue
		}
		i, j, k := comps.Box.Coords(idx)
		i, j, k = i+comps.Lo[0], j+comps.Lo[1], k+comps.Lo[2]
		for dk := -1; dk <= 1; dk++ {
			for dj := -1; dj <= 1; dj++ {
				for di := -1; di <= 1; di++ {
					a, b, cc := i+di, j+dj, k+dk
					if a < 0 || b < 0 || cc < 0 || a >= nx || b >= ny || cc >= nz {
						continue
					}
					if v := lab.Data[lab.Index(a, b, cc)]; isKidney[v] {
						touch[c][v]++
					}
				}
			}
		}
	}
	out := make([]uint8, n+1)
	for id := 1; id <= n; id++ {
		best := 0
		for v, cnt := range touch[id] {
			if cnt > best {
				best, out[id] = cnt, uint8(v)
			}
		}
	}
	return out
}

// loneTumor measures a tumour that touches no kidney: its size only.
func loneTumor(lab *volume.Volume[uint8], comps *volume.Part[int32], id int32) measure.Tumor {
	m := volume.New[uint8](lab.Grid)
	for idx, c := range comps.Box.Data {
		if c == id {
			i, j, k := comps.Box.Coords(idx)
			m.Set(i+comps.Lo[0], j+comps.Lo[1], k+comps.Lo[2], 1)
		}
	}
	t := sizeOf(m)
	t.Index = int(id)
	return t
}

// sizeOf is a tumour's voxels, volume, centroid and diameters, from its
// mask (value 1).
func sizeOf(m *volume.Volume[uint8]) measure.Tumor {
	var n int
	var sum [3]float64
	for idx, x := range m.Data {
		if x != 0 {
			i, j, k := m.Coords(idx)
			n++
			sum[0], sum[1], sum[2] = sum[0]+float64(i), sum[1]+float64(j), sum[2]+float64(k)
		}
	}
	t := measure.Tumor{Voxels: n, VolumeML: round(float64(n)*m.VoxelVolume()/1000, 3)}
	if n == 0 {
		return t
	}
	c := m.VoxelToWorld([3]float64{sum[0] / float64(n), sum[1] / float64(n), sum[2] / float64(n)})
	t.CentroidMM = [3]float64{round(c[0], 2), round(c[1], 2), round(c[2], 2)}
	t.MaxDiameterMM = round(measure.SurfaceDiameter(m, 1), 2)
	t.FeretCentresMM = round(measure.MaxDiameter(m, 1), 2)
	d := measure.PrincipalDiameters(m, 1)
	t.DiametersMM = [3]float64{round(d[0], 2), round(d[1], 2), round(d[2], 2)}
	t.CutByFieldOfView = touchesEdge(m)
	return t
}

// touchesEdge reports whether m has a voxel on a face of its grid.
func touchesEdge(m *volume.Volume[uint8]) bool {
	for idx, x := range m.Data {
		if x == 0 {
			continue
		}
		i, j, k := m.Coords(idx)
		if i == 0 || j == 0 || k == 0 || i == m.Dims[0]-1 || j == m.Dims[1]-1 || k == m.Dims[2]-1 {
			return true
		}
	}
	return false
}

func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
