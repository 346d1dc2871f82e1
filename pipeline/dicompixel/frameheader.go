package dicompixel

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// streamSize reads the width, height and component count a compressed
// frame declares (JPEG and JPEG-LS: the start-of-frame segment; JPEG 2000:
// the SIZ segment), so that a stream that declares another size than the
// DICOM header is refused before a decoder allocates for it.
func streamSize(c Coding, data []byte) (w, h, comps int, err error) {
	switch c {
	case JPEG2000:
		return j2kSize(data)
	case JPEGLossless, JPEGLS, JPEGBaseline:
		return jpegSize(data)
	}
	return 0, 0, 0, fmt.Errorf("no frame header for coding %d", c)
}

// jpegSize walks JPEG marker segments to the first start of frame (SOF0…
// SOF15 or JPEG-LS's SOF55).
func jpegSize(b []byte) (int, int, int, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0, 0, 0, errors.New("no JPEG start of image")
	}
	for pos := 2; pos+4 <= len(b); {
		if b[pos] != 0xFF {
			return 0, 0, 0, fmt.Errorf("no marker at byte %d", pos)
		}
		m := b[pos+1]
		if m == 0xFF {
			pos++
			continue
		}
		n := int(binary.BigEndian.Uint16(b[pos+2:]))
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) || m == 0xF7 {
			if n < 8 || pos+2+n > len(b) {
				return 0, 0, 0, errors.New("short start of frame")
			}
			s := b[pos+4:]
			return int(binary.BigEndian.Uint16(s[3:])), int(binary.BigEndian.Uint16(s[1:])), int(s[5]), nil
		}
		pos += 2 + n
	}
	return 0, 0, 0, errors.New("no start of frame")
}

// j2kSize reads the SIZ segment that follows a JPEG 2000 codestream's SOC.
func j2kSize(b []byte) (int, int, int, error) {
	if len(b) < 4+38 || b[0] != 0xFF || b[1] != 0x4F || b[2] != 0xFF || b[3] != 0x51 {
		return 0, 0, 0, errors.New("no JPEG 2000 codestream (SOC, SIZ)")
	}
	s := b[6:]
	x, y := binary.BigEndian.Uint32(s[2:]), binary.BigEndian.Uint32(s[6:])
	x0, y0 := binary.BigEndian.Uint32(s[10:]), binary.BigEndian.Uint32(s[14:])
	if x0 >= x || y0 >= y {
		return 0, 0, 0, fmt.Errorf("image area %d×%d from (%d, %d)", x, y, x0, y0)
	}
	return int(x - x0), int(y - y0), int(binary.BigEndian.Uint16(s[34:])), nil
}
