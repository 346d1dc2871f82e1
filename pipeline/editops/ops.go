// Package editops is the segment editor's operations as data: the JSON
// list that `kidney3d edit --ops` reads (README "Editing"), each op naming
// a tool of package labeledit, its label by name, its shape in RAS
// millimetres and its masking. One table, registry, maps an op's name to
// the function that turns it into a labeledit.Change; a new tool is one
// entry there.
package editops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"kidney3d/pipeline/labeledit"
	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// Op is one operation of an ops file. Which fields an op reads depends on
// its name (README "Editing" lists them); the others must be left out.
type Op struct {
	Op    string `json:"op"`
	Label string `json:"label,omitempty"`
	// Brushes (paint, erase) and draw.
	Shape       string       `json:"shape,omitempty"` // sphere (default) or disc
	Plane       string       `json:"plane,omitempty"` // axial, coronal or sagittal
	CenterMM    *[3]float64  `json:"center_mm,omitempty"`
	RadiusMM    *float64     `json:"radius_mm,omitempty"`
	PointsMM    [][3]float64 `json:"points_mm,omitempty"`
	HU          *[2]float64  `json:"hu,omitempty"`    // threshold's range
	Phase       string       `json:"phase,omitempty"` // the shown phase of threshold and masking (default: the reference)
	Mode        string       `json:"mode,omitempty"`
	MinMM3      float64      `json:"min_mm3,omitempty"`
	PointMM     *[3]float64  `json:"point_mm,omitempty"`
	To          string       `json:"to,omitempty"`
	MM          *float64     `json:"mm,omitempty"`
	Method      string       `json:"method,omitempty"`
	Operator    string       `json:"operator,omitempty"`
	Operand     string       `json:"operand,omitempty"`
	FromVersion *int         `json:"from_version,omitempty"`
	Mask        *MaskSpec    `json:"mask,omitempty"`
	// grow_seeds' competing labels, and its implicit surroundings
	// (box_faces).
	Labels     []string `json:"labels,omitempty"`
	Background string   `json:"background,omitempty"`
	// scissors: the 3D view's projection (row-major world → clip) and
	// viewport (x, y, width, height in pixels), the polygon drawn over it
	// (pixels, y down), which side is cut, and a window-depth slab.
	ViewProj  *[16]float64 `json:"view_proj,omitempty"`
	Viewport  *[4]float64  `json:"viewport,omitempty"`
	PolygonPx [][2]float64 `json:"polygon_px,omitempty"`
	Outside   bool         `json:"outside,omitempty"`
	Slab      *[2]float64  `json:"slab,omitempty"`
}

// MaskSpec is an op's masking (labeledit.Mask) by label names.
type MaskSpec struct {
	Editable     string      `json:"editable,omitempty"` // everywhere (default), inside or outside_all
	InsideLabel  string      `json:"inside_label,omitempty"`
	HU           *[2]float64 `json:"hu,omitempty"`
	Overwrite    string      `json:"overwrite,omitempty"` // all (default), none or listed
	Overwritable []string    `json:"overwritable,omitempty"`
}

// MaxBytes bounds an ops file's size (a million ops of a brush dab).
const MaxBytes = 64 << 20

// Parse reads an ops file: a JSON list of ops. path names the file in
// errors, which also give the index of the op at fault. Each op's name and
// labels are checked against table here; its geometry when it runs.
func Parse(data []byte, path string, table *labels.Table) ([]Op, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d", path, len(data), MaxBytes)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: not a JSON list of ops: %w", path, err)
	}
	ops := make([]Op, len(raw))
	for n, r := range raw {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ops[n]); err != nil {
			return nil, fmt.Errorf("%s: op %d: %w", path, n, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("%s: op %d: data after the op", path, n)
		}
		if err := ops[n].check(table); err != nil {
			return nil, fmt.Errorf("%s: op %d (%s): %w", path, n, ops[n].Op, err)
		}
	}
	return ops, nil
}

// check validates the op's name and the labels it names.
func (o *Op) check(table *labels.Table) error {
	if _, ok := registry[o.Op]; !ok {
		return fmt.Errorf("unknown op %q (known: %s)", o.Op, strings.Join(Names(), ", "))
	}
	names := append([]string{o.Label, o.To, o.Operand}, o.Labels...)
	if o.Mask != nil {
		names = append(append(names, o.Mask.InsideLabel), o.Mask.Overwritable...)
	}
	for _, n := range names {
		if n == "" {
			continue
		}
		if _, err := value(table, n); err != nil {
			return err
		}
	}
	return nil
}

