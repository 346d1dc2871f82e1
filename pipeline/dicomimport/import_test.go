package dicomimport

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/ctphase"
	"kidney3d/pipeline/dicomtest"
	"kidney3d/pipeline/volume"
)

// study writes a two-phase study: an arterial and a portal series.
func study(t *testing.T) string {
	dir := t.TempDir()
	a := dicomtest.Default()
	a.SeriesUID, a.Description, a.Contrast, a.PatientName = "1.2.3.10", "Arterial 1mm", "Omnipaque", "Doe^Jane"
	dicomtest.WriteAll(t, filepath.Join(dir, "a"), dicomtest.Stack(a, 4, [3]float64{0, 0, 1}))
	p := a
	p.SeriesUID, p.Description, p.SeriesNum = "1.2.3.20", "PV 1mm", 2
	dicomtest.WriteAll(t, filepath.Join(dir, "p"), dicomtest.Stack(p, 5, [3]float64{0, 0, 1}))
	os.WriteFile(filepath.Join(dir, "DICOMDIR.txt"), []byte("notes"), 0o644)
	return dir
}

func TestImportWritesPhasesAndRecord(t *testing.T) {
	src := study(t)
	out := filepath.Join(t.TempDir(), "case")
	rec, err := Import(context.Background(), Options{Sources: []string{src}, Case: out})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Phases["A"].SeriesUID != "1.2.3.10" || rec.Phases["P"].SeriesUID != "1.2.3.20" || len(rec.Phases) != 2 {
		t.Fatalf("phases %+v", rec.Phases)
	}
	v, err := volume.Load[int16](filepath.Join(out, "input", "P.nii.gz"))
	if err != nil || v.Dims != [3]int{4, 3, 5} || v.At(0, 2, 0) != -1024 {
		t.Fatalf("P: %v %v", v, err)
	}
	b, err := os.ReadFile(filepath.Join(out, "case.json"))
	if err != nil || strings.Contains(string(b), "Doe") {
		t.Fatalf("case.json (%v) holds the patient's name, or is missing:\n%s", err, b)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil || back.Phases["A"].ChosenBy != "guess" || len(back.Series) != 2 {
		t.Fatalf("case.json: %v %+v", err, back)
	}
	if left, _ := filepath.Glob(filepath.Join(out, "work", "*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestImportPhaseOverrideAndIdentity(t *testing.T) {
	src := study(t)
	out := filepath.Join(t.TempDir(), "case")
	rec, err := Import(context.Background(), Options{Sources: []string{src}, Case: out, Phases: map[string]string{"D": "1.2.3.10"}, KeepIdentity: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Phases) != 1 || rec.Phases["D"].ChosenBy != "--phase" || rec.Study.PatientName != "Doe^Jane" {
		t.Fatalf("%+v", rec)
	}
	if _, err := os.Stat(filepath.Join(out, "input", "D.nii.gz")); err != nil {
		t.Fatal(err)
	}
}

func TestBadInputWritesNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		make  func(t *testing.T) string
		phase map[string]string
		want  string
	}{
		{"truncated file", func(t *testing.T) string {
			dir := study(t)
			f := filepath.Join(dir, "p", "s002")
			b, _ := os.ReadFile(f)
			os.WriteFile(f, b[:len(b)-7], 0o644)
			return dir
		}, nil, "s002"},
		{"no image series", func(t *testing.T) string {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "x.txt"), []byte("hello"), 0o644)
			return dir
		}, nil, "no image series"},
		{"unknown series", func(t *testing.T) string { return study(t) }, map[string]string{"A": "9.9"}, "no such series"},
		{"missing slice", func(t *testing.T) string {
			dir := study(t)
			os.Remove(filepath.Join(dir, "p", "s002"))
			return dir
		}, map[string]string{"P": "1.2.3.20"}, "missing slice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "case")
			_, err := Import(context.Background(), Options{Sources: []string{tc.make(t)}, Case: out, Phases: tc.phase})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("the case folder was left: %v", err)
			}
		})
	}
}

