package nifti

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"

	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/panics"
)

// Region is a box of an image: the whole image's header and the stored
// voxels of the box [Lo, Hi) of voxel indices.
type Region struct {
	Header Header
	Lo, Hi [3]int
	// Data holds the stored (unscaled) voxels of the box in native byte
	// order, as Image.Data does for a whole image: x fastest, then y, then
	// z, its length the product of Hi - Lo.
	Data any
}

// ReadRegionFile reads the header of the NIfTI image at path and the
// voxels of the box [lo, hi), clamped to the image (Region.Lo and Hi say
// what it holds). From a .nii.gz written by Encode it reads and inflates
// only the members that hold the box's voxels (in parallel, checking their
// CRC-32s; the other members are not checked), and none that hold only
// zeros; from a .nii only the box's slices; any other gzip file is decoded
// whole. It checks the header as ReadFile does, and its errors are *Error
// values naming path.
func ReadRegionFile(path string, lo, hi [3]int) (*Region, error) {
	return withRegularFile(path, func(f io.ReaderAt, size int64) (*Region, error) { return readRegion(f, size, lo, hi) })
}

// ReadRegion reads the box [lo, hi) of the NIfTI image held by the first
// size bytes of r, as ReadRegionFile reads it from a file; its errors are
// *Error values.
func ReadRegion(r io.ReaderAt, size int64, lo, hi [3]int) (*Region, error) {
	return readRegion(r, size, lo, hi)
}

// withRegularFile opens path as a regular file (limits.OpenRegular) and
// reads a region from it; errors name path.
func withRegularFile(path string, read func(f io.ReaderAt, size int64) (*Region, error)) (*Region, error) {
	f, err := limits.OpenRegular(path)
	if err != nil {
		return nil, withFile(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, withFile(path, err)
	}
	r, err := read(f, st.Size())
	return r, withFile(path, err)
}

// ReadNonzeroFile reads the image at path as ReadRegionFile does, the box
// being the bounding box of its stored values other than zero (empty, Lo =
// Hi = 0, when every voxel is zero): outside it the image is zeros. From a
// file written by Encode it does not inflate the members that hold only
// zero bytes (most of a mask or a label map), and inflates and checks all
// the others; any other file is read whole.
func ReadNonzeroFile(path string) (*Region, error) {
	return withRegularFile(path, readNonzero)
}

// ReadNonzero reads the bounding box of the nonzero stored values of the
// NIfTI image held by the first size bytes of r, as ReadNonzeroFile reads
// it from a file; its errors are *Error values.
func ReadNonzero(r io.ReaderAt, size int64) (*Region, error) {
	return readNonzero(r, size)
}

// layout is where the voxels of an image lie in its (uncompressed) file.
type layout struct {
	shape [3]int
	size  int   // bytes per voxel
	vox   int64 // vox_offset
	row   int64 // bytes per row of x
}

func layoutOf(h *Header) layout {
	s := h.Shape()
	return layout{shape: s, size: h.Datatype.Size(), vox: h.VoxOffset, row: int64(s[0]) * int64(h.Datatype.Size())}
}

// end is the file offset after the last voxel.
func (l layout) end() int64 { return l.vox + l.row*int64(l.shape[1])*int64(l.shape[2]) }

// clamp limits the box [lo, hi) to the image, keeping hi >= lo.
func (l layout) clamp(lo, hi [3]int) ([3]int, [3]int) {
	for a := range 3 {
		lo[a] = min(max(lo[a], 0), l.shape[a])
		hi[a] = max(min(hi[a], l.shape[a]), lo[a])
	}
	return lo, hi
}

// span is the file offsets [from, to) from the box's first voxel to its
// last; to = from for an empty box.
func (l layout) span(lo, hi [3]int) (from, to int64) {
	if empty(lo, hi) {
		return l.vox, l.vox
	}
	first := l.vox + (int64(lo[2])*int64(l.shape[1])+int64(lo[1]))*l.row + int64(lo[0]*l.size)
	last := l.vox + (int64(hi[2]-1)*int64(l.shape[1])+int64(hi[1]-1))*l.row + int64(hi[0]*l.size)
	return first, last
}

// contiguous reports whether the box is one run of the file: whole rows
// of whole slices, or within one row, or whole rows of one slice.
func (l layout) contiguous(lo, hi [3]int) bool {
	wholeRows := lo[0] == 0 && hi[0] == l.shape[0]
	wholeSlices := wholeRows && lo[1] == 0 && hi[1] == l.shape[1]
	return wholeSlices || (wholeRows && hi[2]-lo[2] <= 1) || (hi[1]-lo[1] <= 1 && hi[2]-lo[2] <= 1)
}

func empty(lo, hi [3]int) bool { return hi[0] <= lo[0] || hi[1] <= lo[1] || hi[2] <= lo[2] }

// copyRows copies into dst, the bytes of the box [lo, hi), the part of it
// that the file bytes src, from file offset at, hold.
func (l layout) copyRows(dst []byte, lo, hi [3]int, src []byte, at int64) {
	if empty(lo, hi) || len(src) == 0 {
		return
	}
	ny := int64(l.shape[1])
	seg := int64((hi[0] - lo[0]) * l.size) // bytes of one row of the box
	end := at + int64(len(src))
	r0 := max((at-l.vox)/l.row, 0)
	for r := r0; l.vox+r*l.row < end; r++ {
		j, k := int(r%ny), int(r/ny)
		if k >= hi[2] {
			return
		}
		if k < lo[2] || j < lo[1] || j >= hi[1] {
			continue
		}
		s0 := l.vox + r*l.row + int64(lo[0]*l.size) // the box's part of row r
		a, b := max(s0, at), min(s0+seg, end)
		if a >= b {
			continue
		}
		d := (int64(k-lo[2])*int64(hi[1]-lo[1])+int64(j-lo[1]))*seg + (a - s0)
		copy(dst[d:d+b-a], src[a-at:b-at])
	}
}

// newRegion allocates the region [lo, hi) of h and returns it with its bytes.
func newRegion(h *Header, lo, hi [3]int) (*Region, []byte) {
	n := (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2])
	data, buf := makeData(h.Datatype, n)
	return &Region{Header: *h, Lo: lo, Hi: hi, Data: data}, buf
}