// value is the voxel value of a label name.
func value(table *labels.Table, name string) (uint8, error) {
	l, ok := table.ByName(name)
	if !ok || l.Value == 0 {
		var known []string
		for _, l := range table.Labels {
			if l.Value != 0 {
				known = append(known, l.Name)
			}
		}
		return 0, fmt.Errorf("unknown label %q (labels: %s)", name, strings.Join(known, ", "))
	}
	return uint8(l.Value), nil
}

// Env is what ops run against: the label map, the label table, and, read
// only when an op needs them, the intensities of a phase on the map's grid
// and the label map of a saved version; Ctx (nil: none) cancels the long
// ones.
type Env struct {
	Ctx       context.Context
	Labels    *volume.Volume[uint8]
	Table     *labels.Table
	Intensity func(phase string) (*volume.Volume[int16], error)
	Version   func(n int) (*volume.Volume[uint8], error)
	// Grower (nil: a new one per op) keeps grow_seeds' competition
	// between ops.
	Grower *Grower
}

// intensity is the phase's intensities, or an error where none are given.
func (env *Env) intensity(phase string) (*volume.Volume[int16], error) {
	if env.Intensity == nil {
		return nil, errors.New("intensities are not available here")
	}
	return env.Intensity(phase)
}

// Change turns the op into the change of its tool, its mask, and the
// intensities the mask needs (nil when none).
func (o *Op) Change(env *Env) (*labeledit.Change, labeledit.Mask, *volume.Volume[int16], error) {
	f, ok := registry[o.Op]
	if !ok {
		return nil, labeledit.Mask{}, nil, fmt.Errorf("unknown op %q", o.Op)
	}
	m, hu, err := o.mask(env)
	if err != nil {
		return nil, m, nil, err
	}
	c, err := f(o, env)
	var no *labeledit.NoLabelError
	if errors.As(err, &no) {
		err = fmt.Errorf("the label map holds no voxel of %s", env.Table.Name(int(no.Label)))
	}
	return c, m, hu, err
}

// mask is the op's labeledit.Mask.
func (o *Op) mask(env *Env) (labeledit.Mask, *volume.Volume[int16], error) {
	var m labeledit.Mask
	s := o.Mask
	if s == nil {
		return m, nil, nil
	}
	switch s.Editable {
	case "", "everywhere":
	case "inside":
		v, err := need(env, "mask.inside_label", s.InsideLabel)
		if err != nil {
			return m, nil, err
		}
		m.Area, m.AreaLabel = labeledit.InsideLabel, v
	case "outside_all":
		m.Area = labeledit.OutsideAll
	default:
		return m, nil, fmt.Errorf("mask.editable %q: want everywhere, inside or outside_all", s.Editable)
	}
	switch s.Overwrite {
	case "", "all":
	case "none":
		m.Overwrite = labeledit.OverwriteNone
	case "listed":
		m.Overwrite = labeledit.OverwriteListed
		for _, n := range s.Overwritable {
			v, _ := value(env.Table, n)
			m.Overwritable = append(m.Overwritable, v)
		}
	default:
		return m, nil, fmt.Errorf("mask.overwrite %q: want all, none or listed", s.Overwrite)
	}
	if s.HU == nil {
		return m, nil, nil
	}
	if !(s.HU[0] <= s.HU[1]) {
		return m, nil, fmt.Errorf("mask.hu [%g, %g] is empty", s.HU[0], s.HU[1])
	}
	m.HU = s.HU
	hu, err := env.intensity(o.Phase)
	return m, hu, err
}

// need is the value of a label field that an op requires.
func need(env *Env, field, name string) (uint8, error) {
	if name == "" {
		return 0, fmt.Errorf("%s is missing", field)
	}
	return value(env.Table, name)
}

// label is the value of the op's label field, which it requires.
func (o *Op) label(env *Env) (uint8, error) { return need(env, "label", o.Label) }

// mm is a required millimetre field.
func mm(field string, v *float64) (float64, error) {
	if v == nil {
		return 0, fmt.Errorf("%s is missing", field)
	}
	return *v, nil
}

// brush is the region of a paint or erase op: a sphere, or a disc in a
// slice plane.
func (o *Op) brush(env *Env) (*volume.Part[uint8], error) {
	if o.CenterMM == nil {
		return nil, errors.New("center_mm is missing")
	}
	r, err := mm("radius_mm", o.RadiusMM)
	if err != nil {
		return nil, err
	}
	switch o.Shape {
	case "", "sphere":
		return labeledit.Sphere(env.Labels.Grid, *o.CenterMM, r)
	case "disc":
		return labeledit.Disc(env.Labels.Grid, *o.CenterMM, r, labeledit.Plane(o.Plane))
	}
	return nil, fmt.Errorf("shape %q: want sphere or disc", o.Shape)
}

// labelBrush is the op's label and its brush's region.
func (o *Op) labelBrush(env *Env) (uint8, *volume.Part[uint8], error) {
	v, err := o.label(env)
	if err != nil {
		return 0, nil, err
	}
	r, err := o.brush(env)
	return v, r, err
}

