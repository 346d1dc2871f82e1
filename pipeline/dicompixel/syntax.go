package dicompixel

import "fmt"

// Coding is how a transfer syntax stores pixel data.
type Coding int

// The codings Decode knows.
const (
	Native       Coding = iota // uncompressed words, little endian
	NativeBig                  // uncompressed words, big endian
	RLE                        // DICOM RLE lossless (PS3.5 annex G)
	JPEGLossless               // JPEG lossless, process 14 (any predictor)
	JPEGLS                     // JPEG-LS lossless or near-lossless
	JPEG2000                   // JPEG 2000, reversible or irreversible
	JPEGBaseline               // JPEG baseline (8 bit) or extended (12 bit), lossy
)

// Syntax is a transfer syntax: its UID, its name as PS3.6 gives it, how it
// codes pixel data and whether this package decodes it.
type Syntax struct {
	UID       string
	Name      string
	Coding    Coding
	Supported bool
}

func (s Syntax) String() string { return fmt.Sprintf("%s (%s)", s.UID, s.Name) }

// Transfer syntax UIDs of PS3.6 table A-1 that matter here.
const (
	ImplicitVRLittleEndian = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian = "1.2.840.10008.1.2.1"
	DeflatedExplicitVRLE   = "1.2.840.10008.1.2.1.99"
	ExplicitVRBigEndian    = "1.2.840.10008.1.2.2"
)

// syntaxes are the transfer syntaxes this package knows by name, whether
// or not it decodes them.
var syntaxes = []Syntax{
	{ImplicitVRLittleEndian, "Implicit VR Little Endian", Native, true},
	{ExplicitVRLittleEndian, "Explicit VR Little Endian", Native, true},
	{DeflatedExplicitVRLE, "Deflated Explicit VR Little Endian", Native, true},
	{ExplicitVRBigEndian, "Explicit VR Big Endian", NativeBig, true},
	{"1.2.840.10008.1.2.5", "RLE Lossless", RLE, true},
	{"1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", JPEGLossless, true},
	{"1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", JPEGLossless, true},
	{"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", JPEGLS, true},
	{"1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", JPEGLS, true},
	{"1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", JPEG2000, true},
	{"1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", JPEG2000, true},
	{"1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", JPEGBaseline, true},
	{"1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", JPEGBaseline, true},
	{"1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", JPEG2000, false},
	{"1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", JPEG2000, false},
	{"1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", 0, false},
	{"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", 0, false},
	{"1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", 0, false},
	{"1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", 0, false},
	{"1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", 0, false},
}

// Lookup is the transfer syntax of uid: a known one, or an unsupported one
// named "unknown transfer syntax".
func Lookup(uid string) Syntax {
	for _, s := range syntaxes {
		if s.UID == uid {
			return s
		}
	}
	return Syntax{UID: uid, Name: "unknown transfer syntax"}
}

// Supported lists the transfer syntaxes Decode decodes, in PS3.6 order.
func Supported() []Syntax {
	var out []Syntax
	for _, s := range syntaxes {
		if s.Supported {
			out = append(out, s)
		}
	}
	return out
}
