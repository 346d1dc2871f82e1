package bench

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"kidney3d/pipeline/mesh"
	"kidney3d/pipeline/volume"
)

func init() { registerShared("mesh", benchMesh) }

// meshInput is one label map the mesh suite measures.
type meshInput struct {
	name string // as the table shows it
	path string
}

// peerMesh is the part of peer_mesh.py's JSON line the suite reads.
type peerMesh struct {
	Totals struct {
		VTK     peerTotal `json:"vtk"`
		Skimage peerTotal `json:"skimage"`
	} `json:"totals"`
	Labels []struct {
		Voxels      int        `json:"voxels"`
		VoxelVolume float64    `json:"voxel_volume_mm3"`
		VTK         *peerLabel `json:"vtk"`
		Skimage     *peerLabel `json:"skimage"`
	} `json:"labels"`
}

// peerTotal is one method's total over the labels.
type peerTotal struct {
	Time float64 `json:"t_total_sum"`
}

// peerLabel is one method's mesh of one label.
type peerLabel struct {
	MeshVolume float64 `json:"mesh_volume_mm3"`
}

// benchMesh times meshing every label (load excluded) of the TotalSegmentator
// example and of two 512×512×400 phantoms, beside peer_mesh.py: VTK with 3D
// Slicer's settings and scikit-image's marching cubes, in the same run. It
// also reports, per tool, the smallest and largest mesh/voxel volume ratio
// over labels of 50 voxels or more, and for kidney3d how many meshes are
// closed. With Quick it measures the TotalSegmentator example only.
func benchMesh(env *Env, shared string) ([]Result, error) {
	inputs := []meshInput{{"TotalSegmentator example_seg (41 labels)", totalSegExample(shared)}}
	var res []Result
	peersOK := havePython("vtk", "skimage", "nibabel", "scipy")
	if !env.Quick {
		for _, ph := range []struct{ name, flag string }{{"phantom 512×512×400", ""}, {"phantom 512×512×400 --skeleton", "--skeleton"}} {
			path := filepath.Join(env.Dir, fmt.Sprintf("phantom%s.nii.gz", ph.flag))
			if !havePython("numpy", "nibabel", "scipy") {
				res = append(res, Result{Suite: "mesh", Case: ph.name, Tool: "kidney3d", Unit: "s", Note: "python3 numpy/nibabel/scipy missing: cannot make the phantom"})
				continue
			}
			var flags []string
			if ph.flag != "" {
				flags = []string{ph.flag}
			}
			if err := makePhantom(shared, path, flags...); err != nil {
				return nil, err
			}
			inputs = append(inputs, meshInput{ph.name, path})
		}
	}
	for _, in := range inputs {
		r, err := benchMeshInput(env, in, shared, peersOK)
		if err != nil {
			return nil, err
		}
		res = append(res, r...)
	}
	return res, nil
}

// benchMeshInput measures one input.
func benchMeshInput(env *Env, in meshInput, shared string, peersOK bool) ([]Result, error) {
	v, err := volume.LoadLabelMap(in.path)
	if err != nil {
		return nil, err
	}
	var meshes []mesh.LabelMesh
	d, err := best(env.Repeat, func() error {
		meshes, err = mesh.Labels(context.Background(), v, mesh.Options{})
		return err
	})
	if err != nil {
		return nil, err
	}
	var ours []volumeRatio
	closed := 0
	for _, lm := range meshes {
		ours = append(ours, volumeRatio{lm.Voxels, lm.Mesh.Volume() / lm.VoxelVolume})
		if lm.Mesh.CheckClosed() == nil && lm.Mesh.Volume() > 0 {
			closed++
		}
	}
	res := []Result{{Suite: "mesh", Case: in.name, Tool: "kidney3d", Value: d.Seconds(), Unit: "s",
		Note: fmt.Sprintf("%d labels, %d closed and outward; load excluded, best of %d", len(meshes), closed, env.Repeat)}}
	res = append(res, ratioResults(in.name, "kidney3d", ours)...)
	if !peersOK {
		return append(res, Result{Suite: "mesh", Case: in.name, Tool: "vtk, skimage", Unit: "s", Note: "python3-vtk9 or python3-skimage missing"}), nil
	}
	var peer peerMesh
	if err := runPeer(&peer, filepath.Join(shared, "peers", "peer_mesh.py"), in.path, "--repeat", strconv.Itoa(env.Repeat), "--no-obj"); err != nil {
		return nil, fmt.Errorf("peer_mesh.py %s: %v", in.path, err)
	}
	for _, tool := range []string{"vtk", "skimage"} {
		var ratios []volumeRatio
		t := peer.Totals.VTK.Time
		if tool == "skimage" {
			t = peer.Totals.Skimage.Time
		}
		for _, l := range peer.Labels {
			m := l.VTK
			if tool == "skimage" {
				m = l.Skimage
			}
			if m != nil && l.VoxelVolume > 0 {
				ratios = append(ratios, volumeRatio{l.Voxels, m.MeshVolume / l.VoxelVolume})
			}
		}
		name := map[string]string{"vtk": "vtk (3D Slicer settings)", "skimage": "skimage marching_cubes"}[tool]
		res = append(res, Result{Suite: "mesh", Case: in.name, Tool: name, Value: t, Unit: "s",
			Note: fmt.Sprintf("sum of per-label bests of %d; kidney3d takes %.2f× its time", env.Repeat, d.Seconds()/t)})
		res = append(res, ratioResults(in.name, name, ratios)...)
	}
	return res, nil
}

// volumeRatio is one label's mesh volume over its voxel volume.
type volumeRatio struct {
	voxels int
	ratio  float64
}

// ratioResults reports the range of volume ratios over labels of 50 voxels
// or more.
func ratioResults(input, tool string, rs []volumeRatio) []Result {
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for _, r := range rs {
		if r.voxels >= 50 {
			lo, hi, n = math.Min(lo, r.ratio), math.Max(hi, r.ratio), n+1
		}
	}
	if n == 0 {
		return nil
	}
	note := fmt.Sprintf("mesh/voxel volume over %d labels of ≥ 50 voxels", n)
	return []Result{
		{Suite: "mesh", Case: input + ": min volume ratio", Tool: tool, Value: lo, Unit: "ratio", Note: note},
		{Suite: "mesh", Case: input + ": max volume ratio", Tool: tool, Value: hi, Unit: "ratio", Note: note},
	}
}
