package dicompixel

import (
	"encoding/binary"
	"math/rand"
	"testing"
)

// bitWriter writes entropy-coded bits with 0xFF byte stuffing.
type bitWriter struct {
	out []byte
	acc uint32
	n   uint
}

func (w *bitWriter) put(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		w.n++
		if w.n == 8 {
			w.out = append(w.out, byte(w.acc))
			if byte(w.acc) == 0xFF {
				w.out = append(w.out, 0)
			}
			w.acc, w.n = 0, 0
		}
	}
}

func (w *bitWriter) align() {
	for w.n != 0 {
		w.put(1, 1)
	}
}

// encodeLossless is a test encoder of JPEG lossless process 14: one
// Huffman table giving every difference category a 5-bit code (the
// category itself).
func encodeLossless(x []uint16, width, height, precision, predictor int, pt uint, restart int) []byte {
	seg := func(marker byte, body ...byte) []byte {
		b := []byte{0xFF, marker, 0, 0}
		binary.BigEndian.PutUint16(b[2:], uint16(len(body)+2))
		return append(b, body...)
	}
	out := []byte{0xFF, 0xD8}
	out = append(out, seg(0xC3, byte(precision), byte(height>>8), byte(height), byte(width>>8), byte(width), 1, 1, 0x11, 0)...)
	dht := []byte{0x00, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for s := 0; s <= 16; s++ {
		dht = append(dht, byte(s))
	}
	out = append(out, seg(0xC4, dht...)...)
	if restart > 0 {
		out = append(out, seg(0xDD, byte(restart>>8), byte(restart))...)
	}
	out = append(out, seg(0xDA, 1, 1, 0x00, byte(predictor), 0, byte(pt))...)
	v := make([]int32, len(x))
	for i := range x {
		v[i] = int32(x[i] >> pt)
	}
	w := &bitWriter{}
	resetAt, m := 0, 0
	for i := range v {
		if restart > 0 && i > 0 && i%restart == 0 {
			w.align()
			w.out = append(w.out, 0xFF, 0xD0+byte(m%8))
			m++
			resetAt = i
		}
		row, col := i/width, i%width
		var px int32
		switch {
		case i == resetAt:
			px = 1 << (uint(precision) - pt - 1)
		case row == resetAt/width:
			px = v[i-1]
		case col == 0:
			px = v[i-width]
		default:
			ra, rb, rc := v[i-1], v[i-width], v[i-width-1]
			px = [...]int32{0, ra, rb, rc, ra + rb - rc, ra + (rb-rc)>>1, rb + (ra-rc)>>1, (ra + rb) >> 1}[predictor]
		}
		d := (v[i] - px) & 0xFFFF
		if d >= 32768 {
			d -= 65536
		}
		if d == -32768 {
			w.put(16, 5)
			continue
		}
		s, a := uint(0), d
		if a < 0 {
			a = -a
		}
		for a>>s != 0 {
			s++
		}
		w.put(uint32(s), 5)
		if d < 0 {
			d += 1<<s - 1
		}
		w.put(uint32(d), s)
	}
	w.align()
	return append(append(out, w.out...), 0xFF, 0xD9)
}

func TestLosslessPredictorsRestartsPointTransform(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	const width, height = 13, 7
	for _, tc := range []struct {
		precision int
		pt        uint
		restart   int
	}{{16, 0, 0}, {12, 0, 0}, {16, 0, width * 2}, {12, 2, width}, {8, 1, 0}} {
		for predictor := 1; predictor <= 7; predictor++ {
			x := make([]uint16, width*height)
			for i := range x {
				x[i] = uint16(r.Intn(1<<tc.precision)) >> tc.pt << tc.pt
				if i%5 == 0 {
					x[i] = uint16(1<<tc.precision-1) >> tc.pt << tc.pt // extremes, for overflow
				}
			}
			fr, err := decodeLossless(encodeLossless(x, width, height, tc.precision, predictor, tc.pt, tc.restart))
			if err != nil {
				t.Fatalf("%+v predictor %d: %v", tc, predictor, err)
			}
			for i := range x {
				if fr.samples[i] != x[i] {
					t.Fatalf("%+v predictor %d: sample %d = %d, want %d", tc, predictor, i, fr.samples[i], x[i])
				}
			}
		}
	}
}

// FuzzDecodeLossless checks that the JPEG lossless decoder never panics
// and that what it decodes has the size its header says.
func FuzzDecodeLossless(f *testing.F) {
	x := make([]uint16, 6*5)
	for i := range x {
		x[i] = uint16(i * 997)
	}
	f.Add(encodeLossless(x, 6, 5, 16, 6, 0, 0))
	f.Add(encodeLossless(x, 6, 5, 16, 1, 0, 6))
	f.Add(encodeLossless(x, 5, 6, 12, 7, 1, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeLossless(b)
		if err == nil && len(fr.samples) != fr.width*fr.height {
			t.Fatalf("%d samples for %d×%d", len(fr.samples), fr.width, fr.height)
		}
	})
}

// FuzzShareFragments checks that sharing fragments out between frames by a
// basic offset table never panics and never loses or reorders fragments.
func FuzzShareFragments(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 20, 0, 0, 0}, byte(3), byte(2))
	f.Add([]byte{0, 0, 0, 0}, byte(2), byte(1))
	f.Fuzz(func(t *testing.T, table []byte, nfrag, frames byte) {
		var fragments [][]byte
		var offsets []int
		off := 0
		for i := 0; i < int(nfrag%16); i++ {
			fragments = append(fragments, make([]byte, 2+2*i))
			offsets = append(offsets, off)
			off += 8 + 2 + 2*i
		}
		out, err := shareFragments(fragments, offsets, table, int(frames%8)+1)
		if err != nil {
			return
		}
		n := 0
		for _, fr := range out {
			for _, x := range fr {
				if len(x) != len(fragments[n]) {
					t.Fatalf("fragment %d out of order", n)
				}
				n++
			}
		}
		if n != len(fragments) {
			t.Fatalf("%d of %d fragments shared out", n, len(fragments))
		}
	})
}
