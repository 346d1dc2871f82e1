package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// python is Debian's interpreter, which has the peers' packages (numpy,
// nibabel, scipy, scikit-image, VTK); other pythons on the machine may not.
const python = "/usr/bin/python3"

// havePython reports whether python can import every module named.
func havePython(modules ...string) bool {
	if len(modules) == 0 {
		return false
	}
	return exec.Command(python, "-c", "import "+strings.Join(modules, ", ")).Run() == nil
}

// haveCommand reports whether name is on PATH.
func haveCommand(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// timeCommand runs a shell pipeline n times and returns its best wall time.
func timeCommand(n int, script string) (time.Duration, error) {
	return best(n, func() error {
		cmd := exec.Command("/bin/sh", "-c", script)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %v: %s", script, err, stderr.String())
		}
		return nil
	})
}

// runPython runs a Python program and decodes the JSON object on the last
// line of its output into out.
func runPython(out any, program string, args ...string) error {
	cmd := exec.Command(python, append([]string{"-c", program}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("python peer: %v: %s", err, lastLine(stderr.String()))
	}
	return json.Unmarshal([]byte(lastLine(stdout.String())), out)
}

// runPeer runs a peer script, passing its stderr through, and decodes the
// JSON object on the last line of its output into out.
func runPeer(out any, script string, args ...string) error {
	cmd := exec.Command(python, append([]string{script}, args...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.Output()
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(lastLine(string(stdout))), out)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// totalSegExample is the TotalSegmentator example's label map in the shared
// folder.
func totalSegExample(shared string) string {
	return filepath.Join(shared, "data", "totalseg_example", "example_seg.nii.gz")
}

// makePhantom writes make_phantom.py's 512×512×400 phantom (seed 1, with
// its flags) to path.
func makePhantom(shared, path string, flags ...string) error {
	args := append([]string{filepath.Join(shared, "peers", "make_phantom.py"), "--size", "512x512x400", "--seed", "1", "-o", path}, flags...)
	if out, err := exec.Command(python, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("make_phantom.py: %v: %s", err, lastLine(string(out)))
	}
	return nil
}

// SharedDir finds the project's shared folder (peers and data), which sits
// beside the checkout: $KIDNEY3D_SHARED, else ../shared from the working
// folder or one of its parents. It returns "" when there is none.
func SharedDir() string {
	if d := os.Getenv("KIDNEY3D_SHARED"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "..", "shared")
		if st, err := os.Stat(filepath.Join(cand, "peers")); err == nil && st.IsDir() {
			return filepath.Clean(cand)
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
