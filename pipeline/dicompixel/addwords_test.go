package dicompixel

import "testing"

// TestAddWords wants addWords' sums word by word, for every length of a
// row up to three loops of eight and a tail, read from an odd address.
func TestAddWords(t *testing.T) {
	raw := make([]byte, 2*40+1)
	for i := range raw {
		raw[i] = byte(i*73 + 11)
	}
	in := raw[1:]
	for _, c := range []struct{ mask, add uint16 }{{0x0FFF, 0xFC00}, {0xFFFF, 0x8ABC}, {0x7FFF, 0}} {
		for n := 0; n <= 27; n++ {
			out := make([]int16, n+1)
			out[n] = 99 // past the row: untouched
			addWords(in, out[:n], c.mask, c.add)
			for k := range n {
				if w := uint16(in[2*k]) | uint16(in[2*k+1])<<8; out[k] != int16(w&c.mask+c.add) {
					t.Fatalf("mask %#x add %#x, %d words: word %d is %d, want %d", c.mask, c.add, n, k, out[k], int16(w&c.mask+c.add))
				}
			}
			if out[n] != 99 {
				t.Fatalf("%d words: wrote past the row", n)
			}
		}
	}
	// Two words spelled out: 0x0B0A masked to 0x0B0A, 0x0D0C to 0x0D0C,
	// each less 1024.
	out := make([]int16, 2)
	addWords([]byte{0x0A, 0x0B, 0x0C, 0x0D}, out, 0x0FFF, 0xFC00)
	if out[0] != 0x0B0A-1024 || out[1] != 0x0D0C-1024 {
		t.Errorf("got %v", out)
	}
}
