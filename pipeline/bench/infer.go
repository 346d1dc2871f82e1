package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"kidney3d/assets"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/demo"
	"kidney3d/pipeline/infer/modelpkg"
	"kidney3d/pipeline/infer/ort"
	"kidney3d/pipeline/manifest"
	"kidney3d/pipeline/volume"
)

func init() {
	register("infer", benchInfer)
}

// segStages are the AI segmentation stages of the default pipeline.
var segStages = []string{"organs", "vessels", "ureter", "tumour"}

// benchInfer measures the segmentation stages: the network alone on one
// patch beside torch (tools/models/peer_infer.py) on the same network,
// then the stages on a demo case run by the kidney3d binary: what is not
// ONNX Runtime's own run time, and the process's peak memory.
func benchInfer(env *Env) ([]Result, error) {
	if err := ort.Init(nil); err != nil {
		return nil, err
	}
	cat := modelpkg.Catalogue{Dirs: modelpkg.DefaultDirs(), Builtin: assets.Models()}
	names := segModels(env)
	var res []Result
	for _, name := range names {
		pkg, err := cat.Find(name)
		if err != nil {
			return nil, err
		}
		r, err := benchPatch(env, pkg)
		if err != nil {
			return nil, err
		}
		res = append(res, r...)
	}
	r, err := benchCase(env)
	if err != nil {
		return nil, err
	}
	return append(res, r...), nil
}

// segModels are the demo packages measured: one when quick.
func segModels(env *Env) []string {
	if env.Quick {
		return []string{"demo-vessels"}
	}
	return []string{"demo-organs", "demo-vessels", "demo-ureter", "demo-tumour"}
}

// benchPatch runs the package's network on one random patch of its size,
// best of Repeat after a warm-up, with as many threads as torch gets.
func benchPatch(env *Env, pkg *modelpkg.Package) ([]Result, error) {
	net, err := pkg.ONNX()
	if err != nil {
		return nil, err
	}
	threads := runtime.NumCPU()
	sess, err := ort.NewSession(net, ort.Options{Provider: ort.CPU, Threads: threads,
		InputName: pkg.ONNXInput, OutputName: pkg.ONNXOutput})
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	p := pkg.PatchSize
	shape := []int64{1, int64(len(pkg.InputPhases)), int64(p[0]), int64(p[1]), int64(p[2])}
	in := make([]float32, int(shape[1])*p[0]*p[1]*p[2])
	r := rand.New(rand.NewPCG(0, 1))
	for i := range in {
		in[i] = float32(r.NormFloat64())
	}
	ctx := context.Background()
	if _, _, err := sess.Run(ctx, in, shape); err != nil {
		return nil, err
	}
	d, err := best(env.Repeat, func() error {
		_, _, err := sess.Run(ctx, in, shape)
		return err
	})
	if err != nil {
		return nil, err
	}
	label := fmt.Sprintf("%s one patch %d×%d×%d ×%d channels", pkg.Name, p[0], p[1], p[2], shape[1])
	res := []Result{{Suite: "infer", Case: label, Tool: "kidney3d (ONNX Runtime " + ort.Version() + ")",
		Value: d.Seconds(), Unit: "s", Note: fmt.Sprintf("%d threads, best of %d", threads, env.Repeat)}}
	peer, note := torchPeer(env, pkg, threads)
	if peer > 0 {
		res = append(res, Result{Suite: "infer", Case: label, Tool: "torch", Value: peer, Unit: "s",
			Note: fmt.Sprintf("%d threads, best of %d; kidney3d/torch = %.2f", threads, env.Repeat, d.Seconds()/peer)})
	} else {
		res = append(res, Result{Suite: "infer", Case: label, Tool: "torch", Unit: "s", Note: note})
	}
	return res, nil
}

// torchPeer runs tools/models/peer_infer.py on a copy of the package; it
// returns 0 and why when the peer cannot run here.
func torchPeer(env *Env, pkg *modelpkg.Package, threads int) (float64, string) {
	script := findUp(filepath.Join("tools", "models", "peer_infer.py"))
	if script == "" || !havePython("torch", "onnx") {
		return 0, "peer not run: needs tools/models/peer_infer.py and Debian's python3-torch, python3-onnx"
	}
	dir := filepath.Join(env.Dir, "models", pkg.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err.Error()
	}
	net, err := pkg.ONNX()
	if err != nil {
		return 0, err.Error()
	}
	if err := os.WriteFile(filepath.Join(dir, modelpkg.NetworkFile), net, 0o644); err != nil {
		return 0, err.Error()
	}
	p := pkg.PatchSize
	cmd := exec.Command(python, script, dir, "--patch", strconv.Itoa(p[0]), strconv.Itoa(p[1]), strconv.Itoa(p[2]),
		"--batch", "1", "--repeat", strconv.Itoa(env.Repeat+1), "--threads", strconv.Itoa(threads))
	out, err := cmd.Output()
	if err != nil {
		return 0, "peer failed: " + err.Error()
	}
	var peer struct {
		Seconds float64 `json:"seconds_per_run"`
	}
	if err := json.Unmarshal([]byte(lastLine(string(out))), &peer); err != nil {
		return 0, "peer output: " + err.Error()
	}
	return peer.Seconds, ""
}

