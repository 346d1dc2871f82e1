// Package imageinfo describes a NIfTI file: geometry, datatype and value
// range, as `kidney3d info` prints it.
package imageinfo

import (
	"fmt"
	"io"
	"math"
	"sync"

	"kidney3d/nifti"
	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Info is what `kidney3d info` reports. The JSON keys are a contract.
type Info struct {
	Dims        [3]int        `json:"dims"`
	Datatype    string        `json:"datatype"`
	Spacing     [3]float64    `json:"spacing"`
	Affine      [4][4]float64 `json:"affine"`
	Orientation string        `json:"orientation"`
	Min         float64       `json:"min"`
	Max         float64       `json:"max"`
	Mean        float64       `json:"mean"`
}

// Describe reads path and summarises it as nibabel would: spacing is the
// header's voxel size (get_zooms), which an sform need not agree with, the
// affine is the best of sform and qform; min, max and mean are of the
// scaled values (scl_slope, scl_inter applied), ignoring NaNs. A 1D or 2D
// image (a single slice) has no voxel size for its missing axes, which
// get_zooms leaves out: there spacing is the affine's (its column's length).
func Describe(path string) (*Info, error) {
	img, err := nifti.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a := volume.Affine(img.Header.Affine())
	info := &Info{
		Dims:        img.Header.Shape(),
		Datatype:    img.Header.Datatype.String(),
		Spacing:     img.Header.Zooms(),
		Affine:      a,
		Orientation: a.AxisCodes(),
	}
	for ax, s := range a.Spacing() {
		if int64(ax) >= img.Header.Dim[0] {
			info.Spacing[ax] = s
		}
	}
	info.Min, info.Max, info.Mean = valueRange(img)
	return info, nil
}

// valueRange is the min, max and mean of the scaled voxels, in parallel.
func valueRange(img *nifti.Image) (lo, hi, mean float64) {
	n := img.Header.Shape()
	total := n[0] * n[1] * n[2]
	lo, hi = math.Inf(1), math.Inf(-1)
	var sum float64
	var count int
	var mu sync.Mutex
	parallel.For(total, 1<<16, func(a, b int) {
		l, h, s, c := math.Inf(1), math.Inf(-1), 0.0, 0
		for i := a; i < b; i++ {
			v := img.Float64(i)
			if math.IsNaN(v) {
				continue
			}
			l, h = math.Min(l, v), math.Max(h, v)
			s += v
			c++
		}
		mu.Lock()
		lo, hi, sum, count = math.Min(lo, l), math.Max(hi, h), sum+s, count+c
		mu.Unlock()
	})
	if count == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	return lo, hi, sum / float64(count)
}

// WriteJSON writes the info as one JSON object.
func (i *Info) WriteJSON(w io.Writer) error {
	return atomicfile.EncodeJSON(w, i)
}

// WriteText writes the info for a person to read.
func (i *Info) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "dims         %d × %d × %d\n"+
		"datatype     %s\n"+
		"spacing      %.4g × %.4g × %.4g mm\n"+
		"orientation  %s\n"+
		"affine       % 10.4f\n             % 10.4f\n             % 10.4f\n             % 10.4f\n"+
		"range        %g … %g (mean %.4g)\n",
		i.Dims[0], i.Dims[1], i.Dims[2], i.Datatype,
		i.Spacing[0], i.Spacing[1], i.Spacing[2], i.Orientation,
		i.Affine[0], i.Affine[1], i.Affine[2], i.Affine[3],
		i.Min, i.Max, i.Mean)
	return err
}
