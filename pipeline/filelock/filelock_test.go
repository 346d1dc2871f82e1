package filelock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestLockExcludesOtherOpensUntilUnlockOrClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, b := open(t, path), open(t, path)
	if ok, err := TryLock(a); !ok || err != nil {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if ok, err := TryLock(b); ok || err != nil {
		t.Fatalf("second open locked a held file: %v %v", ok, err)
	}
	if err := Unlock(a); err != nil {
		t.Fatal(err)
	}
	if ok, err := TryLock(b); !ok || err != nil {
		t.Fatalf("lock after unlock: %v %v", ok, err)
	}
	b.Close()
	if ok, err := TryLock(a); !ok || err != nil {
		t.Fatalf("lock after the holder closed: %v %v", ok, err)
	}
}

func TestLockedFileStaysReadableAndWritable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a := open(t, path)
	if ok, err := TryLock(a); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := a.WriteString("pid 1"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "pid 1" {
		t.Fatalf("read %q, %v", b, err)
	}
}

func TestTryLockOnClosedFileNamesIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	f := open(t, path)
	f.Close()
	if _, err := TryLock(f); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("locking a closed file: %v", err)
	}
}