// finish byte-swaps a region's voxels to native order.
func (r *Region) finish(buf []byte) *Region {
	if isLittle(r.Header.ByteOrder) != nativeLittle {
		swapBytes(buf, r.Header.Datatype.Size())
	}
	return r
}

// readRegion reads a region from the size bytes of f, choosing how by
// their first bytes.
func readRegion(f io.ReaderAt, size int64, lo, hi [3]int) (*Region, error) {
	var head [2]byte
	if n, _ := f.ReadAt(head[:], 0); n < 2 {
		return wholeRegion(f, size, func(*Header, layout, []byte) ([3]int, [3]int) { return lo, hi })
	}
	if head[0] != 0x1f || head[1] != 0x8b {
		return plainRegion(f, size, lo, hi)
	}
	idx := &memberIndex{f: readerAt(f, size), size: size}
	if ok, err := idx.isMembers(); err != nil || !ok {
		return wholeRegion(f, size, func(*Header, layout, []byte) ([3]int, [3]int) { return lo, hi })
	}
	return idx.region(lo, hi)
}

// wholeRegion decodes all size bytes of f and keeps the box that box
// chooses from its header and voxel bytes.
func wholeRegion(f io.ReaderAt, size int64, box func(*Header, layout, []byte) ([3]int, [3]int)) (*Region, error) {
	img, err := Decode(io.NewSectionReader(f, 0, size))
	if err != nil {
		return nil, err
	}
	h := &img.Header
	l := layoutOf(h)
	_, all, _ := dataBytes(img.Data)
	lo, hi := l.clamp(box(h, l, all))
	r, buf := newRegion(h, lo, hi)
	l.copyRows(buf, lo, hi, all, l.vox)
	return r, nil
}

// plainRegion reads the box's slices of an uncompressed file.
func plainRegion(f io.ReaderAt, size int64, lo, hi [3]int) (*Region, error) {
	h, err := DecodeHeader(io.NewSectionReader(f, 0, size))
	if err != nil {
		return nil, err
	}
	if err := h.CheckLimits(); err != nil {
		return nil, err
	}
	l := layoutOf(h)
	if l.end() > size {
		return nil, &Error{Field: "data", Err: fmt.Errorf("%w: the header needs %d bytes, the input has %d", io.ErrUnexpectedEOF, l.end(), size)}
	}
	lo, hi = l.clamp(lo, hi)
	r, buf := newRegion(h, lo, hi)
	if empty(lo, hi) {
		return r, nil
	}
	// The rows lo[1] to hi[1] of each slice, at once.
	b := make([]byte, int64(hi[1]-lo[1])*l.row)
	for k := lo[2]; k < hi[2]; k++ {
		at := l.vox + (int64(k)*int64(l.shape[1])+int64(lo[1]))*l.row
		if _, err := f.ReadAt(b, at); err != nil && !(errors.Is(err, io.EOF) && at+int64(len(b)) <= size) {
			return nil, readError("data", false, err)
		}
		l.copyRows(buf, lo, hi, b, at)
	}
	return r.finish(buf), nil
}