// opFunc turns an op into its tool's change.
type opFunc func(o *Op, env *Env) (*labeledit.Change, error)

// registry is every op, by name.
var registry = map[string]opFunc{
	"paint": func(o *Op, env *Env) (*labeledit.Change, error) {
		v, r, err := o.labelBrush(env)
		if err != nil {
			return nil, err
		}
		return labeledit.Paint(r, v), nil
	},
	"erase": func(o *Op, env *Env) (*labeledit.Change, error) {
		var v uint8
		if o.Label != "" {
			v, _ = value(env.Table, o.Label)
		}
		r, err := o.brush(env)
		if err != nil {
			return nil, err
		}
		return labeledit.Erase(env.Labels, r, v), nil
	},
	"draw": func(o *Op, env *Env) (*labeledit.Change, error) {
		v, err := o.label(env)
		if err != nil {
			return nil, err
		}
		r, err := labeledit.Polygon(env.Labels.Grid, o.PointsMM, labeledit.Plane(o.Plane))
		if err != nil {
			return nil, err
		}
		return labeledit.Paint(r, v), nil
	},
	"threshold": func(o *Op, env *Env) (*labeledit.Change, error) {
		v, err := o.label(env)
		if err != nil {
			return nil, err
		}
		if o.HU == nil {
			return nil, errors.New("hu is missing")
		}
		hu, err := env.intensity(o.Phase)
		if err != nil {
			return nil, err
		}
		var region *volume.Part[uint8]
		if o.CenterMM != nil {
			if region, err = o.brush(env); err != nil {
				return nil, err
			}
		}
		return labeledit.Threshold(hu, o.HU[0], o.HU[1], v, region)
	},
	"islands": func(o *Op, env *Env) (*labeledit.Change, error) {
		v, err := o.label(env)
		if err != nil {
			return nil, err
		}
		mode := labeledit.IslandMode(o.Mode)
		var at [3]int
		var to uint8
		if mode == labeledit.KeepClicked || mode == labeledit.Split {
			if o.PointMM == nil {
				return nil, fmt.Errorf("point_mm is missing (mode %s)", mode)
			}
			if at, err = env.Labels.Grid.NearestVoxel(*o.PointMM); err != nil {
				return nil, err
			}
		}
		if mode == labeledit.Split {
			if to, err = need(env, "to", o.To); err != nil {
				return nil, err
			}
		}
		return labeledit.Islands(env.Labels, v, mode, o.MinMM3, at, to)
	},
	"margin": byMM(labeledit.Margin),
	"smooth": func(o *Op, env *Env) (*labeledit.Change, error) {
		return byMM(func(lm *volume.Volume[uint8], v uint8, d float64) (*labeledit.Change, error) {
			return labeledit.Smooth(lm, v, labeledit.SmoothMethod(o.Method), d)
		})(o, env)
	},
	"hollow": byMM(labeledit.Hollow),
	"logical": func(o *Op, env *Env) (*labeledit.Change, error) {
		b, err := o.label(env)
		if err != nil {
			return nil, err
		}
		var a uint8
		if o.Operator != string(labeledit.Invert) {
			if a, err = need(env, "operand", o.Operand); err != nil {
				return nil, err
			}
		}
		operand := env.Labels
		if o.FromVersion != nil {
			if env.Version == nil {
				return nil, errors.New("from_version: saved versions are not available here")
			}
			if operand, err = env.Version(*o.FromVersion); err != nil {
				return nil, err
			}
		}
		return labeledit.Logical(env.Labels, operand, labeledit.LogicalOp(o.Operator), a, b)
	},
	"flood":       flood,
	"level_trace": levelTrace,
	"interpolate": interpolate,
	"grow_seeds":  growSeeds,
	"scissors":    scissors,
	"relabel": func(o *Op, env *Env) (*labeledit.Change, error) {
		from, err := o.label(env)
		if err != nil {
			return nil, err
		}
		to, err := need(env, "to", o.To)
		if err != nil {
			return nil, err
		}
		return labeledit.Relabel(env.Labels, from, to)
	},
}

// byMM is the op of a tool that works on the op's label by a distance
// in millimetres, the field mm.
func byMM(tool func(lm *volume.Volume[uint8], label uint8, mm float64) (*labeledit.Change, error)) opFunc {
	return func(o *Op, env *Env) (*labeledit.Change, error) {
		v, err := o.label(env)
		if err != nil {
			return nil, err
		}
		d, err := mm("mm", o.MM)
		if err != nil {
			return nil, err
		}
		return tool(env.Labels, v, d)
	}
}

// Names lists the ops, sorted.
func Names() []string {
	var out []string
	for n := range registry {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
