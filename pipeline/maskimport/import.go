package maskimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"kidney3d/nifti"
	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// Options say what Import brings in, from where, into which case.
type Options struct {
	Source    string        // the tool's multi-label NIfTI file, or its folder of one mask per class
	Tool      string        // the tool's name in the alias table, e.g. "totalsegmentator"
	Case      string        // the case folder
	Overwrite bool          // replace masks that input/masks already holds
	Aliases   *Table        // nil: Default()
	Labels    *labels.Table // nil: labels.Default()
}

// Class is one class of the source: its name, its value in a multi-label
// file (0 for a file of a folder) and how many voxels it has.
type Class struct {
	Name   string `json:"name"`
	Value  int    `json:"value,omitempty"`
	Voxels int    `json:"voxels"`
}

// Mask is one mask Import wrote.
type Mask struct {
	Label  string  `json:"label"`
	File   string  `json:"file"` // relative to the case
	Voxels int     `json:"voxels"`
	From   []Class `json:"from"`
}

// Result says what Import did.
type Result struct {
	Source string `json:"source"`
	Tool   string `json:"tool"`
	// Grid is the file whose grid the masks are on: the case's reference
	// phase (input/A.nii.gz, else P, D or N) when it has one, else the
	// source.
	Grid string `json:"grid"`
	// Names says where the class names of a multi-label file came from:
	// the file's own label table (a header extension, as TotalSegmentator
	// writes) or the tool's class map in the alias table.
	Names string `json:"names,omitempty"`
	// Relabelled is how the source stores that grid (its axis codes, e.g.
	// "LAS") when that is not how Grid stores it; "" when it is.
	Relabelled string `json:"relabelled,omitempty"`
	Masks      []Mask `json:"masks"`
	// NotImported are the classes with voxels that no label of the table
	// takes (no alias, no label of that name).
	NotImported []Class `json:"not_imported"`
	// Empty are the classes of a folder whose file has no voxel.
	Empty []string `json:"empty,omitempty"`
}

// split is the source read onto the reference grid: Index holds, per
// voxel, 0 or 1 + the index in Labels of the label it goes to.
type split struct {
	index       *volume.Volume[uint8]
	labels      []string
	from        [][]Class
	notImported []Class
	empty       []string
	stored      string
	names       string
}

