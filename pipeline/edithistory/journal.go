package edithistory

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"kidney3d/pipeline/atomicfile"
	"kidney3d/pipeline/labeledit"
)

// Journal file format: the 8 bytes of journalMagic, then records, each a
// little-endian uint32 payload length, a uint32 CRC-32C of the payload,
// and the payload. A payload is a kind byte and then:
//
//	Stroke: uvarint tool length, tool, label byte, uvarint run count, per
//	        run uvarint gap from the previous run's end, uvarint length,
//	        new value byte; uvarint old-run count, per old run uvarint
//	        length, value byte.
//	Saved:  uvarint version.
//
// A record is appended and fsync'd before the stroke counts as committed,
// so a crash leaves at most the last record cut short, which the reader
// detects by its length or checksum.
const journalMagic = "K3DJRNL1"

// maxRecord bounds one record's payload (a stroke changing every voxel of
// the largest volume accepted codes in far less).
const maxRecord = 1 << 30

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Kind is what a journal record holds.
type Kind byte

// The record kinds.
const (
	// Stroke is a committed stroke (an undo or a redo is journaled as the
	// stroke it makes, named "undo TOOL" or "redo TOOL").
	Stroke Kind = 1
	// Saved says that the label map was saved as a version: the strokes
	// before it are in that version, and those after apply on top of it.
	Saved Kind = 2
)

// Record is one journal record.
type Record struct {
	Kind    Kind
	Tool    string           // Stroke
	Label   uint8            // Stroke
	Delta   *labeledit.Delta // Stroke
	Version int              // Saved
}

// CutError says that a journal ends in a record that is cut short or
// damaged (a crash during its write): the records before Offset are good.
type CutError struct {
	Path   string
	Offset int64 // where the bad record starts
	Reason string
}

func (e *CutError) Error() string {
	return fmt.Sprintf("%s: record at byte %d is %s (cut by a crash while it was written); the %d bytes before it are kept", e.Path, e.Offset, e.Reason, e.Offset)
}

// Decode reads a journal's bytes: the good records, and a *CutError when
// the journal ends in a bad record (the good ones are still returned).
// path names the file in errors. A journal that does not start with the
// journal's magic bytes is not one, and nothing is returned but an error.
func Decode(data []byte, path string) ([]Record, error) {
	if len(data) < len(journalMagic) {
		if bytes.HasPrefix([]byte(journalMagic), data) {
			return nil, &CutError{Path: path, Offset: 0, Reason: "a header cut short"}
		}
		return nil, fmt.Errorf("%s: not an edit journal (%d bytes)", path, len(data))
	}
	if string(data[:len(journalMagic)]) != journalMagic {
		return nil, fmt.Errorf("%s: not an edit journal (it starts %q, want %q)", path, data[:len(journalMagic)], journalMagic)
	}
	var recs []Record
	off := len(journalMagic)
	for off < len(data) {
		cut := func(reason string) ([]Record, error) {
			return recs, &CutError{Path: path, Offset: int64(off), Reason: reason}
		}
		if len(data)-off < 8 {
			return cut("cut short in its header")
		}
		n := binary.LittleEndian.Uint32(data[off:])
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n > maxRecord {
			return cut(fmt.Sprintf("of an impossible length (%d bytes)", n))
		}
		if uint64(len(data)-off-8) < uint64(n) {
			return cut(fmt.Sprintf("cut short (%d of %d bytes)", len(data)-off-8, n))
		}
		payload := data[off+8 : off+8+int(n)]
		if crc32.Checksum(payload, castagnoli) != sum {
			return cut("damaged (checksum mismatch)")
		}
		r, err := decodeRecord(payload)
		if err != nil {
			return cut("malformed: " + err.Error())
		}
		recs = append(recs, r)
		off += 8 + int(n)
	}
	return recs, nil
}

// payload reads the fields of a record's payload.
type payload struct{ *bytes.Reader }

func (p payload) uvarint() uint64 {
	v, err := binary.ReadUvarint(p)
	if err != nil {
		panic(errMalformed)
	}
	return v
}

func (p payload) byte1() byte {
	b, err := p.ReadByte()
	if err != nil {
		panic(errMalformed)
	}
	return b
}

var errMalformed = errors.New("fields cut short")

func decodeRecord(b []byte) (r Record, err error) {
	defer func() {
		if e := recover(); e != nil {
			if e != errMalformed {
				panic(e)
			}
			err = errMalformed
		}
	}()
	p := payload{bytes.NewReader(b)}
	r.Kind = Kind(p.byte1())
	switch r.Kind {
	case Saved:
		v := p.uvarint()
		if v > 1<<31 {
			return r, fmt.Errorf("version %d", v)
		}
		r.Version = int(v)
	case Stroke:
		n := p.uvarint()
		if n > uint64(p.Len()) {
			return r, errMalformed
		}
		tool := make([]byte, n)
		io.ReadFull(p, tool)
		r.Tool, r.Label = string(tool), p.byte1()
		d := &labeledit.Delta{}
		runs := p.uvarint()
		if runs > uint64(p.Len()) {
			return r, errMalformed
		}
		end := uint64(0)
		for range runs {
			start := end + p.uvarint()
			l := p.uvarint()
			if start+l > 1<<32-1 || start < end {
				return r, fmt.Errorf("run [%d, +%d) beyond 2³² voxels", start, l)
			}
			d.Runs = append(d.Runs, labeledit.Run{Start: uint32(start), Len: uint32(l), New: p.byte1()})
			end = start + l
		}
		olds := p.uvarint()
		if olds > uint64(p.Len()) {
			return r, errMalformed
		}
		for range olds {
			l := p.uvarint()
			if l > 1<<32-1 {
				return r, fmt.Errorf("old run of %d voxels", l)
			}
			d.Old = append(d.Old, labeledit.OldRun{Len: uint32(l), Value: p.byte1()})
		}
		if !d.Valid(1<<32 - 1) {
			return r, errors.New("its runs overlap, are empty, or do not match its old values")
		}
		r.Delta = d
	default:
		return r, fmt.Errorf("unknown kind %d", r.Kind)
	}
	if p.Len() != 0 {
		return r, fmt.Errorf("%d bytes after its fields", p.Len())
	}
	return r, nil
}

