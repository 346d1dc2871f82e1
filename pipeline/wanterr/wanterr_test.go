package wanterr

import (
	"errors"
	"testing"
)

// recorder is a testing.TB that records whether it was failed, going on
// where the real one would stop.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper() {}

func (r *recorder) Fatal(...any) { r.failed = true }

func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name         string
		err          error
		want         string
		wanted, fail bool
	}{
		{"no error, none wanted", nil, "", false, false},
		{"an error, none wanted", errors.New("boom"), "", false, true},
		{"the error wanted", errors.New("a.nii.gz: boom"), "boom", true, false},
		{"another error", errors.New("a.nii.gz: bang"), "boom", true, true},
		{"no error, one wanted", nil, "boom", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			if got := Check(r, tc.err, tc.want); got != tc.wanted || r.failed != tc.fail {
				t.Errorf("Check = %v, failed %v; want %v, failed %v", got, r.failed, tc.wanted, tc.fail)
			}
		})
	}
}
