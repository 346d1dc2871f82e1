package casefile

import (
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

// ReviewPath is review.json, what the case library records of the case's
// review: assignee, tags, notes, who reviewed it and who signed it off
// with the sha256 of the label map they signed.
func (c *Case) ReviewPath() string { return filepath.Join(c.Dir, "review.json") }

// versionFile matches a saved version's file name, labels.vN.nii.gz.
var versionFile = regexp.MustCompile(`^labels\.v([0-9]+)\.nii\.gz$`)

// LabelVersions are the saved versions of the corrected label map,
// edits/labels.vN.nii.gz, oldest first.
func (c *Case) LabelVersions() []string {
	m, _ := filepath.Glob(filepath.Join(c.Dir, "edits", "labels.v*.nii.gz"))
	var out []string
	num := map[string]int{}
	for _, p := range m {
		if s := versionFile.FindStringSubmatch(filepath.Base(p)); s != nil {
			n, err := strconv.Atoi(s[1])
			if err == nil {
				num[p] = n
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return num[out[i]] < num[out[j]] })
	return out
}

// CurrentLabelsPath is the label map the case shows now: the newest saved
// version where the editor saved one, else output/labels.nii.gz.
func (c *Case) CurrentLabelsPath() string {
	if v := c.LabelVersions(); len(v) > 0 {
		return v[len(v)-1]
	}
	return c.OutputLabelsPath()
}
