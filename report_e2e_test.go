package main

// End-to-end tests of `kidney3d report`: R.E.N.A.L.'s R and N from the
// pipeline's labels agree with a deliberately naive computation on the
// demo's truth masks, and the printable plan carries the scores, the
// diameters and the notice (pdftotext).

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kidney3d/pipeline/nephrometry"
	"kidney3d/pipeline/stages"
	"kidney3d/pipeline/volume"
)

// naiveRN is R.E.N.A.L.'s R and N from a truth label map, by brute force:
// the largest distance between the outer corners of two tumour voxels,
// and the least distance between the centres of a tumour voxel and a
// collecting-system voxel inside the bounding box of the tumour's kidney
// (the one whose centroid is nearest). The grid must be axis-aligned.
func naiveRN(lab *volume.Volume[uint8]) (r, n int, diameter, distance float64) {
	const tumour, ureter = 3, 7
	sp := lab.Spacing()
	var tum [][3]int
	var cent [3][4]float64 // kidney 1 and 2: sum of x, y, z and count
	for idx, v := range lab.Data {
		i, j, k := lab.Coords(idx)
		switch v {
		case tumour:
			tum = append(tum, [3]int{i, j, k})
		case 1, 2:
			c := &cent[v]
			c[0], c[1], c[2], c[3] = c[0]+float64(i), c[1]+float64(j), c[2]+float64(k), c[3]+1
		}
	}
	var tc [3]float64
	for _, p := range tum {
		for a := range 3 {
			tc[a] += float64(p[a]) / float64(len(tum))
		}
	}
	kidney, best := uint8(1), math.Inf(1)
	for v := 1; v <= 2; v++ {
		c := cent[v]
		d := math.Hypot(math.Hypot((c[0]/c[3]-tc[0])*sp[0], (c[1]/c[3]-tc[1])*sp[1]), (c[2]/c[3]-tc[2])*sp[2])
		if c[3] > 0 && d < best {
			kidney, best = uint8(v), d
		}
	}
	lo, hi := [3]int{1 << 30, 1 << 30, 1 << 30}, [3]int{-1, -1, -1}
	for idx, v := range lab.Data {
		if v == kidney {
			i, j, k := lab.Coords(idx)
			for a, x := range [3]int{i, j, k} {
				lo[a], hi[a] = min(lo[a], x), max(hi[a], x)
			}
		}
	}
	var ucs [][3]int
	for idx, v := range lab.Data {
		i, j, k := lab.Coords(idx)
		if v == ureter && i >= lo[0] && i <= hi[0] && j >= lo[1] && j <= hi[1] && k >= lo[2] && k <= hi[2] {
			ucs = append(ucs, [3]int{i, j, k})
		}
	}
	distance = math.Inf(1)
	for x, p := range tum {
		for _, q := range tum[x+1:] {
			var s float64
			for a := range 3 {
				s += math.Pow(math.Abs(float64(p[a]-q[a]))*sp[a]+sp[a], 2)
			}
			diameter = math.Max(diameter, math.Sqrt(s))
		}
		for _, q := range ucs {
			var s float64
			for a := range 3 {
				s += math.Pow(float64(p[a]-q[a])*sp[a], 2)
			}
			distance = math.Min(distance, math.Sqrt(s))
		}
	}
	return nephrometry.RadiusPoints(diameter), nephrometry.NearnessPoints(distance), diameter, distance
}

// rnSeeds are the demo seeds of TestReportRAndNAgreeWithTruth:
// KIDNEY3D_RN_SEEDS=N (seeds 1..N) or A-B (seeds A..B), seed 1 by
// default (make test; BENCHMARKS.md has seeds 1-20).
func rnSeeds(t *testing.T) (first, last int) {
	s := os.Getenv("KIDNEY3D_RN_SEEDS")
	if s == "" {
		return 1, 1
	}
	a, b, isRange := strings.Cut(s, "-")
	if !isRange {
		a, b = "1", s
	}
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || first < 1 || last < first {
		t.Fatalf("KIDNEY3D_RN_SEEDS=%q: want N or A-B", s)
	}
	return first, last
}

func TestReportRAndNAgreeWithTruth(t *testing.T) {
	first, last := rnSeeds(t)
	seeds := last - first + 1
	agree := 0
	for seed := first; seed <= last; seed++ {
		dir := ranSeed(t, seed)
		stdout, stderr, code := kidney3d(t, "report", dir, "--json")
		if code != 0 {
			t.Fatalf("seed %d: report: %s", seed, stderr)
		}
		var rep stages.MeasureReport
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatal(err)
		}
		truth, err := volume.Load[uint8](filepath.Join(dir, "truth", "labels.nii.gz"))
		if err != nil {
			t.Fatal(err)
		}
		r, n, d, dist := naiveRN(truth)
		if len(rep.Tumors) == 0 || rep.Tumors[0].Renal == nil {
			t.Logf("seed %d: no scored tumour in the pipeline's labels; truth R %d (%.1f mm) N %d (%.1f mm)", seed, r, d, n, dist)
			continue
		}
		got := rep.Tumors[0].Renal
		ok := got.R == r && got.N == n
		if ok {
			agree++
		}
		t.Logf("seed %d: pipeline R %d (%.1f mm) N %d (%.1f mm); truth R %d (%.1f mm) N %d (%.1f mm); agree %v", seed, got.R, got.RDiameterMM, got.N, got.NDistanceMM, r, d, n, dist, ok)
	}
	if need := int(math.Ceil(0.9 * float64(seeds))); agree < need {
		t.Errorf("R and N agree on %d of %d tumours, want at least %d", agree, seeds, need)
	}
}

func TestReportPDFCarriesScoresDiametersAndNotice(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed: make deps-test")
	}
	dir := ranSeed(t, 1)
	out := filepath.Join(t.TempDir(), "plan.pdf")
	if _, stderr, code := kidney3d(t, "report", dir, "--pdf", out); code != 0 {
		t.Fatalf("report --pdf: %s", stderr)
	}
	txt, err := exec.Command("pdftotext", "-layout", out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, _ := kidney3d(t, "report", dir, "--json")
	var rep stages.MeasureReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	tu := rep.Tumors[0]
	text := strings.Join(strings.Fields(string(txt)), " ")
	for _, want := range []string{
		"R.E.N.A.L. nephrometry score: " + tu.Renal.Text,
		"PADUA score: " + tu.Padua.Text,
		"C-index: " + strconv.FormatFloat(*tu.CIndexScore, 'f', 2, 64),
		strconv.FormatFloat(tu.MaxDiameterMM, 'f', 1, 64) + " mm",
		"NOT FOR CLINICAL USE",
		"demo-tumour",
		"Arterial territories",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
}
