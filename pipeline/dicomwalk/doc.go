// Package dicomwalk checks, before a DICOM file is parsed, that every data
// element's length fits inside the element that holds it (the file, a
// sequence item, a fragment list). The parser (github.com/suyashkumar/dicom)
// allocates an element's declared length before it reads it, so a corrupt
// or hostile length of up to 4 GiB would stall or exhaust memory; Check
// turns that into an error naming the element. It walks sequences and
// encapsulated pixel data; deflated datasets are not walked (their lengths
// are known only once inflated). Walk also says where the file's pixel data
// lies, so that pixels are decoded from the file's bytes without a parse;
// ReadFile reads a file whole into a reused buffer.
package dicomwalk
