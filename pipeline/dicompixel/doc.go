// Package dicompixel decodes the pixel data of one DICOM image into its
// stored sample values: native pixel data (implicit and explicit VR little
// endian, explicit VR big endian, deflated) and the compressed transfer
// syntaxes a CT archive holds (RLE lossless, JPEG lossless process 14,
// JPEG-LS, JPEG 2000, JPEG baseline and extended). Samples come out as
// int32, sign-extended from Bits Stored when Pixel Representation says they
// are signed, masked to Bits Stored when not; rescaling to Hounsfield units
// is the caller's.
//
// ReadFile parses one file and decodes its single frame; Decode decodes
// pixel data already in memory. An unsupported transfer syntax is an
// *UnsupportedError naming its UID and name; every other failure is a
// *FileError naming the file and the reason.
package dicompixel
