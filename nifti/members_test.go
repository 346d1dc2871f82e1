package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os/exec"
	"reflect"
	"runtime"
	"testing"
)

// withMemberSize sets memberSize for the rest of the test.
func withMemberSize(t testing.TB, n int) {
	old := memberSize
	memberSize = n
	t.Cleanup(func() { memberSize = old })
}

// memberOffsets returns where each K3 member of b starts, failing unless b
// is a sequence of K3 members.
func memberOffsets(t *testing.T, b []byte) []int {
	t.Helper()
	var offs []int
	for off := 0; off < len(b); {
		_, bsize, total, _, ok := parseMemberHeader(b[off:])
		if !ok || off+bsize > len(b) {
			t.Fatalf("no K3 member at %d of %d", off, len(b))
		}
		if len(offs) > 0 && total != binary.LittleEndian.Uint64(b[20:]) {
			t.Fatalf("member at %d: total %d, the first says %d", off, total, binary.LittleEndian.Uint64(b[20:]))
		}
		offs = append(offs, off)
		off += bsize
	}
	return offs
}

// encodedMembers compresses b as K3 members at the default level.
func encodedMembers(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := newMemberWriter(&buf, -1, int64(len(b)))
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// membersWithTotal is encodedMembers with total, a lie, in every member's
// K3 field.
func membersWithTotal(t testing.TB, b []byte, total uint64) []byte {
	t.Helper()
	out := encodedMembers(t, b)
	for off := 0; off < len(out); {
		binary.LittleEndian.PutUint64(out[off+20:], total)
		off += int(binary.LittleEndian.Uint32(out[off+16:]))
	}
	return out
}

// TestMembersRoundTrip encodes every datatype into many small members and
// checks that Decode, compress/gzip and GNU gzip all read the stream Encode
// meant.
func TestMembersRoundTrip(t *testing.T) {
	withMemberSize(t, 100)
	gunzip, _ := exec.LookPath("gzip")
	for _, dt := range allDatatypes {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			img := testImage(dt, 2, order)
			raw := encoded(t, img, &EncodeOptions{})
			gz := encoded(t, img, nil)
			if n := len(memberOffsets(t, gz)); n != (len(raw)+99)/100 {
				t.Fatalf("%s: %d members for %d bytes", dt, n, len(raw))
			}
			got, err := Decode(bytes.NewReader(gz))
			if err != nil {
				t.Fatalf("%s %s: %v", dt, order, err)
			}
			if !reflect.DeepEqual(got.Data, img.Data) {
				t.Fatalf("%s %s: voxels differ", dt, order)
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatal(err)
			}
			if b, err := io.ReadAll(zr); err != nil || !bytes.Equal(b, raw) {
				t.Fatalf("%s %s: compress/gzip reads %d bytes, %v", dt, order, len(b), err)
			}
			if gunzip != "" {
				cmd := exec.Command(gunzip, "-dc")
				cmd.Stdin = bytes.NewReader(gz)
				if b, err := cmd.Output(); err != nil || !bytes.Equal(b, raw) {
					t.Fatalf("%s %s: gzip -dc gives %d bytes, %v", dt, order, len(b), err)
				}
			}
		}
	}
}

// TestMembersDeterministic checks that the output does not depend on the
// number of goroutines, and decodes with one.
func TestMembersDeterministic(t *testing.T) {
	withMemberSize(t, 10000)
	img := noisyImage()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var outs [][]byte
	for _, procs := range []int{1, 4} {
		runtime.GOMAXPROCS(procs)
		outs = append(outs, encoded(t, img, nil))
		got, err := Decode(bytes.NewReader(outs[len(outs)-1]))
		if err != nil || !reflect.DeepEqual(got.Data, img.Data) {
			t.Fatalf("GOMAXPROCS %d: decode: %v", procs, err)
		}
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("GOMAXPROCS 1 and 4 give different bytes")
	}
	if offs := memberOffsets(t, outs[0]); len(offs) < 20 {
		t.Fatalf("%d members", len(offs))
	}
}

// TestMembersDamaged cuts and corrupts a multi-member file at many places:
// every time Decode fails with an *Error wrapping io.ErrUnexpectedEOF, or
// ErrCorrupt on the field "gzip", as the damage says.
func TestMembersDamaged(t *testing.T) {
	withMemberSize(t, 16<<10)
	gz := encoded(t, noisyImage(), nil)
	offs := memberOffsets(t, gz)
	third := offs[3]
	cuts := []int{20, offs[1], offs[1] + 5, offs[1] + 20, third + 1000, len(gz) / 2, len(gz) - 30, len(gz) - 8, len(gz) - 1}
	for _, cut := range cuts {
		for _, r := range []io.Reader{bytes.NewReader(gz[:cut]), struct{ io.Reader }{bytes.NewReader(gz[:cut])}} {
			img, err := Decode(r)
			var e *Error
			if img != nil || !errors.As(err, &e) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("cut at %d of %d: %v, want io.ErrUnexpectedEOF", cut, len(gz), err)
			}
		}
	}
	foreign := encodedGzip(t, []byte("more"))
	tests := []struct {
		name string
		in   []byte
	}{
		{"deflate data", patched(gz, func(b []byte) { b[third+500] ^= 0x55 })},
		{"crc", patched(gz, func(b []byte) { b[offs[4]-8] ^= 1 })},
		{"isize", patched(gz, func(b []byte) { b[offs[4]-4] ^= 1 })},
		{"isize huge", patched(gz, func(b []byte) { b[offs[4]-1] ^= 0x80 })},
		{"bsize short", patched(gz, func(b []byte) { b[third+16] -= 10 })},
		{"bsize long", patched(gz, func(b []byte) { b[third+16] += 10 })},
		{"bsize absurd", patched(gz, func(b []byte) { b[third+19] = 0x7f })},
		{"member magic", patched(gz, func(b []byte) { b[third] = 0 })},
		{"trailing garbage", append(bytes.Clone(gz), "garbage!!!"...)},
		{"trailing foreign member", append(bytes.Clone(gz), foreign...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(tc.in), struct{ io.Reader }{bytes.NewReader(tc.in)}} {
				img, err := Decode(r)
				var e *Error
				if img != nil || !errors.As(err, &e) || !errors.Is(err, ErrCorrupt) {
					t.Fatalf("got %v, want ErrCorrupt", err)
				}
				if e.Field != "gzip" {
					t.Errorf("field %q, want gzip", e.Field)
				}
			}
		})
	}
}

// TestGNUGzipDecodes checks that a single-member file from GNU gzip still
// decodes.
func TestGNUGzipDecodes(t *testing.T) {
	gunzip, err := exec.LookPath("gzip")
	if err != nil {
		t.Skip(err)
	}
	img := noisyImage()
	cmd := exec.Command(gunzip, "-6", "-c")
	cmd.Stdin = bytes.NewReader(encoded(t, img, &EncodeOptions{}))
	gz, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(gz))
	if err != nil || !reflect.DeepEqual(got.Data, img.Data) {
		t.Fatalf("Decode of gzip's output: %v", err)
	}
}
