package nifti

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// memberReader inflates a stream of K3 members (see members.go) in
// parallel: one goroutine reads whole members, using their BSIZE, and up to
// GOMAXPROCS goroutines inflate them, at most 2×GOMAXPROCS ahead of Read,
// which returns the bytes in order. Each member's CRC-32 and ISIZE are
// checked. A member that lies wholly inside the slice given to setTarget is
// inflated straight into it, and Read does not copy it when asked for
// those bytes in place.
type memberReader struct {
	order   chan *inMember // members in stream order
	work    chan *inMember // members to inflate
	free    chan *inMember // members to reuse
	quit    chan struct{}
	running sync.WaitGroup

	mu     sync.Mutex
	target []byte
	base   int64 // stream offset of target[0]

	cur    *inMember // the member Read is returning
	curOff int
	pos    int64 // stream offset of the next byte Read returns
	err    error
}

// inMember is one member as read, and then as inflated.
type inMember struct {
	raw      []byte // the member, or what the input holds of it
	hdrLen   int
	complete bool   // raw holds the whole member
	dst      []byte // where it inflates: its own buf or a part of the target
	inTarget bool   // dst is a part of the target
	zero     bool   // a zero member: data are shared zeros, or the target's
	buf      []byte
	data     []byte // the bytes inflated, a prefix of dst
	err      error  // after data
	done     chan struct{}
}

// newMemberReader starts reading the members of r, whose first member
// header has been checked by parseMemberHeader.
func newMemberReader(r *bufio.Reader) *memberReader {
	n := workers()
	members := 2*n + 2 // read ahead, plus the one being read and Read's
	z := &memberReader{
		order: make(chan *inMember, members),
		work:  make(chan *inMember, members),
		free:  make(chan *inMember, members),
		quit:  make(chan struct{}),
	}
	for range members {
		z.free <- &inMember{done: make(chan struct{}, 1)}
	}
	z.running.Add(n + 1)
	go z.readMembers(r)
	for range n {
		go z.inflater()
	}
	return z
}

// setTarget tells the reader that the next len(t) bytes Read returns go
// into t, which must hold zeros (a zero member is not written there).
func (z *memberReader) setTarget(t []byte) {
	z.mu.Lock()
	z.target, z.base = t, z.pos
	z.mu.Unlock()
}

// Read returns the inflated bytes in order, then the first error: io.EOF
// at the end of the last member.
func (z *memberReader) Read(p []byte) (int, error) {
	for z.cur == nil || z.curOff == len(z.cur.data) {
		if z.cur != nil {
			z.err = z.cur.err
			z.cur.data, z.cur.err = nil, nil
			z.free <- z.cur
			z.cur = nil
		}
		if z.err != nil {
			return 0, z.err
		}
		m, ok := <-z.order
		if !ok {
			z.err = io.EOF
			return 0, z.err
		}
		<-m.done
		z.cur, z.curOff = m, 0
	}
	if len(p) == 0 {
		return 0, nil
	}
	src := z.cur.data[z.curOff:]
	n := min(len(p), len(src))
	if &p[0] != &src[0] {
		copy(p, src[:n])
	}
	z.curOff += n
	z.pos += int64(n)
	return n, nil
}

// Close stops the goroutines and waits for them, so that nothing reads the
// input or writes to the target after it returns.
func (z *memberReader) Close() error {
	close(z.quit)
	z.running.Wait()
	return nil
}

// readMembers reads the members one by one and hands them to Read and to
// the inflaters, until the input ends, an error, or Close.
func (z *memberReader) readMembers(r *bufio.Reader) {
	defer z.running.Done()
	defer close(z.order)
	var off int64 // stream offset of the next member's first byte
	for {
		var m *inMember
		select {
		case m = <-z.free:
		case <-z.quit:
			return
		}
		isize, err := readMember(r, m)
		if err == io.EOF {
			return
		}
		if err != nil {
			m.err = err
			m.done <- struct{}{}
			z.order <- m
			return
		}
		m.dst = z.dstFor(m, off, isize)
		off += int64(isize)
		z.order <- m
		z.work <- m
		if !m.complete {
			return
		}
	}
}

// readMember reads the next member into m.raw and returns its ISIZE (0 for
// a member cut short). It returns io.EOF at the end of the input, before a
// member.
func readMember(r *bufio.Reader, m *inMember) (int, error) {
	b, err := r.Peek(12)
	if len(b) == 0 && err == io.EOF {
		return 0, io.EOF
	}
	if len(b) < 12 {
		if !bytes.HasPrefix([]byte{0x1f, 0x8b, 8, 0x04}, b[:min(len(b), 4)]) {
			return 0, errMemberHeader
		}
		return 0, io.ErrUnexpectedEOF
	}
	hdrLen, bsize, _, need, ok := parseMemberHeader(b)
	if need > 0 {
		if need > r.Size() {
			return 0, errMemberHeader
		}
		if b, err = r.Peek(need); err != nil {
			return 0, io.ErrUnexpectedEOF
		}
		hdrLen, bsize, _, _, ok = parseMemberHeader(b)
	}
	if !ok {
		return 0, errMemberHeader
	}
	m.hdrLen = hdrLen
	m.raw, err = readGrowing(r, m.raw[:0], bsize)
	m.complete = err == nil
	if !m.complete {
		return 0, nil
	}
	return int(binary.LittleEndian.Uint32(m.raw[bsize-4:])), nil
}

