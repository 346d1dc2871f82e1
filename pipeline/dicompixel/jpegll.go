package dicompixel

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file decodes JPEG lossless, process 14 (ITU-T T.81 annex H): one
// greyscale component, 2 to 16 bits, Huffman coded, any of the seven
// predictors, a point transform and restart intervals. It is kidney3d's
// own: go-dicom-codec v0.6.0's decoder gets predictor 6 wrong (5.2 million
// of 5.2 million voxels of dcmtk's `dcmcjpeg +el` output differ), and
// DICOM's transfer syntaxes .57 and .70 are both this process.

// losslessFrame is a decoded lossless frame: samples row by row.
type losslessFrame struct {
	width, height, precision int
	samples                  []uint16
}

// huffman is one DC Huffman table: for each code length the codes'
// first value, their count and where their symbols start.
type huffman struct {
	maxCode [18]int32 // largest code of each length, -1 when none
	valPtr  [17]int32
	minCode [17]int32
	symbols []byte
}

func newHuffman(counts [16]byte, symbols []byte) (*huffman, error) {
	h := &huffman{symbols: symbols}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.valPtr[l], h.minCode[l] = k, code
		code += n
		k += n
		h.maxCode[l] = code - 1
		if n == 0 {
			h.maxCode[l] = -1
		}
		if code > 1<<l {
			return nil, errors.New("Huffman table has more codes than its lengths allow")
		}
		code <<= 1
	}
	h.maxCode[17] = 1 << 30
	if int(k) > len(symbols) {
		return nil, errors.New("Huffman table has fewer symbols than codes")
	}
	return h, nil
}

// bitReader reads entropy-coded bits, unstuffing 0xFF00 and stopping at
// a marker (after which it gives zero bits).
type bitReader struct {
	data   []byte
	pos    int
	acc    uint32
	n      uint
	marker bool
}

func (r *bitReader) fill() {
	for r.n <= 24 {
		var b byte
		if !r.marker && r.pos < len(r.data) {
			b = r.data[r.pos]
			if b == 0xFF {
				if r.pos+1 < len(r.data) && r.data[r.pos+1] == 0x00 {
					r.pos += 2
				} else {
					r.marker, b = true, 0
				}
			} else {
				r.pos++
			}
		}
		r.acc |= uint32(b) << (24 - r.n)
		r.n += 8
	}
}

func (r *bitReader) bits(n uint) int32 {
	if n == 0 {
		return 0
	}
	if r.n < n {
		r.fill()
	}
	v := int32(r.acc >> (32 - n))
	r.acc <<= n
	r.n -= n
	return v
}

func (r *bitReader) decode(h *huffman) (byte, error) {
	code := r.bits(1)
	for l := 1; l <= 16; l++ {
		if code <= h.maxCode[l] {
			i := h.valPtr[l] + code - h.minCode[l]
			if int(i) >= len(h.symbols) || i < 0 {
				break
			}
			return h.symbols[i], nil
		}
		code = code<<1 | r.bits(1)
	}
	return 0, errors.New("bad Huffman code")
}

// restart skips to the next RSTn marker.
func (r *bitReader) restart() error {
	r.acc, r.n = 0, 0
	for r.pos+1 < len(r.data) {
		if r.data[r.pos] == 0xFF && r.data[r.pos+1] >= 0xD0 && r.data[r.pos+1] <= 0xD7 {
			r.pos += 2
			r.marker = false
			return nil
		}
		if r.data[r.pos] == 0xFF && r.data[r.pos+1] != 0 && r.data[r.pos+1] != 0xFF {
			break
		}
		r.pos++
	}
	return errors.New("a restart marker is missing")
}

