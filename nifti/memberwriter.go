package nifti

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// memberWriter compresses a stream of a known size into K3 members (see
// members.go), memberSize bytes each, on up to GOMAXPROCS goroutines, and
// writes them in order. Its output depends only on the data and the level.
type memberWriter struct {
	w        io.Writer
	level    int
	total    uint64 // the stream's size, written into every member
	written  uint64
	cur      *outMember // the member being filled
	pending  []*outMember
	free     []*outMember
	maxAhead int
	work     chan *outMember
	workers  sync.WaitGroup
	err      error
	// zero is the encoding of a member of memberSize zero bytes at
	// level (nil if it could not be made): such members are copied, not
	// compressed (see zeromember.go).
	zero *zeroEnc
}

// outMember is one member: its uncompressed bytes and, once done is
// signalled, the compressed member.
type outMember struct {
	in   []byte
	out  bytes.Buffer
	err  error
	done chan struct{}
}

// newMemberWriter starts the compressing goroutines for a stream of total
// bytes at a flate level.
func newMemberWriter(w io.Writer, level int, total int64) *memberWriter {
	n := workers()
	z := &memberWriter{w: w, level: level, total: uint64(total), maxAhead: 2 * n, work: make(chan *outMember, 2*n)}
	if total >= int64(memberSize) {
		z.zero, _ = zeroMember(memberSize, level)
	}
	for range n {
		z.workers.Add(1)
		go z.compressor()
	}
	return z
}

// compressor compresses the members it is handed, reusing one flate
// writer.
func (z *memberWriter) compressor() {
	defer z.workers.Done()
	var fw *flate.Writer
	for m := range z.work {
		z.encode(m, &fw, m.in)
		m.done <- struct{}{}
	}
}

// encode makes m the member of the bytes of in, one after the other,
// compressed at z's level by *fw (made when nil; unused when storing).
func (z *memberWriter) encode(m *outMember, fw **flate.Writer, in ...[]byte) {
	m.out.Reset()
	var hdr [memberHeaderLen]byte
	m.out.Write(hdr[:])
	m.err = nil
	switch {
	case z.level == flate.NoCompression:
		storeBlocks(&m.out, in...)
	case *fw == nil:
		*fw, m.err = flate.NewWriter(&m.out, z.level)
		fallthrough
	default:
		if m.err == nil {
			(*fw).Reset(&m.out)
			for _, b := range in {
				if m.err == nil {
					_, m.err = (*fw).Write(b)
				}
			}
			if m.err == nil {
				m.err = (*fw).Close()
			}
		}
	}
	var crc uint32
	size := 0
	for _, b := range in {
		crc = crc32.Update(crc, crc32.IEEETable, b)
		size += len(b)
	}
	var trailer [memberTrailerLen]byte
	binary.LittleEndian.PutUint32(trailer[:], crc)
	binary.LittleEndian.PutUint32(trailer[4:], uint32(size))
	m.out.Write(trailer[:])
	putMemberHeader(m.out.Bytes(), uint32(m.out.Len()), z.total, z.level)
}

// storeBlocks writes the bytes of in, one after the other, as deflate's
// stored blocks (RFC 1951 §3.2.4) of up to 65535 bytes, the last one
// final: Level Stored at the cost of one copy.
func storeBlocks(out *bytes.Buffer, in ...[]byte) {
	n := 0
	for _, b := range in {
		n += len(b)
	}
	out.Grow(n + 5*(n/0xFFFF+1))
	i, at := 0, 0 // in[i][at] is the next byte to store
	for {
		k := min(n, 0xFFFF)
		final := byte(0)
		if k == n {
			final = 1
		}
		out.Write([]byte{final, byte(k), byte(k >> 8), ^byte(k), ^byte(k >> 8)})
		for n -= k; k > 0; {
			c := min(k, len(in[i])-at)
			out.Write(in[i][at : at+c])
			if at, k = at+c, k-c; at == len(in[i]) {
				i, at = i+1, 0
			}
		}
		if final == 1 {
			return
		}
	}
}

