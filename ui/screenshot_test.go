package ui

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestScreenshotUnderXvfb builds kidney3d, writes a demo case and takes a
// --screenshot of it under Xvfb.
func TestScreenshotUnderXvfb(t *testing.T) {
	if _, err := exec.LookPath("xvfb-run"); err != nil {
		t.Skip("xvfb-run is not installed: no screenshot test")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kidney3d")
	if out, err := exec.Command("go", "build", "-o", bin, "kidney3d").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := filepath.Join(dir, "case")
	if out, err := exec.Command(bin, "demo", "--out", c, "--seed", "3").CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	shot := filepath.Join(dir, "shot.png")
	cmd := exec.Command("xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", bin, "view", c, "--screenshot", shot, "--size", "1200x800")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("view --screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", shot, err)
	}
	if uniform(img) {
		t.Fatalf("%s is one colour: nothing was drawn", shot)
	}
}
