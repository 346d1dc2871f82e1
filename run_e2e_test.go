package main

// End-to-end tests of `kidney3d run`: a demo case whose truth structures
// are given as input/masks runs to its outputs, a second run reuses them,
// a run killed at random moments always resumes to the same bytes, and bad
// inputs fail fast with the file and the reason.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"kidney3d/pipeline/labels"
	"kidney3d/pipeline/volume"
)

// demoCaseWithMasks writes a small demo case and gives each truth structure
// as input/masks/<label>.nii.gz.
func demoCaseWithMasks(t *testing.T, seed string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--seed", seed); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	truth, err := volume.Load[uint8](filepath.Join(dir, "truth", "labels.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	table := labels.Default()
	present := map[uint8]bool{}
	for _, v := range truth.Data {
		present[v] = true
	}
	for v := range present {
		if v == 0 {
			continue
		}
		m := volume.New[uint8](truth.Grid)
		for i, x := range truth.Data {
			if x == v {
				m.Data[i] = 1
			}
		}
		if err := volume.Save(filepath.Join(dir, "input", "masks", table.Name(int(v))+".nii.gz"), m); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// outputs reads every file under CASE/output, by relative path.
func outputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	root := filepath.Join(dir, "output")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = b
		return nil
	})
	return out
}

func keys(m map[string][]byte) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func TestRunWithGivenMasksThenReuse(t *testing.T) {
	dir := demoCaseWithMasks(t, "2")
	t0 := time.Now()
	stdout, stderr, code := kidney3d(t, "run", dir, "--json")
	first := time.Since(t0)
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	states := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var e struct{ Stage, State string }
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		states[e.Stage] = e.State
	}
	for _, s := range []string{"load", "register_P", "register_D", "merge", "mesh", "measure"} {
		if states[s] != "done" {
			t.Errorf("stage %s ended %q", s, states[s])
		}
	}
	out := outputs(t, dir)
	for _, f := range []string{"labels.nii.gz", "report.json", "meshes/kidney_left.obj", "meshes/model.glb"} {
		if len(out[f]) == 0 {
			t.Errorf("output/%s missing; have %v", f, keys(out))
		}
	}
	var report struct {
		Structures []struct {
			Name          string  `json:"name"`
			VolumeML      float64 `json:"volume_ml"`
			MaxDiameterMM float64 `json:"max_diameter_mm"`
		} `json:"structures"`
	}
	if err := json.Unmarshal(out["report.json"], &report); err != nil {
		t.Fatal(err)
	}
	for _, s := range report.Structures {
		if s.Name == "tumor" && (s.MaxDiameterMM < 10 || s.VolumeML <= 0) {
			t.Errorf("tumour measured %+v", s)
		}
	}
	mtimes := map[string]time.Time{}
	filepath.WalkDir(filepath.Join(dir, "output"), func(p string, d fs.DirEntry, err error) error {
		if info, err := d.Info(); err == nil && !d.IsDir() {
			mtimes[p] = info.ModTime()
		}
		return nil
	})

	t0 = time.Now()
	stdout, stderr, code = kidney3d(t, "run", dir, "--json")
	second := time.Since(t0)
	if code != 0 {
		t.Fatalf("second run: %s", stderr)
	}
	if strings.Contains(stdout, `"state":"done"`) {
		t.Errorf("second run ran stages again:\n%s", stdout)
	}
	for p, m := range mtimes {
		if info, err := os.Stat(p); err != nil || !info.ModTime().Equal(m) {
			t.Errorf("second run rewrote %s", p)
		}
	}
	t.Logf("first run %v, second run %v (%.1f%%)", first, second, 100*second.Seconds()/first.Seconds())

	// --force reruns one stage; its output is byte-identical.
	if _, stderr, code = kidney3d(t, "run", dir, "--force", "measure"); code != 0 {
		t.Fatalf("--force measure: %s", stderr)
	}
	if again := outputs(t, dir); !bytes.Equal(again["report.json"], out["report.json"]) {
		t.Error("rerunning measure changed report.json")
	}
}

// TestKilledRunsResumeToIdenticalOutputs kills `kidney3d run` with SIGKILL
// at random moments; after each kill no partial file is under output/, and
// the next run completes with outputs byte-identical to an uninterrupted run.
func TestKilledRunsResumeToIdenticalOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 20 runs; skipped with -short")
	}
	template := demoCaseWithMasks(t, "4")
	ref := copyCase(t, template)
	t0 := time.Now()
	if _, stderr, code := kidney3d(t, "run", ref); code != 0 {
		t.Fatalf("reference run: %s", stderr)
	}
	full := time.Since(t0)
	want := outputs(t, ref)
	rng := rand.New(rand.NewSource(1))
	dir := copyCase(t, template)
	for kill := 0; kill < 20; kill++ {
		cmd := exec.Command(binary, "run", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int63n(int64(full))))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		for name, b := range outputs(t, dir) {
			if !bytes.Equal(b, want[name]) {
				t.Fatalf("kill %d: output/%s is partial or differs after SIGKILL", kill, name)
			}
		}
		if kill%4 == 3 { // sometimes resume fully, then start over from a fresh copy
			if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
				t.Fatalf("kill %d: resume failed: %s", kill, stderr)
			}
			got := outputs(t, dir)
			if strings.Join(keys(got), " ") != strings.Join(keys(want), " ") {
				t.Fatalf("kill %d: outputs %v, want %v", kill, keys(got), keys(want))
			}
			for name := range want {
				if !bytes.Equal(got[name], want[name]) {
					t.Fatalf("kill %d: output/%s differs from the uninterrupted run", kill, name)
				}
			}
			os.RemoveAll(dir)
			dir = copyCase(t, template)
		}
	}
}

