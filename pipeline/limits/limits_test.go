package limits

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestMaxVoxelsFollowsTheEnvironmentBelowMemory(t *testing.T) {
	mem := MemoryVoxels()
	want := DefaultMaxVoxels
	if mem > 0 {
		want = min(want, mem)
	}
	t.Setenv(MaxVoxelsEnv, "")
	if got := MaxVoxels(); got != want {
		t.Errorf("default MaxVoxels %d, want %d (memory bound %d)", got, want, mem)
	}
	for _, bad := range []string{"-5", "0", "lots", "1e9"} {
		t.Setenv(MaxVoxelsEnv, bad)
		if got := MaxVoxels(); got != want {
			t.Errorf("%s=%q: MaxVoxels %d, want the default %d", MaxVoxelsEnv, bad, got, want)
		}
	}
	t.Setenv(MaxVoxelsEnv, "1000")
	if MaxVoxels() != 1000 || MaxImageBytes() != 2000 {
		t.Errorf("%s=1000: MaxVoxels %d, MaxImageBytes %d", MaxVoxelsEnv, MaxVoxels(), MaxImageBytes())
	}
	if mem > 0 {
		t.Setenv(MaxVoxelsEnv, "9223372036854775807")
		if got := MaxVoxels(); got != mem {
			t.Errorf("a limit above memory gives %d, want the memory bound %d", got, mem)
		}
	}
}

func TestCheckImage(t *testing.T) {
	t.Setenv(MaxVoxelsEnv, "1000")
	for _, c := range []struct {
		voxels int64
		size   int
		want   string // part of the error; "" for none
	}{
		{1000, 2, ""},
		{1000, 1, ""},
		{500, 4, ""},
		{1001, 1, "1001 voxels is over the limit of 1000"},
		{501, 4, "over the limit of 2000 bytes"},
		{251, 8, "over the limit of 2000 bytes"},
		{1 << 62, 8, "over the limit of 1000"},
	} {
		err := CheckImage(c.voxels, c.size)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckImage(%d, %d) = %v, want %q", c.voxels, c.size, err, c.want)
		}
	}
}

func TestMemTotal(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "meminfo")
	os.WriteFile(p, []byte("MemFree:  10 kB\nMemTotal:       24683784 kB\n"), 0o644)
	if n, ok := memTotal(p); !ok || n != 24683784*1024 {
		t.Errorf("memTotal = %d, %v", n, ok)
	}
	os.WriteFile(p, []byte("MemTotal: lots\n"), 0o644)
	if _, ok := memTotal(p); ok {
		t.Error("an unreadable MemTotal was taken")
	}
	if _, ok := memTotal(filepath.Join(dir, "none")); ok {
		t.Error("a missing file gave a total")
	}
}

func TestOpenRegularRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "A.nii.gz")
	os.WriteFile(regular, []byte("x"), 0o644)
	fifo := filepath.Join(dir, "fifo.nii.gz")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.nii.gz")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.nii.gz")
	os.Symlink(regular, link)
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	for _, ok := range []string{regular, link} {
		f, err := OpenRegular(ok)
		if err != nil {
			t.Errorf("%s: %v", ok, err)
			continue
		}
		f.Close()
	}
	for path, what := range map[string]string{
		fifo: "a named pipe (FIFO)",
		zero: "a device (a symbolic link to /dev/zero)",
		sock: "a socket",
		dir:  "a folder",
	} {
		f, err := OpenRegular(path) // a FIFO would block here without the check
		if err == nil {
			f.Close()
			t.Errorf("%s opened", path)
			continue
		}
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), what) {
			t.Errorf("%s: error %q, want ErrNotRegular naming the file and %q", path, err, what)
		}
		if err := CheckRegular(path); !errors.Is(err, ErrNotRegular) {
			t.Errorf("CheckRegular(%s) = %v", path, err)
		}
	}
	if _, err := OpenRegular(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}
