// Package dicomwrite writes DICOM files: one greyscale CT slice of 16-bit
// words per file, in explicit or implicit VR little endian or explicit VR
// big endian, with or without the Part 10 preamble, built element by
// element in tag order (Encode). WriteSeries writes a volume as an axial
// (or any orthogonal) series whose geometry kidney3d's import, and
// dcm2niix, turn back into the same grid. It is what `kidney3d demo
// --format dicom` writes and what the DICOM tests are made of; it writes
// only what those need, not every module a CT image object requires.
package dicomwrite
