package dicomseries

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"kidney3d/pipeline/dicomscan"
)

// Series is one image series: instances that share a study, a series UID,
// an orientation and an Image Type, sorted along the slice normal.
type Series struct {
	// ID names the series on the command line: its Series Instance UID,
	// followed by "#2", "#3"… for the parts a split made of it, or
	// "series<N>" (its Series Number) when the files have no UID.
	ID        string
	StudyUID  string
	SeriesUID string
	// Split says what sets this part apart from the others of its UID
	// ("orientation", "image type", "acquisition 3"); "" when not split.
	Split     string
	Instances []*dicomscan.Instance
	// Geometry is the volume's grid; valid only when Err is nil.
	Geometry Geometry
	// Err says why the series cannot be imported; nil when it can.
	Err error
}

// First is the series' first instance along the slice normal, whose
// header describes the series.
func (s *Series) First() *dicomscan.Instance { return s.Instances[0] }

// Dropped is a set of instances Group left out, and why.
type Dropped struct {
	SeriesUID   string
	Description string
	Files       int
	Reason      string
}

// Group gathers instances into series (see the package doc); series come
// in order of study, then Series Number, then ID; opts say how series with
// missing slices are made into volumes.
func Group(instances []*dicomscan.Instance, opts Options) ([]*Series, []Dropped) {
	type key struct {
		study, series string
		number        int // Series Number, for files without a Series Instance UID
	}
	byUID := map[key][]*dicomscan.Instance{}
	var keys []key
	for _, in := range instances {
		k := key{in.StudyInstanceUID, in.SeriesInstanceUID, 0}
		if k.series == "" {
			k.number = in.SeriesNumber
		}
		if _, ok := byUID[k]; !ok {
			keys = append(keys, k)
		}
		byUID[k] = append(byUID[k], in)
	}
	var out []*Series
	var dropped []Dropped
	for _, k := range keys {
		ins := byUID[k]
		var scouts, images []*dicomscan.Instance
		for _, in := range ins {
			if in.IsLocalizer() {
				scouts = append(scouts, in)
			} else {
				images = append(images, in)
			}
		}
		if len(scouts) > 0 {
			dropped = append(dropped, Dropped{k.series, scouts[0].SeriesDescription, len(scouts), "localizer (scout)"})
		}
		parts := split(images)
		for n, p := range parts {
			s := &Series{StudyUID: k.study, SeriesUID: k.series, Split: p.why, Instances: p.ins}
			s.ID = k.series
			if s.ID == "" {
				s.ID = fmt.Sprintf("series%d", p.ins[0].SeriesNumber)
			}
			if len(parts) > 1 {
				s.ID = fmt.Sprintf("%s#%d", s.ID, n+1)
			}
			if len(p.ins) < 2 {
				why := "a single image, not a volume"
				if p.ins[0].FramesProblem != "" {
					why = fmt.Sprintf("a multi-frame image of %d frames that cannot be split into slices: %s", p.ins[0].NumberOfFrames, p.ins[0].FramesProblem)
				}
				dropped = append(dropped, Dropped{k.series, p.ins[0].SeriesDescription, 1, why})
				continue
			}
			s.Geometry, s.Err = geometryOf(s.ID, s.Instances, opts)
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b *Series) int {
		return cmp.Or(cmp.Compare(a.StudyUID, b.StudyUID),
			cmp.Compare(a.First().SeriesNumber, b.First().SeriesNumber),
			cmp.Compare(a.ID, b.ID))
	})
	return out, dropped
}

// part is one part of a split series and what sets it apart.
type part struct {
	why string
	ins []*dicomscan.Instance
}

// split splits one UID's images by orientation (cosines rounded to 1e-4),
// then Image Type, then a multi-frame object's stack, then, within a part
// whose positions recur, by Acquisition Number (a multi-frame object's
// temporal position).
func split(ins []*dicomscan.Instance) []part {
	parts := []part{{"", ins}}
	parts = splitBy(parts, "orientation", func(in *dicomscan.Instance) string {
		var b strings.Builder
		for _, c := range in.Orientation {
			fmt.Fprintf(&b, "%.4f,", math.Round(c*1e4)/1e4+0)
		}
		return b.String()
	})
	parts = splitBy(parts, "image type", func(in *dicomscan.Instance) string { return strings.Join(in.ImageType, `\`) })
	parts = splitBy(parts, "stack", func(in *dicomscan.Instance) string { return in.Stack })
	var out []part
	for _, p := range parts {
		if positionsRecur(p.ins) {
			out = append(out, splitBy([]part{p}, "acquisition", func(in *dicomscan.Instance) string {
				return fmt.Sprint(in.AcquisitionNumber)
			})...)
		} else {
			out = append(out, p)
		}
	}
	return out
}

// splitBy splits each part by a key of its instances, in order of first
// appearance; a part split in two or more records why.
func splitBy(parts []part, why string, keyOf func(*dicomscan.Instance) string) []part {
	var out []part
	for _, p := range parts {
		idx := map[string]int{}
		var sub []part
		for _, in := range p.ins {
			k := keyOf(in)
			i, ok := idx[k]
			if !ok {
				i = len(sub)
				idx[k] = i
				sub = append(sub, part{why: p.why})
			}
			sub[i].ins = append(sub[i].ins, in)
		}
		if len(sub) > 1 {
			for i := range sub {
				label := why
				if why == "acquisition" {
					label = fmt.Sprintf("acquisition %d", sub[i].ins[0].AcquisitionNumber)
				}
				sub[i].why = strings.TrimPrefix(p.why+", "+label, ", ")
			}
		}
		out = append(out, sub...)
	}
	return out
}

// positionsRecur reports whether two instances share an Image Position.
func positionsRecur(ins []*dicomscan.Instance) bool {
	seen := map[[3]float64]bool{}
	for _, in := range ins {
		if !in.Has.Position {
			continue
		}
		p := in.Position
		for i := range p {
			p[i] = math.Round(p[i]*1e3) / 1e3
		}
		if seen[p] {
			return true
		}
		seen[p] = true
	}
	return false
}
