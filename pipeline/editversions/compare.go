package editversions

import (
	"fmt"
	"io"

	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// LabelDiff is how one label differs between two label maps A and B.
type LabelDiff struct {
	Label   string `json:"label"`
	VoxelsA int    `json:"voxels_a"`
	VoxelsB int    `json:"voxels_b"`
	// Changed are the voxels that hold the label in one map only.
	Changed int `json:"voxels_changed"`
	// Dice is 2|A∩B| / (|A| + |B|) of the label's voxels.
	Dice float64 `json:"dice"`
}

// Comparison is what changed from version A to version B: the voxels
// whose value differs, and per label (by value, those either map holds)
// its voxels in each, those changed and its Dice.
type Comparison struct {
	A       int         `json:"a"`
	B       int         `json:"b"`
	Changed int         `json:"voxels_changed"`
	Labels  []LabelDiff `json:"labels"`
}

// Compare compares label maps a and b, which must share their grid; a
// and b number the versions they are in the result.
func Compare(a, b *volume.Volume[uint8], na, nb int, table *labels.Table) (*Comparison, error) {
	if err := volume.SameGrid(a.Grid, b.Grid, volume.DefaultTolerance); err != nil {
		return nil, fmt.Errorf("versions %d and %d are not on one grid: %w", na, nb, err)
	}
	var inA, inB, both [256]int
	out := &Comparison{A: na, B: nb, Labels: []LabelDiff{}}
	for n, x := range a.Data {
		y := b.Data[n]
		inA[x]++
		inB[y]++
		if x == y {
			both[x]++
		} else {
			out.Changed++
		}
	}
	for v := 1; v < 256; v++ {
		if inA[v]+inB[v] == 0 {
			continue
		}
		out.Labels = append(out.Labels, LabelDiff{Label: table.Name(v), VoxelsA: inA[v], VoxelsB: inB[v],
			Changed: inA[v] + inB[v] - 2*both[v], Dice: 2 * float64(both[v]) / float64(inA[v]+inB[v])})
	}
	return out, nil
}

// Labels is the label map of version n of the case; version 0 is the
// pipeline's output/labels.nii.gz also before any version is saved.
func Labels(c *casefile.Case, n int) (*volume.Volume[uint8], error) {
	l, err := Load(c)
	if err != nil {
		return nil, err
	}
	if n == 0 && len(l.Versions) == 0 {
		return volume.LoadLabelMap(c.OutputLabelsPath())
	}
	v, ok := l.Get(n)
	if !ok {
		return nil, fmt.Errorf("%s: no version %d (%s)", c.VersionsPath(), n, saved(l))
	}
	return LoadLabels(c, v)
}

// saved says which versions l holds.
func saved(l *List) string {
	if len(l.Versions) == 0 {
		return "none is saved: 0 is the pipeline's output"
	}
	return fmt.Sprintf("versions 0 to %d are saved", len(l.Versions)-1)
}

// CompareVersions compares versions a and b of the case (Labels, Compare).
func CompareVersions(c *casefile.Case, a, b int, table *labels.Table) (*Comparison, error) {
	ma, err := Labels(c, a)
	if err != nil {
		return nil, err
	}
	mb, err := Labels(c, b)
	if err != nil {
		return nil, err
	}
	return Compare(ma, mb, a, b, table)
}

// WriteText prints the comparison as a table.
func (r *Comparison) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "version %d → %d: %d voxels changed\n", r.A, r.B, r.Changed)
	fmt.Fprintf(w, "%-16s %10s %10s %10s %7s\n", "LABEL", "VOXELS A", "VOXELS B", "CHANGED", "DICE")
	for _, l := range r.Labels {
		fmt.Fprintf(w, "%-16s %10d %10d %10d %7.4f\n", l.Label, l.VoxelsA, l.VoxelsB, l.Changed, l.Dice)
	}
	return nil
}
