package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"kidney3d/nifti"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/volume"
)

func TestWriteRoundTrip(t *testing.T) {
	c := generate(t, 2, Small)
	dir := t.TempDir()
	if err := Write(dir, c); err != nil {
		t.Fatal(err)
	}
	// Writing again replaces the files in place.
	if err := Write(dir, c); err != nil {
		t.Fatal(err)
	}
	cf := &casefile.Case{Dir: dir}
	for _, tc := range []struct {
		path string
		want any
		dt   nifti.Datatype
	}{
		{cf.PhasePath("A"), c.Phases["A"], nifti.Int16},
		{cf.PhasePath("P"), c.Phases["P"], nifti.Int16},
		{cf.PhasePath("D"), c.Phases["D"], nifti.Int16},
		{cf.TruthPath(), c.Truth, nifti.Uint8},
	} {
		h, err := nifti.ReadHeaderFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if h.Datatype != tc.dt {
			t.Errorf("%s: stored as %v, want %v", tc.path, h.Datatype, tc.dt)
		}
		var got any
		switch want := tc.want.(type) {
		case *volume.Volume[int16]:
			got, err = volume.Load[int16](tc.path)
		case *volume.Volume[uint8]:
			got, err = volume.Load[uint8](tc.path)
		default:
			t.Fatalf("unexpected %T", want)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: read back differs from what was written", tc.path)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, ParamsPath))
	if err != nil {
		t.Fatal(err)
	}
	var p Params
	if err := json.Unmarshal(js, &p); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, c.Params) {
		t.Errorf("params.json reads back as\n%+v\nwant\n%+v", p, c.Params)
	}
	left, err := filepath.Glob(filepath.Join(dir, "*", ".*tmp*"))
	if err != nil || len(left) > 0 {
		t.Errorf("temporary files left: %v %v", left, err)
	}
}

func TestWriteRefusesIncompleteCase(t *testing.T) {
	c := generate(t, 2, Small)
	delete(c.Phases, "D")
	dir := t.TempDir()
	if err := Write(dir, c); err == nil {
		t.Fatal("Write accepted a case without phase D")
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
		t.Errorf("Write left %v (%v) for a case it refused", entries, err)
	}
}

// TestNibabelReadsDemo runs tools/check_demo_nibabel.py on written cases: it
// skips in -short mode and where python3-nibabel is not installed.
func TestNibabelReadsDemo(t *testing.T) {
	const python = "/usr/bin/python3"
	if testing.Short() {
		t.Skip("runs Python")
	}
	if out, err := exec.Command(python, "-c", "import nibabel").CombinedOutput(); err != nil {
		t.Skipf("nibabel is not installed (apt-get install python3-nibabel): %v %s", err, out)
	}
	var dirs []string
	for seed := int64(1); seed <= 2; seed++ {
		dir := filepath.Join(t.TempDir(), fmt.Sprint("seed", seed))
		if err := Write(dir, generate(t, seed, Small)); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	out, err := exec.Command(python, append([]string{"../../tools/check_demo_nibabel.py"}, dirs...)...).Output()
	var report struct {
		OK      bool `json:"ok"`
		Results []struct {
			Problems []string `json:"problems"`
		} `json:"results"`
	}
	if jerr := json.Unmarshal(out, &report); jerr != nil {
		t.Fatalf("check_demo_nibabel.py: %v (%v): %s", err, jerr, out)
	}
	if !report.OK || len(report.Results) != len(dirs) {
		t.Errorf("nibabel disagrees: %s", out)
	}
}
