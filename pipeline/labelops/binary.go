package labelops

import (
	"encoding/binary"
	"fmt"
	"sync"

	"kidney3d/pipeline/parallel"
	"kidney3d/pipeline/volume"
)

// CheckBinary accepts a binary mask: values 0 and 1, or 0 and the label's
// own value. It scans in parallel, 32 voxels at a time where they are all
// 0 or 1, and names the first bad voxel.
func CheckBinary(m *volume.Volume[uint8], value uint8) error {
	return checkBinary(m, value, [3]int{})
}

// CheckBinaryPart is CheckBinary of p.Full(), scanning p's box alone.
func CheckBinaryPart(p *volume.Part[uint8], value uint8) error {
	if p.Box == nil {
		return nil
	}
	return checkBinary(p.Box, value, p.Lo)
}

// checkBinary checks m, a box whose first voxel is at, naming voxels by
// their place in the whole.
func checkBinary(m *volume.Volume[uint8], value uint8, at [3]int) error {
	var mu sync.Mutex
	bad := len(m.Data)
	parallel.For(len(m.Data), 1<<16, func(lo, hi int) {
		if n := firstNotBinary(m.Data[lo:hi], value); n >= 0 {
			mu.Lock()
			bad = min(bad, lo+n)
			mu.Unlock()
		}
	})
	if bad == len(m.Data) {
		return nil
	}
	i, j, k := m.Coords(bad)
	i, j, k = i+at[0], j+at[1], k+at[2]
	return fmt.Errorf("value %d at voxel (%d, %d, %d) is neither 0, 1 nor the label's value %d: not a binary mask of this label", m.Data[bad], i, j, k, value)
}

// firstNotBinary is the index of the first byte of s that is neither 0, 1
// nor value, or -1. Blocks of 32 bytes that are each 0 or 1 are skipped
// whole.
func firstNotBinary(s []uint8, value uint8) int {
	const ones, block = 0x0101010101010101, 32
	le := binary.LittleEndian
	for i := 0; i < len(s); i += block {
		end := min(i+block, len(s))
		if b := s[i:end]; len(b) == block && (le.Uint64(b)|le.Uint64(b[8:])|le.Uint64(b[16:])|le.Uint64(b[24:]))&^ones == 0 {
			continue
		}
		for j := i; j < end; j++ {
			if x := s[j]; x != 0 && x != 1 && x != value {
				return j
			}
		}
	}
	return -1
}

// Count is the number of voxels set (nonzero) in a mask.
func Count(m *volume.Volume[uint8]) int {
	n := 0
	for _, v := range m.Data {
		if v != 0 {
			n++
		}
	}
	return n
}
