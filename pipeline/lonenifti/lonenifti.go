// Package lonenifti opens a lone NIfTI file (the desktop's "Open with" on a
// .nii or .nii.gz, `kidney3d view FILE.nii.gz`) as a case: a case folder in
// the user's data folder whose input/<phase>.nii.gz is a copy of the file, so that
// neither the file nor its folder is ever written. The same bytes opened
// again give the same case, with whatever was run or edited in it.
package lonenifti

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"kidney3d/nifti"
	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/dicomimport"
	"kidney3d/pipeline/limits"
)

// EnvRoot names the environment variable that moves the folder of opened
// files' cases.
const EnvRoot = "KIDNEY3D_OPENED"

// Root is the folder that holds the cases of opened files: $KIDNEY3D_OPENED,
// else kidney3d/opened in the user's data folder ($XDG_DATA_HOME or
// ~/.local/share on Linux, %LOCALAPPDATA% on Windows, ~/Library/Application
// Support on macOS).
func Root() (string, error) {
	if r := os.Getenv(EnvRoot); r != "" {
		return r, nil
	}
	data, err := dataDir(runtime.GOOS)
	if err != nil {
		return "", fmt.Errorf("no place for the cases of opened files (set %s): %w", EnvRoot, err)
	}
	return filepath.Join(data, "kidney3d", "opened"), nil
}

// dataDir is the user's folder for application data on goos.
func dataDir(goos string) (string, error) {
	switch goos {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return d, nil
		}
		return "", fmt.Errorf("%%LOCALAPPDATA%% is not set")
	case "darwin":
		home, err := os.UserHomeDir()
		return filepath.Join(home, "Library", "Application Support"), err
	}
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	return filepath.Join(home, ".local", "share"), err
}

// IsNIfTI reports whether path names a file, not a folder, that is a NIfTI
// image by its name (.nii or .nii.gz, any case).
func IsNIfTI(path string) bool {
	lower := strings.ToLower(path)
	if !strings.HasSuffix(lower, ".nii") && !strings.HasSuffix(lower, ".nii.gz") {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// Case returns the case folder under root for the NIfTI file path, making it
// when it does not exist yet (created is then true): root/<name>-<hash>,
// where name is the file's name without its extension and hash the first 12
// hex digits of the SHA-256 of the file's bytes, holding
// input/<phase>.nii.gz, a copy of the file (gzip-compressed when the file
// is a plain .nii) as the phase its pixels show (ReadPhase), and case.json
// saying where it came from and why it is that phase (the import's record,
// dicomimport.Record, with chosen_by "image" or "default"). The header is
// checked first: a file that is no NIfTI image is an error naming it, and
// nothing is made. The case appears whole or not at all
// (atomicfile.ReplaceDir). phase is the phase the case holds the file as.
func Case(path, root string) (dir string, phase Phase, created bool, err error) {
	hdr, err := nifti.ReadHeaderFile(path)
	if err != nil {
		return "", Phase{}, false, err
	}
	sum, gzipped, err := digest(path)
	if err != nil {
		return "", Phase{}, false, err
	}
	dir = filepath.Join(root, folderName(path, sum))
	if c, err := casefile.Open(dir); err == nil {
		if present := c.PresentPhases(); len(present) > 0 {
			return dir, Phase{Name: present[0], Reasons: []string{"as the case holds it"}}, false, nil
		}
	}
	if phase, err = ReadPhase(path); err != nil {
		return "", Phase{}, false, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", Phase{}, false, fmt.Errorf("%s: %w", root, err)
	}
	tmp, err := os.MkdirTemp(root, ".opening-")
	if err != nil {
		return "", Phase{}, false, fmt.Errorf("%s: %w", root, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "input"), 0o755); err != nil {
		return "", Phase{}, false, err
	}
	tc := &casefile.Case{Dir: tmp}
	if err := atomicfile.Write(tc.PhasePath(phase.Name), func(w io.Writer) error { return copyAsGzip(w, path, gzipped) }); err != nil {
		return "", Phase{}, false, fmt.Errorf("copying %s into a case: %w", path, err)
	}
	if err := atomicfile.WriteJSON(tc.ImportPath(), record(path, hdr, phase, tc)); err != nil {
		return "", Phase{}, false, err
	}
	if err := atomicfile.ReplaceDir(tmp, dir); err != nil {
		return "", Phase{}, false, err
	}
	return dir, phase, true, nil
}

// record is case.json of a case opened from the file at path: where the
// phase came from and why it is that phase.
func record(path string, hdr *nifti.Header, phase Phase, c *casefile.Case) dicomimport.Record {
	chosen := "image"
	if phase.Confidence == 0 {
		chosen = "default"
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return dicomimport.Record{
		Imported: time.Now().UTC(),
		Study:    dicomimport.Study{Description: "opened from " + abs},
		Phases: map[string]dicomimport.Phase{phase.Name: {
			File: c.Rel(c.PhasePath(phase.Name)), Description: filepath.Base(path), Dims: hdr.Shape(),
			ChosenBy: chosen, Confidence: phase.Confidence, Reasons: phase.Reasons,
		}},
	}
}

// digest returns the SHA-256 of the file's bytes and whether they are
// gzip-compressed.
func digest(path string) ([]byte, bool, error) {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	h := sha256.New()
	if _, err := io.Copy(h, br); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return h.Sum(nil), len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b, nil
}

// copyAsGzip writes the file at path to w, gzip-compressing it unless it
// already is.
func copyAsGzip(w io.Writer, path string, gzipped bool) error {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if gzipped {
		_, err = io.Copy(w, f)
		return err
	}
	zw := gzip.NewWriter(w)
	if _, err := io.Copy(zw, f); err != nil {
		return err
	}
	return zw.Close()
}

// folderName is the case folder's name for the file at path with digest
// sum: the file's name without .nii/.nii.gz, with characters other than
// letters, digits, '-', '_' and '.' replaced by '_', then '-' and 12 hex
// digits of sum.
func folderName(path string, sum []byte) string {
	base := filepath.Base(path)
	lower := strings.ToLower(base)
	for _, ext := range []string{".nii.gz", ".nii"} {
		if strings.HasSuffix(lower, ext) {
			base = base[:len(base)-len(ext)]
			break
		}
	}
	name := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, base)
	name = strings.TrimLeft(name, ".")
	if name == "" {
		name = "image"
	}
	return name + "-" + hex.EncodeToString(sum)[:12]
}
