package demo

import (
	"fmt"
	"path/filepath"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/volume"
)

// ParamsPath is where Write puts a case's Params, inside the case folder.
const ParamsPath = "truth/params.json"

// Write stores c as a case folder (DESIGN.md "Case folder"):
// dir/input/A.nii.gz, P.nii.gz and D.nii.gz (int16 HU),
// dir/truth/labels.nii.gz (uint8) and, last, dir/truth/params.json. Every
// file is written atomically and replaces any file of that name, so a
// failed or interrupted Write leaves whole files only, and a params.json
// only beside volumes that were all written.
func Write(dir string, c *Case) error {
	for _, name := range phaseNames {
		if c.Phases[name] == nil {
			return fmt.Errorf("demo: case has no phase %s", name)
		}
	}
	cf := &casefile.Case{Dir: dir}
	for _, name := range phaseNames {
		if err := volume.Save(cf.PhasePath(name), c.Phases[name]); err != nil {
			return err
		}
	}
	return writeTruth(dir, c)
}

// writeTruth writes the truth's label map and, last, params.json.
func writeTruth(dir string, c *Case) error {
	cf := &casefile.Case{Dir: dir}
	if err := volume.Save(cf.TruthPath(), c.Truth); err != nil {
		return err
	}
	return atomicfile.WriteJSON(filepath.Join(dir, filepath.FromSlash(ParamsPath)), c.Params)
}