// smallFile is the size up to which a file is read whole, at once, rather
// than member by member: a mask's file, unlike a CT's.
const smallFile = 4 << 20

// readerAt is f, or its bytes when it is small.
func readerAt(f io.ReaderAt, size int64) io.ReaderAt {
	if size > smallFile {
		return f
	}
	b := make([]byte, size)
	if n, err := f.ReadAt(b, 0); int64(n) != size && err != nil {
		return f
	}
	return bytes.NewReader(b)
}

// memberIndex locates the K3 members of a file, reading only their
// headers and trailers, as far as it has been asked to.
type memberIndex struct {
	f       io.ReaderAt
	size    int64 // of the file
	total   uint64
	members []memberPos
	next    int64 // file offset of the next member to index
	covered int64 // uncompressed bytes the indexed members hold
	ended   bool  // every member is indexed
}

// memberPos is where a member lies, compressed and uncompressed.
type memberPos struct {
	off          int64 // in the file
	hdrLen       int
	bsize, isize int
	ustart       int64 // uncompressed offset of its first byte
}

// isMembers indexes the first member, reporting whether the file is a K3
// stream.
func (x *memberIndex) isMembers() (bool, error) {
	ok, err := x.index()
	return ok && err == nil, err
}

// index adds the next member to the index; it reports false at the end of
// the file or when the bytes there are not a K3 member.
func (x *memberIndex) index() (bool, error) {
	if x.ended || x.next >= x.size {
		x.ended = true
		return false, nil
	}
	var b [memberHeaderLen]byte
	n, _ := x.f.ReadAt(b[:min(int64(len(b)), x.size-x.next)], x.next)
	hdrLen, bsize, total, need, ok := parseMemberHeader(b[:n])
	if need > 0 && x.next+int64(need) <= x.size {
		hb := make([]byte, need)
		if _, err := x.f.ReadAt(hb, x.next); err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		hdrLen, bsize, total, _, ok = parseMemberHeader(hb)
	}
	if !ok {
		return false, nil
	}
	if len(x.members) == 0 {
		x.total = total
	} else if total != x.total {
		return false, errMemberHeader
	}
	if x.next+int64(bsize) > x.size {
		return false, io.ErrUnexpectedEOF
	}
	var t [4]byte
	if _, err := x.f.ReadAt(t[:], x.next+int64(bsize)-4); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	isize := int(binary.LittleEndian.Uint32(t[:]))
	if isize > maxMember || isize > maxDeflateRatio*(bsize-hdrLen) {
		return false, errMemberSize
	}
	x.members = append(x.members, memberPos{off: x.next, hdrLen: hdrLen, bsize: bsize, isize: isize, ustart: x.covered})
	x.next += int64(bsize)
	x.covered += int64(isize)
	return true, nil
}

// cover indexes members until they hold the uncompressed bytes [0, to).
func (x *memberIndex) cover(to int64) error {
	for x.covered < to {
		ok, err := x.index()
		if err != nil {
			return readError("data", true, err)
		}
		if !ok {
			if x.next < x.size {
				return readError("data", true, errMemberHeader)
			}
			return &Error{Field: "data", Err: fmt.Errorf("%w: the stream holds %d bytes, %d needed", io.ErrUnexpectedEOF, x.covered, to)}
		}
	}
	return nil
}

// header inflates the start of the stream and reads the header, checking
// that the stream holds its voxels.
func (x *memberIndex) header() (*Header, layout, error) {
	if x.total < sizeofHdr1 {
		return nil, layout{}, &Error{Field: "header", Err: io.ErrUnexpectedEOF}
	}
	hb := make([]byte, min(x.total, sizeofHdr2))
	if err := x.each(0, int64(len(hb)), func(p memberPos, data []byte) { copy(hb[p.ustart:], data) }, nil); err != nil {
		return nil, layout{}, err
	}
	h, err := readHeader(bytes.NewReader(hb), true)
	if err != nil {
		return nil, layout{}, err
	}
	if err := h.CheckLimits(); err != nil {
		return nil, layout{}, err
	}
	l := layoutOf(h)
	if l.end() > int64(x.total) || l.end() > x.size*maxDeflateRatio {
		return nil, layout{}, &Error{Field: "data", Err: fmt.Errorf("%w: the header needs %d bytes, the stream has %d", io.ErrUnexpectedEOF, l.end(), x.total)}
	}
	if err := checkEnd(l.end(), x.total); err != nil {
		return nil, layout{}, err
	}
	return h, l, nil
}

