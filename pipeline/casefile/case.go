// Package casefile is the case folder of DESIGN.md: where each input, work
// file and output of a case lives.
package casefile

import (
	"fmt"
	"os"
	"path/filepath"
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
