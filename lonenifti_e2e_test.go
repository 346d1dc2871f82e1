package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestViewLoneNIfTI: `kidney3d view FILE.nii.gz` (what the desktop's "Open
// with" runs) opens the file as a case of its own under $KIDNEY3D_OPENED,
// input/A.nii.gz being the file's bytes, and writes nothing beside the
// file; the window shows it (screenshot under Xvfb). Opened again, it is
// the same case.
func TestViewLoneNIfTI(t *testing.T) {
	demo := filepath.Join(t.TempDir(), "demo")
	if _, stderr, code := kidney3d(t, "demo", "--out", demo, "--seed", "2", "--size", "small"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join(demo, "input", "A.nii.gz"))
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	file := filepath.Join(src, "arterial scan.nii.gz")
	if err := os.WriteFile(file, want, 0o444); err != nil {
		t.Fatal(err)
	}
	opened := filepath.Join(t.TempDir(), "opened")
	env := append(os.Environ(), "KIDNEY3D_OPENED="+opened)

	// No display: the case is made, then the app says it cannot open a window.
	cmd := exec.Command(binary, "view", file)
	cmd.Env = append(env, "DISPLAY=", "WAYLAND_DISPLAY=")
	out, _ := cmd.CombinedOutput()
	entries, err := os.ReadDir(opened)
	if err != nil || len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "arterial_scan-") {
		t.Fatalf("%s holds %v (%v), want one case arterial_scan-<hash>; view said:\n%s", opened, entries, err, out)
	}
	dir := filepath.Join(opened, entries[0].Name())
	if !strings.Contains(string(out), file+" opened as the case "+dir+", a copy as phase A (image: aorta ") {
		t.Errorf("view %s said\n%s\nwant it to name the case %s", file, out, dir)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "input", "A.nii.gz")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the case's input/A.nii.gz is not the file's bytes (%v)", err)
	}

	if _, err := exec.LookPath("xvfb-run"); err != nil {
		t.Log("xvfb-run is not installed: no screenshot")
	} else {
		shot := filepath.Join(t.TempDir(), "view.png")
		cmd = exec.Command("xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", binary, "view", file, "--screenshot", shot, "--size", "1200x790")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("view %s --screenshot: %v\n%s", file, err, out)
		}
		if !strings.Contains(string(out), file+" opened again: its case is "+dir) {
			t.Errorf("the second view said\n%s\nwant it to reuse %s", out, dir)
		}
		if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
			t.Errorf("no screenshot: %v", err)
		}
	}

	// The portal venous phase is read as P from its pixels.
	portal := filepath.Join(src, "portal.nii.gz")
	if b, err := os.ReadFile(filepath.Join(demo, "input", "P.nii.gz")); err != nil || os.WriteFile(portal, b, 0o444) != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(binary, "view", portal)
	cmd.Env = append(env, "DISPLAY=", "WAYLAND_DISPLAY=")
	out, _ = cmd.CombinedOutput()
	if !strings.Contains(string(out), ", a copy as phase P (image: aorta ") {
		t.Errorf("view %s said\n%s\nwant it opened as phase P from the image", portal, out)
	}
	if n, _ := os.ReadDir(src); len(n) != 2 {
		t.Errorf("the files' folder holds %v, want the two files alone", n)
	}
	if n, _ := os.ReadDir(opened); !slices.ContainsFunc(n, func(e os.DirEntry) bool { return e.Name() == entries[0].Name() }) || len(n) != 2 {
		t.Errorf("%s holds %v after opening the same file twice and another once, want two cases", opened, n)
	}
}
