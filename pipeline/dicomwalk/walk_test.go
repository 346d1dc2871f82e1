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
	f.Fuzz(func(t *testing.T, b []byte) { _ = dicomwalk.Check(b) })
}
