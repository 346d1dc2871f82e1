// Package dicomscan finds the DICOM files under a set of paths and reads
// their headers. Files are told apart by content, not by name: a 128-byte
// preamble followed by "DICM", or, for files written without the Part 10
// preamble, a first data element of group 0002 or 0008. Other files are
// counted and skipped, as are DICOMDIR media directories (the files they
// index are found by the walk) and objects with no pixel data.
//
// Headers are parsed concurrently with github.com/suyashkumar/dicom, pixel
// data skipped; the pixels are read later, series by series
// (package dicompixel). A file that looks like DICOM but cannot be parsed
// is a *FileError naming it.
package dicomscan
