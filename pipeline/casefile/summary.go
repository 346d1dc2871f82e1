package casefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"kidney3d/pipeline/imageinfo"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/measure"
	"kidney3d/pipeline/volume"
)

// WriteSummary prints what a case holds: each phase's geometry and HU range
// (the reference phase, whose grid the labels are on, marked), then its
// results (WriteResults).
func WriteSummary(w io.Writer, dir string) error {
	c, err := Open(dir)
	if err != nil {
		return err
	}
	phases := c.PresentPhases()
	if len(phases) == 0 {
		return fmt.Errorf("%s: no phase images (expected input/A.nii.gz, P, D or N)", dir)
	}
	fmt.Fprintf(w, "case %s\n", dir)
	ref, _ := c.ReferencePhase()
	for _, p := range phases {
		info, err := imageinfo.Describe(c.PhasePath(p))
		if err != nil {
			return err
		}
		note := ""
		if p == ref {
			note = "  (reference grid)"
		}
		fmt.Fprintf(w, "  phase %s  %d×%d×%d  %.3g×%.3g×%.3g mm  %s  HU %g…%g%s\n", p,
			info.Dims[0], info.Dims[1], info.Dims[2], info.Spacing[0], info.Spacing[1], info.Spacing[2],
			info.Orientation, info.Min, info.Max, note)
	}
	return c.WriteResults(w)
}

// WriteResults prints whether each result (label map, meshes, report) is
// current or out of date (Case.Current), and the structures of its label
// map with volumes:
// output/report.json's when the label map and report are current (with
// the report's not-for-clinical-use notice and skipped stages), else
// measured (measure.Measure) from output/labels.nii.gz when current or,
// when the case has no results, from the truth of a demo case, marked as
// such. A volume the field of view cuts reads "≥". Volumes of an
// out-of-date label map are not printed.
func (c *Case) WriteResults(w io.Writer) error {
	labelsPath := c.OutputLabelsPath()
	results := []struct{ what, path string }{
		{"labels", labelsPath}, {"meshes", c.ArtefactPath("", "meshes")}, {"report", c.ArtefactPath("", "report")}}
	current := map[string]bool{}
	for _, r := range results {
		if _, err := os.Stat(r.path); err != nil {
			continue
		}
		status := "current"
		var stale *manifest.StaleError
		switch err := c.Current(r.path); {
		case errors.As(err, &stale):
			status = "OUT OF DATE: rerun (" + stale.Reason + ")"
		case err != nil:
			return err
		default:
			current[r.path] = true
		}
		fmt.Fprintf(w, "  %s %s: %s\n", r.what, r.path, status)
	}
	if _, err := os.Stat(labelsPath); err == nil && !current[labelsPath] {
		return nil
	}
	reportPath := c.ArtefactPath("", "report")
	if current[labelsPath] && current[reportPath] {
		rep, err := c.Report()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  structures of %s (from %s)\n", labelsPath, reportPath)
		writeStructures(w, rep.Structures)
		var names []string
		for _, s := range rep.Structures {
			names = append(names, s.Name)
		}
		if n := rep.Notice(names); n != "" {
			fmt.Fprintf(w, "  %s\n", n)
		}
		for _, line := range rep.NotMade() {
			fmt.Fprintf(w, "  not made: %s\n", line)
		}
		for _, line := range rep.WeakValidation(measure.WeakDice) {
			fmt.Fprintf(w, "  weak model: %s\n", line)
		}
		for _, s := range rep.Skipped {
			if len(s.NotMade) == 0 {
				fmt.Fprintf(w, "  skipped: stage %s: %s\n", s.Stage, s.Reason)
			}
		}
		return nil
	}
	for _, path := range []string{labelsPath, c.TruthPath()} {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		lab, err := volume.Load[uint8](path)
		if err != nil {
			return err
		}
		what := ""
		if path == c.TruthPath() {
			what = " (" + TruthNotice + ")"
		}
		fmt.Fprintf(w, "  structures of %s%s\n", path, what)
		st, err := measure.Measure(context.Background(), lab, labels.Default(), nil, nil)
		if err != nil {
			return err
		}
		writeStructures(w, st)
		if path == labelsPath {
			var names []string
			for _, s := range st {
				names = append(names, s.Name)
			}
			notice, err := c.Notice(names)
			if err != nil {
				return err
			}
			if notice != "" {
				fmt.Fprintf(w, "  %s\n", notice)
			}
		}
		break
	}
	return nil
}

// Report reads output/report.json when it is current (Case.Current): nil
// and no error when there is none, a *manifest.StaleError when it is out
// of date, and an error naming the file when it cannot be read.
func (c *Case) Report() (*measure.Report, error) {
	path := c.ArtefactPath("", "report")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := c.Current(path); err != nil {
		return nil, err
	}
	return measure.ParseReport(data, path)
}

// Notice is what every screen and picture of the named structures of the
// case's label map must carry (measure.Report.Notice): "" when each comes
// from a model stated fit for clinical use or from a mask given in
// input/masks, else "NOT FOR CLINICAL USE — …", which a case without a
// current report.json also gets.
func (c *Case) Notice(shown []string) (string, error) {
	rep, err := c.Report()
	var stale *manifest.StaleError
	if err != nil && !errors.As(err, &stale) {
		return "", err
	}
	return rep.Notice(shown), nil
}

// TruthNotice is what a view of truth/labels.nii.gz says it shows.
const TruthNotice = "ground truth of a demo case, not a result"

// writeStructures lists each structure with its volume in mL, "≥" and
// "cut by the field of view" where the scan's edge cuts it.
func writeStructures(w io.Writer, structures []measure.Structure) {
	for _, s := range structures {
		line := fmt.Sprintf("    %-20s %12s", s.Name, s.VolumeText())
		if note := s.FieldOfViewNote(); note != "" {
			line += "  " + note
		}
		fmt.Fprintln(w, line)
	}
}