// Import reads the source's classes, maps their names to labels through
// the tool's aliases (several classes of one label are merged), relabels
// the voxels onto the reference phase's grid when the source stores it in
// another axis order or direction, and writes one mask per label into
// input/masks. It holds the case's lock. Nothing is written unless every
// mask can be: a source on another world grid, a value that is no class of
// the tool, or a mask already there (without Overwrite) is an error naming
// the file and the reason. The masks are written whole to a folder of
// work/.tmp first, then renamed into input/masks.
func Import(ctx context.Context, opts Options) (*Result, error) {
	if opts.Aliases == nil {
		opts.Aliases = Default()
	}
	if opts.Labels == nil {
		opts.Labels = labels.Default()
	}
	tool, err := opts.Aliases.Tool(opts.Tool)
	if err != nil {
		return nil, err
	}
	if err := tool.Check(opts.Labels); err != nil {
		return nil, err
	}
	c, err := casefile.Open(opts.Case)
	if err != nil {
		return nil, err
	}
	lock, err := c.Lock(ctx, "kidney3d import-masks", nil)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := lock.CleanTemp(); err != nil {
		return nil, err
	}
	res := &Result{Source: opts.Source, Tool: tool.Name, Grid: opts.Source}
	var ref *volume.Grid
	if p, ok := c.ReferencePhase(); ok {
		a := c.PhasePath(p)
		g, err := volume.ReadGrid(a)
		if err != nil {
			return nil, err
		}
		ref, res.Grid = &g, a
	}
	st, err := os.Stat(opts.Source)
	if err != nil {
		return nil, err
	}
	var s *split
	if st.IsDir() {
		s, err = readFolder(ctx, opts.Source, tool, opts.Labels, ref)
	} else {
		s, err = readLabelFile(opts.Source, tool, opts.Labels, ref, res.Grid)
	}
	if err != nil {
		return nil, err
	}
	res.Relabelled, res.NotImported, res.Empty, res.Names = s.stored, s.notImported, s.empty, s.names
	if res.Masks, err = s.write(ctx, c, opts.Overwrite); err != nil {
		return nil, err
	}
	return res, nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// target is the index in s.labels of label, added when new.
func (s *split) target(label string) int {
	if i := slices.Index(s.labels, label); i >= 0 {
		return i
	}
	s.labels = append(s.labels, label)
	s.from = append(s.from, nil)
	return len(s.labels) - 1
}

// readLabelFile reads a multi-label file: every value must be a whole
// number that is 0 or a class, named by the file's own label table when it
// has one (fileClasses), else by the tool's class map.
func readLabelFile(path string, tool *Tool, table *labels.Table, ref *volume.Grid, refName string) (*split, error) {
	img, err := nifti.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h := &img.Header
	for d := 4; d <= int(h.Dim[0]) && d < len(h.Dim); d++ {
		if h.Dim[d] > 1 {
			return nil, fmt.Errorf("%s: dims %v: not one 3D label map", path, h.Dim[1:h.Dim[0]+1])
		}
	}
	g := volume.GridOf(h)
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	o := volume.Orientation{Perm: [3]int{0, 1, 2}}
	s := &split{}
	if ref != nil {
		if o, err = volume.Relabelling(g, *ref, volume.GridTolerance); err != nil {
			return nil, fmt.Errorf("%s: not on the grid of %s in any axis order or direction: %w", path, refName, err)
		}
		if !o.IsIdentity() {
			s.stored = g.Affine.AxisCodes()
		}
	}
	counts := make([]int, MaxClass+1)
	bad, first := 0, -1
	var firstValue float64
	n := g.Len()
	for i := range n {
		x := img.Float64(i)
		if x == 0 {
			continue
		}
		if !(x >= 1 && x <= MaxClass && x == float64(int(x))) {
			if bad == 0 {
				first, firstValue = i, x
			}
			bad++
			continue
		}
		counts[int(x)]++
	}
	if bad > 0 {
		i, j, k := g.Coords(first)
		return nil, fmt.Errorf("%s: %d voxels hold values that are no class number (a whole number from 0 to %d), the first %g at voxel (%d, %d, %d): not a multi-label file", path, bad, MaxClass, firstValue, i, j, k)
	}
	classes, err := fileClasses(path)
	if err != nil {
		return nil, err
	}
	s.names = fmt.Sprintf("the class map of %s in the mask alias table", tool.Name)
	if classes != nil {
		s.names = "the file's own label table (header extension)"
	} else {
		classes = tool.Classes
	}
	lut := make([]uint8, MaxClass+1)
	var unknown []string
	for v, c := range counts {
		if c == 0 {
			continue
		}
		name, ok := classes[v]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%d (%d voxels)", v, c))
			continue
		}
		label, ok := tool.LabelOf(name, table)
		if !ok {
			s.notImported = append(s.notImported, Class{Name: name, Value: v, Voxels: c})
			continue
		}
		t := s.target(label)
		s.from[t] = append(s.from[t], Class{Name: name, Value: v, Voxels: c})
		lut[v] = uint8(t + 1)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%s: values %s have no name in %s (%s): the file of another tool, task or version?", path, strings.Join(unknown, ", "), s.names, tool.Description)
	}
	if len(s.labels) > 255 {
		return nil, fmt.Errorf("%s: %d labels, more than a mask index holds", path, len(s.labels))
	}
	idx := volume.New[uint8](g)
	for i := range n {
		if x := img.Float64(i); x != 0 {
			idx.Data[i] = lut[int(x)]
		}
	}
	s.index = idx
	if ref != nil {
		s.index = volume.Reorient(idx, o)
		s.index.Grid = *ref
	}
	return s, nil
}

// readFolder reads a folder of one mask per class, named <class>.nii.gz,
// each relabelled onto ref (or onto the first file's grid when ref is nil);
// where masks overlap, the later file in name order wins.
func readFolder(ctx context.Context, dir string, tool *Tool, table *labels.Table, ref *volume.Grid) (*split, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if name := e.Name(); e.Type().IsRegular() && !strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".nii.gz") {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no masks (.nii.gz files) in the folder", dir)
	}
	if ref == nil {
		g, err := volume.ReadGrid(filepath.Join(dir, files[0]))
		if err != nil {
			return nil, err
		}
		ref = &g
	}
	s := &split{index: volume.New[uint8](*ref)}
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, file)
		if codes, err := volume.CheckMaskGrid(path, *ref); err != nil {
			return nil, err
		} else if codes != "" {
			s.stored = codes
		}
		m, err := volume.LoadMaskOn(path, *ref)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(file, ".nii.gz")
		voxels := 0
		for _, x := range m.Box.Data {
			voxels += int(x)
		}
		label, ok := tool.LabelOf(name, table)
		switch {
		case voxels == 0:
			s.empty = append(s.empty, name)
			continue
		case !ok:
			s.notImported = append(s.notImported, Class{Name: name, Voxels: voxels})
			continue
		}
		t := s.target(label)
		if t >= 255 {
			return nil, fmt.Errorf("%s: more labels than a mask index holds", dir)
		}
		s.from[t] = append(s.from[t], Class{Name: name, Voxels: voxels})
		b := m.Box
		for n, x := range b.Data {
			if x != 0 {
				i, j, k := b.Coords(n)
				s.index.Set(m.Lo[0]+i, m.Lo[1]+j, m.Lo[2]+k, uint8(t+1))
			}
		}
	}
	return s, nil
}

