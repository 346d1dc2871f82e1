// Package nifti reads and writes NIfTI-1 and NIfTI-2 images (.nii and
// .nii.gz), the file format of CT volumes and label maps in kidney3d.
//
// Decoding follows the habits of image/png: Decode reads a header and its
// voxels from any io.Reader, DecodeHeader reads only the header, and
// ReadFile and ReadHeaderFile do the same for a path. Gzip compression is
// recognised by the stream's magic bytes (1f 8b), never by the file name.
// Both byte orders are read; the voxels come back in the machine's native
// order, stored values unscaled, in a typed slice allocated once and filled
// straight from the (decompressed) stream.
//
// Geometry follows nibabel: Header.Affine is nibabel's get_best_affine
// (sform, else qform, else the fall-back built from pixdim and the shape),
// including the fixes nibabel applies while loading a header (qfac other
// than ±1 taken as 1, negative voxel sizes taken as positive, zero ones as
// 1, unknown xform codes as 0). Image.Slope and Image.Float64 apply the
// scl_slope/scl_inter rule of nibabel's get_slope_inter.
//
// Every error is an *Error that names the file (when it came from ReadFile
// or ReadHeaderFile) and the header field at fault. A stream that ends early
// gives an error wrapping io.ErrUnexpectedEOF; damaged gzip data wraps
// ErrCorrupt; a valid file this package cannot represent (other datatypes,
// several volumes, .hdr/.img pairs) wraps ErrUnsupported; anything else that
// is not a NIfTI file wraps ErrFormat. A header can never make Decode
// allocate more than MaxDataBytes, and when the size of the input is known
// (a file, a bytes.Reader) a header that promises more voxels than the input
// can hold is rejected before anything is allocated.
//
// Hostile input is bounded (README "Reliability"): Decode and the region
// readers refuse an image over the size limit of package pipeline/limits
// from its header, before inflating or allocating anything (ErrTooLarge;
// Header.CheckLimits). A gzip stream must end where the header's data end
// (vox_offset + voxels): data after it, which could be gigabytes of zeros,
// are refused (ErrTrailing) after inflating at most a block past the end,
// rather than inflated to the stream's end to reach its checksum; a K3
// stream whose total says so is refused before its voxels are read. The
// trailing bytes of an uncompressed file are never read, and ignored. The
// *File functions open only regular files (limits.OpenRegular): a FIFO, a
// device or a socket is refused by name before any read.
//
// ReadRegionFile reads only a box of an image, and ReadNonzeroFile only the
// bounding box of its nonzero voxels; EncodeRegion writes an image that is
// zero outside a box from that box alone. On the files Encode writes (see
// members.go) they inflate only the members they need and skip, without
// inflating, the members that hold only zeros (most of a mask), so reading
// a mask or a few slices of a CT costs what those hold, not the volume.
//
// Encode writes a single-file image (magic "n+1" or "n+2"), optionally
// gzip-compressed in parallel. Only one volume (3D, or 4D with one time
// point) is supported, in the datatypes listed with Datatype. Header
// extensions are skipped when reading and never written.
package nifti
