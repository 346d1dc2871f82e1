package dicompixel

import (
	"encoding/binary"
	"fmt"

	"github.com/cocosip/go-dicom-codecs/jpeg/baseline"
	"github.com/cocosip/go-dicom-codecs/jpeg/extended"
	"github.com/cocosip/go-dicom-codecs/jpeg2000"
	jpegls "github.com/cocosip/go-dicom-codecs/jpegls/lossless"
	"github.com/cocosip/go-dicom-codecs/jpegls/nearlossless"
)

// Format is how one frame's samples are laid out, from the image pixel
// module (group 0028).
type Format struct {
	Rows, Columns   int
	SamplesPerPixel int
	BitsAllocated   int // 8, 16 or 32
	BitsStored      int // 1 … BitsAllocated
	Signed          bool
}

// Pixels is the number of pixels of one frame.
func (f Format) Pixels() int { return f.Rows * f.Columns }

// Check reports a format Decode cannot decode: not one sample per pixel
// (colour), an odd Bits Allocated, Bits Stored outside 1 … Bits Allocated,
// or no pixels.
func (f Format) Check() error {
	switch {
	case f.Rows <= 0 || f.Columns <= 0:
		return fmt.Errorf("%d rows × %d columns: no pixels", f.Rows, f.Columns)
	case f.Rows > 65535 || f.Columns > 65535:
		return fmt.Errorf("%d rows × %d columns: more than DICOM's US values allow", f.Rows, f.Columns)
	case f.SamplesPerPixel != 1:
		return fmt.Errorf("%d samples per pixel: only greyscale images (1 sample) are CT volumes", f.SamplesPerPixel)
	case f.BitsAllocated != 8 && f.BitsAllocated != 16 && f.BitsAllocated != 32:
		return fmt.Errorf("bits allocated %d: want 8, 16 or 32", f.BitsAllocated)
	case f.BitsStored < 1 || f.BitsStored > f.BitsAllocated:
		return fmt.Errorf("bits stored %d with bits allocated %d", f.BitsStored, f.BitsAllocated)
	}
	return nil
}

// stored maps a word as the file holds it to the sample value: the low
// BitsStored bits, sign-extended when the samples are signed.
func (f Format) stored(w uint32) int32 {
	if f.BitsStored < 32 {
		w &= 1<<f.BitsStored - 1
		if f.Signed && w&(1<<(f.BitsStored-1)) != 0 {
			return int32(int64(w) - 1<<f.BitsStored)
		}
	}
	return int32(w)
}

// Decode decodes one frame of pixel data coded as s into dst, which must
// hold f.Pixels() samples. Native pixel data is one chunk (its bytes may
// be followed by one byte of padding); compressed pixel data is the
// frame's fragments, which are joined.
func Decode(s Syntax, f Format, chunks [][]byte, dst []int32) error {
	if !s.Supported {
		return &UnsupportedError{Syntax: s}
	}
	if err := f.Check(); err != nil {
		return &FileError{Reason: err.Error()}
	}
	if len(dst) != f.Pixels() {
		return &FileError{Reason: fmt.Sprintf("%d samples asked for a %d×%d frame", len(dst), f.Columns, f.Rows)}
	}
	data := join(chunks)
	if s.Coding != Native && s.Coding != NativeBig && s.Coding != RLE {
		w, h, c, err := streamSize(s.Coding, data)
		if err != nil {
			return &FileError{Reason: "compressed frame has no readable frame header", Err: err}
		}
		if w != f.Columns || h != f.Rows || c != 1 {
			return &FileError{Reason: fmt.Sprintf("compressed frame declares %d×%d with %d components; the header says %d×%d greyscale", w, h, c, f.Columns, f.Rows)}
		}
	}
	var err error
	switch s.Coding {
	case Native, NativeBig:
		err = decodeNative(f, data, s.Coding == NativeBig, dst)
	case RLE:
		err = decodeRLE(f, data, dst)
	case JPEGLossless:
		err = decodeJPEGLossless(f, data, dst)
	case JPEGLS:
		if s.UID == jpegLSNearLossless {
			err = decodeBytes(f, dst, "JPEG-LS near-lossless", func() ([]byte, int, int, int, int, error) {
				p, w, h, c, bits, _, err := nearlossless.Decode(data)
				return p, w, h, c, bits, err
			})
		} else {
			err = decodeBytes(f, dst, "JPEG-LS", func() ([]byte, int, int, int, int, error) { return jpegls.Decode(data) })
		}
	case JPEGBaseline:
		if f.BitsAllocated == 8 {
			err = decodeBytes(f, dst, "JPEG baseline", func() ([]byte, int, int, int, int, error) {
				p, w, h, c, err := baseline.Decode(data)
				return p, w, h, c, 8, err
			})
		} else {
			err = decodeBytes(f, dst, "JPEG extended", func() ([]byte, int, int, int, int, error) { return extended.Decode(data) })
		}
	case JPEG2000:
		err = decodeJ2K(f, data, dst)
	default:
		return &UnsupportedError{Syntax: s}
	}
	return err
}

// jpegLSNearLossless is JPEG-LS lossy (near-lossless), which the lossless
// decoder refuses.
const jpegLSNearLossless = "1.2.840.10008.1.2.4.81"

