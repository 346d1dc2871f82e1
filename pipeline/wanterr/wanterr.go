// Package wanterr checks the error a table test got against the one its
// row expects.
package wanterr

import (
	"strings"
	"testing"
)

// Check fails t unless err is what want asks for: no error where want is
// "", else an error whose text contains want. It reports whether an error
// was wanted, where a row's test ends.
func Check(t testing.TB, err error, want string) (wanted bool) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
	return true
}