// region reads the header, then the box's voxels from the members that
// hold them.
func (x *memberIndex) region(lo, hi [3]int) (*Region, error) {
	h, l, err := x.header()
	if err != nil {
		return nil, err
	}
	lo, hi = l.clamp(lo, hi)
	r, buf := newRegion(h, lo, hi)
	from, to := l.span(lo, hi)
	if from == to {
		return r, nil
	}
	var into func(memberPos) []byte
	if l.contiguous(lo, hi) {
		// Members wholly inside the box inflate straight into it (which
		// holds zeros).
		into = func(p memberPos) []byte {
			if p.ustart >= from && p.ustart+int64(p.isize) <= to {
				return buf[p.ustart-from : p.ustart-from+int64(p.isize)]
			}
			return nil
		}
	}
	err = x.each(from, to, func(p memberPos, data []byte) {
		if into == nil || into(p) == nil {
			l.copyRows(buf, lo, hi, data, p.ustart)
		}
	}, into)
	if err != nil {
		return nil, err
	}
	return r.finish(buf), nil
}

// each inflates, on up to GOMAXPROCS goroutines, the members that hold
// uncompressed bytes in [from, to), checking their CRC-32s and sizes, and
// calls use (from several goroutines) with each member's bytes, nil for a
// zero member, which it does not inflate. A member for which into returns
// a slice of its size inflates there (a zero member leaves it as it is),
// and use is called with that slice.
func (x *memberIndex) each(from, to int64, use func(p memberPos, data []byte), into func(memberPos) []byte) error {
	if err := x.cover(to); err != nil {
		return err
	}
	var pending []memberPos
	for _, m := range x.members {
		if m.ustart < to && m.ustart+int64(m.isize) > from {
			pending = append(pending, m)
		}
	}
	errs := make([]error, len(pending))
	var next sync.Mutex
	n := 0
	var wg sync.WaitGroup
	for range min(workers(), len(pending)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var br bytes.Reader
			fr := flate.NewReader(&br)
			m := &inMember{}
			for {
				next.Lock()
				i := n
				n++
				next.Unlock()
				if i >= len(pending) {
					return
				}
				p := pending[i]
				var dst []byte
				if into != nil {
					dst = into(p)
				}
				errs[i] = x.inflateAndUse(p, m, fr, &br, dst, use)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return readError("data", true, err)
		}
	}
	return nil
}

// inflateAndUse inflates member p (inflate) and hands its data to use; a
// panic on the way is an internal error (*panics.Error), not a crash of
// the worker goroutine.
func (x *memberIndex) inflateAndUse(p memberPos, m *inMember, fr io.Reader, br *bytes.Reader, dst []byte, use func(memberPos, []byte)) (err error) {
	defer panics.Recover(&err)
	data, err := x.inflate(p, m, fr, br, dst)
	if err == nil {
		use(p, data)
	}
	return err
}

