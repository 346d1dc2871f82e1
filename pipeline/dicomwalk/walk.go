package dicomwalk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Error is an element whose length does not fit, or a file that ends
// inside an element's header.
type Error struct {
	Offset int    // where the element starts, bytes into the file
	Tag    string // "(gggg,eeee)"
	Reason string
	// Truncated says the data ends before the element does: a cut file,
	// or a corrupt length.
	Truncated bool
}

func (e *Error) Error() string {
	return fmt.Sprintf("element %s at byte %d: %s", e.Tag, e.Offset, e.Reason)
}

// maxDepth bounds the nesting of sequences.
const maxDepth = 32

const undefined = 0xFFFFFFFF

// Transfer syntaxes whose dataset is not explicit VR little endian.
const (
	implicitLE = "1.2.840.10008.1.2"
	explicitBE = "1.2.840.10008.1.2.2"
	deflated   = "1.2.840.10008.1.2.1.99"
)

type walker struct {
	b        []byte
	explicit bool
	order    binary.ByteOrder
	layout   *Layout
	// size, when not 0, is the size of the file that b begins: the walk
	// stops at the top-level pixel data (WalkHeader).
	size int64
}

// errHeaderEnd stops WalkHeader's walk at the pixel data.
var errHeaderEnd = errors.New("the header ends here")

// Layout is what the walk found of a file: its transfer syntax and where
// its (top-level) pixel data lies.
type Layout struct {
	// Syntax is the file meta information's transfer syntax UID; "" when
	// the file has none.
	Syntax string
	// Deflated is a deflated dataset, which is not walked: Pixels and
	// Fragments are nil.
	Deflated bool
	// Pixels is native pixel data's value, a slice of the file.
	Pixels []byte
	// Fragments are encapsulated pixel data's fragments after the basic
	// offset table, slices of the file.
	Fragments [][]byte
	// FragmentOffsets are where each fragment's item starts, in bytes from
	// the first fragment's item, as the basic offset table counts.
	FragmentOffsets []int
	// OffsetTable is the basic offset table's value (empty when absent).
	OffsetTable []byte
	// Encapsulated says the pixel data is encapsulated (even with no
	// fragment).
	Encapsulated bool
	// HasPixels says the file has a top-level pixel data element.
	HasPixels bool
	// HeaderEnd is, with WalkHeader, where the top-level pixel data
	// element starts: the bytes before it are the header.
	HeaderEnd int
}

// Check walks the DICOM file b (Part 10, or a bare dataset in little
// endian) and reports the first element whose length runs past what holds
// it.
func Check(b []byte) error {
	_, err := Walk(b)
	return err
}

// Walk checks b as Check does and says where its pixel data lies.
func Walk(b []byte) (*Layout, error) {
	return walk(&walker{b: b, explicit: true, order: binary.LittleEndian, layout: &Layout{}})
}

// WalkHeader checks b, the first bytes of a DICOM file of size bytes, as
// Check does, up to its top-level pixel data element (HeaderEnd), whose
// value, when of defined length, must end within size; it reads nothing
// of the pixel data. A walk that runs past b (a truncated file, or a
// header longer than b) is an Error; one that reaches the end of b with no
// pixel data has HasPixels false. A deflated file is
// not walked (Layout.Deflated).
func WalkHeader(b []byte, size int64) (*Layout, error) {
	return walk(&walker{b: b, explicit: true, order: binary.LittleEndian, layout: &Layout{}, size: max(size, 1)})
}

