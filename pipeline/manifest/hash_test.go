package manifest

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"kidney3d/pipeline/limits"
)

func TestHasherHashesFilesAndFolders(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "input", "masks"), 0o755)
	os.WriteFile(filepath.Join(dir, "input", "A.nii.gz"), []byte("abc"), 0o644)
	os.WriteFile(filepath.Join(dir, "input", "masks", "artery.nii.gz"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "input", "masks", ".tmp"), []byte("ignored"), 0o644)
	h := &Hasher{Root: dir, Cache: map[string]CachedHash{}}
	f, err := h.File(filepath.Join(dir, "input", "A.nii.gz"))
	if err != nil || f.Path != "input/A.nii.gz" || f.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("File = %+v, %v", f, err)
	}
	if h.Cache["input/A.nii.gz"].SHA256 != f.SHA256 {
		t.Error("hash not cached")
	}
	m1, err := h.File(filepath.Join(dir, "input", "masks"))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "input", "masks", ".tmp"))
	if m2, _ := h.File(filepath.Join(dir, "input", "masks")); m2 != m1 {
		t.Error("a hidden file changed the folder's hash")
	}
}

// TestHasherRefusesSpecialFiles checks that a FIFO or a link to a device
// is refused by name, alone or inside a folder, before any read (reading
// either would never end).
func TestHasherRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "input")
	os.MkdirAll(filepath.Join(in, "masks"), 0o755)
	fifo := filepath.Join(in, "A.nii.gz")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(in, "masks", "artery.nii.gz")
	os.Symlink("/dev/zero", zero)
	h := &Hasher{Root: dir, Cache: map[string]CachedHash{
		// A cached hash must not stand for a file that is no longer regular.
		"input/A.nii.gz": {Size: 0, SHA256: "stale"},
	}}
	for path, named := range map[string]string{fifo: fifo, zero: zero, filepath.Join(in, "masks"): zero} {
		_, err := h.FileContext(context.Background(), path)
		if !errors.Is(err, limits.ErrNotRegular) || !strings.Contains(err.Error(), named) {
			t.Errorf("%s: %v, want limits.ErrNotRegular naming %s", path, err, named)
		}
	}
}

// slowReader is an endless input that cancels ctx after some reads.
type slowReader struct {
	reads  int
	cancel context.CancelFunc
}

func (s *slowReader) Read(p []byte) (int, error) {
	s.reads++
	if s.reads == 3 {
		s.cancel()
	}
	return len(p), nil
}

func TestCtxReaderStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := &slowReader{cancel: cancel}
	n, err := io.Copy(io.Discard, ctxReader{ctx, src})
	if !errors.Is(err, context.Canceled) || src.reads != 3 || n == 0 {
		t.Errorf("copied %d bytes in %d reads: %v, want context.Canceled after the third read", n, src.reads, err)
	}
	done, stop := context.WithCancel(context.Background())
	stop()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o644)
	h := &Hasher{Root: dir, Cache: map[string]CachedHash{}}
	if _, err := h.FileContext(done, filepath.Join(dir, "a")); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context: %v", err)
	}
}
