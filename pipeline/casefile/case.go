// Package casefile is the case folder of DESIGN.md: where each input, work
// file and output of a case lives.
package casefile

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Phases are the CT phases a case may hold, in acquisition order: N
// (non-contrast), A (arterial), P (portal venous), D (delayed).
var Phases = []string{"N", "A", "P", "D"}

// Case is an opened case folder.
type Case struct {
	Dir string
}

// Open checks that dir is a case folder (it has an input/ folder).
func Open(dir string) (*Case, error) {
	st, err := os.Stat(filepath.Join(dir, "input"))
	if err != nil {
		return nil, fmt.Errorf("%s: not a case folder: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a case folder: input is not a folder", dir)
	}
	return &Case{Dir: dir}, nil
}

// PhasePath is the input file of a phase, e.g. input/A.nii.gz.
func (c *Case) PhasePath(phase string) string {
	return filepath.Join(c.Dir, "input", phase+".nii.gz")
}

// TruthPath is the ground-truth label map of a demo case.
func (c *Case) TruthPath() string { return filepath.Join(c.Dir, "truth", "labels.nii.gz") }

// OutputLabelsPath is the final label map.
func (c *Case) OutputLabelsPath() string { return filepath.Join(c.Dir, "output", "labels.nii.gz") }

// PresentPhases lists the phases whose input file exists, in acquisition order.
func (c *Case) PresentPhases() []string {
	var out []string
	for _, p := range Phases {
		if _, err := os.Stat(c.PhasePath(p)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// MaskPath is where a binary mask made elsewhere is given, by label name.
func (c *Case) MaskPath(label string) string {
	return filepath.Join(c.Dir, "input", "masks", label+".nii.gz")
}

// ArtefactPath is where the artefact written by the named stage lives:
// the final label map, meshes and report under output/, everything else
// under work/<stage>/ (NIfTI, or as named when the name has an extension
// such as inputs.json). Names are those of package stage ("labels",
// "meshes", "report", "mask/<label>", "registered/<phase>", ...).
func (c *Case) ArtefactPath(stageName, artefact string) string {
	switch artefact {
	case "labels":
		return c.OutputLabelsPath()
	case "meshes":
		return filepath.Join(c.Dir, "output", "meshes")
	case "report":
		return filepath.Join(c.Dir, "output", "report.json")
	}
	if path.Ext(artefact) != "" {
		return filepath.Join(c.Dir, "work", stageName, filepath.FromSlash(artefact))
	}
	return filepath.Join(c.Dir, "work", stageName, filepath.FromSlash(artefact)+".nii.gz")
}

// ManifestPath is manifest.json, the record of every stage run.
func (c *Case) ManifestPath() string { return filepath.Join(c.Dir, "manifest.json") }

// LogPath is the case's structured log.
func (c *Case) LogPath() string { return filepath.Join(c.Dir, "log.jsonl") }

// GivenMasks lists the binary masks in input/masks by label name.
func (c *Case) GivenMasks() (map[string]string, error) {
	dir := filepath.Join(c.Dir, "input", "masks")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if label, ok := strings.CutSuffix(name, ".nii.gz"); ok && !e.IsDir() && !strings.HasPrefix(name, ".") {
			out[label] = filepath.Join(dir, name)
		}
	}
	return out, nil
}

// TempDir is where atomic writes stage their temporary files, so that
// output/ never shows an unfinished file; it is emptied at each run's start.
func (c *Case) TempDir() string { return filepath.Join(c.Dir, "work", ".tmp") }
