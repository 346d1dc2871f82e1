package casefile

import (
	"fmt"
	"path/filepath"
)

// EditsDir is edits/, the segment editor's journal and saved versions.
func (c *Case) EditsDir() string { return filepath.Join(c.Dir, "edits") }

// JournalPath is edits/journal, every committed stroke, fsync'd.
func (c *Case) JournalPath() string { return filepath.Join(c.EditsDir(), "journal") }

// VersionsPath is edits/versions.json, the list of saved versions.
func (c *Case) VersionsPath() string { return filepath.Join(c.EditsDir(), "versions.json") }

// VersionPath is edits/labels.vN.nii.gz, the label map saved as version n
// (version 0 is the pipeline's output/labels.nii.gz as it was when the
// first edit was saved).
func (c *Case) VersionPath(n int) string {
	return filepath.Join(c.EditsDir(), fmt.Sprintf("labels.v%d.nii.gz", n))
}