// write writes one mask per label into input/masks, refusing to replace
// a mask there unless overwrite.
func (s *split) write(ctx context.Context, c *casefile.Case, overwrite bool) ([]Mask, error) {
	dir := c.MasksDir()
	var exist []string
	for _, l := range s.labels {
		if _, err := os.Lstat(filepath.Join(dir, l+".nii.gz")); err == nil {
			exist = append(exist, l+".nii.gz")
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if len(exist) > 0 && !overwrite {
		slices.Sort(exist)
		return nil, fmt.Errorf("%s: %s already there: --overwrite replaces them", dir, strings.Join(exist, ", "))
	}
	if err := os.MkdirAll(c.TempDir(), 0o755); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(c.TempDir(), "import-masks-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	g := s.index.Grid
	type box struct {
		lo, hi [3]int
		n      int
	}
	boxes := make([]box, len(s.labels))
	for t := range boxes {
		boxes[t].lo = g.Dims
	}
	for n, x := range s.index.Data {
		if x == 0 {
			continue
		}
		b := &boxes[x-1]
		i, j, k := g.Coords(n)
		for a, v := range [3]int{i, j, k} {
			b.lo[a], b.hi[a] = min(b.lo[a], v), max(b.hi[a], v+1)
		}
		b.n++
	}
	masks := make([]Mask, len(s.labels))
	for t, l := range s.labels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := boxes[t]
		crop := volume.Crop(s.index, b.lo, b.hi)
		for n, x := range crop.Data {
			crop.Data[n] = 0
			if x == uint8(t+1) {
				crop.Data[n] = 1
			}
		}
		if err := volume.SavePart(filepath.Join(staging, l+".nii.gz"), volume.CropPart(g, b.lo, crop)); err != nil {
			return nil, err
		}
		masks[t] = Mask{Label: l, File: c.Rel(c.MaskPath(l)), Voxels: b.n, From: s.from[t]}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, l := range s.labels {
		if err := atomicfile.Rename(filepath.Join(staging, l+".nii.gz"), filepath.Join(dir, l+".nii.gz")); err != nil {
			return nil, err
		}
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return nil, err
	}
	slices.SortFunc(masks, func(a, b Mask) int { return strings.Compare(a.Label, b.Label) })
	return masks, nil
}

// WriteText writes what Import did, one mask a line, then the classes it
// left out and why.
func (r *Result) WriteText(w io.Writer) error {
	how := ""
	if r.Relabelled != "" {
		how = fmt.Sprintf(", relabelled from its %s storage", r.Relabelled)
	}
	if r.Names != "" {
		how += ", names from " + r.Names
	}
	fmt.Fprintf(w, "%s (%s) → %d masks on the grid of %s%s:\n", r.Source, r.Tool, len(r.Masks), r.Grid, how)
	for _, m := range r.Masks {
		var from []string
		for _, c := range m.From {
			from = append(from, c.String())
		}
		fmt.Fprintf(w, "  %-40s %8d voxels  from %s\n", m.File, m.Voxels, strings.Join(from, ", "))
	}
	if len(r.NotImported) > 0 {
		var names []string
		for _, c := range r.NotImported {
			names = append(names, fmt.Sprintf("%s %d voxels", c.String(), c.Voxels))
		}
		fmt.Fprintf(w, "not imported (no label of the label table takes them; aliases in assets/mask_aliases.yaml): %s\n", strings.Join(names, ", "))
	}
	if len(r.Empty) > 0 {
		fmt.Fprintf(w, "empty (no voxel): %s\n", strings.Join(r.Empty, ", "))
	}
	_, err := fmt.Fprintln(w, "the next `kidney3d run` uses them as given masks")
	return err
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	return atomicfile.EncodeJSON(w, r)
}

// String is the class's name and, in a multi-label file, its value.
func (c Class) String() string {
	if c.Value == 0 {
		return c.Name
	}
	return fmt.Sprintf("%s (%d)", c.Name, c.Value)
}