// decodeLossless decodes a JPEG lossless (process 14) stream.
func decodeLossless(data []byte) (*losslessFrame, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("no JPEG start of image")
	}
	var f losslessFrame
	var tables [4]*huffman
	restartInterval := 0
	pos := 2
	for {
		for pos < len(data) && data[pos] == 0xFF && pos+1 < len(data) && data[pos+1] == 0xFF {
			pos++ // fill bytes
		}
		if pos+4 > len(data) || data[pos] != 0xFF {
			return nil, errors.New("the stream ends before its scan")
		}
		marker := data[pos+1]
		length := int(binary.BigEndian.Uint16(data[pos+2:]))
		if length < 2 || pos+2+length > len(data) {
			return nil, fmt.Errorf("marker FF%02X's segment runs past the stream", marker)
		}
		seg := data[pos+4 : pos+2+length]
		pos += 2 + length
		switch {
		case marker == 0xC3:
			if len(seg) < 9 {
				return nil, errors.New("short frame header")
			}
			f.precision = int(seg[0])
			f.height, f.width = int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:]))
			if seg[5] != 1 {
				return nil, fmt.Errorf("%d components: only greyscale is read", seg[5])
			}
			if f.precision < 2 || f.precision > 16 || f.width == 0 || f.height == 0 {
				return nil, fmt.Errorf("frame of %d×%d at %d bits", f.width, f.height, f.precision)
			}
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return nil, fmt.Errorf("frame type FF%02X is not lossless process 14", marker)
		case marker == 0xC4:
			for len(seg) > 0 {
				if len(seg) < 17 {
					return nil, errors.New("short Huffman table")
				}
				var counts [16]byte
				copy(counts[:], seg[1:17])
				n := 0
				for _, c := range counts {
					n += int(c)
				}
				if len(seg) < 17+n {
					return nil, errors.New("short Huffman table")
				}
				h, err := newHuffman(counts, seg[17:17+n])
				if err != nil {
					return nil, err
				}
				tables[seg[0]&3] = h
				seg = seg[17+n:]
			}
		case marker == 0xDD:
			if len(seg) < 2 {
				return nil, errors.New("short restart interval")
			}
			restartInterval = int(binary.BigEndian.Uint16(seg))
		case marker == 0xDA:
			if f.width == 0 {
				return nil, errors.New("scan before the frame header")
			}
			if len(seg) < 6 || seg[0] != 1 {
				return nil, errors.New("scan of other than one component")
			}
			h := tables[seg[2]>>4&3]
			if h == nil {
				return nil, errors.New("scan uses an undefined Huffman table")
			}
			predictor, pt := int(seg[3]), uint(seg[5]&15)
			if predictor < 1 || predictor > 7 || int(pt) >= f.precision {
				return nil, fmt.Errorf("predictor %d, point transform %d", predictor, pt)
			}
			if err := f.scan(&bitReader{data: data[pos:]}, h, predictor, pt, restartInterval); err != nil {
				return nil, err
			}
			return &f, nil
		}
	}
}

// scan decodes the samples of the frame's one scan.
func (f *losslessFrame) scan(r *bitReader, h *huffman, predictor int, pt uint, restartInterval int) error {
	w, n := f.width, f.width*f.height
	if n > 8*len(r.data) {
		// Every sample takes at least one bit.
		return fmt.Errorf("a %d-byte scan cannot hold %d×%d samples", len(r.data), f.width, f.height)
	}
	f.samples = make([]uint16, n)
	v := make([]int32, n) // point-transformed reconstructed values
	initial := int32(1) << (uint(f.precision) - pt - 1)
	resetAt := 0 // the sample where the current restart interval began
	for i := 0; i < n; i++ {
		if restartInterval > 0 && i > 0 && i%restartInterval == 0 {
			if err := r.restart(); err != nil {
				return err
			}
			resetAt = i
		}
		s, err := r.decode(h)
		if err != nil {
			return fmt.Errorf("sample %d: %w", i, err)
		}
		var diff int32
		switch {
		case s == 16:
			diff = 32768
		case s > 16:
			return fmt.Errorf("sample %d: difference category %d", i, s)
		case s > 0:
			diff = r.bits(uint(s))
			if diff < 1<<(s-1) {
				diff -= 1<<s - 1
			}
		}
		row, col := i/w, i%w
		var px int32
		switch {
		case i == resetAt:
			px = initial
		case row == resetAt/w:
			px = v[i-1] // the first line of an interval: Ra
		case col == 0:
			px = v[i-w] // first sample of a line: Rb
		default:
			ra, rb, rc := v[i-1], v[i-w], v[i-w-1]
			switch predictor {
			case 1:
				px = ra
			case 2:
				px = rb
			case 3:
				px = rc
			case 4:
				px = ra + rb - rc
			case 5:
				px = ra + (rb-rc)>>1
			case 6:
				px = rb + (ra-rc)>>1
			case 7:
				px = (ra + rb) >> 1
			}
		}
		v[i] = (px + diff) & 0xFFFF // modulo 2^16 (H.2.1)
		f.samples[i] = uint16(v[i] << pt)
	}
	return nil
}
