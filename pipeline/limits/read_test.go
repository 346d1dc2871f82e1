package limits

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadFileBoundsSizeAndKind(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(small, 10); err != nil || string(data) != "0123456789" {
		t.Fatalf("at the limit: %q, %v", data, err)
	}
	if _, err := ReadFile(small, 9); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), small) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ReadFile("/dev/zero", 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "none"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestQuoteIsBounded(t *testing.T) {
	if got := Quote("stage"); got != `"stage"` {
		t.Errorf("short: %s", got)
	}
	long := strings.Repeat("é%*d", 1<<20)
	got := Quote(long)
	if len(got) > 2*MaxQuoted+40 || !strings.Contains(got, "(5242880 bytes)") || !utf8.ValidString(got) {
		t.Errorf("long: %d bytes: %s", len(got), got)
	}
}

// FuzzReadFile checks the size limit at every size: a file is read whole
// when it holds at most max bytes and refused with ErrTooLarge otherwise.
func FuzzReadFile(f *testing.F) {
	f.Add([]byte("labels: []\n"), int64(11))
	f.Add([]byte("x"), int64(0))
	f.Add([]byte{}, int64(0))
	path := filepath.Join(f.TempDir(), "f")
	f.Fuzz(func(t *testing.T, data []byte, max int64) {
		if max < 0 {
			max = -max
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path, max)
		switch {
		case int64(len(data)) <= max && (err != nil || string(got) != string(data)):
			t.Fatalf("%d bytes, limit %d: %v", len(data), max, err)
		case int64(len(data)) > max && !errors.Is(err, ErrTooLarge):
			t.Fatalf("%d bytes, limit %d: %v", len(data), max, err)
		}
	})
}
