package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestWritebackPassesEveryByte: the writer hands every byte to the file and
// asks for writeback once per writebackEvery bytes, leaving the rest to the
// fsync.
func TestWritebackPassesEveryByte(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &writeback{f: f}
	chunk := bytes.Repeat([]byte{7}, 3<<20)
	for range 7 { // 21 MiB
		if n, err := w.Write(chunk); err != nil || n != len(chunk) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if w.off != 21<<20 || w.done != 18<<20 {
		t.Errorf("written %d, handed to the disk %d; want %d and %d", w.off, w.done, 21<<20, 18<<20)
	}
	if st, err := os.Stat(path); err != nil {
		t.Error(err)
	} else if st.Size() != 21<<20 {
		t.Errorf("file holds %d bytes, want %d", st.Size(), 21<<20)
	}
}
