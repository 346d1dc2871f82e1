package dicomscan_test

import (
	"strings"
	"testing"

	"kidney3d/pipeline/dicomscan"
	"kidney3d/pipeline/dicomtest"
	"kidney3d/pipeline/dicomwrite"
)

// FuzzParse checks that a header parse never panics and that every error
// names the file.
func FuzzParse(f *testing.F) {
	for _, syntax := range []string{dicomtest.ExplicitLE, dicomtest.ImplicitLE, dicomtest.ExplicitBE} {
		s := dicomtest.Default()
		s.Syntax = syntax
		f.Add(dicomtest.Encode(s))
		s.NoPreamble = true
		f.Add(dicomtest.Encode(s))
	}
	frames := dicomtest.Stack(dicomtest.Default(), 3, [3]float64{0, 0, 2})
	f.Add(dicomwrite.EncodeEnhanced(frames))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := dicomscan.ParseBytes(b, "fuzzed.dcm")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzzed.dcm") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		_ = in.IsLocalizer()
		for _, fr := range in.Frames() {
			_ = fr.Position
		}
		_ = dicomscan.Sniff(b)
	})
}
