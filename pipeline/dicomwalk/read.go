package dicomwalk

import (
	"sync"

	"kidney3d/pipeline/limits"
)

// buffers hold whole files, reused from read to read.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// Buffer is a buffer for ReadFile; give it back with Release once nothing
// uses what was read into it.
func Buffer() *[]byte { return buffers.Get().(*[]byte) }

// Release gives a buffer back.
func Release(b *[]byte) { buffers.Put(b) }

// ReadFile reads the regular file at path whole into *buf, grown as
// needed, and returns its bytes; a file over limits.MaxImageBytes (more
// than any one image can hold) is refused (limits.ReadFileInto).
func ReadFile(path string, buf *[]byte) ([]byte, error) {
	return limits.ReadFileInto(path, limits.MaxImageBytes(), buf)
}
