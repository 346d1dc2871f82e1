package atomicfile

import (
	"io"
	"os"
)

// writebackEvery is how many bytes Write lets pile up in the page cache
// before it asks the system to start writing them to disk, so that the
// fsync at the end waits for the last few only.
const writebackEvery = 8 << 20

// writeback is the temporary file, asking for early writeback as it grows.
type writeback struct {
	f         *os.File
	off, done int64 // bytes written; bytes handed to the disk
}

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.done >= writebackEvery {
		startWriteback(w.f, w.done, w.off-w.done)
		w.done = w.off
	}
	return n, err
}

var _ io.Writer = (*writeback)(nil)