// inflate reads member p and inflates it into dst, or when dst is nil into
// m's own buffer, and returns its bytes; nil for a zero member.
func (x *memberIndex) inflate(p memberPos, m *inMember, fr io.Reader, br *bytes.Reader, dst []byte) ([]byte, error) {
	if cap(m.raw) < p.bsize {
		m.raw = make([]byte, p.bsize)
	}
	m.raw = m.raw[:p.bsize]
	if _, err := x.f.ReadAt(m.raw, p.off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	m.hdrLen, m.complete = p.hdrLen, true
	m.inTarget = dst != nil
	if m.inTarget {
		m.dst = dst
	} else {
		if cap(m.buf) < p.isize {
			m.buf = make([]byte, p.isize)
		}
		m.dst = m.buf[:p.isize]
	}
	m.inflate(fr, br)
	if m.err != nil {
		return nil, m.err
	}
	if len(m.data) != p.isize {
		return nil, errChecksum
	}
	if m.zero {
		return nil, nil
	}
	return m.data, nil
}

// readNonzero reads the bounding box of the nonzero stored values of the
// size bytes of f.
func readNonzero(f io.ReaderAt, size int64) (*Region, error) {
	var head [2]byte
	if n, _ := f.ReadAt(head[:], 0); n == 2 && head[0] == 0x1f && head[1] == 0x8b {
		idx := &memberIndex{f: readerAt(f, size), size: size}
		if ok, err := idx.isMembers(); err == nil && ok {
			return idx.nonzero()
		}
	}
	return wholeRegion(f, size, func(h *Header, l layout, b []byte) ([3]int, [3]int) {
		var bb bbox
		bb.add(l, b, l.vox)
		return bb.box()
	})
}

// bbox accumulates the bounding box of nonzero voxels.
type bbox struct {
	lo, hi [3]int
	any    bool
}

func (b *bbox) box() ([3]int, [3]int) {
	if !b.any {
		return [3]int{}, [3]int{}
	}
	return b.lo, b.hi
}

// merge adds another box.
func (b *bbox) merge(o bbox) {
	if !o.any {
		return
	}
	if !b.any {
		*b = o
		return
	}
	for a := range 3 {
		b.lo[a], b.hi[a] = min(b.lo[a], o.lo[a]), max(b.hi[a], o.hi[a])
	}
}

// add adds the nonzero voxels of the file bytes src, from file offset at.
func (b *bbox) add(l layout, src []byte, at int64) {
	ny := int64(l.shape[1])
	end := at + int64(len(src))
	for r := max((at-l.vox)/l.row, 0); l.vox+r*l.row < end; r++ {
		s0 := l.vox + r*l.row
		a, e := max(s0, at), min(s0+l.row, end)
		if a >= e || r >= ny*int64(l.shape[2]) {
			continue
		}
		seg := src[a-at : e-at]
		first := firstNonzeroByte(seg)
		if first < 0 {
			continue
		}
		last := lastNonzeroByte(seg)
		i0, i1 := int((a-s0)+int64(first))/l.size, int((a-s0)+int64(last))/l.size+1
		j, k := int(r%ny), int(r/ny)
		o := bbox{lo: [3]int{i0, j, k}, hi: [3]int{i1, j + 1, k + 1}, any: true}
		b.merge(o)
	}
}

// memberBufs are the buffers nonzero keeps members in, reused.
var memberBufs sync.Pool

// nonzero indexes every member, inflates those that are not zero members,
// finds the bounding box of their nonzero voxels and copies it.
func (x *memberIndex) nonzero() (*Region, error) {
	if err := x.cover(int64(x.total)); err != nil {
		return nil, err
	}
	if x.next != x.size {
		// As for Decode, a K3 stream is K3 to its end.
		return nil, readError("data", true, errMemberHeader)
	}
	h, l, err := x.header()
	if err != nil {
		return nil, err
	}
	type kept struct {
		p    memberPos
		data []byte
	}
	var mu sync.Mutex
	var all []kept
	var bb bbox
	// Each member inflates into a buffer of the pool, kept when it holds
	// a nonzero voxel.
	bufs := map[int64]*[]byte{}
	into := func(p memberPos) []byte {
		buf, _ := memberBufs.Get().(*[]byte)
		if buf == nil || cap(*buf) < p.isize {
			buf = new([]byte)
			*buf = make([]byte, max(p.isize, memberSize))
		}
		mu.Lock()
		bufs[p.off] = buf
		mu.Unlock()
		return (*buf)[:p.isize]
	}
	err = x.each(l.vox, l.end(), func(p memberPos, data []byte) {
		var b bbox
		b.add(l, data, p.ustart)
		mu.Lock()
		defer mu.Unlock()
		if !b.any {
			memberBufs.Put(bufs[p.off])
			delete(bufs, p.off)
			return
		}
		all = append(all, kept{p, data})
		bb.merge(b)
	}, into)
	defer func() {
		for _, buf := range bufs {
			memberBufs.Put(buf)
		}
	}()
	if err != nil {
		return nil, err
	}
	lo, hi := bb.box()
	r, buf := newRegion(h, lo, hi)
	for _, k := range all {
		l.copyRows(buf, lo, hi, k.data, k.p.ustart)
	}
	return r.finish(buf), nil
}

// firstNonzeroByte is the index of b's first nonzero byte, or -1.
func firstNonzeroByte(b []byte) int {
	i := 0
	for ; i+32 <= len(b); i += 32 {
		if binary.LittleEndian.Uint64(b[i:])|binary.LittleEndian.Uint64(b[i+8:])|binary.LittleEndian.Uint64(b[i+16:])|binary.LittleEndian.Uint64(b[i+24:]) != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] != 0 {
			return i
		}
	}
	return -1
}

// lastNonzeroByte is the index of b's last nonzero byte, or -1.
func lastNonzeroByte(b []byte) int {
	i := len(b)
	for ; i >= 32; i -= 32 {
		if binary.LittleEndian.Uint64(b[i-32:])|binary.LittleEndian.Uint64(b[i-24:])|binary.LittleEndian.Uint64(b[i-16:])|binary.LittleEndian.Uint64(b[i-8:]) != 0 {
			break
		}
	}
	for i--; i >= 0; i-- {
		if b[i] != 0 {
			return i
		}
	}
	return -1
}
