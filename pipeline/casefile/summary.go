package casefile

import (
	"fmt"
	"io"
	"os"

	"kidney3d/pipeline/imageinfo"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// WriteSummary prints what a case holds: each phase's geometry and HU range,
// and the structures of its label map (output, else truth) with volumes.
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
	for _, p := range phases {
		info, err := imageinfo.Describe(c.PhasePath(p))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  phase %s  %d×%d×%d  %.3g×%.3g×%.3g mm  %s  HU %g…%g\n", p,
			info.Dims[0], info.Dims[1], info.Dims[2], info.Spacing[0], info.Spacing[1], info.Spacing[2],
			info.Orientation, info.Min, info.Max)
	}
	for _, path := range []string{c.OutputLabelsPath(), c.TruthPath()} {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		lab, err := volume.Load[uint8](path)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  labels %s\n", path)
		writeStructureVolumes(w, lab, labels.Default())
		break
	}
	return nil
}

// writeStructureVolumes lists each label present with its volume in mL.
func writeStructureVolumes(w io.Writer, lab *volume.Volume[uint8], table *labels.Table) {
	var counts [256]int
	for _, v := range lab.Data {
		counts[v]++
	}
	ml := lab.VoxelVolume() / 1000
	for v := 1; v < 256; v++ {
		if counts[v] > 0 {
			fmt.Fprintf(w, "    %-20s %8.1f mL\n", table.Name(v), float64(counts[v])*ml)
		}
	}
}
