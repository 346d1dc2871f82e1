package dicomwalk_test

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"kidney3d/pipeline/dicomtest"
	"kidney3d/pipeline/dicomwalk"
)

func TestCheck(t *testing.T) {
	good := dicomtest.Encode(dicomtest.Default())
	big := dicomtest.Default()
	big.Syntax = dicomtest.ExplicitBE
	implicit := dicomtest.Default()
	implicit.Syntax, implicit.NoPreamble = dicomtest.ImplicitLE, true
	// Pixel data (the last element) claims 4 GiB - 2.
	hostile := append([]byte(nil), good...)
	i := strings.LastIndex(string(hostile), "OW\x00\x00")
	binary.LittleEndian.PutUint32(hostile[i+4:], 0xFFFFFFFE)
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" for no error
	}{
		{"explicit little endian", good, ""},
		{"big endian", dicomtest.Encode(big), ""},
		{"implicit, no preamble", dicomtest.Encode(implicit), ""},
		{"truncated", good[:len(good)-3], "(7FE0,0010)"},
		{"4 GiB length", hostile, "its length 4294967294 runs"},
		{"cut in a header", good[:136], "ends inside"},
	} {
		err := dicomwalk.Check(tc.b)
		var we *dicomwalk.Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (!errors.As(err, &we) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
}

// FuzzCheck checks that Check never panics on any input.
func FuzzCheck(f *testing.F) {
	f.Add(dicomtest.Encode(dicomtest.Default()))
	s := dicomtest.Default()
	s.Syntax = dicomtest.ImplicitLE
	f.Add(dicomtest.Encode(s))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = dicomwalk.Check(b)
		_, _ = dicomwalk.WalkHeader(b[:len(b)/2], int64(len(b)))
	})
}

// TestWalkHeader walks the first bytes of a file (its header, and the
// start of its pixel data) and stops at the pixel data, whose length must
// fit the file's size.
func TestWalkHeader(t *testing.T) {
	b := dicomtest.Encode(dicomtest.Default())
	at := strings.LastIndex(string(b), "\xe0\x7f\x10\x00")
	l, err := dicomwalk.WalkHeader(b[:at+20], int64(len(b)))
	if err != nil || !l.HasPixels || l.HeaderEnd != at || l.Pixels != nil {
		t.Fatalf("layout %+v, %v: want the header to end at %d", l, err, at)
	}
	var we *dicomwalk.Error
	if _, err := dicomwalk.WalkHeader(b[:at+20], int64(len(b)-1)); !errors.As(err, &we) || !we.Truncated {
		t.Errorf("a file 1 byte short: %v", err)
	}
	if _, err := dicomwalk.WalkHeader(b[:at-4], int64(len(b))); !errors.As(err, &we) {
		t.Errorf("a prefix ending inside the pixel data's header: %v", err)
	}
	if l, err := dicomwalk.WalkHeader(b[:200], int64(len(b))); err == nil && l.HasPixels {
		t.Errorf("a prefix of 200 bytes: %+v", l)
	}
}