func TestCaseInsideSourceIsRefused(t *testing.T) {
	src := study(t)
	_, err := Import(context.Background(), Options{Sources: []string{src}, Case: filepath.Join(src, "case")})
	if _, ok := err.(OptionError); !ok {
		t.Fatalf("error %v, want an OptionError", err)
	}
}

func TestListText(t *testing.T) {
	l, err := List(context.Background(), []string{study(t)})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	l.WriteText(&b)
	for _, want := range []string{"10 files: 9 images in 2 series; skipped 1 not DICOM", "1.2.3.10", "A 90%", `description "PV 1mm" says "pv"`, "4×3×5"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("listing lacks %q:\n%s", want, b.String())
		}
	}
}

func TestOnlyCTHasAPhase(t *testing.T) {
	dir := t.TempDir()
	pet := dicomtest.Default()
	pet.Modality, pet.Description = "PT", "PET WB"
	dicomtest.WriteAll(t, dir, dicomtest.Stack(pet, 4, [3]float64{0, 0, 2}))
	l, err := List(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if g := l.Series[0].Guess; g.Phase != "" || !strings.Contains(g.Reasons[0], "modality PT") {
		t.Errorf("guess %+v", g)
	}
	if _, err := Import(context.Background(), Options{Sources: []string{dir}, Case: filepath.Join(t.TempDir(), "c")}); err == nil {
		t.Error("a PET series was imported as a CT phase")
	}
}

// The real portal venous series (97 s after the injection by its tags) is
// P, not D: the image finds no excreted contrast where the collecting
// systems lie, and its aorta reads 152 HU.
func TestRealPortalSeriesIsNotDelayed(t *testing.T) {
	src := "../../../shared/data/totalseg_example/example_ct_dicom"
	if _, err := os.Stat(src); err != nil {
		t.Skipf("no real DICOM series (%v)", err)
	}
	l, err := List(context.Background(), []string{src})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Series) != 1 || l.Series[0].Guess.Phase != "P" {
		t.Fatalf("series %+v, want one P", l.Series)
	}
	aorta, excretion := readImage(l.series[0])
	if aorta == nil || aorta.Found != 14 || excretion == nil || *excretion != (ctphase.ExcretionReading{Slices: 16}) {
		t.Errorf("aorta %+v, excretion %+v: want the aorta in 14 slices, no excreted contrast in 16", aorta, excretion)
	}
}

// TestOneSeriesWrittenWhileGuessing imports a study of one series, which
// Import writes while it guesses its phase: the phase comes from the
// guess; into a case that already has that phase, the import is refused
// after the guess and the case is as it was.
func TestOneSeriesWrittenWhileGuessing(t *testing.T) {
	src := t.TempDir()
	a := dicomtest.Default()
	a.SeriesUID, a.Description, a.Contrast = "1.2.3.10", "Arterial 1mm", "Omnipaque"
	dicomtest.WriteAll(t, src, dicomtest.Stack(a, 4, [3]float64{0, 0, 1}))
	out := filepath.Join(t.TempDir(), "case")
	rec, err := Import(context.Background(), Options{Sources: []string{src}, Case: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Phases) != 1 || rec.Phases["A"].SeriesUID != "1.2.3.10" || rec.Phases["A"].Dims != [3]int{4, 3, 4} {
		t.Fatalf("phases %+v", rec.Phases)
	}
	v, err := volume.Load[int16](filepath.Join(out, "input", "A.nii.gz"))
	if err != nil || v.Dims != [3]int{4, 3, 4} || v.At(0, 2, 0) != -1024 {
		t.Fatalf("A: %v %v", v, err)
	}
	os.Remove(filepath.Join(out, "case.json"))
	before, _ := os.ReadFile(filepath.Join(out, "input", "A.nii.gz"))
	entries, _ := filepath.Glob(filepath.Join(out, "*"))
	if _, err := Import(context.Background(), Options{Sources: []string{src}, Case: out}); err == nil || !strings.Contains(err.Error(), "already has this phase") {
		t.Fatalf("import into a case with an A phase: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "input", "A.nii.gz")); string(after) != string(before) {
		t.Error("the case's A phase changed")
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*")); strings.Join(left, " ") != strings.Join(entries, " ") {
		t.Errorf("the case holds %v, held %v", left, entries)
	}
}
