package nifti

import (
	"encoding/binary"
	"errors"
)

// Encode writes a .nii.gz as a sequence of independent gzip members (RFC
// 1952 §2.2), like the BGZF files of bioinformatics: each member holds
// memberSize bytes of the uncompressed stream (the last one fewer), so any
// gzip reader sees one ordinary stream, while Decode can find every member
// without inflating and inflate them in parallel. Each member's header has
// FLG = FEXTRA, MTIME = 0, OS = 255 and one extra subfield:
//
//	SI1 SI2  'K' '3'
//	LEN      12 (little-endian uint16)
//	BSIZE    the member's size in bytes, header to trailer (uint32)
//	TOTAL    the whole stream's uncompressed size (uint64)
const (
	// memberHeaderLen is the size of a member's header: 10 fixed bytes,
	// XLEN, and the subfield's 4-byte head and 12-byte payload.
	memberHeaderLen = 12 + 4 + 12
	// memberTrailerLen is the size of a member's trailer: CRC32 and ISIZE.
	memberTrailerLen = 8
	// maxMember bounds the uncompressed size of a member Decode accepts,
	// and (doubled) its compressed size, so a damaged size field cannot
	// make it allocate much.
	maxMember = 16 << 20
)

// memberSize is how much of the uncompressed stream Encode puts in each
// member (a variable for the tests).
var memberSize = 1 << 20

// Reasons for ErrCorrupt specific to the members.
var (
	errChecksum     = errors.New("invalid checksum")
	errMemberHeader = errors.New("invalid header of a K3 member")
	errMemberSize   = errors.New("invalid member size")
	errMemberData   = errors.New("deflate data does not fit its member")
)

// putMemberHeader writes the header of a member of bsize bytes, in a
// stream of total uncompressed bytes compressed at level, into b.
func putMemberHeader(b []byte, bsize uint32, total uint64, level int) {
	xfl := byte(0)
	switch level {
	case 9:
		xfl = 2
	case 1, HuffmanOnly:
		xfl = 4
	}
	copy(b, []byte{0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, xfl, 255, 16, 0, 'K', '3', 12, 0})
	binary.LittleEndian.PutUint32(b[16:], bsize)
	binary.LittleEndian.PutUint64(b[20:], total)
}

// parseMemberHeader reads a member header from the start of b (at least 12
// bytes). need > 0 means the header's extra field needs need bytes in all,
// more than b holds. Otherwise ok reports a K3 member, with its header's
// length, its size in bytes and the stream's uncompressed size.
func parseMemberHeader(b []byte) (hdrLen, bsize int, total uint64, need int, ok bool) {
	if len(b) < 12 || b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 || b[3] != 0x04 {
		return 0, 0, 0, 0, false
	}
	hdrLen = 12 + int(binary.LittleEndian.Uint16(b[10:]))
	if len(b) < hdrLen {
		return 0, 0, 0, hdrLen, false
	}
	for extra := b[12:hdrLen]; len(extra) >= 4; {
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			break
		}
		if extra[0] == 'K' && extra[1] == '3' && n == 12 {
			bsize := binary.LittleEndian.Uint32(extra[4:])
			total := binary.LittleEndian.Uint64(extra[8:])
			if int64(bsize) < int64(hdrLen+memberTrailerLen) || bsize > 2*maxMember {
				return 0, 0, 0, 0, false
			}
			return hdrLen, int(bsize), total, 0, true
		}
		extra = extra[4+n:]
	}
	return 0, 0, 0, 0, false
}
