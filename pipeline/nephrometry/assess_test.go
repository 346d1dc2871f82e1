package nephrometry

import (
	"context"
	"math"
	"testing"

	"kidney3d/assets"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/volume"
)

// phantom is a left kidney on a 2 mm grid, stored flipped in x (LAS), with
// its centre at the world origin: an ellipsoid of semi-axes 25 × 20 × 55
// mm (x, y, z), with a collecting system (an ellipsoid of 6 × 5 × 20 mm
// at its centre and a pelvis channel leaving medially, +x, for |z| < 8),
// and the renal artery and vein in the channel, in front of and behind it.
type phantom struct {
	lab   *volume.Volume[uint8]
	table *labels.Table
}

func newPhantom(t *testing.T) *phantom {
	table, err := labels.Parse(assets.LabelsYAML, "labels.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g := volume.Grid{Dims: [3]int{60, 50, 80}, Affine: volume.Affine{{-2, 0, 0, 59}, {0, 2, 0, -49}, {0, 0, 2, -79}, {0, 0, 0, 1}}}
	p := &phantom{lab: volume.New[uint8](g), table: table}
	p.fill(func(x, y, z float64) bool { return sq(x/25)+sq(y/20)+sq(z/55) <= 1 }, "kidney_left")
	p.fill(func(x, y, z float64) bool {
		return sq(x/6)+sq(y/5)+sq(z/20) <= 1 || (x > 0 && math.Abs(y) <= 4 && math.Abs(z) < 8)
	}, "ureter")
	p.fill(func(x, y, z float64) bool { return x > 8 && y > 4 && y <= 9 && math.Abs(z) < 6 }, "artery")
	p.fill(func(x, y, z float64) bool { return x > 8 && y < -4 && y >= -9 && math.Abs(z) < 6 }, "vein")
	return p
}

func sq(x float64) float64 { return x * x }

// fill sets the named label where in holds at the voxel's world centre.
func (p *phantom) fill(in func(x, y, z float64) bool, name string) {
	v := p.table.Value(name)
	for n := range p.lab.Data {
		i, j, k := p.lab.Coords(n)
		w := p.lab.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)})
		if in(w[0], w[1], w[2]) {
			p.lab.Data[n] = v
		}
	}
}

// tumour adds a spherical tumour of radius r mm at c.
func (p *phantom) tumour(c [3]float64, r float64) *phantom {
	p.fill(func(x, y, z float64) bool { return sq(x-c[0])+sq(y-c[1])+sq(z-c[2]) <= r*r }, "tumor")
	return p
}