// copyCase copies a case's input/ into a new case folder.
func copyCase(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "case")
	err := filepath.WalkDir(filepath.Join(src, "input"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestRunRejectsBadInputsBeforeWork(t *testing.T) {
	template := demoCaseWithMasks(t, "5")
	for _, tc := range []struct {
		name  string
		spoil func(dir string) string // returns the file the message must name
		want  string
	}{
		{"truncated gzip", func(dir string) string {
			p := filepath.Join(dir, "input", "P.nii.gz")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/3], 0o644)
			return p
		}, "unexpected EOF"},
		{"missing A, masks on A's grid", func(dir string) string {
			os.Remove(filepath.Join(dir, "input", "A.nii.gz"))
			return filepath.Join(dir, "input", "masks", "tumor.nii.gz")
		}, "mask of tumor is not on the grid of phase P (the reference) in any axis order or direction: volume: grids differ in origin"},
		{"no phase", func(dir string) string {
			for _, p := range []string{"A", "P", "D"} {
				os.Remove(filepath.Join(dir, "input", p+".nii.gz"))
			}
			return filepath.Join(dir, "input")
		}, "no phase: want at least one of A.nii.gz"},
		{"2D image", func(dir string) string {
			p := filepath.Join(dir, "input", "D.nii.gz")
			v := volume.New[int16](volume.Grid{Dims: [3]int{64, 64, 1}, Affine: volume.Identity})
			if err := volume.Save(p, v); err != nil {
				t.Fatal(err)
			}
			return p
		}, "not a 3D image"},
		{"phases 50 cm apart", func(dir string) string {
			p := filepath.Join(dir, "input", "D.nii.gz")
			v, err := volume.Load[int16](p)
			if err != nil {
				t.Fatal(err)
			}
			v.Affine = v.Affine.Translated([3]float64{0, 0, 500})
			if err := volume.Save(p, v); err != nil {
				t.Fatal(err)
			}
			return p
		}, "does not overlap"},
		{"unreadable config", func(dir string) string {
			p := filepath.Join(dir, "config.yaml")
			os.WriteFile(p, []byte("stages:\n  - stage: load\n  - stage: segment_everything\n"), 0o644)
			return p
		}, ":3:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCase(t, template)
			file := tc.spoil(dir)
			before := snapshot(t, filepath.Join(dir, "input"))
			_, stderr, code := kidney3d(t, "run", dir)
			if code != 1 || !strings.Contains(stderr, file) || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 naming %s and %q", code, stderr, file, tc.want)
			}
			if after := snapshot(t, filepath.Join(dir, "input")); after != before {
				t.Error("input/ changed")
			}
			if _, err := os.Stat(filepath.Join(dir, "output")); err == nil {
				t.Error("output/ written despite bad input")
			}
		})
	}
}

// snapshot lists a folder's files with their sizes and modification times.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if info, err := d.Info(); err == nil {
			fmt.Fprintln(&b, p, info.ModTime(), info.Size())
		}
		return nil
	})
	return b.String()
}

// TestInterruptStopsWithinTwoSecondsAndResumes sends SIGINT (Ctrl-C) to a
// running `kidney3d run` on a full-size case; it must stop within 2 s with
// exit code 1, and the next run must complete. Both logs get every line
// with its case, stage and level.
func TestInterruptStopsWithinTwoSecondsAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a full-size case")
	}
	dir := filepath.Join(t.TempDir(), "case")
	if _, stderr, code := kidney3d(t, "demo", "--out", dir, "--size", "full", "--seed", "8", "--defects"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	appLog := filepath.Join(t.TempDir(), "app.log")
	cmd := exec.Command(binary, "run", dir)
	cmd.Env = append(os.Environ(), "KIDNEY3D_LOG="+appLog)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	cmd.Process.Signal(os.Interrupt)
	t0 := time.Now()
	err := cmd.Wait()
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("stopped %v after Ctrl-C", d)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "cancelled") {
		t.Fatalf("exit %v, stderr %q", err, stderr.String())
	}
	if _, stderr, code := kidney3d(t, "run", dir); code != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	for _, path := range []string{filepath.Join(dir, "log.jsonl"), appLog} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var rec struct{ Case, Stage, Level string }
			if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Case == "" || rec.Stage == "" || rec.Level == "" {
				t.Fatalf("%s: line without case, stage or level: %s", path, line)
			}
		}
	}
}
