package dicomwrite

import (
	"encoding/binary"
	"fmt"
)

// EncodeEnhanced is one Enhanced CT Image object holding every slice as a
// frame: the attributes of the first slice, Number of Frames, the shared
// functional groups (pixel measures, plane orientation, value
// transformation, from the first slice) and per frame its plane position
// and frame content (stack "1", in-stack position), pixel data of all
// frames in order. Slices must share size, spacing, orientation and
// rescaling.
func EncodeEnhanced(slices []Slice) []byte {
	base := slices[0]
	mf := &multiFrame{frames: len(slices)}
	mf.pixels = func(order binary.ByteOrder) []byte {
		n := base.Rows * base.Cols
		px := make([]byte, 2*n*len(slices))
		for k, s := range slices {
			for i := 0; i < n; i++ {
				w := uint16(i)
				if s.Words != nil {
					w = s.Words[i]
				}
				order.PutUint16(px[2*(k*n+i):], w)
			}
		}
		return px
	}
	mf.groups = func(explicit bool, order binary.AppendByteOrder) []element {
		ds := func(v ...float64) []byte {
			out := ""
			for i, x := range v {
				if i > 0 {
					out += `\`
				}
				out += trimFloat(x)
			}
			return pad(out, ' ')
		}
		enc := func(elems ...element) []byte {
			var b []byte
			for _, e := range elems {
				b = appendElement(b, e, explicit, order)
			}
			return b
		}
		item := func(content []byte) []byte {
			b := order.AppendUint16(nil, 0xFFFE)
			b = order.AppendUint16(b, 0xE000)
			b = order.AppendUint32(b, uint32(len(content)))
			return append(b, content...)
		}
		sq := func(g, e uint16, items ...[]byte) element {
			var v []byte
			for _, it := range items {
				v = append(v, item(it)...)
			}
			return element{g, e, "SQ", v, ""}
		}
		shared := enc(
			sq(0x0020, 0x9116, enc(element{0x0020, 0x0037, "DS", ds(base.Orientation[:]...), ""})),
			sq(0x0028, 0x9110, enc(
				element{0x0018, 0x0050, "DS", ds(base.Thickness), ""},
				element{0x0028, 0x0030, "DS", ds(base.Spacing[:]...), ""})),
			sq(0x0028, 0x9145, enc(
				element{0x0028, 0x1052, "DS", ds(base.Intercept), ""},
				element{0x0028, 0x1053, "DS", ds(base.Slope), ""},
				element{0x0028, 0x1054, "LO", pad("HU", ' '), ""})),
		)
		perFrame := make([][]byte, len(slices))
		for k, s := range slices {
			perFrame[k] = enc(
				sq(0x0020, 0x9111, enc(
					element{0x0020, 0x9056, "SH", pad("1", ' '), ""},
					element{0x0020, 0x9057, "UL", order.AppendUint32(nil, uint32(k+1)), ""})),
				sq(0x0020, 0x9113, enc(element{0x0020, 0x0032, "DS", ds(s.Position[:]...), ""})),
			)
		}
		return []element{
			sq(0x5200, 0x9229, shared),
			sq(0x5200, 0x9230, perFrame...),
		}
	}
	if base.SOPUID == "" {
		base.SOPUID = fmt.Sprintf("%s.1", base.SeriesUID)
	}
	return encode(base, mf)
}
