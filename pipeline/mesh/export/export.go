// Package export is `kidney3d mesh`: it reads a label map, meshes the
// labels asked for with each label's settings from the label table, and
// writes the model folder (OBJ per label with a shared MTL, GLB, STL).
package export

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/mesh/meshio"
	"kidney3d/pipeline/volume"
)

// Options are what `kidney3d mesh` was asked.
type Options struct {
	Input   string        // label map, .nii or .nii.gz
	Out     string        // model folder to write
	Formats meshio.Format // 0 means meshio.DefaultFormats
	// Labels names the labels to mesh (table names, or label_<value> for
	// values the table lacks); nil means every label present.
	Labels []string
	Table  *labels.Table // nil means labels.Default()
	// Smooth is "auto" or "" for each label's own settings, or a profile
	// (organ, vessel, raw) for all.
	Smooth string
	// Decimate, when active, replaces every label's decimation.
	Decimate mesh.Decimation
	// NoNormals leaves vertex normals out of the files.
	NoNormals bool
	// Atomic are the options of every file's atomic write.
	Atomic []atomicfile.Option
}

// LabelResult is one label's mesh, as the summary reports it.
type LabelResult struct {
	Name         string  `json:"name"`
	Value        int     `json:"value"`
	Voxels       int     `json:"voxels"`
	VoxelVolume  float64 `json:"voxel_volume_mm3"`
	MeshVolume   float64 `json:"mesh_volume_mm3"`
	Vertices     int     `json:"vertices"`
	Triangles    int     `json:"triangles"`
	Profile      string  `json:"profile"`
	AbsentInData bool    `json:"absent,omitempty"` // asked for but no voxel has the value
}

// Summary is what Run did.
type Summary struct {
	Input  string        `json:"input"`
	Labels []LabelResult `json:"labels"`
	Files  []string      `json:"files"`
	Load   time.Duration `json:"load_ns"`
	Mesh   time.Duration `json:"mesh_ns"`
	Write  time.Duration `json:"write_ns"`
}

// Run meshes a label map and writes the model folder. It first removes
// the temporary files that a run killed before its end left in the folder.
func Run(ctx context.Context, opts Options) (*Summary, error) {
	if opts.Formats == 0 {
		opts.Formats = meshio.DefaultFormats
	}
	p, err := newPlan(opts)
	if err != nil {
		return nil, err
	}
	if _, err := atomicfile.RemoveStale(opts.Out); err != nil {
		return nil, fmt.Errorf("export: %s: %w", opts.Out, err)
	}
	sum := &Summary{Input: opts.Input}
	t0 := time.Now()
	v, err := volume.LoadLabelMap(opts.Input)
	if err != nil {
		return nil, err
	}
	sum.Load = time.Since(t0)
	t0 = time.Now()
	objs, err := p.objects(ctx, v, sum)
	if err != nil {
		return nil, err
	}
	sum.Mesh = time.Since(t0)
	t0 = time.Now()
	sum.Files, err = meshio.WriteFiles(opts.Out, objs, opts.Formats, opts.Atomic...)
	sum.Write = time.Since(t0)
	return sum, err
}

// Objects meshes the labels of the label map v that opts names (every
// label present when none), each with its settings from the label table
// or opts, named and coloured from the table: the one way from a label map
// to labelled meshes, used by the mesh stage, `kidney3d mesh` and the
// desktop app. The summary lists each label meshed, then each label asked
// for that v lacks.
func Objects(ctx context.Context, v *volume.Volume[uint8], opts Options) ([]meshio.Object, []LabelResult, error) {
	p, err := newPlan(opts)
	if err != nil {
		return nil, nil, err
	}
	var sum Summary
	objs, err := p.objects(ctx, v, &sum)
	return objs, sum.Labels, err
}

// plan is what to mesh and how, checked before any work.
type plan struct {
	table    *labels.Table
	values   []int // nil: every label present
	settings func(int) mesh.Settings
	profiles func(int) string
}

func newPlan(opts Options) (*plan, error) {
	p := &plan{table: opts.Table}
	if p.table == nil {
		p.table = labels.Default()
	}
	for _, name := range opts.Labels {
		v, err := labelValue(p.table, name)
		if err != nil {
			return nil, err
		}
		p.values = append(p.values, v)
	}
	var err error
	p.settings, p.profiles, err = labelSettings(p.table, opts)
	return p, err
}

