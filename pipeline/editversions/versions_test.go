package editversions

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/casefile/casefiletest"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// testCase is a case folder whose output/labels.nii.gz is a 6³ map with
// kidney_left (1) in one voxel.
func testCase(t *testing.T) (*casefile.Case, *volume.Volume[uint8]) {
	t.Helper()
	c := casefiletest.New(t)
	lm := volume.New[uint8](volume.Grid{Dims: [3]int{6, 6, 6}, Affine: volume.Identity})
	lm.Set(1, 1, 1, 1)
	if err := volume.Save(c.OutputLabelsPath(), lm); err != nil {
		t.Fatal(err)
	}
	return c, lm
}

func TestSaveAndRevert(t *testing.T) {
	c, lm := testCase(t)
	orig, _ := os.ReadFile(c.OutputLabelsPath())
	table := labels.Default()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	lm.Set(2, 2, 2, 3) // tumor
	v1, err := Save(c, lm, table, Saver{Author: "a", Comment: "tumour", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || !reflect.DeepEqual(v1.Changed, []string{"tumor"}) || !reflect.DeepEqual(v1.Edited, []string{"tumor"}) {
		t.Errorf("version 1: %+v", v1)
	}
	lm.Set(2, 2, 2, 0)
	lm.Set(1, 1, 1, 2) // kidney_left → kidney_right
	v2, err := Save(c, lm, table, Saver{Author: "b", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v2.Changed, []string{"kidney_left", "kidney_right", "tumor"}) || !reflect.DeepEqual(v2.Edited, []string{"kidney_left", "kidney_right"}) {
		t.Errorf("version 2 changed %v edited %v", v2.Changed, v2.Edited)
	}
	v3, err := Revert(c, 0, table, Saver{Author: "c", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(c.VersionPath(3))
	if !bytes.Equal(got, orig) || len(v3.Edited) != 0 || v3.Comment != "revert to version 0" {
		t.Errorf("revert to 0: byte copy %v, %+v", bytes.Equal(got, orig), v3)
	}
	l, err := Load(c)
	if err != nil || len(l.Versions) != 4 || l.Versions[0].Author != "kidney3d run" {
		t.Fatalf("versions.json: %v, %+v", err, l)
	}
	if _, err := Revert(c, 7, table, Saver{}); err == nil || !strings.Contains(err.Error(), "no version 7 (versions 0 to 3 are saved)") {
		t.Errorf("revert to 7: %v", err)
	}
	// A version file changed behind the list's back is refused.
	os.WriteFile(c.VersionPath(1), []byte("x"), 0o644)
	if _, err := LoadLabels(c, l.Versions[1]); err == nil || !strings.Contains(err.Error(), "changed after it was saved") {
		t.Errorf("tampered version: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	sum := strings.Repeat("a", 64)
	for _, c := range []struct{ json, want string }{
		{`{"versions":[{"version":1,"file":"f","sha256":"` + sum + `"}]}`, "entry 0 is version 1, want 0"},
		{`{"versions":[{"version":0,"file":"f"}]}`, "version 0 lacks its file or its sha256"},
		{`{"versions":[], "extra": 1}`, `unknown field "extra"`},
		{`[`, "versions.json: unexpected EOF"},
	} {
		if _, err := Parse([]byte(c.json), "versions.json"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.json, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"versions":[{"version":0,"file":"edits/labels.v0.nii.gz","author":"x","time":"2026-01-02T03:04:05Z","comment":"","changed_labels":[],"edited_labels":["tumor"],"sha256":"` + strings.Repeat("0", 64) + `"}]}`))
	f.Add([]byte(`{"versions":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		for n, v := range l.Versions {
			if v.Version != n || len(v.SHA256) != 64 {
				t.Fatalf("accepted %+v", v)
			}
		}
	})
}

// TestCompare compares version 0 with a saved version and with itself:
// exact voxel counts and Dice per label.
func TestCompare(t *testing.T) {
	c, lm := testCase(t) // kidney_left at (1, 1, 1)
	table := labels.Default()
	if _, err := CompareVersions(c, 0, 1, table); err == nil || !strings.Contains(err.Error(), "no version 1 (none is saved") {
		t.Errorf("version 1 before any is saved: %v", err)
	}
	same, err := CompareVersions(c, 0, 0, table)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&Comparison{Labels: []LabelDiff{{Label: "kidney_left", VoxelsA: 1, VoxelsB: 1, Dice: 1}}}); !reflect.DeepEqual(same, want) {
		t.Errorf("0 with 0: %+v, want %+v", same, want)
	}
	for _, ijk := range [][3]int{{1, 1, 2}, {1, 1, 3}, {1, 1, 4}} {
		lm.Set(ijk[0], ijk[1], ijk[2], 1) // kidney_left: 1 → 4 voxels
	}
	lm.Set(3, 3, 3, 3)
	lm.Set(3, 3, 4, 3) // tumor: 2 new voxels
	if _, err := Save(c, lm, table, Saver{Author: "a", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := CompareVersions(c, 0, 1, table)
	if err != nil {
		t.Fatal(err)
	}
	want := &Comparison{A: 0, B: 1, Changed: 5, Labels: []LabelDiff{
		{Label: "kidney_left", VoxelsA: 1, VoxelsB: 4, Changed: 3, Dice: 0.4},
		{Label: "tumor", VoxelsA: 0, VoxelsB: 2, Changed: 2, Dice: 0},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("0 with 1: %+v, want %+v", got, want)
	}
	var out bytes.Buffer
	got.WriteText(&out)
	if !strings.Contains(out.String(), "version 0 → 1: 5 voxels changed") || !strings.Contains(out.String(), "kidney_left               1          4          3  0.4000") {
		t.Errorf("text:\n%s", out.String())
	}
}
