package nifti

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestNibabelReadsEncoded writes every datatype in every layout with Encode
// and checks that nibabel reads the same geometry and values (through
// tools/make_nifti_testdata.py --describe); the .nii.gz files have several
// K3 members. It skips where Debian's python3-nibabel is not installed.
func TestNibabelReadsEncoded(t *testing.T) {
	const python = "/usr/bin/python3"
	if testing.Short() {
		t.Skip("runs Python")
	}
	if out, err := exec.Command(python, "-c", "import nibabel").CombinedOutput(); err != nil {
		t.Skipf("nibabel is not installed (apt-get install python3-nibabel): %v %s", err, out)
	}
	withMemberSize(t, 256)
	dir := t.TempDir()
	var paths []string
	for _, dt := range allDatatypes {
		for _, version := range []int{1, 2} {
			for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
				for _, gz := range []bool{false, true} {
					img := testImage(dt, version, order)
					name := fmt.Sprintf("%s_v%d_%s.nii", dt, version, order)
					if gz {
						name += ".gz"
					}
					path := filepath.Join(dir, name)
					if err := os.WriteFile(path, encoded(t, img, &EncodeOptions{Gzip: gz}), 0o644); err != nil {
						t.Fatal(err)
					}
					paths = append(paths, path)
				}
			}
		}
	}
	cmd := exec.Command(python, append([]string{"../tools/make_nifti_testdata.py", "--describe"}, paths...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make_nifti_testdata.py --describe: %v", err)
	}
	var views []expected
	if err := json.Unmarshal(out, &views); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(views) != len(paths) {
		t.Fatalf("nibabel described %d files, want %d", len(views), len(paths))
	}
	for _, want := range views {
		t.Run(filepath.Base(want.File), func(t *testing.T) {
			if want.Nibabel != "loads" {
				t.Fatalf("nibabel: %s", want.Nibabel)
			}
			checkFile(t, want.File, want)
		})
	}
}
