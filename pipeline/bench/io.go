package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/volume"
)

func init() { register("nifti-io", benchNiftiIO) }

// nibabelIO times nibabel loading a .nii.gz into an array and saving it,
// best of n; it prints {"load": s, "save": s}.
const nibabelIO = `
import sys, time, json, numpy as np, nibabel as nb
f, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
load = save = 1e9
for _ in range(n):
    t = time.perf_counter(); img = nb.load(f); a = np.asanyarray(img.dataobj); load = min(load, time.perf_counter() - t)
for _ in range(n):
    t = time.perf_counter(); nb.save(nb.Nifti1Image(a, img.affine, img.header), out); save = min(save, time.perf_counter() - t)
print(json.dumps({"load": load, "save": save}))
`

// benchNiftiIO measures loading and saving the demo case's arterial phase
// (int16) as MB/s of voxel data, beside gzip -dc, pigz -dc and nibabel.
func benchNiftiIO(env *Env) ([]Result, error) {
	size, label := demo.Full, "full demo"
	if env.Quick {
		size, label = demo.Small, "small demo"
	}
	c, err := demo.Generate(demo.Options{Seed: 1, Size: size})
	if err != nil {
		return nil, err
	}
	a := c.Phases["A"]
	path := filepath.Join(env.Dir, "A.nii.gz")
	saveTime, err := best(env.Repeat, func() error { return volume.Save(path, a) })
	if err != nil {
		return nil, err
	}
	loadTime, err := best(env.Repeat, func() error {
		_, err := volume.Load[int16](path)
		return err
	})
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	raw := float64(len(a.Data) * 2)
	mbps := func(d time.Duration) float64 { return raw / 1e6 / d.Seconds() }
	what := fmt.Sprintf("A.nii.gz, %s %v int16, %.0f MB raw, %.0f MB gz", label, a.Dims, raw/1e6, float64(st.Size())/1e6)
	res := []Result{
		{Suite: "nifti-io", Case: "load " + what, Tool: "kidney3d", Value: mbps(loadTime), Unit: "MB/s"},
		{Suite: "nifti-io", Case: "save " + what, Tool: "kidney3d", Value: mbps(saveTime), Unit: "MB/s"},
	}
	for _, tool := range []string{"gzip", "pigz"} {
		if !haveCommand(tool) {
			res = append(res, Result{Suite: "nifti-io", Case: "load " + what, Tool: tool + " -dc", Unit: "MB/s", Note: "not installed"})
			continue
		}
		d, err := timeCommand(env.Repeat, tool+" -dc '"+path+"' > /dev/null")
		if err != nil {
			return nil, err
		}
		res = append(res, Result{Suite: "nifti-io", Case: "load " + what, Tool: tool + " -dc", Value: mbps(d), Unit: "MB/s"})
	}
	if !havePython("numpy", "nibabel") {
		return append(res, Result{Suite: "nifti-io", Case: what, Tool: "nibabel", Unit: "MB/s", Note: "python3-nibabel not installed"}), nil
	}
	var nb struct{ Load, Save float64 }
	if err := runPython(&nb, nibabelIO, path, filepath.Join(env.Dir, "nb.nii.gz"), fmt.Sprint(env.Repeat)); err != nil {
		return nil, err
	}
	return append(res,
		Result{Suite: "nifti-io", Case: "load " + what, Tool: "nibabel", Value: raw / 1e6 / nb.Load, Unit: "MB/s"},
		Result{Suite: "nifti-io", Case: "save " + what, Tool: "nibabel", Value: raw / 1e6 / nb.Save, Unit: "MB/s"},
	), nil
}
