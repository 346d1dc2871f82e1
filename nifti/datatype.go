package nifti

import "strconv"

// Datatype is a NIfTI datatype code, the header's datatype field.
type Datatype int16

// The datatypes this package reads and writes.
const (
	Uint8   Datatype = 2
	Int16   Datatype = 4
	Int32   Datatype = 8
	Float32 Datatype = 16
	Float64 Datatype = 64
	Int8    Datatype = 256
	Uint16  Datatype = 512
	Uint32  Datatype = 768
)

// String returns the NumPy name of d as nibabel prints it ("uint8",
// "int16", "float32", ...), or "datatype(N)" for a code this package does
// not support.
func (d Datatype) String() string {
	switch d {
	case Uint8:
		return "uint8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int8:
		return "int8"
	case Uint16:
		return "uint16"
	case Uint32:
		return "uint32"
	}
	return "datatype(" + strconv.Itoa(int(d)) + ")"
}

// Size returns the number of bytes of one voxel of type d, or 0 when d is
// not supported.
func (d Datatype) Size() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Int16, Uint16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// otherDatatypes names the NIfTI datatype codes this package does not
// support, for error messages.
var otherDatatypes = map[Datatype]string{
	0:    "none",
	1:    "binary",
	32:   "complex64",
	128:  "rgb24",
	255:  "all",
	1024: "int64",
	1280: "uint64",
	1536: "float128",
	1792: "complex128",
	2048: "complex256",
	2304: "rgba32",
}

// describe returns the code of d with its name, as error messages give it.
func (d Datatype) describe() string {
	if name, ok := otherDatatypes[d]; ok {
		return strconv.Itoa(int(d)) + " (" + name + ")"
	}
	if d.Size() > 0 {
		return strconv.Itoa(int(d)) + " (" + d.String() + ")"
	}
	return strconv.Itoa(int(d)) + " (unknown)"
}
