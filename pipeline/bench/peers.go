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

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
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