func (p *phantom) assess(t *testing.T) measure.Tumor {
	t.Helper()
	ts, ks, err := Assess(context.Background(), p.lab, p.table, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || len(ks) != 1 || ts[0].Kidney != "kidney_left" || ts[0].Renal == nil {
		t.Fatalf("tumours %+v, kidneys %+v: want one tumour of the left kidney", ts, ks)
	}
	return ts[0]
}

// TestSyntheticTumours places hand-made tumours so that every component
// value of R.E.N.A.L. and PADUA occurs.
func TestSyntheticTumours(t *testing.T) {
	type want struct {
		R, E, N, L int
		A          string
		H          bool
		Long, Rim  int
		Sinus, UCS int
	}
	for _, c := range []struct {
		name   string
		centre [3]float64
		radius float64
		want   want
	}{
		// Upper pole, lateral, mostly outside: far from everything.
		{"upper lateral exophytic", [3]float64{-22, 0, 40}, 12, want{R: 1, E: 1, N: 1, L: 1, A: "x", Long: 1, Rim: 1, Sinus: 1, UCS: 1}},
		// Lower pole, anterior, half in: crosses no polar line.
		{"lower anterior", [3]float64{-3, 11, -30}, 9, want{R: 1, E: 2, N: 1, L: 1, A: "a", Long: 1, Rim: 1, Sinus: 1, UCS: 1}},
		// Posterior, deep and reaching over the upper polar line.
		{"posterior endophytic", [3]float64{-6, -13, 12}, 6, want{R: 1, E: 3, N: 2, L: 2, A: "p", Long: 1, Rim: 1, Sinus: 1, UCS: 1}},
		// Medial at the hilum: touches the pelvis and the renal artery.
		{"hilar", [3]float64{14, 10, 0}, 7, want{R: 1, E: 2, N: 3, L: 3, A: "x", H: true, Long: 2, Rim: 2, Sinus: 2, UCS: 2}},
		// Large, lateral, across the midline.
		{"large interpolar", [3]float64{-34, 0, 0}, 21, want{R: 2, E: 1, N: 1, L: 3, A: "x", Long: 2, Rim: 1, Sinus: 1, UCS: 1}},
		// Very large lower pole tumour.
		{"very large", [3]float64{-10, 0, -64}, 36, want{R: 3, E: 1, N: 1, L: 1, A: "x", Long: 1, Rim: 1, Sinus: 1, UCS: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tu := newPhantom(t).tumour(c.centre, c.radius).assess(t)
			r, p := tu.Renal, tu.Padua
			got := want{R: r.R, E: r.E, N: r.N, L: r.L, A: r.A, H: r.H, Long: p.Longitudinal, Rim: p.Rim, Sinus: p.Sinus, UCS: p.CollectingSystem}
			if got != c.want {
				t.Errorf("got %+v, want %+v\nrenal %+v\npadua %+v", got, c.want, *r, *p)
			}
			if r.Score != r.R+r.E+r.N+r.L || p.Score != p.Longitudinal+p.Exophytic+p.Rim+p.Sinus+p.CollectingSystem+p.Size {
				t.Errorf("scores %d, %d do not add up", r.Score, p.Score)
			}
		})
	}
}

// TestDistancesNearAndFar compares the tumours' distances (found near the
// tumour, or on the whole crop past nearMM) and the remaining parenchyma
// with every pair of voxel centres.
func TestDistancesNearAndFar(t *testing.T) {
	for _, c := range []struct {
		name   string
		centre [3]float64
		radius float64
	}{
		{"far from everything", [3]float64{-22, 0, 40}, 12},
		{"hilar", [3]float64{14, 10, 0}, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPhantom(t).tumour(c.centre, c.radius)
			ts, ks, err := Assess(context.Background(), p.lab, p.table, 5)
			if err != nil {
				t.Fatal(err)
			}
			points := func(name string) [][3]float64 {
				var out [][3]float64
				for n, x := range p.lab.Data {
					if x == p.table.Value(name) {
						i, j, k := p.lab.Coords(n)
						out = append(out, p.lab.VoxelToWorld([3]float64{float64(i), float64(j), float64(k)}))
					}
				}
				return out
			}
			tumour := points("tumor")
			nearest := func(q [3]float64) float64 {
				best := math.Inf(1)
				for _, x := range tumour {
					best = math.Min(best, dist(x, q))
				}
				return best
			}
			least := func(name string) float64 {
				best := math.Inf(1)
				for _, q := range points(name) {
					best = math.Min(best, nearest(q))
				}
				return math.Round(best*100) / 100
			}
			d := ts[0].DistancesMM
			if d.CollectingSystem == nil || d.RenalArtery == nil || d.RenalVein == nil {
				t.Fatalf("distances %+v: want the collecting system, artery and vein", d)
			}
			t.Logf("collecting system %.2f mm, artery %.2f mm, vein %.2f mm (near: up to %d mm)", *d.CollectingSystem, *d.RenalArtery, *d.RenalVein, nearMM)
			for _, x := range []struct {
				name string
				got  float64
			}{{"ureter", *d.CollectingSystem}, {"artery", *d.RenalArtery}, {"vein", *d.RenalVein}} {
				if want := least(x.name); math.Abs(x.got-want) > 0.006 {
					t.Errorf("%s: %.2f mm, every pair gives %.2f", x.name, x.got, want)
				}
			}
			left := 0
			for _, q := range points("kidney_left") {
				if nearest(q) > 5 {
					left++
				}
			}
			if want := math.Round(float64(left)*8/1000*1000) / 1000; ks[0].RemainingML != want {
				t.Errorf("remaining %.3f mL, every pair gives %.3f", ks[0].RemainingML, want)
			}
		})
	}
}

// A kidney whose labels hold no collecting system, sinus or renal vessel
// scores N 1 and h false by default, and says so rather than giving a
// distance of 0.
func TestNothingNearIsSaid(t *testing.T) {
	p := newPhantom(t)
	for n, v := range p.lab.Data {
		if name := p.table.Name(int(v)); name == "ureter" || name == "artery" || name == "vein" {
			p.lab.Data[n] = p.table.Value("kidney_left")
		}
	}
	r := p.tumour([3]float64{-22, 0, 40}, 12).assess(t).Renal
	if r.N != 1 || r.H || !r.NNothingNear || !r.HNoVessel || r.NFromSinus {
		t.Errorf("renal %+v: want N 1, h false, N_nothing_near and h_no_vessel", *r)
	}
	with := newPhantom(t).tumour([3]float64{14, 10, 0}, 7).assess(t).Renal
	if with.NNothingNear || with.HNoVessel {
		t.Errorf("hilar tumour %+v: the pelvis and the artery are there", *with)
	}
}