// join is the chunks as one slice, sharing the only one when there is one.
func join(chunks [][]byte) []byte {
	if len(chunks) == 1 {
		return chunks[0]
	}
	n := 0
	for _, c := range chunks {
		n += len(c)
	}
	out := make([]byte, 0, n)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

// decodeNative reads uncompressed words.
func decodeNative(f Format, data []byte, big bool, dst []int32) error {
	bytesPer := f.BitsAllocated / 8
	want := f.Pixels() * bytesPer
	if len(data) != want && len(data) != want+1 {
		return &FileError{Reason: fmt.Sprintf("pixel data holds %d bytes; rows × columns × %d bytes is %d (%d×%d)", len(data), bytesPer, want, f.Columns, f.Rows)}
	}
	var order binary.ByteOrder = binary.LittleEndian
	if big {
		order = binary.BigEndian
	}
	switch bytesPer {
	case 1:
		for i := range dst {
			dst[i] = f.stored(uint32(data[i]))
		}
	case 2:
		data = data[:2*len(dst)]
		if !big {
			words16(f, data, dst)
			return nil
		}
		for i := range dst {
			dst[i] = f.stored(uint32(order.Uint16(data[2*i:])))
		}
	case 4:
		for i := range dst {
			dst[i] = f.stored(order.Uint32(data[4*i:]))
		}
	}
	return nil
}

// words16 reads little-endian 16-bit words, the common case, without a
// call per sample.
func words16(f Format, data []byte, dst []int32) {
	data = data[:2*len(dst)]
	shift := 32 - uint(f.BitsStored)
	switch {
	case f.Signed && f.BitsStored == 16:
		for i := range dst {
			dst[i] = int32(int16(binary.LittleEndian.Uint16(data[2*i:])))
		}
	case f.Signed:
		for i := range dst {
			dst[i] = int32(uint32(binary.LittleEndian.Uint16(data[2*i:]))<<shift) >> shift
		}
	default:
		mask := uint16(1<<f.BitsStored - 1)
		for i := range dst {
			dst[i] = int32(binary.LittleEndian.Uint16(data[2*i:]) & mask)
		}
	}
}

// decodeBytes runs a decoder that gives little-endian 8- or 16-bit samples
// and checks that it made the frame f describes.
func decodeBytes(f Format, dst []int32, name string, decode func() ([]byte, int, int, int, int, error)) (err error) {
	defer recoverDecoder(name, &err)
	p, w, h, c, bits, err := decode()
	if err != nil {
		return &FileError{Reason: name + " stream cannot be decoded", Err: err}
	}
	if err := checkDecoded(f, name, w, h, c); err != nil {
		return err
	}
	bytesPer := 1
	if bits > 8 {
		bytesPer = 2
	}
	if len(p) < f.Pixels()*bytesPer {
		return &FileError{Reason: fmt.Sprintf("%s stream decoded to %d bytes, want %d", name, len(p), f.Pixels()*bytesPer)}
	}
	if bytesPer == 1 {
		for i := range dst {
			dst[i] = f.stored(uint32(p[i]))
		}
		return nil
	}
	for i := range dst {
		dst[i] = f.stored(uint32(binary.LittleEndian.Uint16(p[2*i:])))
	}
	return nil
}

// decodeJPEGLossless decodes JPEG lossless process 14 (jpegll.go).
func decodeJPEGLossless(f Format, data []byte, dst []int32) error {
	const name = "JPEG lossless"
	fr, err := decodeLossless(data)
	if err != nil {
		return &FileError{Reason: name + " stream cannot be decoded", Err: err}
	}
	if err := checkDecoded(f, name, fr.width, fr.height, 1); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = f.stored(uint32(fr.samples[i]))
	}
	return nil
}

// decodeJ2K decodes a JPEG 2000 codestream; a signed codestream gives the
// sample values themselves, an unsigned one the stored words.
func decodeJ2K(f Format, data []byte, dst []int32) (err error) {
	const name = "JPEG 2000"
	defer recoverDecoder(name, &err)
	d := jpeg2000.NewDecoder()
	if err := d.Decode(data); err != nil {
		return &FileError{Reason: name + " stream cannot be decoded", Err: err}
	}
	if err := checkDecoded(f, name, d.Width(), d.Height(), d.Components()); err != nil {
		return err
	}
	comp, err := d.GetComponentData(0)
	if err != nil || len(comp) < f.Pixels() {
		return &FileError{Reason: fmt.Sprintf("%s stream decoded to %d samples, want %d", name, len(comp), f.Pixels())}
	}
	if d.IsSigned() {
		copy(dst, comp)
		return nil
	}
	for i := range dst {
		dst[i] = f.stored(uint32(comp[i]))
	}
	return nil
}

// checkDecoded compares a decoded frame's size with the header's.
func checkDecoded(f Format, name string, w, h, c int) error {
	if w != f.Columns || h != f.Rows || c != 1 {
		return &FileError{Reason: fmt.Sprintf("%s stream is %d×%d with %d components; the header says %d×%d greyscale", name, w, h, c, f.Columns, f.Rows)}
	}
	return nil
}

// recoverDecoder turns a third-party decoder's panic on a corrupt stream
// into an error.
func recoverDecoder(name string, err *error) {
	if r := recover(); r != nil {
		*err = &FileError{Reason: fmt.Sprintf("%s stream is corrupt (decoder panicked: %v)", name, r)}
	}
}