// peekMembers reports whether r starts with a K3 member, and the stream's
// uncompressed size it gives, without moving r.
func peekMembers(r *bufio.Reader) (total uint64, ok bool) {
	b, _ := r.Peek(12)
	_, _, total, need, ok := parseMemberHeader(b)
	if need > 0 && need <= r.Size() {
		b, _ = r.Peek(need)
		_, _, total, _, ok = parseMemberHeader(b)
	}
	return total, ok
}

// readGrowing appends n bytes of r to buf, growing it only as the bytes
// arrive, so that a size field too large costs no more than the input.
func readGrowing(r io.Reader, buf []byte, n int) ([]byte, error) {
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(n, max(2*cap(buf), 64<<10))-len(buf))...)[:len(buf)]
		}
		k, err := io.ReadFull(r, buf[len(buf):min(n, cap(buf))])
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf, io.ErrUnexpectedEOF
		}
	}
	return buf, nil
}

// dstFor chooses where m, at stream offset off with isize bytes, inflates:
// into the target when it lies wholly inside, else into its own buffer;
// nil (a buffer that grows as bytes come) when m is cut short or its ISIZE
// is not plausible.
func (z *memberReader) dstFor(m *inMember, off int64, isize int) []byte {
	m.inTarget = false
	if !m.complete || isize > maxMember || isize > maxDeflateRatio*(len(m.raw)-m.hdrLen) {
		return nil
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	m.inTarget = off >= z.base && off+int64(isize) <= z.base+int64(len(z.target))
	if m.inTarget {
		return z.target[off-z.base : off-z.base+int64(isize)]
	}
	if cap(m.buf) < isize {
		m.buf = make([]byte, isize)
	}
	return m.buf[:isize]
}

// inflater inflates the members it is handed, reusing one flate reader.
func (z *memberReader) inflater() {
	defer z.running.Done()
	var br bytes.Reader
	fr := flate.NewReader(&br)
	for {
		select {
		case m := <-z.work:
			m.inflate(fr, &br)
			m.done <- struct{}{}
		case <-z.quit:
			return
		}
	}
}

// inflate inflates m into m.dst, setting m.data to what came out and m.err
// to why it stopped short or failed its checks. Bytes come out before a
// failed check, as from a gzip reader.
func (m *inMember) inflate(fr io.Reader, br *bytes.Reader) {
	body := m.raw[m.hdrLen:]
	if m.complete {
		body = body[:len(body)-memberTrailerLen]
		// A zero member needs no inflating; the target holds zeros.
		if zs, ok := isZeroMember(body, m.raw[len(m.raw)-memberTrailerLen:]); ok && (m.dst == nil || len(m.dst) == len(zs)) {
			m.data, m.err, m.zero = zs, nil, true
			if m.inTarget {
				m.data = m.dst
			}
			return
		}
	}
	m.zero = false
	br.Reset(body)
	fr.(flate.Resetter).Reset(br, nil)
	var err error
	if m.dst == nil {
		m.data, err = inflateGrowing(fr, m.buf[:0])
		m.buf = m.data[:0]
	} else {
		m.data, err = inflateInto(fr, m.dst)
	}
	trailer := m.raw[len(m.raw)-memberTrailerLen:]
	switch {
	case !m.complete && (err == io.EOF || err == io.ErrUnexpectedEOF):
		m.err = io.ErrUnexpectedEOF
	case err == io.ErrUnexpectedEOF:
		m.err = errMemberData
	case err != io.EOF:
		m.err = err
	case br.Len() > 0:
		m.err = errMemberData
	case len(m.data) != int(binary.LittleEndian.Uint32(trailer[4:])),
		crc32.ChecksumIEEE(m.data) != binary.LittleEndian.Uint32(trailer):
		m.err = errChecksum
	}
}

// inflateInto inflates into dst and one byte further, so that the
// error is io.EOF when the data fills dst exactly.
func inflateInto(fr io.Reader, dst []byte) ([]byte, error) {
	n := 0
	var err error
	for n < len(dst) && err == nil {
		var k int
		k, err = fr.Read(dst[n:])
		n += k
	}
	if err == nil {
		var one [1]byte
		var k int
		for k == 0 && err == nil {
			k, err = fr.Read(one[:])
		}
		if k > 0 {
			err = errChecksum
		}
	}
	return dst[:n], err
}

// inflateGrowing inflates into buf, growing it up to maxMember bytes,
// until an error: io.EOF at the end of the deflate data.
func inflateGrowing(fr io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) >= maxMember {
				return buf, errMemberSize
			}
			buf = append(buf, make([]byte, min(maxMember, max(2*cap(buf), 64<<10))-len(buf))...)[:len(buf)]
		}
		n, err := fr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
}
