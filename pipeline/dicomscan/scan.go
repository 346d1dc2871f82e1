package dicomscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/suyashkumar/dicom"

	"kidney3d/pipeline/dicomwalk"
	"kidney3d/pipeline/limits"
	"kidney3d/pipeline/parallel"
)

// Result is what Scan found.
type Result struct {
	Instances   []*Instance // images (DICOM files with pixel data; one per frame of a multi-frame object), in path order
	Files       int         // regular files looked at
	NotDICOM    int         // files that are not DICOM, skipped
	NotImages   int         // DICOM files without pixel data (reports, presentation states), skipped
	Directories int         // DICOMDIR media directories, skipped
}

// Scan walks paths (files or folders, recursively), sniffs every regular
// file (and link to one) and parses the headers of the DICOM ones, in parallel. A path to a
// DICOMDIR stands for the folder that holds it (the files it indexes lie
// below). A path that does not exist, or a DICOM file whose header cannot
// be read, is an error naming it; nothing is returned then.
func Scan(ctx context.Context, paths []string) (*Result, error) {
	res := &Result{}
	var files []string
	for _, p := range paths {
		if strings.EqualFold(filepath.Base(p), "DICOMDIR") {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				p = filepath.Dir(p)
			}
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p += string(filepath.Separator) // a source that is a link to a folder is walked
		}
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			switch {
			case d.Type().IsRegular():
				files = append(files, path)
			case d.Type()&fs.ModeSymlink != 0:
				// A link to a regular file counts (exports made of links);
				// links to folders are not followed (no loops), nor to
				// FIFOs or devices (a read could block).
				if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(files)
	files = slices.Compact(files)
	res.Files = len(files)
	found := make([]*Instance, len(files))
	errs := make([]error, len(files))
	notDICOM := make([]bool, len(files))
	parallel.For(len(files), 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if ctx.Err() != nil {
				return
			}
			found[i], notDICOM[i], errs[i] = scanFile(files[i])
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := firstError(errs); err != nil {
		return nil, err
	}
	for i, in := range found {
		switch {
		case notDICOM[i]:
			res.NotDICOM++
		case in.SOPClassUID == mediaDirectory:
			res.Directories++
		case !in.Has.PixelData:
			res.NotImages++
		default:
			res.Instances = append(res.Instances, in.Frames()...)
		}
	}
	return res, nil
}

// headerPrefix is how much of a file ReadHeader reads first: more than
// most headers hold.
const headerPrefix = 64 << 10

// ReadHeader parses the header of the DICOM file at path, skipping its
// pixel data. It reads the file's first headerPrefix bytes and, when the
// header lies within them (dicomwalk.WalkHeader), parses them alone;
// otherwise (a longer header, a deflated file, any fault) the file is read
// whole and checked as ParseBytes does: one over limits.MaxImageBytes is
// refused.
func ReadHeader(path string) (*Instance, error) {
	bp := dicomwalk.Buffer()
	defer dicomwalk.Release(bp)
	b, size, err := dicomwalk.ReadPrefix(path, headerPrefix, bp)
	if err != nil {
		return nil, err
	}
	return headerOf(path, b, size, bp)
}

// scanFile sniffs the file at path and, when it is DICOM, parses its
// header as ReadHeader does, both from one read of its first
// headerPrefix bytes; notDICOM when it is not.
func scanFile(path string) (in *Instance, notDICOM bool, err error) {
	bp := dicomwalk.Buffer()
	defer dicomwalk.Release(bp)
	b, size, err := dicomwalk.ReadPrefix(path, headerPrefix, bp)
	if err != nil {
		return nil, false, err
	}
	if !Sniff(b[:min(len(b), SniffLen)]) {
		return nil, true, nil
	}
	in, err = headerOf(path, b, size, bp)
	return in, false, err
}

// headerOf is ReadHeader's header of the file at path, of size bytes,
// whose first bytes b were read into *bp.
func headerOf(path string, b []byte, size int64, bp *[]byte) (*Instance, error) {
	if int64(len(b)) < size && size <= limits.MaxImageBytes() {
		if l, err := dicomwalk.WalkHeader(b, size); err == nil && l.HasPixels && !l.Deflated {
			return parse(bytes.NewReader(b[:l.HeaderEnd]), int64(l.HeaderEnd), path, true)
		}
	}
	b, err := dicomwalk.ReadFile(path, bp)
	if err != nil {
		return nil, err
	}
	return ParseBytes(b, path)
}

// ParseBytes parses the header of a DICOM file held in b, skipping the
// pixel data; name is the file's, for errors. Every element's length is
// checked first (dicomwalk.Check).
func ParseBytes(b []byte, name string) (*Instance, error) {
	if err := dicomwalk.Check(b); err != nil {
		reason := "not a readable DICOM file"
		var we *dicomwalk.Error
		if errors.As(err, &we) && we.Truncated {
			reason = "truncated (or corrupt) DICOM file"
		}
		return nil, &FileError{File: name, Reason: reason, Err: err}
	}
	return parse(bytes.NewReader(b), int64(len(b)), name, false)
}

// parse parses a DICOM header of size bytes from r; pixelsAfter says
// that pixel data follows where r ends.
func parse(r io.Reader, size int64, name string, pixelsAfter bool) (in *Instance, err error) {
	defer func() {
		if p := recover(); p != nil {
			in, err = nil, &FileError{File: name, Reason: fmt.Sprintf("not a readable DICOM file (parser panicked: %v)", p)}
		}
	}()
	ds, err := dicom.Parse(r, size, nil, dicom.SkipPixelData(), dicom.AllowMissingMetaElementGroupLength(), dicom.AllowUnknownSpecificCharacterSet())
	if err != nil {
		reason := "not a readable DICOM file"
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			reason = "truncated DICOM file"
		}
		return nil, &FileError{File: name, Reason: reason, Err: err}
	}
	return fromDataset(name, &ds, pixelsAfter)
}

// firstError is the first of errs, saying how many more files failed.
func firstError(errs []error) error {
	var first error
	n := 0
	for _, err := range errs {
		if err != nil {
			if first == nil {
				first = err
			}
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("%w (and %d more files)", first, n-1)
	}
	return first
}
