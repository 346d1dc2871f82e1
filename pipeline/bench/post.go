package bench

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"kidney3d/pipeline/labelops"
	"kidney3d/pipeline/volume"
)

func init() { registerShared("post", benchPost) }

// peerPost is the part of peer_post.py's JSON line the suite reads.
type peerPost struct {
	Spacing [3]float64 `json:"spacing"`
	CC      struct {
		Sum struct {
			Crop float64 `json:"t_label_crop"`
		} `json:"sum"`
		N int `json:"n_labels"`
	} `json:"cc_label"`
	Kidney struct {
		Label  int    `json:"label"`
		Crop   [3]int `json:"crop_shape"`
		Margin int    `json:"margin"`
	} `json:"kidney"`
	EDTInside  peerTime `json:"edt_crop_inside"`
	EDTOutside peerTime `json:"edt_crop_outside"`
	Dilate     peerTime `json:"dilate_crop"`
	FillHoles  peerTime `json:"fill_holes_crop"`
}

// peerTime is one timed operation of peer_post.py.
type peerTime struct {
	Min float64 `json:"min"`
}

// benchPost times the label operations of the clean-up stage beside
// SciPy's (peer_post.py) on the same crops, in the same run: 26-connected
// components of every label on its bounding box, and on the kidney region
// (bounding box of the kidney's largest component plus 10 voxels) the
// distance transform inside and outside, a dilation and hole filling. The
// inputs are the TotalSegmentator example and, unless Quick, a 512×512×400
// phantom.
func benchPost(env *Env, shared string) ([]Result, error) {
	if !havePython("numpy", "nibabel", "scipy") {
		return []Result{{Suite: "post", Case: "all inputs", Tool: "scipy", Unit: "s", Note: "python3 numpy/nibabel/scipy missing: no peer to compare with"}}, nil
	}
	inputs := []meshInput{{"TotalSegmentator example_seg", totalSegExample(shared)}}
	if !env.Quick {
		path := filepath.Join(env.Dir, "post-phantom.nii.gz")
		if err := makePhantom(shared, path); err != nil {
			return nil, err
		}
		inputs = append(inputs, meshInput{"phantom 512×512×400", path})
	}
	var res []Result
	for _, in := range inputs {
		r, err := benchPostInput(env, in, shared)
		if err != nil {
			return nil, err
		}
		res = append(res, r...)
	}
	return res, nil
}

// benchPostInput runs the peer on one input, then our operations on the
// crops it used.
func benchPostInput(env *Env, in meshInput, shared string) ([]Result, error) {
	var peer peerPost
	if err := runPeer(&peer, filepath.Join(shared, "peers", "peer_post.py"), in.path, "--repeat", strconv.Itoa(env.Repeat),
		"--skip-full-edt", "--tmpdir", filepath.Join(env.Dir, "peer-post")); err != nil {
		return nil, fmt.Errorf("peer_post.py %s: %v", in.path, err)
	}
	lab, err := volume.Load[uint8](in.path)
	if err != nil {
		return nil, err
	}
	ccTime, nLabels, err := componentsPerLabel(env, lab)
	if err != nil {
		return nil, err
	}
	kidney, err := kidneyRegion(lab, uint8(peer.Kidney.Label), peer.Kidney.Margin)
	if err != nil {
		return nil, err
	}
	if kidney.Dims != peer.Kidney.Crop {
		return nil, fmt.Errorf("%s: kidney crop %v, peer_post.py used %v", in.name, kidney.Dims, peer.Kidney.Crop)
	}
	radius := 5 * max(kidney.Spacing()[0], kidney.Spacing()[1], kidney.Spacing()[2])
	ops := []struct {
		name string
		peer float64
		note string
		run  func()
	}{
		{"components (26), every label's bbox", peer.CC.Sum.Crop, fmt.Sprintf("sum over %d labels", nLabels), nil},
		{"EDT inside, kidney crop", peer.EDTInside.Min, "", func() { labelops.DistanceMM(kidney) }},
		{"EDT outside, kidney crop", peer.EDTOutside.Min, "", func() { labelops.DistanceOutsideMM(kidney) }},
		{"dilate, kidney crop", peer.Dilate.Min, fmt.Sprintf("ours: Euclidean ball of %.2g mm; scipy: 3×3×3 cube ×5", radius), func() { labelops.Dilate(kidney, radius) }},
		{"fill holes, kidney crop", peer.FillHoles.Min, "", func() { labelops.FillHoles(kidney) }},
	}
	var res []Result
	for _, op := range ops {
		t := ccTime
		if op.run != nil {
			t, _ = best(env.Repeat, func() error { op.run(); return nil })
		}
		c := fmt.Sprintf("%s: %s", in.name, op.name)
		if op.run != nil {
			c += fmt.Sprintf(" %v", kidney.Dims)
		}
		note := fmt.Sprintf("best of %d; %.2f× scipy's time", env.Repeat, t.Seconds()/op.peer)
		if op.note != "" {
			note += "; " + op.note
		}
		res = append(res,
			Result{Suite: "post", Case: c, Tool: "kidney3d", Value: t.Seconds(), Unit: "s", Note: note},
			Result{Suite: "post", Case: c, Tool: "scipy.ndimage", Value: op.peer, Unit: "s", Note: fmt.Sprintf("best of %d", env.Repeat)})
	}
	return res, nil
}

// componentsPerLabel is the summed best time of labelling each label's
// bounding-box crop (the crop itself not timed), as peer_post.py times it.
func componentsPerLabel(env *Env, lab *volume.Volume[uint8]) (time.Duration, int, error) {
	var masks [256]*volume.Volume[uint8]
	for n, v := range lab.Data {
		if v != 0 && masks[v] == nil {
			masks[v] = volume.New[uint8](lab.Grid)
		}
		if v != 0 {
			masks[v].Data[n] = 1
		}
	}
	var sum time.Duration
	n := 0
	for _, m := range masks {
		if m == nil {
			continue
		}
		lo, hi, _ := volume.BoundingBox(m)
		crop := volume.Crop(m, lo, hi)
		d, err := best(env.Repeat, func() error { labelops.Components(crop, labelops.Full); return nil })
		if err != nil {
			return 0, 0, err
		}
		sum += d
		n++
	}
	return sum, n, nil
}

// kidneyRegion is peer_post.py's kidney crop: the bounding box of the
// label's largest 26-connected component, grown by margin voxels.
func kidneyRegion(lab *volume.Volume[uint8], label uint8, margin int) (*volume.Volume[uint8], error) {
	m := volume.New[uint8](lab.Grid)
	for n, v := range lab.Data {
		if v == label {
			m.Data[n] = 1
		}
	}
	lo, hi, ok := volume.BoundingBox(labelops.Largest(m, labelops.Full))
	if !ok {
		return nil, fmt.Errorf("no voxel of label %d", label)
	}
	lo, hi = volume.GrowBox(m.Grid, lo, hi, [3]int{margin, margin, margin})
	return volume.Crop(m, lo, hi), nil
}