// encode is the record's framed bytes: length, checksum, payload.
func (r Record) encode() []byte {
	b := []byte{0, 0, 0, 0, 0, 0, 0, 0, byte(r.Kind)}
	switch r.Kind {
	case Saved:
		b = binary.AppendUvarint(b, uint64(r.Version))
	case Stroke:
		b = binary.AppendUvarint(b, uint64(len(r.Tool)))
		b = append(b, r.Tool...)
		b = append(b, r.Label)
		b = binary.AppendUvarint(b, uint64(len(r.Delta.Runs)))
		end := uint32(0)
		for _, run := range r.Delta.Runs {
			b = binary.AppendUvarint(b, uint64(run.Start-end))
			b = binary.AppendUvarint(b, uint64(run.Len))
			b = append(b, run.New)
			end = run.Start + run.Len
		}
		b = binary.AppendUvarint(b, uint64(len(r.Delta.Old)))
		for _, o := range r.Delta.Old {
			b = binary.AppendUvarint(b, uint64(o.Len))
			b = append(b, o.Value)
		}
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)-8))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(b[8:], castagnoli))
	return b
}

// Read reads the journal at path (Decode); a missing journal has no
// record.
func Read(path string) ([]Record, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Decode(data, path)
}

// Unsaved are the strokes after the last Saved record, and the version
// they apply on (0, the pipeline's output, when no record says).
func Unsaved(recs []Record) (base int, strokes []Record) {
	for _, r := range recs {
		switch r.Kind {
		case Saved:
			base, strokes = r.Version, nil
		case Stroke:
			strokes = append(strokes, r)
		}
	}
	return base, strokes
}

// Journal is a journal opened for appending.
type Journal struct {
	f    *os.File // nil after a Restart that could not reopen the file
	path string
	lost error // why f is nil
}

// Open opens the journal at path for appending, creating it when missing,
// and returns its records. A journal ending in a cut record is truncated
// to its good records, which are returned with the *CutError saying what
// was dropped; any other error leaves the file as it is.
func Open(path string) (*Journal, []Record, error) {
	recs, err := Read(path)
	var cut *CutError
	if err != nil && !errors.As(err, &cut) {
		return nil, nil, err
	}
	f, ferr := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if ferr != nil {
		return nil, nil, ferr
	}
	st, ferr := f.Stat()
	if ferr == nil && st.Size() == 0 {
		_, ferr = f.Write([]byte(journalMagic))
	} else if ferr == nil && cut != nil {
		ferr = f.Truncate(max(cut.Offset, int64(len(journalMagic))))
		if ferr == nil && cut.Offset == 0 {
			_, ferr = f.WriteAt([]byte(journalMagic), 0)
		}
	}
	if ferr == nil {
		_, ferr = f.Seek(0, io.SeekEnd)
	}
	if ferr == nil {
		ferr = f.Sync()
	}
	if ferr != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, ferr)
	}
	return &Journal{f: f, path: path}, recs, err
}

// Append writes the record and fsyncs it: when Append returns nil the
// record survives a crash.
func (j *Journal) Append(r Record) error {
	if j.f == nil {
		return j.lost
	}
	if _, err := j.f.Write(r.encode()); err != nil {
		return fmt.Errorf("%s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", j.path, err)
	}
	return nil
}

// Restart replaces the journal, atomically, by one that holds only r (the
// Saved record of a version just saved): the strokes that version holds
// need not be kept, so the journal holds only what comes after it. A
// crash during Restart leaves the old journal or the new one. When the
// new one cannot be opened for appending, every later Append fails.
func (j *Journal) Restart(r Record) error {
	if j.f == nil {
		return j.lost
	}
	cerr := j.f.Close()
	werr := atomicfile.Write(j.path, func(w io.Writer) error {
		_, err := w.Write(append([]byte(journalMagic), r.encode()...))
		return err
	})
	f, err := os.OpenFile(j.path, os.O_RDWR, 0)
	if err == nil {
		_, err = f.Seek(0, io.SeekEnd)
	}
	if err != nil {
		j.f, j.lost = nil, fmt.Errorf("%s: not open for appending after it was compacted: %w", j.path, err)
		return j.lost
	}
	j.f = f
	if err := errors.Join(cerr, werr); err != nil {
		return fmt.Errorf("%s: compacting: %w", j.path, err)
	}
	return nil
}

// Close closes the journal.
func (j *Journal) Close() error {
	if j.f == nil {
		return nil
	}
	return j.f.Close()
}
