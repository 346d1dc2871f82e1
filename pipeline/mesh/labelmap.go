package mesh

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"sync"

	"kidney3d/pipeline/panics"
	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// Options choose what Labels meshes and how.
type Options struct {
	// Values are the label values to mesh; nil means every non-zero value
	// present. Values absent from the volume, or repeated, are skipped.
	Values []int
	// Settings gives each label's settings; nil means DefaultSettings.
	Settings func(value int) Settings
}

// LabelMesh is the surface of one label.
type LabelMesh struct {
	Value       int
	Voxels      int     // number of voxels with the value
	VoxelVolume float64 // their volume in mm³
	Mesh        *Mesh
}

// run is a stretch of equal non-zero voxels along x.
type run struct {
	x0, x1, y, z int32
	value        uint8
}

// labelScan is what one pass over a label map learns: each value's runs,
// voxel count and bounding box.
type labelScan struct {
	runs   [256][]run
	count  [256]int
	lo, hi [256][3]int
}

// scanLabels reads the volume once, in parallel slabs of z, skipping zeros
// up to 32 bytes at a time. Runs take 20 bytes each; a segmentation's runs
// are long, so they take a small fraction of the volume's size.
func scanLabels(v *volume.Volume[uint8]) *labelScan {
	nx, ny, nz := v.Dims[0], v.Dims[1], v.Dims[2]
	type slab struct {
		z0   int
		runs []run
	}
	var mu sync.Mutex
	var slabs []slab
	parallel.For(nz, 1, func(z0, z1 int) {
		var runs []run
		for z := z0; z < z1; z++ {
			for y := 0; y < ny; y++ {
				row := v.Data[(y+ny*z)*nx : (y+ny*z+1)*nx]
				runs = appendRuns(runs, row, int32(y), int32(z))
			}
		}
		mu.Lock()
		slabs = append(slabs, slab{z0, runs})
		mu.Unlock()
	})
	sort.Slice(slabs, func(a, b int) bool { return slabs[a].z0 < slabs[b].z0 })
	s := &labelScan{}
	var nruns [256]int
	for _, sl := range slabs {
		for _, r := range sl.runs {
			nruns[r.value]++
		}
	}
	for l, n := range nruns {
		if n > 0 {
			s.runs[l] = make([]run, 0, n)
			s.lo[l] = [3]int{nx, ny, nz}
			s.hi[l] = [3]int{-1, -1, -1}
		}
	}
	for _, sl := range slabs {
		for _, r := range sl.runs {
			l := r.value
			s.runs[l] = append(s.runs[l], r)
			s.count[l] += int(r.x1 - r.x0 + 1)
			lo, hi := &s.lo[l], &s.hi[l]
			lo[0], hi[0] = min(lo[0], int(r.x0)), max(hi[0], int(r.x1))
			lo[1], hi[1] = min(lo[1], int(r.y)), max(hi[1], int(r.y))
			lo[2], hi[2] = min(lo[2], int(r.z)), max(hi[2], int(r.z))
		}
	}
	return s
}

// appendRuns appends the runs of non-zero voxels of one row.
func appendRuns(runs []run, row []uint8, y, z int32) []run {
	n := len(row)
	for i := 0; i < n; {
		for i+32 <= n && binary.LittleEndian.Uint64(row[i:])|binary.LittleEndian.Uint64(row[i+8:])|
			binary.LittleEndian.Uint64(row[i+16:])|binary.LittleEndian.Uint64(row[i+24:]) == 0 {
			i += 32
		}
		for i+8 <= n && binary.LittleEndian.Uint64(row[i:]) == 0 {
			i += 8
		}
		for i < n && row[i] == 0 {
			i++
		}
		if i == n {
			break
		}
		l, start := row[i], i
		same := uint64(l) * 0x0101010101010101
		for i+8 <= n && binary.LittleEndian.Uint64(row[i:]) == same {
			i += 8
		}
		for i < n && row[i] == l {
			i++
		}
		runs = append(runs, run{x0: int32(start), x1: int32(i - 1), y: y, z: z, value: l})
	}
	return runs
}

// grid is the padded mask of one value.
func (s *labelScan) grid(value int) *bitGrid {
	g := newBitGrid(s.lo[value], s.hi[value])
	for _, r := range s.runs[value] {
		g.setRun(int(r.x0), int(r.x1), int(r.y), int(r.z))
	}
	return g
}

// Labels meshes each label of a label map: one pass finds every label's
// voxels and bounding box, then labels are meshed in parallel, largest
// first, each on a bit mask of its own box (large ones also split their
// work over the cores). Meshes come back in the order of the values. It
// stops early, with the context's error, when ctx is cancelled.
func Labels(ctx context.Context, v *volume.Volume[uint8], opts Options) ([]LabelMesh, error) {
	if err := v.Grid.Validate(); err != nil {
		return nil, err
	}
	if len(v.Data) != v.Len() {
		return nil, fmt.Errorf("mesh: %d voxels for a %v grid", len(v.Data), v.Dims)
	}
	scan := scanLabels(v)
	var values []int
	if opts.Values == nil {
		for l := 1; l < 256; l++ {
			if scan.count[l] > 0 {
				values = append(values, l)
			}
		}
	} else {
		for _, l := range opts.Values {
			if l > 0 && l < 256 && scan.count[l] > 0 && !slices.Contains(values, l) {
				values = append(values, l)
			}
		}
	}
	settings := opts.Settings
	if settings == nil {
		settings = func(int) Settings { return DefaultSettings }
	}
	out := make([]LabelMesh, len(values))
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scan.count[values[order[a]]] > scan.count[values[order[b]]] })
	jobs := make(chan int)
	var wg sync.WaitGroup
	var failed error // the first panic of a worker, as a *panics.Error
	var failOnce sync.Once
	meshOne := func(i int) (err error) {
		defer panics.Recover(&err)
		l := values[i]
		m := surfaceOf(scan.grid(l), v.Affine, settings(l))
		out[i] = LabelMesh{Value: l, Voxels: scan.count[l], VoxelVolume: float64(scan.count[l]) * v.VoxelVolume(), Mesh: m}
		return nil
	}
	for w := 0; w < parallel.Workers(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := meshOne(i); err != nil {
					failOnce.Do(func() { failed = err })
				}
			}
		}()
	}
	var err error
	for _, i := range order {
		if err = ctx.Err(); err != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		err = failed
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
