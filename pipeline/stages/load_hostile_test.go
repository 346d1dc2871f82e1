package stages

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/nifti"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/stage"
	"kidney3d/pipeline/volume"
	"kidney3d/pipeline/volume/volumetest"
)

// ct is a 16³ CT of 40 to 46 HU.
func ct(g volume.Grid) []int16 {
	d := make([]int16, g.Len())
	for i := range d {
		d[i] = int16(40 + i%7)
	}
	return d
}

// hostileCase writes a case whose arterial phase is data with tweak
// applied; masks write its given masks into input/masks.
func hostileCase[T volume.Voxel](t *testing.T, data []T, tweak func(*nifti.Header), masks func(dir string)) *casefile.Case {
	t.Helper()
	dir := t.TempDir()
	volumetest.Save(t, filepath.Join(dir, "input", "A.nii.gz"), cube, data, tweak)
	if masks != nil {
		masks(filepath.Join(dir, "input", "masks"))
	}
	c, err := casefile.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// emptyMasksCase is a hostileCase of ct(cube) with an empty mask
// input/masks/<name>.nii.gz of each name.
func emptyMasksCase(t *testing.T, names ...string) *casefile.Case {
	t.Helper()
	empty := make([]uint8, cube.Len())
	return hostileCase(t, ct(cube), nil, func(dir string) {
		for _, name := range names {
			volumetest.Save(t, filepath.Join(dir, name+".nii.gz"), cube, empty, nil)
		}
	})
}

// cube is the grid of hostileCase's images.
var cube = phaseGrid([3]float64{0, 0, 0}, [3]int{16, 16, 16})

func TestHostilePhasesAreRefusedWithTheirReason(t *testing.T) {
	g := cube
	noXform := func(pix float64) func(*nifti.Header) {
		return func(h *nifti.Header) {
			h.QformCode, h.SformCode = 0, 0
			h.PixDim[2] = pix
		}
	}
	inf := make([]float32, g.Len())
	for i := range inf {
		inf[i] = float32(i % 50)
	}
	inf[g.Index(3, 4, 5)] = float32(math.Inf(1))
	inf[g.Index(9, 9, 9)] = float32(math.NaN())
	for _, tc := range []struct {
		name string
		c    *casefile.Case
		want string
	}{
		{"pixdim 0", hostileCase(t, ct(g), noXform(0), nil), "A.nii.gz: voxel size pixdim[2] is 0 and there is no qform or sform: the geometry is unknown"},
		{"pixdim NaN", hostileCase(t, ct(g), noXform(math.NaN()), nil), "pixdim[2] is NaN and there is no qform or sform"},
		{"pixdim negative", hostileCase(t, ct(g), noXform(-2), nil), "pixdim[2] is -2 and there is no qform or sform"},
		{"scl_slope 1e38", hostileCase(t, ct(g), func(h *nifti.Header) { h.SclSlope = 1e38 }, nil), "A.nii.gz: values from 4e+39 to 4.6e+39 after scaling (scl_slope 1e+38, scl_inter 0) are outside ±32768 HU"},
		{"all zero", hostileCase(t, make([]int16, g.Len()), nil, nil), "A.nii.gz: every voxel is 0: a constant image holds no anatomy"},
		{"infinity and NaN", hostileCase(t, inf, nil, nil), "A.nii.gz: 2 voxels are not finite (NaN or ±Inf), the first at voxel (3, 4, 5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := runLoad(t, tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	// With a qform, pixdim does not give the geometry: 0 is not an error.
	c := hostileCase(t, ct(g), func(h *nifti.Header) { h.SformCode, h.PixDim[2] = 0, 0 }, nil)
	if err := runLoad(t, c); err != nil && strings.Contains(err.Error(), "pixdim") {
		t.Errorf("pixdim 0 with a qform: %v", err)
	}
}

func TestTooLargeRefusedFromTheHeader(t *testing.T) {
	t.Setenv(limits.MaxVoxelsEnv, "4000")
	err := runLoad(t, hostileCase(t, ct(cube), nil, nil))
	if err == nil || !strings.Contains(err.Error(), "A.nii.gz: dim: image too large: dim [16 16 16] of int16: 4096 voxels is over the limit of 4000") {
		t.Errorf("got %v", err)
	}
}

// TestMasksAreReadFromStoredValues checks that any nonzero finite stored
// value is inside, and that NaN is refused with its count and place.
func TestMasksAreReadFromStoredValues(t *testing.T) {
	g := cube
	minus := make([]int16, g.Len())
	minus[10], minus[11], minus[12] = -1, 256, 1
	frac := make([]float32, g.Len())
	frac[20], frac[21] = 0.3, 1.4
	u8 := make([]uint8, g.Len())
	u8[30] = 255
	c := hostileCase(t, ct(g), nil, func(dir string) {
		volumetest.Save(t, filepath.Join(dir, "artery.nii.gz"), g, minus, nil)
		volumetest.Save(t, filepath.Join(dir, "vein.nii.gz"), g, frac, nil)
		volumetest.Save(t, filepath.Join(dir, "ureter.nii.gz"), g, u8, nil)
	})
	if err := runLoad(t, c); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(c.ArtefactPath("load", stage.InputsSummary))
	for label, n := range map[string]int{"artery": 3, "vein": 2, "ureter": 1} {
		if want := fmt.Sprintf("\"file\": \"input/masks/%s.nii.gz\",\n      \"voxels\": %d", label, n); !strings.Contains(string(b), want) {
			t.Errorf("summary %s lacks %s", b, want)
		}
	}

	nan := make([]float32, g.Len())
	nan[g.Index(1, 2, 3)], nan[g.Index(5, 5, 5)], nan[0] = float32(math.NaN()), float32(math.NaN()), 1
	err := runLoad(t, hostileCase(t, ct(g), nil, func(dir string) {
		volumetest.Save(t, filepath.Join(dir, "artery.nii.gz"), g, nan, nil)
	}))
	if want := "artery.nii.gz: 2 voxels are not finite (NaN or ±Inf), the first at voxel (1, 2, 3): a mask holds finite values"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("NaN mask: %v, want %q", err, want)
	}
}

func TestUnknownMaskFilesAreListed(t *testing.T) {
	c := emptyMasksCase(t, "arterry", "artery")
	for _, name := range []string{"notes.txt", ".DS_Store", "background.nii.gz"} {
		os.WriteFile(filepath.Join(c.MasksDir(), name), []byte("x"), 0o644)
	}
	err := runLoad(t, c)
	if want := "masks: not the mask of a label: arterry.nii.gz, background.nii.gz, notes.txt (masks are named <label>.nii.gz"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestMaskAddedLaterIsChecked: a file added to input/masks after a run
// makes load run again (input/masks is one of its inputs as a whole), so a
// misspelt name is reported rather than reused past.
func TestMaskAddedLaterIsChecked(t *testing.T) {
	c := emptyMasksCase(t, "artery")
	if err := runLoad(t, c); err != nil {
		t.Fatal(err)
	}
	volumetest.Save(t, filepath.Join(c.MasksDir(), "veins.nii.gz"), cube, make([]uint8, cube.Len()), nil)
	if err := runLoad(t, c); err == nil || !strings.Contains(err.Error(), "not the mask of a label: veins.nii.gz") {
		t.Errorf("second run: %v, want veins.nii.gz reported", err)
	}
}

// TestMaskInAnotherStorageOrderIsAccepted: a mask of the arterial phase's
// world grid stored LAS (the phase being LPS) passes and inputs.json says
// how it is stored; a mask one slice off is refused with what differs.
func TestMaskInAnotherStorageOrderIsAccepted(t *testing.T) {
	m := volume.New[uint8](cube)
	m.Data[cube.Index(1, 2, 3)], m.Data[cube.Index(4, 4, 4)] = 1, 1
	las := volume.Reorient(m, volume.Orientation{Perm: [3]int{0, 1, 2}, Flip: [3]bool{false, true}})
	off := las.Clone()
	off.Affine = las.Affine.Translated([3]float64{0, 0, 2.5})
	c := hostileCase(t, ct(cube), nil, func(dir string) {
		volumetest.Save(t, filepath.Join(dir, "kidney_left.nii.gz"), las.Grid, las.Data, nil)
	})
	if err := runLoad(t, c); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(c.ArtefactPath("load", stage.InputsSummary))
	if want := "\"voxels\": 2,\n      \"stored\": \"LAS\""; !strings.Contains(string(b), want) {
		t.Errorf("summary %s lacks %s", b, want)
	}
	volumetest.Save(t, filepath.Join(c.MasksDir(), "kidney_right.nii.gz"), off.Grid, off.Data, nil)
	want := "kidney_right.nii.gz: mask of kidney_right is not on the grid of phase A (the reference) in any axis order or direction: volume: grids differ in origin"
	if err := runLoad(t, c); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestUnknownMaskSaysItsAlias: a TotalSegmentator file name in
// input/masks is listed with the label the alias table gives it.
func TestUnknownMaskSaysItsAlias(t *testing.T) {
	c := emptyMasksCase(t, "kidney_cyst_left", "vertebrae_L1")
	err := runLoad(t, c)
	for _, want := range []string{
		"not the mask of a label: kidney_cyst_left.nii.gz (totalsegmentator's name for cyst), vertebrae_L1.nii.gz (totalsegmentator's name for spine)",
		"kidney3d import-masks FOLDER --from TOOL --out CASE",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}
