package dicomscan

import "encoding/binary"

// SniffLen is how many bytes of a file Sniff looks at.
const SniffLen = 132

// Sniff reports whether a file that begins with head (its first SniffLen
// bytes, or the whole file when shorter) is DICOM: "DICM" after a 128-byte
// preamble, or a first element of group 0002 (file meta information) or
// 0008 (identification) with a small element number, either with an
// explicit VR of two upper-case letters or with a 32-bit implicit length
// that fits the file.
func Sniff(head []byte) bool {
	if len(head) >= SniffLen && string(head[128:132]) == "DICM" {
		return true
	}
	if len(head) < 12 {
		return false
	}
	group := binary.LittleEndian.Uint16(head)
	elem := binary.LittleEndian.Uint16(head[2:])
	if (group != 0x0002 && group != 0x0008) || elem > 0x0100 {
		return false
	}
	if isUpper(head[4]) && isUpper(head[5]) {
		return true
	}
	n := binary.LittleEndian.Uint32(head[4:])
	return n < 1<<16 && n%2 == 0
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
