package casefile

import (
	"os"
	"path/filepath"
	"strings"

	"kidney3d/pipeline/manifest"
)

// Current checks results of the case (paths under its folder, such as
// OutputLabelsPath or ArtefactPath(…, "meshes")) against manifest.json: it
// returns nil when each one is what the last successful runs of the stages
// behind it made from the case's inputs as they are now, a
// *manifest.StaleError saying why not ("out of date: rerun"), or the error
// that stopped the check. A phase or masks folder that no stage behind a
// result read is new since it was made. A result with no manifest is out of date: no
// output is shown without its provenance. The segment editor's
// versions.json counts as an input of the case too: a version saved since
// a result was made makes it out of date.
func (c *Case) Current(paths ...string) error {
	m, err := manifest.Load(c.ManifestPath())
	if err != nil {
		return err
	}
	prefix := c.Rel(filepath.Dir(c.PhasePath("A"))) + "/"
	versions := c.Rel(c.VersionsPath())
	chk := manifest.Check{Root: c.Dir, Given: func(rel string) bool { return strings.HasPrefix(rel, prefix) || rel == versions }}
	// Every input the load stage reads: the phases, and the masks folder
	// as a whole.
	var expect []string
	for _, p := range c.PresentPhases() {
		expect = append(expect, c.PhasePath(p))
	}
	if st, err := os.Stat(c.MasksDir()); err == nil && st.IsDir() {
		expect = append(expect, c.MasksDir())
	}
	if _, err := os.Stat(c.VersionsPath()); err == nil {
		expect = append(expect, c.VersionsPath())
	}
	for _, p := range expect {
		chk.Expect = append(chk.Expect, c.Rel(p))
	}
	for _, p := range paths {
		if err := chk.Current(m, c.Rel(p)); err != nil {
			return err
		}
	}
	return nil
}
