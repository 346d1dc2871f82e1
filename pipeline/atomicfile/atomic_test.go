package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/dirtest"
)

func TestWriteReplacesWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "out.txt")
	for _, content := range []string{"first version", "second"} {
		if err := Write(path, func(w io.Writer) error {
			_, err := io.WriteString(w, content)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("got %q, %v; want %q", got, err, content)
		}
	}
}

func TestWriteFailureKeepsOldFileAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old" {
		t.Errorf("old file changed to %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestWriteWithTempDirLeavesTargetFolderClean(t *testing.T) {
	root := t.TempDir()
	out, tmp := filepath.Join(root, "output"), filepath.Join(root, "work", ".tmp")
	path := filepath.Join(out, "report.json")
	err := Write(path, func(w io.Writer) error {
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("target folder shows %v while writing", entries)
		}
		_, err := io.WriteString(w, "{}")
		return err
	}, TempDir(tmp))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "{}" {
		t.Fatalf("got %q", b)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestIsTempKnowsOnlyWritesTemporaryNames(t *testing.T) {
	for name, want := range map[string]bool{
		".model.glb.tmp-123456": true,
		".a.tmp-1":              true,
		"model.glb.tmp-123":     false, // not hidden
		".model.glb.tmp-":       false,
		".model.glb.tmp-12x":    false,
		".tmp-12":               false,
		".model.glb":            false,
		"kidney_left.obj":       false,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRemoveStaleRemovesLeftoversButNotALiveWrite(t *testing.T) {
	dir := t.TempDir()
	// What a write killed mid-way leaves: an unlocked temporary file.
	for _, name := range []string{".kidney_left.obj.tmp-4242", ".model.glb.tmp-17", "keep.obj", ".hidden"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var during int
	err := Write(filepath.Join(dir, "model.glb"), func(w io.Writer) error {
		n, err := RemoveStale(dir)
		during = n
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, "whole")
		return err
	})
	if err != nil {
		t.Fatalf("a write whose folder was cleaned meanwhile failed: %v", err)
	}
	if during != 2 {
		t.Errorf("removed %d leftovers, want 2", during)
	}
	if names := dirtest.Names(t, dir); strings.Join(names, " ") != ".hidden keep.obj model.glb" {
		t.Errorf("folder holds %v", names)
	}
	if n, err := RemoveStale(filepath.Join(dir, "missing")); n != 0 || err != nil {
		t.Errorf("missing folder: %d, %v", n, err)
	}
}