// Write buffers p, handing each full member to the compressors; a whole
// member of zeros is made at once, without copying it, and so is a
// stored member whose bytes p completes.
func (z *memberWriter) Write(p []byte) (int, error) {
	n := 0
	for z.err == nil && n < len(p) {
		if z.cur == nil {
			z.cur = z.newMember()
			if z.zero != nil && len(p)-n >= memberSize && z.zero.isZero(p[n:n+memberSize]) {
				z.submit(true)
				n += memberSize
				continue
			}
		}
		if head := z.cur.in; z.level == flate.NoCompression && len(p)-n >= memberSize-len(head) {
			// Stored straight from the bytes buffered and p's: one copy
			// fewer than through cur.in.
			rest := p[n : n+memberSize-len(head)]
			if z.zero != nil && z.zero.isZero(head, rest) {
				z.submit(true)
			} else {
				z.encode(z.cur, nil, head, rest)
				z.cur.done <- struct{}{}
				z.queue()
			}
			n += len(rest)
			continue
		}
		k := copy(z.cur.in[len(z.cur.in):memberSize], p[n:])
		z.cur.in = z.cur.in[:len(z.cur.in)+k]
		n += k
		if len(z.cur.in) == memberSize {
			z.submit(z.zero != nil && z.zero.isZero(z.cur.in))
		}
	}
	z.written += uint64(n)
	return n, z.err
}

// writeZeros writes n zero bytes, as Write would.
func (z *memberWriter) writeZeros(n int64) error {
	for z.err == nil && n > 0 {
		if z.cur == nil {
			z.cur = z.newMember()
			if z.zero != nil && n >= int64(memberSize) {
				z.submit(true)
				n -= int64(memberSize)
				z.written += uint64(memberSize)
				continue
			}
		}
		k := int(min(n, int64(memberSize-len(z.cur.in))))
		z.cur.in = z.cur.in[:len(z.cur.in)+k]
		clear(z.cur.in[len(z.cur.in)-k:])
		n -= int64(k)
		z.written += uint64(k)
		if len(z.cur.in) == memberSize {
			z.submit(z.zero != nil && z.zero.isZero(z.cur.in))
		}
	}
	return z.err
}

// newMember returns an empty member, reusing a written one.
func (z *memberWriter) newMember() *outMember {
	if k := len(z.free); k > 0 {
		m := z.free[k-1]
		z.free = z.free[:k-1]
		m.in = m.in[:0]
		return m
	}
	return &outMember{in: make([]byte, 0, memberSize), done: make(chan struct{}, 1)}
}

// submit hands the current member to the compressors, or makes it at once
// when zero says it is a whole member of zeros, and, when enough are under
// way, writes the oldest.
func (z *memberWriter) submit(zero bool) {
	m := z.cur
	if zero {
		m.out.Reset()
		m.out.Grow(memberHeaderLen + len(z.zero.body) + memberTrailerLen)
		var hdr [memberHeaderLen]byte
		m.out.Write(hdr[:])
		m.out.Write(z.zero.body)
		m.out.Write(z.zero.trailer[:])
		putMemberHeader(m.out.Bytes(), uint32(m.out.Len()), z.total, z.level)
		m.err = nil
		m.done <- struct{}{}
	} else {
		z.work <- m
	}
	z.queue()
}

// queue counts the current member, made or handed to the compressors, as
// under way and, when enough are, writes the oldest.
func (z *memberWriter) queue() {
	z.pending = append(z.pending, z.cur)
	z.cur = nil
	if len(z.pending) >= z.maxAhead {
		z.writeOldest()
	}
}

// writeOldest waits for the oldest member under way and writes it.
func (z *memberWriter) writeOldest() {
	m := z.pending[0]
	z.pending = z.pending[1:]
	<-m.done
	if z.err == nil {
		z.err = m.err
	}
	if z.err == nil {
		_, z.err = z.w.Write(m.out.Bytes())
	}
	z.free = append(z.free, m)
}

// Close compresses what is buffered, writes every member, and stops the
// compressors. A stream of no bytes is one empty member.
func (z *memberWriter) Close() error {
	if z.cur != nil || z.written == 0 {
		if z.cur == nil {
			z.cur = z.newMember()
		}
		z.submit(false)
	}
	for len(z.pending) > 0 {
		z.writeOldest()
	}
	close(z.work)
	z.workers.Wait()
	if z.err == nil && z.written != z.total {
		z.err = fmt.Errorf("wrote %d bytes, the stream has %d", z.written, z.total)
	}
	return z.err
}

// workers is how many goroutines inflate or deflate members at once:
// GOMAXPROCS, but never more than the machine's cores (the desktop app
// raises GOMAXPROCS above them to keep a Go processor for its UI).
func workers() int { return min(runtime.GOMAXPROCS(0), runtime.NumCPU()) }
