package nifti

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"sync"

	"github.com/klauspost/compress/flate"
)

// Label maps and masks are mostly zeros: most of their members hold
// memberSize zero bytes. A zero member's deflate data depends only on the
// flate level, so Encode compresses it once per level and copies it, and
// the readers recognise it by its bytes and skip inflating it. Both are
// exact: the encoder emits the bytes compressing would give, and a member
// whose deflate data and trailer equal those of a known zero member can
// only inflate to zeros.

// zeroKey identifies a zero member: its uncompressed size and its level.
type zeroKey struct{ size, level int }

// zeroEnc is a zero member's deflate data and trailer (CRC-32, ISIZE),
// and its uncompressed bytes (read-only zeros).
type zeroEnc struct {
	body    []byte
	trailer [memberTrailerLen]byte
	data    []byte
}

var zeros struct {
	mu     sync.Mutex
	byKey  map[zeroKey]*zeroEnc
	bySize map[int][]*zeroEnc // every level encoded so far, for the readers
}

// zeroMember returns the encoding of size zero bytes at level, computing
// it the first time.
func zeroMember(size, level int) (*zeroEnc, error) {
	zeros.mu.Lock()
	defer zeros.mu.Unlock()
	k := zeroKey{size, level}
	if e := zeros.byKey[k]; e != nil {
		return e, nil
	}
	in := make([]byte, size)
	var body bytes.Buffer
	fw, err := flate.NewWriter(&body, level)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(in); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	e := &zeroEnc{body: body.Bytes(), data: in}
	binary.LittleEndian.PutUint32(e.trailer[:], crc32.ChecksumIEEE(in))
	binary.LittleEndian.PutUint32(e.trailer[4:], uint32(size))
	if zeros.byKey == nil {
		zeros.byKey, zeros.bySize = map[zeroKey]*zeroEnc{}, map[int][]*zeroEnc{}
	}
	zeros.byKey[k] = e
	zeros.bySize[size] = append(zeros.bySize[size], e)
	return e, nil
}

// isZeroMember reports whether a whole member's deflate data and trailer
// are those of a zero member encoded at some level seen so far (the
// default level always), and returns size read-only zero bytes when so.
func isZeroMember(body, trailer []byte) ([]byte, bool) {
	size := int(binary.LittleEndian.Uint32(trailer[4:]))
	if size != memberSize || len(body) > 64<<10 {
		return nil, false
	}
	if _, err := zeroMember(size, flate.DefaultCompression); err != nil {
		return nil, false
	}
	zeros.mu.Lock()
	encs := zeros.bySize[size]
	zeros.mu.Unlock()
	for _, e := range encs {
		if bytes.Equal(trailer, e.trailer[:]) && bytes.Equal(body, e.body) {
			return e.data, true
		}
	}
	return nil, false
}

// isZero reports whether m's bytes are all zero.
func (e *zeroEnc) isZero(m ...[]byte) bool {
	at := 0
	for _, b := range m {
		if at+len(b) > len(e.data) || !bytes.Equal(b, e.data[at:at+len(b)]) {
			return false
		}
		at += len(b)
	}
	return at == len(e.data)
}