func walk(w *walker) (*Layout, error) {
	b := w.b
	off := 0
	if len(b) >= 132 && string(b[128:132]) == "DICM" {
		off = 132
		syntax := ""
		for off+8 <= len(b) && binary.LittleEndian.Uint16(b[off:]) == 0x0002 {
			next, value, err := w.element(off, len(b), 0)
			if err != nil {
				return nil, err
			}
			if binary.LittleEndian.Uint16(b[off+2:]) == 0x0010 {
				syntax = strings.TrimRight(string(value), " \x00")
			}
			off = next
		}
		w.layout.Syntax = syntax
		switch syntax {
		case implicitLE:
			w.explicit = false
		case explicitBE:
			w.order = binary.BigEndian
		case deflated:
			w.layout.Deflated = true
			return w.layout, nil
		}
	} else if len(b) >= 6 && !(isUpper(b[4]) && isUpper(b[5])) {
		w.explicit = false
	}
	if _, err := w.elements(off, len(b), 0, false); err != nil && err != errHeaderEnd {
		return nil, err
	}
	return w.layout, nil
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// elements walks the elements in [off, end); in an item of undefined
// length (untilDelim) it stops after the item delimiter.
func (w *walker) elements(off, end, depth int, untilDelim bool) (int, error) {
	for off < end {
		if untilDelim && off+8 <= end && w.tag(off) == 0xFFFEE00D {
			return off + 8, nil
		}
		next, _, err := w.element(off, end, depth)
		if err != nil {
			return 0, err
		}
		off = next
	}
	if untilDelim {
		return 0, &Error{Offset: off, Tag: "(FFFE,E00D)", Reason: "the file ends before the item's delimiter"}
	}
	return off, nil
}

func (w *walker) tag(off int) uint32 {
	return uint32(w.order.Uint16(w.b[off:]))<<16 | uint32(w.order.Uint16(w.b[off+2:]))
}

func tagName(t uint32) string { return fmt.Sprintf("(%04X,%04X)", t>>16, t&0xFFFF) }

// element checks one element starting at off and returns where the next
// one starts and the element's value (when of defined length).
func (w *walker) element(off, end, depth int) (int, []byte, error) {
	if depth > maxDepth {
		return 0, nil, &Error{Offset: off, Tag: "?", Reason: fmt.Sprintf("sequences nested more than %d deep", maxDepth)}
	}
	if off+8 > end {
		return 0, nil, &Error{Offset: off, Tag: "?", Reason: "the data ends inside an element's header"}
	}
	t := w.tag(off)
	order := w.order
	explicit := w.explicit
	if t>>16 == 0x0002 {
		order, explicit = binary.LittleEndian, true
		t = uint32(order.Uint16(w.b[off:]))<<16 | uint32(order.Uint16(w.b[off+2:]))
	}
	var vr string
	var length uint32
	head := 8
	switch {
	case t>>16 == 0xFFFE: // items and delimiters have no VR
		length = order.Uint32(w.b[off+4:])
	case !explicit:
		length = order.Uint32(w.b[off+4:])
	default:
		vr = string(w.b[off+4 : off+6])
		switch vr {
		case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
			if off+12 > end {
				return 0, nil, &Error{Offset: off, Tag: tagName(t), Reason: "the data ends inside the element's header"}
			}
			length, head = order.Uint32(w.b[off+8:]), 12
		default:
			length = uint32(order.Uint16(w.b[off+6:]))
		}
	}
	start := off + head
	top := t == 0x7FE00010 && depth == 0
	if top {
		w.layout.HasPixels = true
	}
	if top && w.size > 0 {
		w.layout.HeaderEnd = off
		if length != undefined && int64(start)+int64(length) > w.size {
			return 0, nil, &Error{Offset: off, Tag: tagName(t), Reason: fmt.Sprintf("its length %d runs %d bytes past the end of the file", length, int64(start)+int64(length)-w.size), Truncated: true}
		}
		return 0, nil, errHeaderEnd
	}
	if length == undefined {
		// A sequence, or encapsulated pixel data: items up to a sequence
		// delimiter.
		fragments := t == 0x7FE00010
		if top {
			w.layout.Encapsulated = true
		}
		return w.items(start, end, depth, fragments, t)
	}
	if int64(start)+int64(length) > int64(end) {
		return 0, nil, &Error{Offset: off, Tag: tagName(t), Reason: fmt.Sprintf("its length %d runs %d bytes past the end of what holds it", length, int64(start)+int64(length)-int64(end)), Truncated: end == len(w.b)}
	}
	stop := start + int(length)
	if top {
		w.layout.Pixels = w.b[start:stop]
	}
	if vr == "SQ" || (!explicit && t>>16 != 0xFFFE && length >= 8 && w.tag(start) == 0xFFFEE000) {
		if _, err := w.itemsIn(start, stop, depth); err != nil {
			return 0, nil, err
		}
	}
	return stop, w.b[start:stop], nil
}

// items walks the items of an undefined-length sequence or fragment list
// from off to its sequence delimiter.
func (w *walker) items(off, end, depth int, fragments bool, t uint32) (int, []byte, error) {
	first := true // the first fragment is the basic offset table
	base := 0     // where the first fragment's item starts
	for {
		if off+8 > end {
			return 0, nil, &Error{Offset: off, Tag: tagName(t), Reason: "the data ends before the sequence's delimiter"}
		}
		it := w.tag(off)
		length := w.order.Uint32(w.b[off+4:])
		switch it {
		case 0xFFFEE0DD:
			return off + 8, nil, nil
		case 0xFFFEE000:
		default:
			return 0, nil, &Error{Offset: off, Tag: tagName(it), Reason: "not an item in the sequence " + tagName(t)}
		}
		start := off + 8
		if length == undefined {
			if fragments {
				return 0, nil, &Error{Offset: off, Tag: tagName(it), Reason: "a pixel data fragment of undefined length"}
			}
			next, err := w.elements(start, end, depth+1, true)
			if err != nil {
				return 0, nil, err
			}
			off = next
			continue
		}
		if int64(start)+int64(length) > int64(end) {
			return 0, nil, &Error{Offset: off, Tag: tagName(it), Reason: fmt.Sprintf("its length %d runs %d bytes past the end of what holds it", length, int64(start)+int64(length)-int64(end))}
		}
		if !fragments {
			if _, err := w.elements(start, start+int(length), depth+1, false); err != nil {
				return 0, nil, err
			}
		} else if t == 0x7FE00010 && depth == 0 {
			if first {
				w.layout.OffsetTable = w.b[start : start+int(length)]
				base = start + int(length)
			} else {
				w.layout.Fragments = append(w.layout.Fragments, w.b[start:start+int(length)])
				w.layout.FragmentOffsets = append(w.layout.FragmentOffsets, off-base)
			}
		}
		first = false
		off = start + int(length)
	}
}

// itemsIn walks the items of a sequence of defined length [off, end).
func (w *walker) itemsIn(off, end, depth int) (int, error) {
	for off < end {
		if off+8 > end {
			return 0, &Error{Offset: off, Tag: "(FFFE,E000)", Reason: "the sequence ends inside an item's header"}
		}
		if w.tag(off) != 0xFFFEE000 {
			return 0, &Error{Offset: off, Tag: tagName(w.tag(off)), Reason: "not an item"}
		}
		length := w.order.Uint32(w.b[off+4:])
		start := off + 8
		if length == undefined {
			next, err := w.elements(start, end, depth+1, true)
			if err != nil {
				return 0, err
			}
			off = next
			continue
		}
		if int64(start)+int64(length) > int64(end) {
			return 0, &Error{Offset: off, Tag: "(FFFE,E000)", Reason: fmt.Sprintf("its length %d runs past the end of its sequence", length)}
		}
		if _, err := w.elements(start, start+int(length), depth+1, false); err != nil {
			return 0, err
		}
		off = start + int(length)
	}
	return off, nil
}