// objects meshes v and adds each label's result to sum.
func (p *plan) objects(ctx context.Context, v *volume.Volume[uint8], sum *Summary) ([]meshio.Object, error) {
	res, err := mesh.Labels(ctx, v, mesh.Options{Values: p.values, Settings: p.settings})
	if err != nil {
		return nil, err
	}
	objs := make([]meshio.Object, len(res))
	got := map[int]bool{}
	for i, lm := range res {
		name := p.table.Name(lm.Value)
		objs[i] = meshio.Object{Name: name, Color: labelColor(p.table, lm.Value), Mesh: lm.Mesh}
		got[lm.Value] = true
		sum.Labels = append(sum.Labels, LabelResult{
			Name: name, Value: lm.Value, Voxels: lm.Voxels, VoxelVolume: lm.VoxelVolume, MeshVolume: lm.Mesh.Volume(),
			Vertices: lm.Mesh.NumVertices(), Triangles: lm.Mesh.NumTriangles(), Profile: p.profiles(lm.Value),
		})
	}
	for _, val := range p.values {
		if !got[val] {
			sum.Labels = append(sum.Labels, LabelResult{Name: p.table.Name(val), Value: val, AbsentInData: true})
			got[val] = true
		}
	}
	return objs, ctx.Err()
}

// labelValue is the voxel value of a label name: the table's, or the
// number in label_<value>.
func labelValue(t *labels.Table, name string) (int, error) {
	if l, ok := t.ByName(name); ok {
		return l.Value, nil
	}
	if s, ok := strings.CutPrefix(name, "label_"); ok {
		if v, err := strconv.Atoi(s); err == nil && v > 0 && v < 256 {
			return v, nil
		}
	}
	return 0, fmt.Errorf("export: unknown label %q: not in the label table, nor label_<1-255>", name)
}

// labelSettings returns each value's mesh settings and profile name.
func labelSettings(t *labels.Table, opts Options) (func(int) mesh.Settings, func(int) string, error) {
	override := opts.Smooth != "" && opts.Smooth != "auto"
	var all mesh.Settings
	if override {
		s, err := mesh.Profile(opts.Smooth)
		if err != nil {
			return nil, nil, err
		}
		all = s
	}
	// Check every table entry now, so that a bad one fails before work.
	for _, l := range t.Labels {
		if _, err := mesh.FromLabel(l.Mesh); err != nil {
			return nil, nil, fmt.Errorf("export: label %s: %w", l.Name, err)
		}
	}
	profile := func(v int) string {
		if override {
			return opts.Smooth
		}
		if l, ok := t.ByValue(v); ok && l.Mesh.Profile != "" {
			return l.Mesh.Profile
		}
		return "organ"
	}
	settings := func(v int) mesh.Settings {
		s := all
		if !override {
			s = mesh.DefaultSettings
			if l, ok := t.ByValue(v); ok {
				s, _ = mesh.FromLabel(l.Mesh) // checked above
			}
		}
		if opts.Decimate != (mesh.Decimation{}) {
			s.Decimation = opts.Decimate
		}
		s.Normals = !opts.NoNormals
		return s
	}
	return settings, profile, nil
}

// labelColor is the table's colour of a value, or for a value it lacks a
// colour of its own: hues spaced by the golden angle, so neighbouring
// values differ.
func labelColor(t *labels.Table, v int) [4]uint8 {
	if l, ok := t.ByValue(v); ok {
		return l.Color
	}
	h := math.Mod(float64(v)*0.618033988749895, 1) * 6
	x := 1 - math.Abs(math.Mod(h, 2)-1)
	rgb := [6][3]float64{{1, x, 0}, {x, 1, 0}, {0, 1, x}, {0, x, 1}, {x, 0, 1}, {1, 0, x}}[int(h)%6]
	var c [4]uint8
	for i, f := range rgb {
		c[i] = uint8(math.Round(255 * (0.35 + 0.55*f)))
	}
	c[3] = 255
	return c
}

// WriteText prints the summary as a table.
func (s *Summary) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "label\tvalue\tvoxels\tvolume mL\tmesh/voxel\ttriangles\tprofile")
	for _, l := range s.Labels {
		if l.AbsentInData {
			fmt.Fprintf(tw, "%s\t%d\t0\t\t\t\t(absent)\n", l.Name, l.Value)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.4f\t%d\t%s\n", l.Name, l.Value, l.Voxels, l.VoxelVolume/1000, l.MeshVolume/l.VoxelVolume, l.Triangles, l.Profile)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d files written; load %v, mesh %v, write %v\n", len(s.Files), s.Load.Round(time.Millisecond), s.Mesh.Round(time.Millisecond), s.Write.Round(time.Millisecond))
	return err
}