// findUp looks for rel in the working folder and its parents.
func findUp(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// benchCase runs the segmentation stages on a demo case (full size, small
// when quick) in a kidney3d process: registration first, unmeasured, then
// the four stages, whose process peak memory and per-stage split between
// ONNX Runtime's run time and the rest (preprocessing, tiling,
// accumulation, mapping back) are reported.
func benchCase(env *Env) ([]Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if filepath.Ext(exe) == ".test" {
		return nil, fmt.Errorf("the infer suite runs stages in the kidney3d binary, not in %s", exe)
	}
	size, sizeName := demo.Full, "full"
	if env.Quick {
		size, sizeName = demo.Small, "small"
	}
	dir := filepath.Join(env.Dir, "case-"+sizeName)
	c, err := demo.Generate(demo.Options{Seed: 21, Size: size})
	if err != nil {
		return nil, err
	}
	if err := demo.Write(dir, c); err != nil {
		return nil, err
	}
	stages := segStages
	if env.Quick {
		stages = []string{"vessels"}
	}
	cfg := "stages:\n  - stage: load\n  - {stage: register, name: register_P, params: {phase: P}}\n  - {stage: register, name: register_D, params: {phase: D}}\n"
	if err := os.WriteFile(filepath.Join(env.Dir, "register.yaml"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	for _, s := range stages {
		cfg += "  - stage: " + s + "\n"
	}
	if err := os.WriteFile(filepath.Join(env.Dir, "segment.yaml"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	if _, _, err := runKidney3d(exe, "run", dir, "--config", filepath.Join(env.Dir, "register.yaml")); err != nil {
		return nil, err
	}
	wall, peakMB, err := runKidney3d(exe, "run", dir, "--device", "cpu", "--config", filepath.Join(env.Dir, "segment.yaml"))
	if err != nil {
		return nil, err
	}
	m, err := manifest.Load((&casefile.Case{Dir: dir}).ManifestPath())
	if err != nil {
		return nil, err
	}
	label := fmt.Sprintf("%s demo case (seed 21)", sizeName)
	res := []Result{
		{Suite: "infer", Case: label + " segmentation stages", Tool: "kidney3d", Value: wall, Unit: "s", Note: "process wall, registration reused"},
		{Suite: "infer", Case: label + " segmentation peak memory", Tool: "kidney3d", Value: peakMB, Unit: "MB", Note: "process max RSS, CPU provider, arena off"},
	}
	for _, s := range stages {
		e := m.Stages[s]
		if e == nil {
			return nil, fmt.Errorf("stage %s did not run", s)
		}
		var rec struct {
			Timings struct {
				Prepare float64 `json:"prepare_s"`
				Window  float64 `json:"window_s"`
			} `json:"timings"`
			ORT      float64 `json:"onnxruntime_run_s"`
			Provider string  `json:"provider"`
		}
		b, _ := json.Marshal(e.Record)
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, err
		}
		infer := rec.Timings.Prepare + rec.Timings.Window
		res = append(res,
			Result{Suite: "infer", Case: label + " " + s + " ONNX Runtime run", Tool: "kidney3d", Value: rec.ORT, Unit: "s", Note: rec.Provider},
			Result{Suite: "infer", Case: label + " " + s + " not ONNX Runtime", Tool: "kidney3d", Value: 100 * (infer - rec.ORT) / infer, Unit: "%",
				Note: fmt.Sprintf("of %.2f s inference (prepare, tiles, accumulate, map back); stage %.2f s with file I/O", infer, e.Seconds)})
	}
	return res, nil
}

// runKidney3d runs the binary and returns its wall time and peak memory.
func runKidney3d(exe string, args ...string) (wall, peakMB float64, err error) {
	cmd := exec.Command(exe, args...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(t0).Seconds()
	if err != nil {
		return 0, 0, fmt.Errorf("kidney3d %v: %v\n%s", args, err, lastLine(string(out)))
	}
	return wall, peakRSSMB(cmd.ProcessState), nil
}

// diceOf is the Dice of label v between a and the truth; false when the
// truth has no such voxel (e.g. no cyst in this case).
func diceOf(a, truth *volume.Volume[uint8], v uint8) (float64, bool) {
	var inter, na, nt int
	for i, t := range truth.Data {
		x, y := a.Data[i] == v, t == v
		if x {
			na++
		}
		if y {
			nt++
			if x {
				inter++
			}
		}
	}
	if nt == 0 {
		return 0, false
	}
	return 2 * float64(inter) / float64(na+nt), true
}
