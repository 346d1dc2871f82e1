package dicompixel_test

import (
	"testing"

	"kidney3d/pipeline/dicompixel"
)

// FuzzDecode feeds every compressed coding arbitrary frames: Decode must
// return an error or a frame, never panic or hang.
func FuzzDecode(f *testing.F) {
	words := make([]uint16, 64)
	for i := range words {
		words[i] = uint16(i * 37)
	}
	f.Add(byte(0), rleFrame(words))
	f.Add(byte(1), []byte{0xFF, 0xD8, 0xFF, 0xC3, 0, 11, 16, 0, 8, 0, 8, 1, 1, 0x11, 0})
	f.Add(byte(2), []byte{0xFF, 0xD8, 0xFF, 0xF7, 0, 11, 16, 0, 8, 0, 8, 1, 1, 0x11, 0})
	f.Add(byte(3), []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 41})
	uids := []string{"1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.1"}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		format := dicompixel.Format{Rows: 8, Columns: 8, SamplesPerPixel: 1, BitsAllocated: 16, BitsStored: 12}
		dst := make([]int32, format.Pixels())
		_ = dicompixel.Decode(dicompixel.Lookup(uids[int(which)%len(uids)]), format, [][]byte{data}, dst)
	})
}
